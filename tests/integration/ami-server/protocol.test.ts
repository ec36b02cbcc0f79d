// The test server's AMI protocol: login (plain and MD5), permissions by
// manager.conf class, errors worded as Asterisk words them, the actions
// Sidecall needs with their events, event filters (manager.conf eventfilter
// and the Filter action), the Command output forms, Asterisk's input limits.
// All over real loopback sockets, observed with a raw client.
import { createHash } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { getHeader, getHeaders, type AmiMessage } from '../../../src-main/core/ami/codec';
import { eventNames, flush, hv, simulateInbound, startHarness, type Harness } from '../../support/ami-server';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

async function harness(opts: Parameters<typeof startHarness>[0] = {}): Promise<Harness> {
  h = await startHarness(opts);
  return h;
}

const ev = (m: AmiMessage): string | undefined => getHeader(m, 'Event');

/** Starts the trace-a style inbound call to 101 and lets it connect. */
async function connectedCall(t: Harness, to = '101'): Promise<void> {
  simulateInbound(t.server.pbx, { from: '79161234567', fromName: 'Ivan Petrov', to, talkMs: 60_000 });
  await flush();
}

describe('login', () => {
  it('greets with one line and accepts a plain secret; a system user gets FullyBooted and SuccessfulAuth', async () => {
    const t = await harness();
    const c = await t.connect();
    expect(c.bytes.toString('latin1')).toBe('Asterisk Call Manager/11.0.0\r\n');
    const r = await c.login('crm', 'crmsecret', 'L1');
    expect(r.headers).toEqual([['Response', 'Success'], ['ActionID', 'L1'], ['Message', 'Authentication accepted']]);
    const booted = await c.waitFor((m) => ev(m) === 'FullyBooted');
    expect(booted.headers.map(([k]) => k)).toEqual(['Event', 'Privilege', 'Uptime', 'LastReload', 'Status']);
    expect(hv(booted, 'Privilege')).toBe('system,all');
    const auth = await c.waitFor((m) => ev(m) === 'SuccessfulAuth');
    expect(hv(auth, 'Privilege')).toBe('security,all');
    expect(hv(auth, 'AccountID')).toBe('crm');
    expect(hv(auth, 'LocalAddress')).toBe(`IPV4/TCP/127.0.0.1/${t.server.port}`);
    expect(hv(auth, 'RemoteAddress')).toMatch(/^IPV4\/TCP\/127\.0\.0\.1\/\d+$/);
  });

  it('MD5 challenge: Challenge gives digits, Login with md5(challenge + secret) is accepted', async () => {
    const t = await harness();
    const c = await t.connect();
    c.action('Challenge', { AuthType: 'MD5' }, 'ch');
    const ch = await c.response('ch');
    expect(ch.headers.map(([k]) => k)).toEqual(['Response', 'ActionID', 'Challenge']);
    const challenge = hv(ch, 'Challenge') ?? '';
    expect(challenge).toMatch(/^\d+$/);
    const key = createHash('md5').update(challenge + 'crmsecret').digest('hex');
    c.action('Login', { AuthType: 'MD5', Username: 'crm', Key: key }, 'md5');
    expect(hv(await c.response('md5'), 'Message')).toBe('Authentication accepted');
  });

  it('MD5 with a wrong key, a wrong secret, an unknown user: "Authentication failed" and the socket closes', async () => {
    const t = await harness({ loginFailureDelayMs: 1000 });
    const c1 = await t.connect();
    c1.action('Challenge', { AuthType: 'MD5' }, 'ch');
    await c1.response('ch');
    c1.action('Login', { AuthType: 'MD5', Username: 'crm', Key: '0123456789abcdef0123456789abcdef' }, 'bad');
    await flush();
    // Asterisk sleeps a second before answering; on the fake clock nothing comes until it moves.
    expect(c1.messages.some((m) => hv(m, 'ActionID') === 'bad')).toBe(false);
    await t.advance(1000);
    const r = await c1.response('bad');
    expect(r.headers).toEqual([['Response', 'Error'], ['ActionID', 'bad'], ['Message', 'Authentication failed']]);
    await c1.waitClosed();

    const c2 = await t.connect();
    c2.action('Login', { Username: 'crm', Secret: 'nope' }, 'pw');
    await flush();
    await t.advance(1000);
    expect(hv(await c2.response('pw'), 'Message')).toBe('Authentication failed');
    await c2.waitClosed();

    const c3 = await t.connect();
    c3.action('Login', { Username: 'nobody', Secret: 'x' }, 'user');
    await flush();
    await t.advance(1000);
    expect(hv(await c3.response('user'), 'Message')).toBe('Authentication failed');
    await c3.waitClosed();
  });

  it('Challenge without AuthType MD5 is refused; actions before login get Permission denied and the socket stays', async () => {
    const t = await harness();
    const c = await t.connect();
    c.action('Challenge', {}, 'c1');
    expect(hv(await c.response('c1'), 'Message')).toBe('Must specify AuthType');
    c.action('Ping', {}, 'p1');
    expect((await c.response('p1')).headers).toEqual([['Response', 'Error'], ['ActionID', 'p1'], ['Message', 'Permission denied']]);
    expect(c.closed).toBe(false);
    c.action('Login', { Username: 'crm', Secret: 'crmsecret' }, 'l');
    expect(hv(await c.response('l'), 'Response')).toBe('Success');
    c.action('Login', { Username: 'crm', Secret: 'crmsecret' }, 'l2');
    expect(hv(await c.response('l2'), 'Message')).toBe('Already authenticated');
  });

  it('a user without system/security read gets neither FullyBooted nor SuccessfulAuth', async () => {
    const t = await harness();
    const c = await t.login('op101');
    c.action('Ping', {}, 'p');
    await c.response('p');
    expect(eventNames(c.messages)).toEqual([]);
  });

  it('Login with Events: off gets no events; Action Events turns them on', async () => {
    const t = await harness();
    const c = await t.connect();
    c.action('Login', { Username: 'crm', Secret: 'crmsecret', Events: 'off' }, 'l');
    await c.response('l');
    await connectedCall(t);
    expect(eventNames(c.messages)).toEqual([]);
    c.action('Events', { EventMask: 'on' }, 'e');
    expect((await c.response('e')).headers).toEqual([['Response', 'Success'], ['ActionID', 'e'], ['Events', 'On']]);
    await t.advance(60_000);
    expect(eventNames(c.messages)).toContain('Hangup');
  });
});

