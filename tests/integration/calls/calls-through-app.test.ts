// Calls through the whole core, against the AMI test server over real sockets:
// the operator's calls appear on `calls.changed` with their lookup state, end
// in History exactly once, and survive an AMI outage — a call that spanned it
// stays one call, and one that ended during it is still filed, once.
import { afterEach, describe, expect, it } from 'vitest';
import type { CallsView } from '../../../src-shared/domain/calls-view';
import type { HistoryItem } from '../../../src-shared/domain/calls-view';
import { simulateInbound, startAmiServer, type AmiServer } from '../../support/ami-server';
import { createCoreFixture, type CoreFixture } from '../../support/core-fixture';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const f of cleanups.splice(0).reverse()) await f();
});

interface Rig {
  readonly srv: AmiServer;
  readonly fx: CoreFixture;
  readonly views: CallsView[];
  /** Resolves with the first published view (from now on, or the latest) matching. */
  view(pred: (v: CallsView) => boolean): Promise<CallsView>;
  history(): Promise<readonly HistoryItem[]>;
  ready(): Promise<void>;
}

async function rig(): Promise<Rig> {
  const srv = await startAmiServer({ loginFailureDelayMs: 0, config: { rtcpIntervalMs: 0 } });
  cleanups.push(() => srv.close());
  srv.pbx.setPhone('101', { answer: 'manual' });
  const fx = await createCoreFixture();
  cleanups.push(() => fx.cleanup());
  const views: CallsView[] = [];
  const waiters: { pred: (v: CallsView) => boolean; resolve: (v: CallsView) => void }[] = [];
  let states: string[] = [];
  fx.core.subscribe((channel, payload) => {
    if (channel === 'connection.status') states.push((payload as { state: string }).state);
    if (channel !== 'calls.changed') return;
    const v = payload as CallsView;
    views.push(v);
    for (const w of [...waiters]) {
      if (w.pred(v)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(v);
      }
    }
  });
  const saved = await fx.core.dispatch('settings.update', { patch: { pbx: { host: '127.0.0.1', port: srv.port, amiUser: 'op101', extension: '101' } }, amiSecret: 'op101secret' });
  expect(saved.ok).toBe(true);
  const r: Rig = {
    srv,
    fx,
    views,
    view(pred) {
      const last = views.at(-1);
      if (last && pred(last)) return Promise.resolve(last);
      return new Promise((resolve) => waiters.push({ pred, resolve }));
    },
    async history() {
      const reply = await fx.core.dispatch('history.list', {});
      if (!reply.ok) throw new Error(reply.error.message);
      return (reply.result as { items: HistoryItem[] }).items;
    },
    async ready() {
      states = [];
      for (let i = 0; i < 500; i++) {
        const s = await fx.core.dispatch('connection.get', {});
        if (s.ok && (s.result as { state: string }).state === 'ready') return;
        await new Promise((res) => setTimeout(res, 10));
      }
      throw new Error(`never ready: ${states.join(',')}`);
    },
  };
  await r.ready();
  return r;
}

const ringing = (v: CallsView): boolean => v.live.some((c) => c.call.state === 'ringing');
const talking = (v: CallsView): boolean => v.live.some((c) => c.call.state === 'connected');
const idle = (v: CallsView): boolean => v.live.length === 0;

