// AmiConnection's state machine on a FakeClock with a scripted in-memory PBX:
// every transition, the exact reconnect schedule with a seeded random, login
// refusal without retries, keepalive, resync ordering, filtering modes, and no
// leaks across 100 reconnects.
import { afterEach, describe, expect, it } from 'vitest';
import type { ConnectionStatus } from '../../../src-shared/domain/connection';
import { AmiCodecError, getHeader } from '../../../src-main/core/ami/codec';
import {
  AmiConnection,
  AmiDisconnectedError,
  AmiNotReadyError,
  AmiTimeoutError,
  backoffCeiling,
  type AmiConnectionConfig,
  type AmiTimingOptions,
} from '../../../src-main/core/ami/connection';
import type { AmiEvent, AmiResync } from '../../../src-main/core/ami/event-source';
import { originate } from '../../../src-main/core/ami/actions';
import { FakeClock } from '../../support/fake-clock';
import { FakePbx, memoryLogger, seededRandom, settle } from './fake-pbx';

const CONFIG: AmiConnectionConfig = { host: 'pbx.test', port: 5038, tls: false, username: 'op101', secret: 'op101secret', extension: '101' };

interface Rig {
  readonly clock: FakeClock;
  readonly pbx: FakePbx;
  readonly conn: AmiConnection;
  readonly statuses: ConnectionStatus[];
  readonly events: AmiEvent[];
  readonly resyncs: AmiResync[];
  readonly log: ReturnType<typeof memoryLogger>;
}

const rigs: Rig[] = [];

function rig(pbx = new FakePbx(), opts: { seed?: number; timing?: AmiTimingOptions } = {}): Rig {
  const clock = new FakeClock();
  const log = memoryLogger();
  const conn = new AmiConnection({ transport: pbx, clock, log, random: seededRandom(opts.seed ?? 1), ...(opts.timing ? { timing: opts.timing } : {}) });
  const statuses: ConnectionStatus[] = [];
  const events: AmiEvent[] = [];
  const resyncs: AmiResync[] = [];
  conn.onStatus((s) => statuses.push(s));
  conn.onEvent((e) => events.push(e));
  conn.onResync((r) => resyncs.push(r));
  const r = { clock, pbx, conn, statuses, events, resyncs, log };
  rigs.push(r);
  return r;
}

afterEach(async () => {
  for (const r of rigs.splice(0)) {
    const done = r.conn.dispose();
    r.clock.advance(5000);
    await done;
  }
});

const states = (r: Rig): string[] => r.statuses.map((s) => s.state);