describe('permissions and errors', () => {
  it('op101 (write=call,originate,reporting): Command, Filter, MixMonitor, Originate of System are refused', async () => {
    const t = await harness();
    const c = await t.login('op101');
    c.action('Command', { Command: 'core show version' }, 'cmd');
    c.action('Filter', { Operation: 'Add', Filter: 'Channel: PJSIP/101-' }, 'flt');
    c.action('MixMonitor', { Channel: 'PJSIP/101-00000001', File: 'x.wav' }, 'mix');
    c.action('Originate', { Channel: 'PJSIP/101', Application: 'System', Data: 'id', Async: 'true' }, 'sys');
    for (const id of ['cmd', 'flt', 'mix']) expect((await c.response(id)).headers).toEqual([['Response', 'Error'], ['ActionID', id], ['Message', 'Permission denied']]);
    expect(hv(await c.response('sys'), 'Message')).toBe('Originate Access Forbidden: Application');
  });

  it('an unknown action and a message without Action get Asterisk\'s errors', async () => {
    const t = await harness();
    const c = await t.login();
    c.action('Frobnicate', {}, 'u');
    expect(hv(await c.response('u'), 'Message')).toBe('Invalid/unknown command: Frobnicate. Use Action: ListCommands to show available commands.');
    c.write('ActionID: none\r\n\r\n');
    expect(hv(await c.response('none'), 'Message')).toBe('Missing action in request');
  });

  it('a line over 1024 bytes: "Failed to parse message: line too long", and the session goes on', async () => {
    const t = await harness();
    const c = await t.login();
    c.write(`Action: Ping\r\nActionID: long\r\nX-Pad: ${'x'.repeat(1100)}\r\n\r\n`);
    await c.waitFor((m) => hv(m, 'Message') === 'Failed to parse message: line too long');
    c.action('Ping', {}, 'after');
    expect(hv(await c.response('after'), 'Ping')).toBe('Pong');
  });

  it('only the first 128 headers of an action count', async () => {
    const t = await harness();
    const c = await t.login();
    const fillers = Array.from({ length: 127 }, (_, i) => `X-${i}: y\r\n`).join('');
    c.write(`Action: Ping\r\n${fillers}ActionID: ignored\r\n\r\n`);
    const r = await c.waitFor((m) => hv(m, 'Ping') === 'Pong');
    expect(hv(r, 'ActionID')).toBeUndefined();
  });
});

