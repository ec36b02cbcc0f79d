// ActionID correlation: replies, errors, event lists (Complete before or after
// the reply), timeouts on the fake clock, late list items, and rejection of
// everything pending when the socket closes.
import { describe, expect, it } from 'vitest';
import type { AmiHeader, AmiMessage } from '../../../src-main/core/ami/codec';
import {
  AmiActionError,
  AmiDisconnectedError,
  AmiTimeoutError,
  PendingActions,
} from '../../../src-main/core/ami/connection';
import { FakeClock } from '../../support/fake-clock';

const msg = (...headers: AmiHeader[]): AmiMessage => ({ headers });

describe('PendingActions', () => {
  it('resolves on the reply with its ActionID and clears the timer', async () => {
    const clock = new FakeClock();
    const p = new PendingActions(clock);
    const reply = p.add('a1', 'Ping', undefined, 5000);
    expect(clock.pending).toBe(1);
    expect(p.onResponse(msg(['Response', 'Success'], ['ActionID', 'a2']))).toBe(false);
    expect(p.onResponse(msg(['Response', 'Success'], ['ActionID', 'a1'], ['Ping', 'Pong']))).toBe(true);
    const r = await reply;
    expect(r).toMatchObject({ action: 'Ping', actionId: 'a1', response: 'Success', items: [], complete: undefined });
    expect(clock.pending).toBe(0);
    expect(p.size).toBe(0);
  });

  it('rejects Response: Error with AmiActionError carrying Asterisk\'s Message', async () => {
    const p = new PendingActions(new FakeClock());
    const reply = p.add('a1', 'Filter', undefined, 5000);
    p.onResponse(msg(['Response', 'Error'], ['ActionID', 'a1'], ['Message', 'Permission denied']));
    const error = await reply.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AmiActionError);
    expect(error).toMatchObject({ code: 'action-failed', action: 'Filter', asteriskMessage: 'Permission denied', permissionDenied: true });
    expect((error as Error).message).toContain('Permission denied');
  });

  it('collects an event list until its Complete event', async () => {
    const p = new PendingActions(new FakeClock());
    const reply = p.add('L', 'CoreShowChannels', { completeEvent: 'CoreShowChannelsComplete' }, 5000);
    p.onResponse(msg(['Response', 'Success'], ['ActionID', 'L'], ['EventList', 'start']));
    expect(p.onEvent('L', msg(['Event', 'CoreShowChannel'], ['ActionID', 'L'], ['Channel', 'PJSIP/101-1']))).toBe(true);
    expect(p.onEvent('L', msg(['Event', 'CoreShowChannel'], ['ActionID', 'L'], ['Channel', 'PJSIP/102-1']))).toBe(true);
    expect(p.onEvent('L', msg(['Event', 'CoreShowChannelsComplete'], ['ActionID', 'L'], ['EventList', 'Complete'], ['ListItems', '2']))).toBe(true);
    const r = await reply;
    expect(r.items.map((m) => m.headers[2]?.[1])).toEqual(['PJSIP/101-1', 'PJSIP/102-1']);
    expect(r.complete?.headers[0]).toEqual(['Event', 'CoreShowChannelsComplete']);
  });

  it('treats a reply with EventList: start as a list even when not declared, and accepts items before the reply', async () => {
    const p = new PendingActions(new FakeClock());
    const undeclared = p.add('U', 'QueueStatus', undefined, 5000);
    p.onResponse(msg(['Response', 'Success'], ['ActionID', 'U'], ['EventList', 'start']));
    p.onEvent('U', msg(['Event', 'QueueParams'], ['ActionID', 'U']));
    p.onEvent('U', msg(['Event', 'QueueStatusComplete'], ['ActionID', 'U'], ['EventList', 'Complete']));
    expect((await undeclared).items).toHaveLength(1);

    const early = p.add('E', 'Status', { completeEvent: 'StatusComplete' }, 5000);
    p.onEvent('E', msg(['Event', 'Status'], ['ActionID', 'E']));
    // An older Asterisk ends the list by the event name alone.
    p.onEvent('E', msg(['Event', 'StatusComplete'], ['ActionID', 'E']));
    p.onResponse(msg(['Response', 'Success'], ['ActionID', 'E']));
    expect((await early).items).toHaveLength(1);
  });

  it('does not consume an event with the ActionID of a non-list action (OriginateResponse)', () => {
    const p = new PendingActions(new FakeClock());
    void p.add('O', 'Originate', undefined, 5000).catch(() => undefined);
    expect(p.onEvent('O', msg(['Event', 'OriginateResponse'], ['ActionID', 'O'], ['Response', 'Failure']))).toBe(false);
  });

  it('times out on the clock with AmiTimeoutError, then swallows that list\'s late items', async () => {
    const clock = new FakeClock();
    const p = new PendingActions(clock);
    const reply = p.add('L', 'CoreShowChannels', true, 30_000);
    clock.advance(29_999);
    expect(p.size).toBe(1);
    clock.advance(1);
    const error = await reply.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AmiTimeoutError);
    expect(error).toMatchObject({ code: 'timeout', action: 'CoreShowChannels', timeoutMs: 30_000 });
    expect((error as Error).message).toContain('within 30 s');
    expect(p.onResponse(msg(['Response', 'Success'], ['ActionID', 'L']))).toBe(false);
    expect(p.onEvent('L', msg(['Event', 'CoreShowChannel'], ['ActionID', 'L']))).toBe(true);
    expect(p.onEvent('L', msg(['Event', 'CoreShowChannelsComplete'], ['ActionID', 'L'], ['EventList', 'Complete']))).toBe(true);
    // After its Complete, the id is forgotten.
    expect(p.onEvent('L', msg(['Event', 'CoreShowChannel'], ['ActionID', 'L']))).toBe(false);
  });

  it('rejects everything pending with AmiDisconnectedError and leaves no timers', async () => {
    const clock = new FakeClock();
    const p = new PendingActions(clock);
    const a = p.add('a', 'Originate', undefined, 5000);
    const b = p.add('b', 'CoreShowChannels', true, 5000);
    p.rejectAll('The PBX closed the connection');
    for (const reply of [a, b]) {
      const error = await reply.catch((e: unknown) => e);
      expect(error).toBeInstanceOf(AmiDisconnectedError);
      expect((error as AmiDisconnectedError).reason).toBe('The PBX closed the connection');
    }
    expect(clock.pending).toBe(0);
    expect(p.size).toBe(0);
  });

  it('refuses a duplicate ActionID', () => {
    const p = new PendingActions(new FakeClock());
    void p.add('x', 'Ping', undefined, 1000).catch(() => undefined);
    expect(() => p.add('x', 'Ping', undefined, 1000)).toThrow(/already pending/);
  });
});
