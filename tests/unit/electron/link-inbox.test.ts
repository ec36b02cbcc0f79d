// Links from the OS wait for the core and arrive once: queue before the core
// is up, delivery in order after, the same link within a second dropped.
import { describe, expect, it } from 'vitest';
import { createLinkInbox, type InboxLink } from '../../../src-main/hosts/electron/link-inbox';

function setup(opts: { dedupeMs?: number; maxQueued?: number } = {}) {
  let now = 1_000_000;
  const inbox = createLinkInbox({ now: () => now, ...opts });
  const delivered: InboxLink[] = [];
  return {
    inbox,
    delivered,
    deliver: (l: InboxLink) => delivered.push(l),
    advance: (ms: number) => (now += ms),
  };
}

describe('createLinkInbox', () => {
  it('queues links until the core is up, then delivers them in arrival order, and later ones at once', () => {
    const t = setup();
    expect(t.inbox.push({ uri: 'tel:1', source: 'open-url' })).toBe('queued');
    t.advance(10);
    expect(t.inbox.push({ uri: 'tel:2', source: 'argv' })).toBe('queued');
    expect(t.delivered).toEqual([]);
    t.inbox.open(t.deliver);
    expect(t.delivered.map((l) => `${l.source} ${l.uri}`)).toEqual(['open-url tel:1', 'argv tel:2']);
    expect(t.inbox.push({ uri: 'tel:3', source: 'second-instance' })).toBe('delivered');
    expect(t.delivered.at(-1)).toEqual({ uri: 'tel:3', source: 'second-instance' });
    // Opening twice does not deliver anything twice.
    t.inbox.open(t.deliver);
    expect(t.delivered).toHaveLength(3);
  });

  it('drops the same link arriving again within a second (argv and second-instance on Windows), from any source', () => {
    const t = setup();
    t.inbox.open(t.deliver);
    expect(t.inbox.push({ uri: 'tel:+79161234567', source: 'argv' })).toBe('delivered');
    t.advance(400);
    expect(t.inbox.push({ uri: 'tel:+79161234567', source: 'second-instance' })).toBe('duplicate');
    // A different link is not a duplicate.
    expect(t.inbox.push({ uri: 'tel:+79161234568', source: 'second-instance' })).toBe('delivered');
    t.advance(600);
    // A second after the first arrival the operator may really mean it again.
    expect(t.inbox.push({ uri: 'tel:+79161234567', source: 'open-url' })).toBe('delivered');
    expect(t.delivered.map((l) => l.uri)).toEqual(['tel:+79161234567', 'tel:+79161234568', 'tel:+79161234567']);
  });

  it('dedupes while queued too, timed from arrival rather than from when the core came up', () => {
    const t = setup();
    expect(t.inbox.push({ uri: 'tel:5', source: 'argv' })).toBe('queued');
    t.advance(300);
    expect(t.inbox.push({ uri: 'tel:5', source: 'second-instance' })).toBe('duplicate');
    t.advance(5_000);
    t.inbox.open(t.deliver);
    expect(t.delivered.map((l) => l.source)).toEqual(['argv']);
  });

  it('keeps a bounded queue before the core is up, so a flood cannot pile up confirm cards', () => {
    const t = setup({ maxQueued: 3 });
    const outcomes = Array.from({ length: 5 }, (_, i) => t.inbox.push({ uri: `tel:${i}`, source: 'open-url' }));
    expect(outcomes).toEqual(['queued', 'queued', 'queued', 'dropped', 'dropped']);
    t.inbox.open(t.deliver);
    expect(t.delivered.map((l) => l.uri)).toEqual(['tel:0', 'tel:1', 'tel:2']);
  });

  it('remembers a bounded number of recent links: a flood of different ones keeps memory flat and still delivers', () => {
    const t = setup();
    t.inbox.open(t.deliver);
    for (let i = 0; i < 1000; i++) expect(t.inbox.push({ uri: `tel:${i}`, source: 'second-instance' })).toBe('delivered');
    // The most recent ones are still remembered.
    expect(t.inbox.push({ uri: 'tel:999', source: 'second-instance' })).toBe('duplicate');
  });

  it('delivers nothing after close (quit)', () => {
    const t = setup();
    t.inbox.push({ uri: 'tel:1', source: 'open-url' });
    t.inbox.close();
    t.inbox.open(t.deliver);
    expect(t.inbox.push({ uri: 'tel:2', source: 'open-url' })).toBe('dropped');
    expect(t.delivered).toEqual([]);
  });

  it('uses a custom dedupe window', () => {
    const t = setup({ dedupeMs: 50 });
    t.inbox.open(t.deliver);
    t.inbox.push({ uri: 'tel:1', source: 'argv' });
    t.advance(49);
    expect(t.inbox.push({ uri: 'tel:1', source: 'argv' })).toBe('duplicate');
    t.advance(1);
    expect(t.inbox.push({ uri: 'tel:1', source: 'argv' })).toBe('delivered');
  });
});