describe('AmiConnection state machine', () => {
  it('goes connecting -> loggingIn -> ready, logging in with MD5 and never sending the secret', async () => {
    const r = rig();
    r.conn.configure(CONFIG);
    expect(r.conn.status()).toEqual({ state: 'connecting', target: 'pbx.test:5038 as op101' });
    await settle();
    expect(states(r)).toEqual(['connecting', 'loggingIn', 'ready']);
    expect(r.conn.status()).toEqual({ state: 'ready', target: 'pbx.test:5038 as op101', since: r.clock.now(), filtering: 'client-only' });
    const sock = r.pbx.last;
    expect(sock.actionNames().slice(0, 3)).toEqual(['Challenge', 'Login', 'Filter']);
    const loginAction = sock.actions[1];
    expect(loginAction && getHeader(loginAction, 'AuthType')).toBe('MD5');
    expect(Buffer.concat(sock.written).toString()).not.toContain('op101secret');
    expect(sock.actionNames()).toContain('CoreShowChannels');
    // Ids carry a per-connection random prefix: other clients' OriginateResponse never matches ours.
    expect(getHeader(sock.actions[0] ?? { headers: [] }, 'ActionID')).toMatch(/^sc[0-9a-f]{8}-1$/);
  });

  it('logs in with the plain secret when asked to', async () => {
    const r = rig();
    r.conn.configure({ ...CONFIG, auth: 'plain' });
    await settle();
    expect(r.pbx.last.actionNames()[0]).toBe('Login');
    expect(r.conn.status().state).toBe('ready');
  });

  it('stops at loginRefused with Asterisk\'s message and does not retry until the settings change', async () => {
    const r = rig(new FakePbx({ secret: 'right' }));
    r.conn.configure({ ...CONFIG, secret: 'wrong' });
    await settle();
    expect(r.conn.status()).toEqual({
      state: 'loginRefused',
      target: 'pbx.test:5038 as op101',
      reason: 'AMI login refused for user op101: check the secret in Settings -> PBX (Asterisk said: Authentication failed)',
    });
    // A day of fake time: no new socket, no timer left.
    r.clock.advance(24 * 3600 * 1000);
    await settle();
    expect(r.pbx.sockets).toHaveLength(1);
    expect(r.clock.pending).toBe(0);
    // Saving the same settings again does not retry either.
    r.conn.configure({ ...CONFIG, secret: 'wrong' });
    await settle();
    expect(r.pbx.sockets).toHaveLength(1);
    // New settings do.
    r.conn.configure({ ...CONFIG, secret: 'right' });
    await settle();
    expect(r.pbx.sockets).toHaveLength(2);
    expect(r.conn.status().state).toBe('ready');
  });

  it('retryNow() tries a refused login again (IT fixed the user)', async () => {
    const pbx = new FakePbx({ secret: 'later' });
    const r = rig(pbx);
    r.conn.configure(CONFIG);
    await settle();
    expect(r.conn.status().state).toBe('loginRefused');
    pbx.opts = { secret: 'op101secret' };
    r.conn.retryNow();
    await settle();
    expect(r.conn.status().state).toBe('ready');
  });

  it('reconnects after a drop on the exact backoff schedule (seeded random)', async () => {
    const pbx = new FakePbx();
    const r = rig(pbx, { seed: 99 });
    const expected = seededRandom(99);
    r.conn.configure(CONFIG);
    await settle();
    expect(r.conn.status().state).toBe('ready');

    // The PBX drops us; every reconnect attempt is refused afterwards... except the
    // restart spread applies only to restart-like drops, so use a silent PBX (no greeting).
    pbx.opts = { onConnect: 'silent' };
    const t0 = r.clock.now();
    pbx.last.hangUp();
    await settle();
    const delays: number[] = [];
    for (let attempt = 1; attempt <= 6; attempt++) {
      const s = r.conn.status();
      if (s.state !== 'reconnecting') throw new Error(`expected reconnecting, got ${s.state}`);
      expect(s.attempt).toBe(attempt);
      delays.push(s.retryAt - r.clock.now());
      r.clock.advance(s.retryAt - r.clock.now());
      await settle();
      expect(r.conn.status().state).toBe('connecting');
      // No greeting within the connect timeout: the next attempt is scheduled.
      r.clock.advance(10_000);
      await settle();
    }
    expect(delays).toEqual([1, 2, 3, 4, 5, 6].map((n) => Math.floor(expected() * backoffCeiling(n))));
    expect(r.conn.status()).toMatchObject({ state: 'reconnecting', reason: expect.stringContaining('No answer from the PBX at pbx.test:5038 within 10 s') });
    expect(r.clock.now()).toBeGreaterThan(t0);

    // The PBX is back: ready again, and the resync says it is a reconnect.
    pbx.opts = {};
    const s = r.conn.status();
    if (s.state !== 'reconnecting') throw new Error('expected reconnecting');
    r.clock.advance(s.retryAt - r.clock.now());
    await settle();
    expect(r.conn.status().state).toBe('ready');
    expect(r.resyncs.map((x) => x.reason)).toEqual(['login', 'reconnect']);
    expect(r.pbx.open).toHaveLength(1);
  });

  it('spreads the first reconnect over 30 s after a Shutdown event, then backs off normally while refused', async () => {
    const pbx = new FakePbx();
    const r = rig(pbx, { seed: 5 });
    const expected = seededRandom(5);
    r.conn.configure(CONFIG);
    await settle();
    pbx.opts = { onConnect: 'refuse' };
    pbx.last.sendMessage([['Event', 'Shutdown'], ['Privilege', 'system,all'], ['Shutdown', 'Cleanly'], ['Restart', 'True']]);
    await settle();
    const first = r.conn.status();
    expect(first).toMatchObject({ state: 'reconnecting', attempt: 1, reason: 'The PBX is restarting' });
    if (first.state !== 'reconnecting') throw new Error('unreachable');
    expect(first.retryAt - r.clock.now()).toBe(Math.floor(expected() * 30_000));
    r.clock.advance(first.retryAt - r.clock.now());
    await settle();
    const second = r.conn.status();
    expect(second).toMatchObject({ state: 'reconnecting', attempt: 2, reason: expect.stringContaining('refused the connection') });
    if (second.state !== 'reconnecting') throw new Error('unreachable');
    expect(second.retryAt - r.clock.now()).toBe(Math.floor(expected() * 2000));
  });

  it('treats "connection refused" as a restart: the first reconnect is spread', async () => {
    const r = rig(new FakePbx({ onConnect: 'refuse' }), { seed: 3, timing: { backoff: { restartSpreadMs: 45_000 } } });
    const expected = seededRandom(3);
    r.conn.configure(CONFIG);
    await settle();
    const s = r.conn.status();
    if (s.state !== 'reconnecting') throw new Error(`expected reconnecting, got ${s.state}`);
    expect(s.retryAt - r.clock.now()).toBe(Math.floor(expected() * 45_000));
    expect(s.reason).toBe('The PBX at pbx.test:5038 refused the connection: Asterisk may be restarting, or AMI is not enabled on this port');
  });

  it('treats a second greeting on the same stream as a restart', async () => {
    const r = rig();
    r.conn.configure(CONFIG);
    await settle();
    r.pbx.last.send('Asterisk Call Manager/11.0.0\r\nEvent: FullyBooted\r\nStatus: Fully Booted\r\n\r\n');
    await settle();
    expect(r.conn.status()).toMatchObject({ state: 'reconnecting', reason: 'The PBX restarted its AMI service' });
  });

  it('pings on the keepalive interval and treats a missed Pong as a dead link', async () => {
    const pbx = new FakePbx();
    const r = rig(pbx);
    r.conn.configure(CONFIG);
    await settle();
    r.clock.advance(20_000);
    await settle();
    expect(pbx.last.actionNames().filter((a) => a === 'Ping')).toHaveLength(1);
    r.clock.advance(20_000);
    await settle();
    expect(pbx.last.actionNames().filter((a) => a === 'Ping')).toHaveLength(2);
    expect(r.conn.status().state).toBe('ready');
    pbx.opts = { answerPing: false };
    r.clock.advance(20_000);
    await settle();
    r.clock.advance(4_999);
    await settle();
    expect(r.conn.status().state).toBe('ready');
    r.clock.advance(1);
    await settle();
    expect(r.conn.status()).toMatchObject({ state: 'reconnecting', reason: 'The PBX stopped answering (no reply to Ping within 5 s)' });
  });

  it('rejects pending actions with AmiDisconnectedError when the link drops, and times actions out', async () => {
    const r = rig();
    r.conn.configure(CONFIG);
    await settle();
    const stalled = r.conn.send({ action: 'Originate', fields: { Channel: 'PJSIP/101' }, timeoutMs: 3000 });
    r.clock.advance(3000);
    const timeout = await stalled.catch((e: unknown) => e);
    expect(timeout).toBeInstanceOf(AmiTimeoutError);
    expect((timeout as Error).message).toBe('The PBX did not answer Originate within 3 s: it may be overloaded or the network is slow; try again');

    const pending = r.conn.send({ action: 'Originate', fields: { Channel: 'PJSIP/101' } });
    r.pbx.last.hangUp();
    const error = await pending.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AmiDisconnectedError);
    expect((error as Error).message).toContain('the connection to the PBX closed (The PBX at pbx.test:5038 closed the connection)');
    expect(r.conn.diagnostics().pendingActions).toBe(0);
  });

  it('refuses to send while not ready, and refuses CR/LF naming the field without writing anything', async () => {
    const r = rig();
    const early = await r.conn.send({ action: 'Ping' }).catch((e: unknown) => e);
    expect(early).toBeInstanceOf(AmiNotReadyError);
    expect((early as Error).message).toBe('Ping was not sent: Sidecall is not connected to the PBX (no PBX is configured); try again when it shows Ready');
    r.conn.configure(CONFIG);
    await settle();
    const before = r.pbx.last.written.length;
    const bad = await originate(r.conn, { channel: 'PJSIP/101', context: 'from-internal', exten: '123\r\nAction: Hangup' }).catch((e: unknown) => e);
    expect(bad).toBeInstanceOf(AmiCodecError);
    expect(bad).toMatchObject({ code: 'invalid-value', field: 'Exten' });
    expect(r.pbx.last.written.length).toBe(before);
    expect(r.conn.diagnostics().pendingActions).toBe(0);
  });

  it('hands the resync to listeners before any event of the session, holding events that arrive meanwhile', async () => {
    const pbx = new FakePbx({
      holdResync: true,
      channels: [
        [['Channel', 'PJSIP/101-0000000d'], ['Uniqueid', '1.35'], ['Linkedid', '1.33'], ['ChannelState', '6'], ['ChannelStateDesc', 'Up'], ['BridgeId', 'b1']],
        [['Channel', 'Local/101@inbound-sim-0000000a;2'], ['Uniqueid', '1.34'], ['Linkedid', '1.33'], ['ChannelState', '6']],
        [['Channel', 'PJSIP/102-0000000e'], ['Uniqueid', '2.1'], ['Linkedid', '2.1'], ['ChannelState', '4']],
      ],
    });
    const r = rig(pbx);
    const order: string[] = [];
    r.conn.onResync(() => order.push('resync'));
    r.conn.onEvent((e) => order.push(`event:${e.name}`));
    r.conn.onStatus((s) => {
      if (s.state === 'ready') order.push('status:ready');
    });
    r.conn.configure(CONFIG);
    await settle();
    expect(r.conn.status().state).toBe('loggingIn');
    pbx.last.sendMessage([['Event', 'Newstate'], ['Channel', 'PJSIP/101-0000000d'], ['ChannelState', '6']]);
    pbx.last.sendMessage([['Event', 'Newstate'], ['Channel', 'PJSIP/102-0000000e'], ['ChannelState', '6']]);
    await settle();
    expect(r.events).toEqual([]);
    pbx.release();
    await settle();
    expect(order).toEqual(['resync', 'event:Newstate', 'status:ready']);
    const resync = r.resyncs[0];
    expect(resync).toMatchObject({ reason: 'login', source: 'CoreShowChannels' });
    expect(resync?.channels.map((c) => c.channel)).toEqual(['PJSIP/101-0000000d', 'Local/101@inbound-sim-0000000a;2', 'PJSIP/102-0000000e']);
    expect(resync?.related.map((c) => c.channel)).toEqual(['PJSIP/101-0000000d', 'Local/101@inbound-sim-0000000a;2']);
    expect(resync?.channels[0]).toMatchObject({ uniqueid: '1.35', linkedid: '1.33', channelState: 6, channelStateDesc: 'Up', bridgeId: 'b1' });
  });

  it('delivers only this operator\'s events, plus events carrying its own ActionIDs', async () => {
    const pbx = new FakePbx();
    const r = rig(pbx);
    pbx.onAction = (m, _socket, reply) => {
      if (getHeader(m, 'Action') === 'Originate') reply(['Response', 'Success'], ['Message', 'Originate successfully queued']);
    };
    r.conn.configure(CONFIG);
    await settle();
    const sock = pbx.last;
    const res = await originate(r.conn, { channel: 'PJSIP/101', context: 'from-internal', exten: '84951234567' });
    sock.sendMessage([['Event', 'Newchannel'], ['Channel', 'PJSIP/1010-00000001']]);
    sock.sendMessage([['Event', 'Newchannel'], ['Channel', 'PJSIP/102-00000001']]);
    sock.sendMessage([['Event', 'DialBegin'], ['Channel', 'Local/x;2'], ['DestChannel', 'PJSIP/101-0000000f']]);
    // A failed originate names the device without a suffix; it is ours by ActionID.
    sock.sendMessage([['Event', 'OriginateResponse'], ['ActionID', res.actionId], ['Response', 'Failure'], ['Channel', 'PJSIP/101'], ['Reason', '0']]);
    // Another client's OriginateResponse (broadcast by Asterisk) is not.
    sock.sendMessage([['Event', 'OriginateResponse'], ['ActionID', 'sc0000abcd-1'], ['Response', 'Failure'], ['Channel', 'PJSIP/102']]);
    await settle();
    expect(r.events.map((e) => `${e.name}:${getHeader(e.message, 'Channel') ?? ''}`)).toEqual(['DialBegin:Local/x;2', 'OriginateResponse:PJSIP/101']);
    expect(r.events[0]?.receivedAt).toBe(r.clock.now());
  });

  it('reports filter-action+client when the Filter action is allowed, and adds the ami-config filters', async () => {
    const pbx = new FakePbx({ filterAllowed: true });
    const r = rig(pbx);
    r.conn.configure(CONFIG);
    await settle();
    expect(r.conn.status()).toMatchObject({ state: 'ready', filtering: 'filter-action+client' });
    const filters = pbx.last.actions.filter((a) => getHeader(a, 'Action') === 'Filter').map((a) => getHeader(a, 'Filter'));
    expect(filters).toEqual([
      '!Event: CEL',
      'Channel: (PJSIP|SIP|IAX2)/101[^0-9]',
      'Interface: (PJSIP|SIP|IAX2)/101[^0-9]',
      // Include filters would drop these: a restart notice, and results of our own actions.
      'Event: Shutdown',
      expect.stringMatching(/^ActionID: sc[0-9a-f]{8}-$/),
    ]);
    expect(pbx.last.actions.filter((a) => getHeader(a, 'Action') === 'Filter').every((a) => getHeader(a, 'Operation') === 'Add')).toBe(true);
  });

  it('falls back silently to client-only on Permission denied, and claims pbx-eventfilter only until a foreign event disproves it', async () => {
    const pbx = new FakePbx();
    const r = rig(pbx);
    r.conn.configure({ ...CONFIG, pbxEventFilter: true });
    await settle();
    expect(r.conn.status()).toMatchObject({ state: 'ready', filtering: 'pbx-eventfilter+client' });
    expect(r.log.records.filter((x) => x.level === 'warn' || x.level === 'error')).toEqual([]);
    pbx.last.sendMessage([['Event', 'Newchannel'], ['Channel', 'PJSIP/102-00000001']]);
    await settle();
    expect(r.conn.status()).toMatchObject({ state: 'ready', filtering: 'client-only' });
    expect(r.log.records.some((x) => x.level === 'warn' && x.message.includes('PBX eventfilter expected'))).toBe(true);
  });

  it('falls back to Status for the resync when CoreShowChannels is denied', async () => {
    const pbx = new FakePbx({ deny: ['coreshowchannels'] });
    const r = rig(pbx);
    pbx.onAction = (m, socket, reply) => {
      if (getHeader(m, 'Action') !== 'Status') return;
      const id = getHeader(m, 'ActionID') ?? '';
      reply(['Response', 'Success'], ['EventList', 'start'], ['Message', 'Channel status will follow']);
      socket.sendMessage([['Event', 'Status'], ['Privilege', 'Call'], ['Channel', 'PJSIP/101-00000001'], ['Uniqueid', 'u1'], ['Linkedid', 'u1'], ['Data', '(Outgoing Line)'], ['Seconds', '75'], ['ActionID', id]]);
      socket.sendMessage([['Event', 'StatusComplete'], ['ActionID', id], ['EventList', 'Complete'], ['ListItems', '1']]);
    };
    r.conn.configure(CONFIG);
    await settle();
    expect(r.conn.status().state).toBe('ready');
    expect(r.resyncs[0]).toMatchObject({ source: 'Status' });
    expect(r.resyncs[0]?.channels[0]).toMatchObject({ channel: 'PJSIP/101-00000001', applicationData: '(Outgoing Line)', duration: '00:01:15' });
  });

  it('a drop before the greeting, a greeting timeout and an unknown host give operator-readable reasons', async () => {
    const pbx = new FakePbx({ onConnect: 'silent' });
    const r = rig(pbx);
    r.conn.configure(CONFIG);
    await settle();
    pbx.last.hangUp();
    await settle();
    expect(r.conn.status()).toMatchObject({ state: 'reconnecting', reason: expect.stringContaining('closed the connection before greeting') });
    const s = r.conn.status();
    if (s.state !== 'reconnecting') throw new Error('unreachable');
    r.clock.advance(s.retryAt - r.clock.now());
    await settle();
    pbx.last.fail('ENOTFOUND', 'getaddrinfo ENOTFOUND pbx.test');
    await settle();
    expect(r.conn.status()).toMatchObject({ state: 'reconnecting', reason: 'Cannot find the PBX host "pbx.test": check the address in Settings -> PBX and the network' });
  });

  it('a server that does not greet like AMI is reported as the wrong port', async () => {
    const pbx = new FakePbx({ onConnect: 'silent' });
    const r = rig(pbx);
    r.conn.configure(CONFIG);
    await settle();
    pbx.last.send('HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n');
    await settle();
    expect(r.conn.status()).toMatchObject({ state: 'reconnecting', reason: expect.stringContaining('does not answer like Asterisk AMI') });
  });

  it('configure(null) disconnects to unconfigured; a bad channel pattern is an error status', async () => {
    const r = rig();
    r.conn.configure(CONFIG);
    await settle();
    r.conn.configure(null);
    await settle();
    expect(r.conn.status()).toEqual({ state: 'unconfigured' });
    expect(r.pbx.open).toHaveLength(0);
    expect(r.clock.pending).toBe(0);
    r.conn.configure({ ...CONFIG, channelPattern: '^PJSIP/101-' });
    expect(r.conn.status()).toMatchObject({ state: 'error', reason: expect.stringContaining('channel pattern') });
  });

  it('leaks nothing across 100 reconnects: one open socket, one listener of each kind, bounded timers', async () => {
    const pbx = new FakePbx();
    const r = rig(pbx);
    r.conn.configure(CONFIG);
    await settle();
    let maxTimers = 0;
    for (let i = 0; i < 100; i++) {
      pbx.last.hangUp();
      await settle();
      const s = r.conn.status();
      if (s.state !== 'reconnecting') throw new Error(`round ${i}: ${s.state}`);
      maxTimers = Math.max(maxTimers, r.clock.pending);
      r.clock.advance(s.retryAt - r.clock.now());
      await settle();
      expect(r.conn.status().state).toBe('ready');
      maxTimers = Math.max(maxTimers, r.clock.pending);
    }
    expect(pbx.sockets).toHaveLength(101);
    expect(pbx.open).toHaveLength(1);
    for (const s of pbx.sockets.slice(0, -1)) {
      expect([s.listenerCount('data'), s.listenerCount('error'), s.listenerCount('close')]).toEqual([0, 0, 0]);
    }
    expect([pbx.last.listenerCount('data'), pbx.last.listenerCount('error'), pbx.last.listenerCount('close')]).toEqual([1, 1, 1]);
    // Ready: the keepalive only. Waiting: the retry only.
    expect(maxTimers).toBeLessThanOrEqual(1);
    expect(r.conn.diagnostics()).toMatchObject({ openSockets: 1, connects: 101, pendingActions: 0, listeners: { event: 1, resync: 1, status: 1 } });
    expect(r.resyncs).toHaveLength(101);
  });

  it('dispose() logs off, closes the socket and leaves no timer or listener', async () => {
    const pbx = new FakePbx();
    const r = rig(pbx);
    r.conn.configure(CONFIG);
    await settle();
    await r.conn.dispose();
    expect(pbx.last.actionNames().at(-1)).toBe('Logoff');
    expect(pbx.open).toHaveLength(0);
    expect(r.clock.pending).toBe(0);
    expect(r.conn.diagnostics()).toMatchObject({ openSockets: 0, listeners: { event: 0, resync: 0, status: 0 } });
    r.conn.configure(CONFIG);
    expect(pbx.sockets).toHaveLength(1);
  });

  it('survives listeners that reconfigure or dispose from inside a status change', async () => {
    const pbx = new FakePbx();
    const r = rig(pbx);
    let once = true;
    r.conn.onStatus((s) => {
      if (s.state === 'connecting' && once) {
        once = false;
        r.conn.configure({ ...CONFIG, extension: '102' });
      }
    });
    r.conn.configure(CONFIG);
    await settle();
    expect(pbx.sockets).toHaveLength(1);
    expect(r.conn.status().state).toBe('ready');

    const pbx2 = new FakePbx();
    const r2 = rig(pbx2);
    r2.conn.onStatus((s) => {
      if (s.state === 'loggingIn') void r2.conn.dispose();
    });
    r2.conn.configure(CONFIG);
    await settle();
    expect(pbx2.open).toHaveLength(0);
    expect(r2.clock.pending).toBe(0);
  });

  it('dispose() while waiting to reconnect cancels the retry', async () => {
    const pbx = new FakePbx({ onConnect: 'refuse' });
    const r = rig(pbx);
    r.conn.configure(CONFIG);
    await settle();
    expect(r.conn.status().state).toBe('reconnecting');
    await r.conn.dispose();
    expect(r.clock.pending).toBe(0);
    r.clock.advance(120_000);
    expect(pbx.sockets).toHaveLength(1);
  });
});
