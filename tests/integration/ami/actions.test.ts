// The typed actions over a real AmiConnection against the AMI test server:
// Originate (async with its OriginateResponse, sync failure), Redirect,
// BlindTransfer, Atxfer, Park, Hangup, MixMonitor/Stop/Mute, Getvar/Setvar, and
// Asterisk's errors (Permission denied, No such channel) as AmiActionError; a
// value with CR/LF never reaches the socket.
import { afterEach, describe, expect, it } from 'vitest';
import { AmiCodecError, getHeader } from '../../../src-main/core/ami/codec';
import * as ami from '../../../src-main/core/ami/actions';
import { AmiActionError } from '../../../src-main/core/ami/connection';
import { simulateInbound, startAmiServer, type AmiServer } from '../../support/ami-server';
import { FakeClock } from '../../support/fake-clock';
import { client, configFor, isState, type Client } from './support';

const servers: AmiServer[] = [];
const clients: Client[] = [];

afterEach(async () => {
  for (const c of clients.splice(0)) await c.close();
  for (const s of servers.splice(0)) await s.close();
});

async function setup(user = 'op101', secret = 'op101secret'): Promise<{ srv: AmiServer; pbxClock: FakeClock; c: Client }> {
  const pbxClock = new FakeClock();
  const srv = await startAmiServer({ clock: pbxClock, loginFailureDelayMs: 0 });
  servers.push(srv);
  const c = client();
  clients.push(c);
  c.conn.configure(configFor(srv, user, secret));
  await c.until(isState('ready'));
  return { srv, pbxClock, c };
}

/** An answered inbound call to 101; returns its channels as CoreShowChannels lists them. */
async function liveCall(srv: AmiServer, pbxClock: FakeClock, c: Client): Promise<{ operator: string; caller: string }> {
  simulateInbound(srv.pbx, { from: '79161234567', fromName: 'Ivan Petrov', to: '101', talkMs: 600_000 });
  pbxClock.advance(1000);
  const channels = await ami.coreShowChannels(c.conn);
  const operator = channels.find((ch) => ch.channel.startsWith('PJSIP/101-'))?.channel;
  const caller = channels.find((ch) => ch.channel.endsWith(';2'))?.channel;
  if (operator === undefined || caller === undefined) throw new Error(`no live call: ${channels.map((ch) => ch.channel).join(', ')}`);
  return { operator, caller };
}