describe('actions', () => {
  it('Ping answers Pong with a microsecond timestamp; Logoff says goodbye and closes', async () => {
    const t = await harness();
    const c = await t.login();
    c.action('Ping', {}, 'p');
    const p = await c.response('p');
    expect(p.headers.map(([k]) => k)).toEqual(['Response', 'ActionID', 'Ping', 'Timestamp']);
    expect(hv(p, 'Timestamp')).toMatch(/^\d{10}\.\d{6}$/);
    c.action('Logoff', {}, 'bye');
    expect((await c.response('bye')).headers).toEqual([['Response', 'Goodbye'], ['ActionID', 'bye'], ['Message', 'Thanks for all the fish.']]);
    await c.waitClosed();
  });

  it('Command on Asterisk 14+: "Command output follows" and Output lines (with the trailing empty one); errors as Response: Error', async () => {
    const t = await harness();
    const c = await t.login();
    c.action('Command', { Command: 'core show version' }, 'v');
    const v = await c.response('v');
    expect(v.headers.slice(0, 3)).toEqual([['Response', 'Success'], ['ActionID', 'v'], ['Message', 'Command output follows']]);
    expect(getHeaders(v, 'Output')).toEqual([expect.stringMatching(/^Asterisk 22\.10\.1 built by /), '']);
    c.action('Command', { Command: 'core show nothing' }, 'n');
    const n = await c.response('n');
    expect(hv(n, 'Response')).toBe('Error');
    expect(getHeaders(n, 'Output')[0]).toBe("No such command 'core show nothing' (type 'core show help core show nothing' for other possible commands)");
    c.action('Command', {}, 'none');
    expect(hv(await c.response('none'), 'Message')).toBe('No command provided');
  });

  it('Command on Asterisk 13: Response: Follows, Privilege: Command, the raw text and --END COMMAND--', async () => {
    const t = await harness({ config: { asteriskVersion: '13.38.3' } });
    const c = await t.login();
    expect(c.greeting).toBe('2.10.6');
    const before = c.byteLength;
    c.action('Command', { Command: 'core show version' }, 'old');
    await c.waitFor((m) => hv(m, 'ActionID') === 'old');
    const text = c.bytes.subarray(before).toString('utf8');
    expect(text).toMatch(/^Response: Follows\r\nPrivilege: Command\r\nActionID: old\r\nAsterisk 13\.38\.3 built by [^\r\n]*\n--END COMMAND--\r\n\r\n/);
  });

  it('Park: the reply keeps Asterisk\'s bare LF ("Park successful\\n\\r\\n\\r\\n") and ParkedCall follows', async () => {
    const t = await harness();
    const c = await t.login();
    await connectedCall(t);
    const caller = [...t.server.pbx.channels.values()].find((ch) => ch.name.endsWith(';2'));
    expect(caller).toBeDefined();
    const before = c.byteLength;
    c.action('Park', { Channel: caller?.name ?? '', TimeoutChannel: 'PJSIP/101-00000001' }, 'park');
    const parked = await c.waitFor((m) => ev(m) === 'ParkedCall');
    const text = c.bytes.subarray(before).toString('latin1');
    expect(text.startsWith('Response: Success\r\nActionID: park\r\nMessage: Park successful\n\r\n\r\n')).toBe(true);
    expect(hv(parked, 'ParkeeChannel')).toBe(caller?.name);
    expect(hv(parked, 'Parkinglot')).toBe('default');
    expect(hv(parked, 'ParkingSpace')).toBe('701');
    expect(hv(parked, 'ParkingTimeout')).toBe('120');
    expect(hv(parked, 'ParkerDialString')).toBe('PJSIP/101');
    c.action('Park', { Channel: 'PJSIP/999-00000009' }, 'bad');
    expect(hv(await c.response('bad'), 'Message')).toBe('Channel does not exist: PJSIP/999-00000009');
  });

  it('Setvar and Getvar on a channel and globally; VarSet events; errors', async () => {
    const t = await harness();
    const c = await t.login();
    await connectedCall(t);
    const op = t.server.pbx.channelsOf('101')[0];
    c.action('Setvar', { Channel: op?.name ?? '', Variable: 'CRM_ID', Value: '42' }, 's');
    expect(hv(await c.response('s'), 'Message')).toBe('Variable Set');
    const vs = await c.waitFor((m) => ev(m) === 'VarSet' && hv(m, 'Variable') === 'CRM_ID');
    expect(hv(vs, 'Channel')).toBe(op?.name);
    c.action('Getvar', { Channel: op?.name ?? '', Variable: 'CRM_ID' }, 'g');
    expect((await c.response('g')).headers).toEqual([['Response', 'Success'], ['ActionID', 'g'], ['Variable', 'CRM_ID'], ['Value', '42']]);
    c.action('Getvar', { Channel: op?.name ?? '', Variable: 'CALLERID(num)' }, 'f');
    expect(hv(await c.response('f'), 'Value')).toBe('101');
    c.action('Setvar', { Variable: 'OUTSIDE_MODE', Value: 'trunk' }, 'glob');
    await c.response('glob');
    const gv = await c.waitFor((m) => ev(m) === 'VarSet' && hv(m, 'Variable') === 'OUTSIDE_MODE');
    expect(gv.headers.slice(2)).toEqual([['Channel', 'none'], ['Uniqueid', 'none'], ['Variable', 'OUTSIDE_MODE'], ['Value', 'trunk']]);
    c.action('Getvar', { Channel: 'PJSIP/none-00000000', Variable: 'X' }, 'nc');
    expect(hv(await c.response('nc'), 'Message')).toBe('No such channel');
    c.action('Getvar', {}, 'nv');
    expect(hv(await c.response('nv'), 'Message')).toBe('No variable specified');
  });

  it('Hangup with a Cause: the target shows it, the other parties Normal Clearing', async () => {
    const t = await harness();
    const c = await t.login();
    await connectedCall(t);
    const op = t.server.pbx.channelsOf('101')[0];
    c.action('Hangup', { Channel: op?.name ?? '', Cause: '17' }, 'hu');
    expect(hv(await c.response('hu'), 'Message')).toBe('Channel Hungup');
    const mine = await c.waitFor((m) => ev(m) === 'Hangup' && hv(m, 'Channel') === op?.name);
    expect([hv(mine, 'Cause'), hv(mine, 'Cause-txt')]).toEqual(['17', 'User busy']);
    await flush();
    const others = c.events('Hangup').filter((m) => hv(m, 'Channel') !== op?.name);
    expect(others.length).toBe(2);
    for (const o of others) expect(hv(o, 'Cause')).toBe('16');
    c.action('Hangup', { Channel: 'PJSIP/101-0000ffff' }, 'no');
    expect(hv(await c.response('no'), 'Message')).toBe('No such channel');
  });

  it('BlindTransfer of the operator\'s call: Event BlindTransfer, the caller dials 102, the operator leg hangs up', async () => {
    const t = await harness();
    const c = await t.login();
    await connectedCall(t);
    const op = t.server.pbx.channelsOf('101')[0];
    c.action('BlindTransfer', { Channel: op?.name ?? '', Exten: '102', Context: 'transfer' }, 'bt');
    expect(hv(await c.response('bt'), 'Message')).toBe('Transfer succeeded');
    const bt = await c.waitFor((m) => ev(m) === 'BlindTransfer');
    expect(hv(bt, 'Result')).toBe('Success');
    expect(hv(bt, 'TransfererChannel')).toBe(op?.name);
    expect(hv(bt, 'TransfereeChannel')).toMatch(/^Local\/101@inbound-sim-\d{8};2$/);
    expect([hv(bt, 'IsExternal'), hv(bt, 'Context'), hv(bt, 'Extension')]).toEqual(['Yes', 'transfer', '102']);
    expect(hv(bt, 'BridgeUniqueid')).toMatch(/^[0-9a-f-]{36}$/);
    const dial = await c.waitFor((m) => ev(m) === 'DialBegin' && (hv(m, 'DestChannel') ?? '').startsWith('PJSIP/102-'));
    expect(hv(dial, 'Channel')).toBe(hv(bt, 'TransfereeChannel'));
    await c.waitFor((m) => ev(m) === 'Hangup' && hv(m, 'Channel') === op?.name);
    c.action('BlindTransfer', { Channel: op?.name ?? '', Exten: '103' }, 'gone');
    expect(hv(await c.response('gone'), 'Message')).toBe('Channel specified does not exist');
  });

  it('Atxfer: queued, the transferer consults 102 through a Local channel, its hang-up completes the transfer', async () => {
    const t = await harness();
    const c = await t.login();
    await connectedCall(t);
    const op = t.server.pbx.channelsOf('101')[0];
    c.action('Atxfer', { Channel: op?.name ?? '', Exten: '102', Context: 'transfer' }, 'ax');
    expect(hv(await c.response('ax'), 'Message')).toBe('Atxfer successfully queued');
    await c.waitFor((m) => ev(m) === 'DialBegin' && hv(m, 'DialString') === '102@transfer');
    await c.waitFor((m) => ev(m) === 'DialEnd' && (hv(m, 'DestChannel') ?? '').startsWith('PJSIP/102-') && hv(m, 'DialStatus') === 'ANSWER');
    t.server.pbx.hangupPhone('101');
    const at = await c.waitFor((m) => ev(m) === 'AttendedTransfer');
    expect(hv(at, 'Result')).toBe('Success');
    expect(hv(at, 'OrigTransfererChannel')).toBe(op?.name);
    expect(hv(at, 'TransfereeChannel')).toMatch(/;2$/);
  });

  it('MixMonitor, MixMonitorMute and StopMixMonitor: events and Asterisk\'s errors', async () => {
    const t = await harness();
    const c = await t.login();
    await connectedCall(t);
    const op = t.server.pbx.channelsOf('101')[0]?.name ?? '';
    c.action('MixMonitor', { Channel: op, File: 'call.wav', Options: 'b' }, 'mm');
    expect((await c.response('mm')).headers).toEqual([['Response', 'Success'], ['ActionID', 'mm']]);
    const fn = await c.waitFor((m) => ev(m) === 'VarSet' && hv(m, 'Variable') === 'MIXMONITOR_FILENAME');
    expect(hv(fn, 'Value')).toBe('/var/spool/asterisk/monitor/call.wav');
    await c.waitFor((m) => ev(m) === 'MixMonitorStart' && hv(m, 'Channel') === op);
    c.action('MixMonitorMute', { Channel: op, Direction: 'both', State: '1' }, 'mute');
    expect((await c.response('mute')).headers).toEqual([['Response', 'Success'], ['ActionID', 'mute']]);
    const mute = await c.waitFor((m) => ev(m) === 'MixMonitorMute');
    expect([hv(mute, 'Direction'), hv(mute, 'State')]).toEqual(['both', '1']);
    c.action('MixMonitorMute', { Channel: op, Direction: 'sideways' }, 'bad');
    expect(hv(await c.response('bad'), 'Message')).toBe('Invalid direction specified. Must be read, write or both');
    c.action('StopMixMonitor', { Channel: op }, 'stop');
    expect((await c.response('stop')).headers).toEqual([['Response', 'Success'], ['ActionID', 'stop']]);
    await c.waitFor((m) => ev(m) === 'MixMonitorStop');
    c.action('MixMonitor', { Channel: op, File: 'x.wav', Options: 'i(MIXID)' }, 'withid');
    expect(hv(await c.response('withid'), 'MixMonitorID')).toMatch(/^0x[0-9a-f]+$/);
    c.action('MixMonitor', { File: 'x.wav' }, 'nochan');
    expect(hv(await c.response('nochan'), 'Message')).toBe('No channel specified');
  });

  it('Status of one channel and the whole list, with EventList framing', async () => {
    const t = await harness();
    const c = await t.login();
    await connectedCall(t);
    const op = t.server.pbx.channelsOf('101')[0]?.name ?? '';
    c.action('Status', { Channel: op }, 'one');
    const start = await c.response('one');
    expect(start.headers).toEqual([['Response', 'Success'], ['ActionID', 'one'], ['EventList', 'start'], ['Message', 'Channel status will follow']]);
    const done = await c.waitFor((m) => ev(m) === 'StatusComplete' && hv(m, 'ActionID') === 'one');
    expect(done.headers).toEqual([['Event', 'StatusComplete'], ['ActionID', 'one'], ['EventList', 'Complete'], ['ListItems', '1'], ['Items', '1']]);
    const item = c.events('Status').find((m) => hv(m, 'ActionID') === 'one');
    expect(hv(item, 'Privilege')).toBe('Call');
    expect(hv(item, 'Channel')).toBe(op);
    c.action('CoreShowChannels', {}, 'all');
    const complete = await c.waitFor((m) => ev(m) === 'CoreShowChannelsComplete');
    expect(hv(complete, 'ListItems')).toBe('3');
  });

  it('Redirect errors are worded as in manager.c', async () => {
    const t = await harness();
    const c = await t.login();
    c.action('Redirect', { Context: 'transfer', Exten: '102', Priority: '1' }, 'r1');
    expect(hv(await c.response('r1'), 'Message')).toBe('Channel not specified');
    c.action('Redirect', { Channel: 'PJSIP/101-00000001', Exten: '102', Priority: '1' }, 'r2');
    expect(hv(await c.response('r2'), 'Message')).toBe('Context not specified');
    c.action('Redirect', { Channel: 'PJSIP/101-00000001', Context: 'transfer', Exten: '102', Priority: '1' }, 'r3');
    expect(hv(await c.response('r3'), 'Message')).toBe('Channel does not exist: PJSIP/101-00000001');
  });

  it('a synchronous Originate answers after the call is up, and the events wait for the answer', async () => {
    const t = await harness();
    const c = await t.login();
    c.action('Originate', { Channel: 'PJSIP/101', Context: 'from-internal', Exten: '600', Priority: '1', CallerID: '"Operator 101" <101>' }, 'sync');
    const r = await c.response('sync');
    expect(hv(r, 'Message')).toBe('Originate successfully queued');
    await flush();
    const idx = c.messages.indexOf(r);
    expect(eventNames(c.messages.slice(0, idx)).filter((e) => e === 'Newchannel')).toEqual([]);
    expect(eventNames(c.messages.slice(idx))).toContain('Newchannel');
  });
});

