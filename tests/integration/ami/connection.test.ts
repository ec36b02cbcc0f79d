// AmiConnection over real sockets against the AMI test server: login (MD5,
// plain, TLS, refused without retry spin), action timeout on a stalled server,
// event lists on live calls, Response: Follows, reconnect after a drop and
// after a PBX restart with the backoff schedule read off a FakeClock, and no
// leaked sockets, listeners or timers after 100 reconnects.
import { afterEach, describe, expect, it } from 'vitest';
import { AmiDisconnectedError, AmiTimeoutError, backoffCeiling } from '../../../src-main/core/ami/connection';
import { coreShowChannels, ping, status as statusAction } from '../../../src-main/core/ami/actions';
import { simulateInbound, startAmiServer, testTlsMaterial, type AmiServer, type AmiServerOptions } from '../../support/ami-server';
import { getHeader } from '../../../src-main/core/ami/codec';
import { FakeClock } from '../../support/fake-clock';
import { client, configFor, fireRetry, isState, seededRandom, tick, type Client } from './support';

const servers: AmiServer[] = [];
const clients: Client[] = [];

async function server(opts: AmiServerOptions = {}): Promise<AmiServer> {
  const s = await startAmiServer({ loginFailureDelayMs: 0, ...opts });
  servers.push(s);
  return s;
}

function newClient(opts: Parameters<typeof client>[0] = {}): Client {
  const c = client(opts);
  clients.push(c);
  return c;
}

afterEach(async () => {
  for (const c of clients.splice(0)) await c.close();
  for (const s of servers.splice(0)) await s.close();
});

