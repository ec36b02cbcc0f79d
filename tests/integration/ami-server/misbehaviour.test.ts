// The test server misbehaving on purpose, observed through a raw socket:
// a message cut in the middle and the connection dropped, writes split at every
// byte or at random sizes, a stall (no bytes, no answers, socket open), an
// Asterisk restart (Shutdown, close, refused while down, new greeting), refused
// logins, and the replay of a recorded trace.
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { getHeader } from '../../../src-main/core/ami/codec';
import type { RawAmiClient} from '../../support/ami-server';
import { eventNames, flush, hv, loadTrace, simulateInbound, startHarness, traceAfterLogin, type Harness } from '../../support/ami-server';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe('misbehaviour', () => {
  it('drops the connection in the middle of a message', async () => {
    h = await startHarness();
    const c = await h.login();
    const complete = c.messages.length;
    const before = c.byteLength;
    h.server.dropMidMessage({ afterBytes: 20 });
    c.action('Ping', {}, 'cut');
    await c.waitClosed();
    const tail = c.bytes.subarray(before).toString('latin1');
    expect(tail).toBe('Response: Success\r\nA');
    expect(c.messages.length).toBe(complete);

    const c2 = await h.login();
    const n = c2.messages.length;
    h.server.connections.at(-1)?.dropNow('Event: Newchannel\r\nPrivilege: call,all\r\nChannel: PJSIP/10');
    await c2.waitClosed();
    expect(c2.bytes.toString('latin1').endsWith('Channel: PJSIP/10')).toBe(true);
    expect(c2.messages.length).toBe(n);
  });

  it('splits writes at every byte, and at seeded random sizes, without changing a single byte', async () => {
    h = await startHarness();
    const whole = await h.login();
    h.server.splitWrites('every-byte');
    const split = await h.login();
    h.server.splitWrites({ random: { min: 1, max: 7, seed: 42 } });
    const random = await h.login();
    const greetingAndLogin = split.byteLength;
    // One write per byte; a loaded machine may still coalesce a few reads.
    expect(split.chunkCount).toBeGreaterThan(greetingAndLogin / 4);
    for (const c of [whole, split, random]) c.action('CoreSettings', {}, 'cs');
    const answers = await Promise.all([whole, split, random].map((c) => c.response('cs')));
    expect(answers[1]).toEqual(answers[0]);
    expect(answers[2]).toEqual(answers[0]);
    expect(random.chunkCount).toBeGreaterThan(20);
  });

  it('stalls: no bytes and no answers while the socket stays open, then resumes in order', async () => {
    h = await startHarness();
    const c = await h.login();
    h.server.stall(true);
    c.action('Ping', {}, 'p1');
    simulateInbound(h.server.pbx, { from: '79161234567', to: '101', talkMs: 1000 });
    await sleep(150);
    const during = c.byteLength;
    c.action('Ping', {}, 'p2');
    await sleep(150);
    expect(c.byteLength).toBe(during);
    expect(c.closed).toBe(false);
    h.server.stall(false);
    await c.response('p2');
    const ids = c.messages.filter((m) => getHeader(m, 'Ping') === 'Pong').map((m) => getHeader(m, 'ActionID'));
    expect(ids).toEqual(['p1', 'p2']);
    expect(eventNames(c.messages)).toContain('Newchannel');
  });

  it('restarts like Asterisk: Shutdown to system readers, every socket closed, refused while down, then a new greeting', async () => {
    h = await startHarness();
    const crm = await h.login('crm');
    const op = await h.login('op101');
    simulateInbound(h.server.pbx, { from: '79161234567', to: '101', talkMs: 60_000 });
    await flush();
    const restarting = h.server.restart({ downMs: 300 });
    await Promise.all([crm.waitClosed(), op.waitClosed()]);
    const shutdown = crm.messages.find((m) => getHeader(m, 'Event') === 'Shutdown');
    expect(shutdown?.headers).toEqual([['Event', 'Shutdown'], ['Privilege', 'system,all'], ['Shutdown', 'Cleanly'], ['Restart', 'True']]);
    expect(op.messages.some((m) => getHeader(m, 'Event') === 'Shutdown')).toBe(false);
    const refused = await new Promise<string>((resolve) => {
      const s = net.connect(h?.server.port ?? 0, '127.0.0.1');
      s.once('connect', () => {
        s.destroy();
        resolve('connected');
      });
      s.once('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? 'error'));
    });
    expect(refused).toBe('ECONNREFUSED');
    await restarting;
    const again = await h.login('crm');
    expect(again.greeting).toBe('11.0.0');
    const booted = again.messages.find((m) => getHeader(m, 'Event') === 'FullyBooted');
    expect(hv(booted, 'Uptime')).toBe('0');
    again.action('CoreShowChannels', {}, 'after');
    const done = await again.waitFor((m) => getHeader(m, 'Event') === 'CoreShowChannelsComplete');
    expect(hv(done, 'ListItems')).toBe('0');
  });

  it('refuses logins on demand, then accepts them again', async () => {
    h = await startHarness();
    h.server.refuseLogins(true);
    const c = await h.connect();
    c.action('Login', { Username: 'crm', Secret: 'crmsecret' }, 'no');
    expect((await c.response('no')).headers).toEqual([['Response', 'Error'], ['ActionID', 'no'], ['Message', 'Authentication failed']]);
    await c.waitClosed();
    h.server.refuseLogins(false);
    const ok = await h.login();
    expect(ok.closed).toBe(false);
  });

  it('replays a recorded trace after Login, byte for byte', async () => {
    h = await startHarness();
    const trace = loadTrace('a');
    h.server.replay({ trace: trace.raw, closeAfter: true });
    const c = await h.connect();
    const afterGreeting = c.byteLength;
    c.action('Login', { Username: 'crm', Secret: 'crmsecret' }, 'mine');
    await c.waitClosed();
    const got = c.bytes.subarray(afterGreeting);
    // Our own Login response first (our ActionID), then the recorded bytes verbatim.
    const own = got.indexOf('\r\n\r\n') + 4;
    expect(got.subarray(0, own).toString('latin1')).toBe('Response: Success\r\nActionID: mine\r\nMessage: Authentication accepted\r\n\r\n');
    expect(got.subarray(own).equals(traceAfterLogin(trace.raw))).toBe(true);
    expect(c.messages.filter((m) => getHeader(m, 'Event') === 'Hangup').length).toBe(3);
  });
});

describe('raw client sanity', () => {
  it('sees the server close after Logoff', async () => {
    h = await startHarness();
    const c: RawAmiClient = await h.login();
    c.action('Logoff', {}, 'x');
    await c.waitClosed();
    expect(c.closed).toBe(true);
  });
});