describe('event filters', () => {
  it('manager.conf eventfilter: a regex whitelist and a "!" exclusion', async () => {
    const t = await harness({
      users: `[crm]\nsecret = crmsecret\nread = all\nwrite = all\n\n[ops]\nsecret = s\nread = call,dialplan\nwrite = call\neventfilter = Channel: PJSIP/101-\neventfilter = !Event: (VarSet|Newexten)\n`,
    });
    const c = await t.login('ops', 's');
    await connectedCall(t);
    await t.advance(60_000);
    const names = eventNames(c.messages);
    expect(names.length).toBeGreaterThan(5);
    expect(names).not.toContain('VarSet');
    expect(names).not.toContain('Newexten');
    for (const m of c.messages) if (ev(m)) expect(m.headers.some(([, v]) => v.startsWith('PJSIP/101-'))).toBe(true);
  });

  it('advanced eventfilter(name(...)) and the Filter action of a system user', async () => {
    const t = await harness({
      users: {
        crm: { secret: 'crmsecret', read: 'all', write: 'all' },
        hangups: { secret: 'h', read: 'call', write: 'call', eventfilter: [{ criteria: 'action(include),name(Hangup)', expression: '' }] },
      },
    });
    const hang = await t.login('hangups', 'h');
    const sys = await t.login('crm');
    sys.action('Filter', { Operation: 'Add', Filter: 'Event: Newchannel' }, 'f');
    expect((await sys.response('f')).headers).toEqual([['Response', 'Success'], ['ActionID', 'f'], ['Message', 'Success']]);
    sys.action('Filter', { Operation: 'Add', Filter: '(' }, 'bad');
    expect(hv(await sys.response('bad'), 'Message')).toBe('Filter did not compile.  Check the syntax of the filter given.');
    sys.action('Filter', { Operation: 'Remove', Filter: 'x' }, 'op');
    expect(hv(await sys.response('op'), 'Message')).toBe('Unknown operation');
    const before = sys.messages.length;
    await connectedCall(t);
    await t.advance(60_000);
    expect(new Set(eventNames(hang.messages))).toEqual(new Set(['Hangup']));
    expect(eventNames(hang.messages).length).toBe(3);
    expect(new Set(eventNames(sys.messages.slice(before)))).toEqual(new Set(['Newchannel']));
  });
});