describe('calls through the app', () => {
  it('an inbound call rings with the number at once, is answered, ends, and is filed once', async () => {
    const r = await rig();
    simulateInbound(r.srv.pbx, { from: '79161234567', to: '101', via: 'trunk', answer: false, talkMs: 60_000 });
    const ring = await r.view(ringing);
    const call = ring.live[0];
    expect(call?.call).toMatchObject({ direction: 'inbound', state: 'ringing', remoteNumber: '79161234567' });
    expect(call?.number).toEqual({ display: '8 (916) 123-45-67', e164: '+79161234567', kind: 'external' });
    expect(call?.pop).toBe(true);
    // No CRM configured outside demo mode: the card shows the PBX's data and says so.
    expect(call?.lookup).toEqual({ status: 'skipped', reason: 'noCrm' });

    r.srv.pbx.answerPhone('101');
    await r.view(talking);
    r.srv.pbx.hangupPhone('101');
    await r.view(idle);
    const history = await r.history();
    expect(history).toHaveLength(1);
    expect(history[0]?.call).toMatchObject({ id: call?.call.id, result: 'answered', direction: 'inbound' });
  });

  it('a call that spans an AMI outage stays one call and is filed once when it ends', async () => {
    const r = await rig();
    simulateInbound(r.srv.pbx, { from: '74951234567', to: '101', via: 'trunk', answer: false, talkMs: 60_000 });
    const before = (await r.view(ringing)).live[0]?.call.id;
    r.srv.pbx.answerPhone('101');
    await r.view(talking);

    // The link drops in the middle of a message; the client reconnects, logs in and resyncs from CoreShowChannels.
    const loginsBefore = r.srv.connections.length;
    for (const c of r.srv.connections.filter((x) => !x.closed)) c.dropNow();
    await expect.poll(() => r.srv.connections.length, { timeout: 10_000 }).toBeGreaterThan(loginsBefore);
    await r.ready();
    const after = await r.view((v) => v.live.length === 1 && v.live[0]?.call.state === 'connected');
    expect(after.live.map((c) => c.call.id)).toEqual([before]);

    r.srv.pbx.hangupPhone('101');
    await r.view(idle);
    const history = await r.history();
    expect(history.map((h) => h.call.id)).toEqual([before]);
    expect(history[0]?.call.result).toBe('answered');
  });

  it('a call that ends while the AMI link is down is still filed, once', async () => {
    const r = await rig();
    simulateInbound(r.srv.pbx, { from: '78126667788', to: '101', via: 'trunk', answer: false, talkMs: 60_000 });
    const id = (await r.view(ringing)).live[0]?.call.id;
    r.srv.pbx.answerPhone('101');
    await r.view(talking);

    // Stall the session so the hangup's events never reach the client, then drop the link with them unsent.
    r.srv.stall(true);
    r.srv.pbx.hangupPhone('101');
    const loginsBefore = r.srv.connections.length;
    for (const c of r.srv.connections.filter((x) => !x.closed)) c.destroy();
    r.srv.stall(false);
    await expect.poll(() => r.srv.connections.length, { timeout: 10_000 }).toBeGreaterThan(loginsBefore);
    await r.ready();
    await r.view(idle);
    await expect.poll(async () => (await r.history()).map((h) => h.call.id)).toEqual([id]);
    // It was learnt from the resync, not from events: the tracker says so.
    expect((await r.history())[0]?.call).toMatchObject({ result: 'answered', endedWhileDisconnected: true });
    // Still once after more traffic.
    simulateInbound(r.srv.pbx, { from: '73832001122', to: '101', via: 'trunk', answer: false, talkMs: 60_000 });
    await r.view(ringing);
    r.srv.pbx.hangupPhone('101');
    await r.view(idle);
    const ids = (await r.history()).map((h) => h.call.id);
    expect(ids.filter((x) => x === id)).toHaveLength(1);
    expect(ids).toHaveLength(2);
  });

  it('a queue call a colleague answers is "answered elsewhere", not missed', async () => {
    const r = await rig();
    r.srv.pbx.setPhone('102', { answer: 'manual' });
    // The lab routes DID 74950000002 to queue "sales" (members 101 and 102, ringall).
    simulateInbound(r.srv.pbx, { from: '79035550101', to: '101', did: '74950000002', via: 'trunk', answer: false, talkMs: 60_000 });
    // AgentCalled (which names the queue) can follow the first ringing event.
    const ring = await r.view((v) => ringing(v) && v.live[0]?.call.queue !== undefined);
    expect(ring.live[0]?.call).toMatchObject({ queue: 'sales', direction: 'inbound' });
    r.srv.pbx.answerPhone('102');
    await r.view(idle);
    // The colleague's AgentConnect for the same queue call settles it at once.
    await expect.poll(async () => (await r.history()).map((h) => h.call.result), { timeout: 10_000 }).toEqual(['answeredElsewhere']);
  });
});