describe('typed AMI actions against the test server', () => {
  it('Originate (async) is queued and its OriginateResponse, carrying our ActionID, reaches the listeners', async () => {
    const { pbxClock, c } = await setup();
    const r = await ami.originate(c.conn, { channel: 'PJSIP/101', context: 'from-internal', exten: '84951234567', callerId: ami.formatCallerId('Sidecall', '101'), variables: { SIDECALL: '1' } });
    expect(r).toMatchObject({ async: true, message: 'Originate successfully queued' });
    pbxClock.advance(2000);
    const response = await c.event((e) => e.name === 'OriginateResponse');
    expect(getHeader(response.message, 'ActionID')).toBe(r.actionId);
    expect(getHeader(response.message, 'Response')).toBe('Success');
    expect(c.events.some((e) => e.name === 'Newchannel' && getHeader(e.message, 'Channel')?.startsWith('PJSIP/101-') === true)).toBe(true);
  });

  it('a failed async Originate of another device still reports back by ActionID; a sync one fails with "Originate failed"', async () => {
    const { pbxClock, c } = await setup();
    const queued = await ami.originate(c.conn, { channel: 'PJSIP/103', context: 'from-internal', exten: '101' });
    pbxClock.advance(31_000);
    const failure = await c.event((e) => e.name === 'OriginateResponse' && getHeader(e.message, 'ActionID') === queued.actionId);
    expect(getHeader(failure.message, 'Response')).toBe('Failure');
    // Names PJSIP/103, not this operator's channel: delivered because the ActionID is ours.
    expect(getHeader(failure.message, 'Channel')).toBe('PJSIP/103');

    const error = await ami.originate(c.conn, { channel: 'PJSIP/999', context: 'from-internal', exten: '101', async: false }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AmiActionError);
    expect(error).toMatchObject({ asteriskMessage: 'Originate failed' });
  });

  it('refuses CR/LF in a value naming the field, and nothing reaches the PBX', async () => {
    const { srv, c } = await setup();
    const before = srv.connections[0]?.received.length;
    const error = await ami.originate(c.conn, { channel: 'PJSIP/101', context: 'from-internal', exten: '84951234567\r\nAction: Hangup\r\nChannel: PJSIP/102-00000001' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AmiCodecError);
    expect(error).toMatchObject({ code: 'invalid-value', field: 'Exten' });
    expect((error as Error).message).toContain('"Exten" contains CR');
    await ami.ping(c.conn);
    const sent = srv.connections[0]?.received.subarray(before).toString() ?? '';
    expect(sent).not.toContain('Originate');
    expect(sent).not.toContain('Hangup');
  });

  it('Redirect, Getvar/Setvar and Hangup on a live call; Hangup of a gone channel says "No such channel"', async () => {
    const { srv, pbxClock, c } = await setup();
    const call = await liveCall(srv, pbxClock, c);
    await ami.setvar(c.conn, { channel: call.operator, variable: 'SIDECALL_NOTE', value: 'vip, call back' });
    expect(await ami.getvar(c.conn, { channel: call.operator, variable: 'SIDECALL_NOTE' })).toMatchObject({ variable: 'SIDECALL_NOTE', value: 'vip, call back' });
    expect(await ami.getvar(c.conn, { channel: call.operator, variable: 'NOT_SET_ANYWHERE' })).toMatchObject({ value: '' });

    const moved = await ami.redirect(c.conn, { channel: call.caller, context: 'transfer', exten: '102' });
    expect(moved.message).toMatch(/Redirect successful/);
    pbxClock.advance(1000);
    const gone = await c.event((e) => e.name === 'Hangup' && getHeader(e.message, 'Channel') === call.operator);
    expect(gone.name).toBe('Hangup');

    const error = await ami.hangup(c.conn, { channel: call.operator }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AmiActionError);
    expect(error).toMatchObject({ asteriskMessage: 'No such channel' });
  });

  it('Hangup of the operator\'s channel ends the call', async () => {
    const { srv, pbxClock, c } = await setup();
    const call = await liveCall(srv, pbxClock, c);
    expect(await ami.hangup(c.conn, { channel: call.operator, cause: 16 })).toMatchObject({ message: expect.any(String) });
    pbxClock.advance(100);
    await c.event((e) => e.name === 'Hangup' && getHeader(e.message, 'Channel') === call.operator);
  });

  it('MixMonitor needs write=system: Permission denied for an operator user; Stop and Mute work with write=call', async () => {
    const { srv, pbxClock, c } = await setup();
    const call = await liveCall(srv, pbxClock, c);
    const denied = await ami.mixMonitor(c.conn, { channel: call.operator, file: 'crm-1-101.wav' }).catch((e: unknown) => e);
    expect(denied).toBeInstanceOf(AmiActionError);
    expect(denied).toMatchObject({ asteriskMessage: 'Permission denied', permissionDenied: true });
    // StopMixMonitor on a channel that records nothing: Asterisk's own error, not a permission one.
    const stop = await ami.stopMixMonitor(c.conn, { channel: call.operator }).catch((e: unknown) => e);
    if (stop instanceof AmiActionError) expect(stop.permissionDenied).toBe(false);
  });

  it('MixMonitor, MixMonitorMute, StopMixMonitor with a user that has write=system', async () => {
    const { srv, pbxClock, c } = await setup('crm', 'crmsecret');
    const call = await liveCall(srv, pbxClock, c);
    const started = await ami.mixMonitor(c.conn, { channel: call.operator, file: 'crm-1-101.wav', options: 'b' });
    expect(started.actionId).not.toBe('');
    await c.event((e) => e.name === 'MixMonitorStart');
    await ami.mixMonitorMute(c.conn, { channel: call.operator, direction: 'both', mute: true });
    const file = await ami.getvar(c.conn, { channel: call.operator, variable: 'MIXMONITOR_FILENAME' });
    expect(file.value).toMatch(/crm-1-101\.wav$/);
    await ami.stopMixMonitor(c.conn, { channel: call.operator });
    await c.event((e) => e.name === 'MixMonitorStop');
  });

  it('BlindTransfer, Atxfer and Park answer with typed acknowledgements', async () => {
    const { srv, pbxClock, c } = await setup();
    const blind = await liveCall(srv, pbxClock, c);
    expect((await ami.blindTransfer(c.conn, { channel: blind.operator, exten: '102', context: 'transfer' })).message).not.toBe('');
    pbxClock.advance(5000);
    const att = await liveCall(srv, pbxClock, c);
    expect((await ami.atxfer(c.conn, { channel: att.operator, exten: '102', context: 'transfer' })).message).not.toBe('');
    pbxClock.advance(5000);
    const parkCall = await liveCall(srv, pbxClock, c);
    // Park's reply is "Park successful" plus a bare LF (ami-traces point 2): read cleanly.
    expect(await ami.park(c.conn, { channel: parkCall.caller })).toMatchObject({ message: 'Park successful' });
  });
});