describe('call model', () => {
  it('a missed call: the phone rings 20 s (RING_TIMEOUT), DialEnd NOANSWER, OriginateResponse is not involved', async () => {
    const t = await harness();
    const c = await t.login();
    simulateInbound(t.server.pbx, { from: '79161234567', to: '101', answer: false });
    await flush();
    expect(c.events('DialState').length).toBe(2);
    await t.advance(19_999);
    expect(c.events('DialEnd').length).toBe(0);
    await t.advance(1);
    const ends = c.events('DialEnd').map((m) => hv(m, 'DialStatus'));
    expect(ends).toEqual(['NOANSWER', 'NOANSWER']);
    const opHangup = c.events('Hangup').find((m) => (hv(m, 'Channel') ?? '').startsWith('PJSIP/101-'));
    expect([hv(opHangup, 'Cause'), hv(opHangup, 'Cause-txt')]).toEqual(['0', 'Unknown']);
  });

  it('the operator hangs up: HangupRequest on the operator leg, then the Local legs go', async () => {
    const t = await harness();
    const c = await t.login();
    simulateInbound(t.server.pbx, { from: '79161234567', to: '101', talkMs: 3000, hangupBy: 'operator', via: 'trunk' });
    await flush();
    await t.advance(3000);
    const req = c.events('HangupRequest');
    expect(req.map((m) => (hv(m, 'Channel') ?? '').replace(/-\d+$/, ''))).toEqual(['PJSIP/101']);
    expect(c.events('Hangup').length).toBe(2);
    expect(c.events('Cdr').map((m) => hv(m, 'Disposition'))).toEqual(['ANSWERED']);
    expect(hv(c.events('Cdr')[0], 'BillableSeconds')).toBe('3');
  });

  it('a queue call (DID 74950000002 -> Queue(sales)): join, both members ring, the first to answer connects, AgentComplete at the end', async () => {
    const t = await harness();
    const c = await t.login();
    t.server.phone('102').set({ answerAfterMs: 500 });
    t.server.simulateInbound({ via: 'trunk', from: '79161234567', did: '74950000002', to: '101', talkMs: 4000, hangupBy: 'caller' });
    await flush();
    await t.advance(4000);
    const queueEvents = c.messages.filter((m) => /^(Queue(Caller)|Agent)/.test(ev(m) ?? ''));
    expect(eventNames(queueEvents)).toEqual(['QueueCallerJoin', 'AgentCalled', 'AgentCalled', 'QueueCallerLeave', 'AgentConnect', 'AgentComplete']);
    const connect = queueEvents[4];
    expect([hv(connect, 'Queue'), hv(connect, 'MemberName'), hv(connect, 'Interface'), hv(connect, 'Privilege')]).toEqual(['sales', 'Operator 101', 'PJSIP/101', 'agent,all']);
    expect(hv(queueEvents[5], 'Reason')).toBe('caller');
    expect(hv(queueEvents[5], 'TalkTime')).toBe('4');
    const cancelled = c.events('DialEnd').find((m) => (hv(m, 'DestChannel') ?? '').startsWith('PJSIP/102-'));
    expect(hv(cancelled, 'DialStatus')).toBe('CANCEL');
  });

  it('a caller who gives up in the queue is reported as abandoned', async () => {
    const t = await harness();
    const c = await t.login();
    t.server.phone('101').set({ answer: 'manual' });
    t.server.phone('102').set({ answer: 'manual' });
    const call = t.server.simulateInbound({ via: 'trunk', from: '79161234567', did: '74950000002', to: '101' });
    await t.advance(3000);
    call.hangupCaller();
    await flush();
    const names = eventNames(c.messages.filter((m) => /^(Queue(Caller)|Agent)/.test(ev(m) ?? '')));
    expect(names).toEqual(['QueueCallerJoin', 'AgentCalled', 'AgentCalled', 'QueueCallerAbandon', 'QueueCallerLeave']);
    const ab = c.events('QueueCallerAbandon')[0];
    expect([hv(ab, 'Position'), hv(ab, 'OriginalPosition'), hv(ab, 'HoldTime')]).toEqual(['1', '1', '3']);
  });

  it('Park holds the caller until the parking timeout; the operator leg ends at once', async () => {
    const t = await harness();
    const c = await t.login();
    await connectedCall(t);
    const caller = [...t.server.pbx.channels.values()].find((ch) => ch.name.endsWith(';2'));
    const op = t.server.pbx.channelsOf('101')[0];
    c.action('Park', { Channel: caller?.name ?? '', Timeout: '5000' }, 'p');
    await c.waitFor((m) => ev(m) === 'ParkedCall');
    await flush();
    expect(c.events('Hangup').map((m) => hv(m, 'Channel'))).toEqual([op?.name]);
    expect(t.server.pbx.findChannel(caller?.name ?? '')).toBeDefined();
    await t.advance(5000);
    const timeout = await c.waitFor((m) => ev(m) === 'ParkedCallTimeOut');
    expect(hv(timeout, 'ParkingSpace')).toBe('701');
    await c.waitFor((m) => ev(m) === 'Hangup' && hv(m, 'Channel') === caller?.name);
    expect(t.server.pbx.channels.size).toBe(0);
    expect(t.server.pbx.bridges.size).toBe(0);
  });

  it('Originate with Application runs only that application, then hangs up', async () => {
    const t = await harness();
    const c = await t.login();
    c.action('Originate', { Channel: 'PJSIP/101', Application: 'Wait', Data: '2', Async: 'true' }, 'app');
    const or = await c.waitFor((m) => ev(m) === 'OriginateResponse');
    expect([hv(or, 'Response'), hv(or, 'Application'), hv(or, 'Data'), hv(or, 'Reason')]).toEqual(['Success', 'Wait', '2', '4']);
    await t.advance(2000);
    await c.waitFor((m) => ev(m) === 'Hangup');
    expect(c.events('Newexten').map((m) => hv(m, 'Application'))).toEqual(['AppDial2', 'Wait']);
  });

  it('Redirect with ExtraChannel moves both parties of a call together', async () => {
    const t = await harness();
    const c = await t.login();
    await connectedCall(t);
    const caller = [...t.server.pbx.channels.values()].find((ch) => ch.name.endsWith(';2'));
    const op = t.server.pbx.channelsOf('101')[0];
    c.action('Redirect', { Channel: caller?.name ?? '', ExtraChannel: op?.name ?? '', Context: 'from-internal', Exten: '600', Priority: '1' }, 'dual');
    expect(hv(await c.response('dual'), 'Message')).toBe('Dual Redirect successful');
    await flush();
    expect(c.events('Hangup').filter((m) => hv(m, 'Channel') === op?.name || hv(m, 'Channel') === caller?.name)).toEqual([]);
    const at600 = c.events('Newexten').filter((m) => hv(m, 'Context') === 'from-internal' && hv(m, 'Exten') === '600').map((m) => hv(m, 'Channel'));
    expect(new Set(at600)).toEqual(new Set([caller?.name, op?.name]));
  });

  it('an Originate to a busy phone fails with DialStatus BUSY and OriginateResponse Failure', async () => {
    const t = await harness();
    const c = await t.login();
    t.server.phone('102').set({ answer: 'busy' });
    c.action('Originate', { Channel: 'PJSIP/102', Context: 'from-internal', Exten: '101', Priority: '1', Async: 'true' }, 'busy');
    const or = await c.waitFor((m) => ev(m) === 'OriginateResponse');
    expect([hv(or, 'Response'), hv(or, 'Channel'), hv(or, 'Uniqueid')]).toEqual(['Failure', 'PJSIP/102', '<unknown>']);
    expect(hv(c.events('DialEnd')[0], 'DialStatus')).toBe('BUSY');
    expect(hv(c.events('Hangup')[0], 'Cause')).toBe('17');
  });
});