describe('AMI connection against the test server', () => {
  it('logs in with MD5 and reaches ready after the resync; the secret never crosses the wire', async () => {
    const srv = await server();
    const c = newClient();
    c.conn.configure(configFor(srv, 'op101', 'op101secret'));
    const ready = await c.until(isState('ready'));
    expect(ready).toMatchObject({ state: 'ready', target: `127.0.0.1:${srv.port} as op101`, filtering: 'client-only' });
    expect(c.statuses.map((s) => s.state)).toEqual(['connecting', 'loggingIn', 'ready']);
    const conn = srv.connections[0];
    // Filter is tried once: op101 lacks write=system, so the answer is Permission denied.
    expect(conn?.actions.map((a) => getHeader(a, 'Action'))).toEqual(['Challenge', 'Login', 'Filter', 'CoreShowChannels']);
    expect(conn?.received.toString()).not.toContain('op101secret');
    expect(c.resyncs).toMatchObject([{ reason: 'login', source: 'CoreShowChannels', channels: [] }]);
    expect(c.conn.diagnostics()).toMatchObject({ amiVersion: '11.0.0', openSockets: 1 });
  });

  it('logs in with the plain secret', async () => {
    const srv = await server();
    const c = newClient();
    c.conn.configure(configFor(srv, 'op101', 'op101secret', { auth: 'plain' }));
    await c.until(isState('ready'));
    expect(srv.connections[0]?.actions.map((a) => getHeader(a, 'Action')).slice(0, 2)).toEqual(['Login', 'Filter']);
  });

  it('logs in over TLS, and explains a certificate it cannot trust', async () => {
    const { key, cert } = testTlsMaterial();
    const srv = await server({ tls: { key, cert } });
    const trusted = newClient();
    trusted.conn.configure(configFor(srv, 'op101', 'op101secret', { tls: true, ca: cert }));
    expect(await trusted.until(isState('ready'))).toMatchObject({ target: `127.0.0.1:${srv.port} (TLS) as op101` });

    const untrusted = newClient();
    untrusted.conn.configure(configFor(srv, 'op101', 'op101secret', { tls: true }));
    const s = await untrusted.until(isState('reconnecting'));
    expect(s).toMatchObject({ reason: expect.stringContaining("The PBX's TLS certificate was not accepted") });
  });

  it('stops at loginRefused with Asterisk\'s message and makes no further attempt for a day of fake time', async () => {
    const srv = await server();
    const c = newClient();
    c.conn.configure(configFor(srv, 'op101', 'wrong'));
    expect(await c.until(isState('loginRefused'))).toEqual({
      state: 'loginRefused',
      target: `127.0.0.1:${srv.port} as op101`,
      reason: 'AMI login refused for user op101: check the secret in Settings -> PBX (Asterisk said: Authentication failed)',
    });
    for (let hour = 0; hour < 24; hour++) {
      c.clock.advance(3600_000);
      await tick();
    }
    expect(srv.connections).toHaveLength(1);
    expect(c.clock.pending).toBe(0);
    expect(c.conn.diagnostics().openSockets).toBe(0);

    // New settings: one new attempt, which works.
    c.conn.configure(configFor(srv, 'op101', 'op101secret'));
    await c.until(isState('ready'));
    expect(srv.connections).toHaveLength(2);
  });

  it('treats a server that refuses every login (refuseLogins) the same way', async () => {
    const srv = await server();
    srv.refuseLogins(true);
    const c = newClient();
    c.conn.configure(configFor(srv, 'op101', 'op101secret'));
    await c.until(isState('loginRefused'));
    c.clock.advance(600_000);
    await tick();
    expect(srv.connections).toHaveLength(1);
  });

  it('times an action out on a stalled server, and a missed Ping drops and reconnects the link', async () => {
    const srv = await server();
    const c = newClient();
    c.conn.configure(configFor(srv, 'op101', 'op101secret'));
    await c.until(isState('ready'));
    srv.stall(true);
    const stalled = ping(c.conn, { replyTimeoutMs: 2000 });
    await tick();
    c.clock.advance(2000);
    const error = await stalled.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AmiTimeoutError);
    expect(error).toMatchObject({ action: 'Ping', timeoutMs: 2000 });

    // Keepalive: a Ping every 20 s; 5 s without its Pong is a dead link.
    c.clock.advance(20_000);
    await tick();
    c.clock.advance(5_000);
    expect(await c.until(isState('reconnecting'))).toMatchObject({ reason: 'The PBX stopped answering (no reply to Ping within 5 s)' });
    srv.stall(false);
    fireRetry(c);
    await c.until(isState('ready'));
    expect(c.conn.diagnostics().openSockets).toBe(1);
  });

  it('rejects the actions pending when the connection drops with AmiDisconnectedError', async () => {
    const srv = await server();
    const c = newClient();
    c.conn.configure(configFor(srv, 'op101', 'op101secret'));
    await c.until(isState('ready'));
    srv.stall(true);
    const pending = [ping(c.conn), coreShowChannels(c.conn)].map((p) => p.catch((e: unknown) => e));
    await tick();
    srv.connections[0]?.destroy();
    for (const error of await Promise.all(pending)) {
      expect(error).toBeInstanceOf(AmiDisconnectedError);
      // A close or a reset, depending on what the server had not read yet.
      expect((error as AmiDisconnectedError).reason).toMatch(/closed the connection|was reset/);
    }
    expect(c.conn.diagnostics().pendingActions).toBe(0);
  });

  it('collects event lists (CoreShowChannels, Status) of live calls, and resyncs them at login', async () => {
    const pbxClock = new FakeClock();
    const srv = await server({ clock: pbxClock });
    const call = simulateInbound(srv.pbx, { from: '79161234567', fromName: 'Ivan Petrov', to: '101', talkMs: 600_000 });
    pbxClock.advance(1000);
    const c = newClient();
    c.conn.configure(configFor(srv, 'op101', 'op101secret'));
    await c.until(isState('ready'));
    const resync = c.resyncs[0];
    expect(resync?.related.map((ch) => ch.channel).sort()).toEqual(
      expect.arrayContaining([expect.stringMatching(/^PJSIP\/101-/), expect.stringMatching(/^Local\/101@inbound-sim-.*;1$/), expect.stringMatching(/^Local\/101@inbound-sim-.*;2$/)]),
    );
    expect(resync?.related.every((ch) => ch.linkedid === call.linkedid)).toBe(true);

    const channels = await coreShowChannels(c.conn);
    const op = channels.find((ch) => ch.channel.startsWith('PJSIP/101-'));
    expect(op).toMatchObject({ channelState: 6, channelStateDesc: 'Up', callerIdNum: '101', connectedLineNum: '79161234567', linkedid: call.linkedid });
    expect(op?.bridgeId).not.toBe('');
    const st = await statusAction(c.conn);
    expect(st.map((ch) => ch.channel).sort()).toEqual(channels.map((ch) => ch.channel).sort());
    // The list items went to the list, not to the event listeners.
    expect(c.events.some((e) => e.name === 'CoreShowChannel' || e.name === 'Status')).toBe(false);
  });

  it('handles Response: Follows (Command)', async () => {
    const srv = await server();
    const c = newClient();
    c.conn.configure(configFor(srv, 'crm', 'crmsecret'));
    await c.until(isState('ready'));
    const r = await c.conn.send({ action: 'Command', fields: { Command: 'core show version' } });
    expect(['Follows', 'Success']).toContain(r.response);
    expect(r.message.output?.join('\n')).toMatch(/Asterisk/);
  });

  it('reconnects after drops on the exact backoff schedule, with a resync each time', async () => {
    const srv = await server();
    // No keepalive Ping inside the fake 30 s below (its Pong could not arrive while the clock jumps).
    const c = newClient({ seed: 11, timing: { keepaliveMs: 3_600_000 } });
    const expected = seededRandom(11);
    c.conn.configure(configFor(srv, 'op101', 'op101secret'));
    await c.until(isState('ready'));
    const delays: number[] = [];
    for (let n = 1; n <= 4; n++) {
      // Cut a message in half and drop, as a broken network would.
      srv.connections.at(-1)?.dropNow();
      const s = await c.until(isState('reconnecting'));
      expect(s).toMatchObject({ attempt: n, reason: expect.stringContaining('closed the connection') });
      delays.push(fireRetry(c));
      await c.until(isState('ready'));
    }
    // Each session lasted no time at all (< stableMs), so it is one outage: ceilings 1, 2, 4, 8 s.
    expect(delays).toEqual([1, 2, 3, 4].map((n) => Math.floor(expected() * backoffCeiling(n))));
    expect(c.resyncs.map((r) => r.reason)).toEqual(['login', 'reconnect', 'reconnect', 'reconnect', 'reconnect']);

    // A session that stayed up for stableMs ends the outage: the next drop starts at attempt 1 again.
    c.clock.advance(30_000);
    await ping(c.conn);
    srv.connections.at(-1)?.destroy();
    expect(await c.until(isState('reconnecting'))).toMatchObject({ attempt: 1 });
  });

  it('after a PBX restart (Shutdown, then a new greeting) spreads the first reconnect over 30 s', async () => {
    const srv = await server();
    const c = newClient({ seed: 21 });
    // crm may use the Filter action: its filters must still let Shutdown through.
    const expected = seededRandom(21);
    // crm has read=system, so it gets the Shutdown event (operators only see the close).
    c.conn.configure(configFor(srv, 'crm', 'crmsecret'));
    await c.until(isState('ready'));
    const restarted = srv.restart();
    const s = await c.until(isState('reconnecting'));
    expect(s).toMatchObject({ attempt: 1, reason: 'The PBX is restarting' });
    await restarted;
    expect(fireRetry(c)).toBe(Math.floor(expected() * 30_000));
    await c.until(isState('ready'));
    expect(srv.connections).toHaveLength(2);
    expect(c.resyncs.map((r) => r.reason)).toEqual(['login', 'reconnect']);
  });

  it('an operator sees the close and then "connection refused" while the PBX is down: the refused connect gets the spread', async () => {
    const first = await server();
    const port = first.port;
    const c = newClient({ seed: 31 });
    const expected = seededRandom(31);
    c.conn.configure(configFor(first, 'op101', 'op101secret'));
    await c.until(isState('ready'));
    await first.close();
    servers.splice(servers.indexOf(first), 1);
    expect(await c.until(isState('reconnecting'))).toMatchObject({ attempt: 1, reason: expect.stringContaining('closed the connection') });
    expect(fireRetry(c)).toBe(Math.floor(expected() * 1000));
    const refused = await c.until((x) => x.state === 'reconnecting' && x.attempt === 2);
    expect(refused).toMatchObject({ reason: expect.stringContaining('refused the connection') });
    expect(fireRetry(c)).toBe(Math.floor(expected() * 30_000));
    // Still down: ordinary backoff from now on.
    await c.until((x) => x.state === 'reconnecting' && x.attempt === 3);
    expect(fireRetry(c)).toBe(Math.floor(expected() * backoffCeiling(3)));
    await c.until((x) => x.state === 'reconnecting' && x.attempt === 4);
    // Back up on the same port.
    await server({ port });
    fireRetry(c);
    await c.until(isState('ready'));
  });

  it('reaches ready when the server splits every write into single bytes', async () => {
    const pbxClock = new FakeClock();
    const srv = await server({ clock: pbxClock, splitWrites: 'every-byte' });
    const c = newClient();
    c.conn.configure(configFor(srv, 'op101', 'op101secret'));
    await c.until(isState('ready'));
    simulateInbound(srv.pbx, { from: '79161234567', fromName: 'Пётр Иванов', to: '101', talkMs: 600_000 });
    pbxClock.advance(1000);
    const dial = await c.event((e) => e.name === 'DialBegin');
    expect(getHeader(dial.message, 'DestChannel')).toMatch(/^PJSIP\/101-/);
    expect(getHeader(dial.message, 'CallerIDName')).toBe('Пётр Иванов');
  });

  it('leaks nothing across 100 reconnects: sockets, listeners and timers stay bounded', async () => {
    const srv = await server();
    const c = newClient();
    c.conn.configure(configFor(srv, 'op101', 'op101secret'));
    await c.until(isState('ready'));
    let maxTimers = c.clock.pending;
    for (let i = 0; i < 100; i++) {
      srv.connections.at(-1)?.destroy();
      await c.until(isState('reconnecting'));
      maxTimers = Math.max(maxTimers, c.clock.pending);
      fireRetry(c);
      await c.until(isState('ready'));
      maxTimers = Math.max(maxTimers, c.clock.pending);
    }
    // Let the last close events land.
    for (let i = 0; i < 5; i++) await tick();
    const sockets = c.transport.sockets;
    expect(sockets).toHaveLength(101);
    const old = sockets.slice(0, -1);
    expect(old.every((s) => s.destroyed)).toBe(true);
    expect(old.map((s) => s.listenerCount('data') + s.listenerCount('error') + s.listenerCount('close')).filter((n) => n !== 0)).toEqual([]);
    const live = sockets.at(-1);
    expect([live?.listenerCount('data'), live?.listenerCount('error'), live?.listenerCount('close')]).toEqual([1, 1, 1]);
    // Ready: the keepalive only; waiting: the retry only.
    expect(maxTimers).toBeLessThanOrEqual(1);
    expect(c.conn.diagnostics()).toMatchObject({ openSockets: 1, connects: 101, pendingActions: 0, listeners: { event: 1, resync: 1, status: 1 } });
    expect(srv.connections.filter((x) => !x.closed)).toHaveLength(1);
    const tcp = process.getActiveResourcesInfo().filter((r) => r === 'TCPSocketWrap' || r === 'TCPWrap');
    expect(tcp.length).toBeLessThan(10);
  });
});
