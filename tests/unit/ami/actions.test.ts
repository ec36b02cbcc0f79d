// Typed action builders: the exact fields each one sends, the typed results read
// from the replies, parameter checks that send nothing, and Asterisk's errors
// surfacing as AmiActionError with its Message.
import { describe, expect, it } from 'vitest';
import type { AmiHeader, AmiMessage } from '../../../src-main/core/ami/codec';
import { encodeAction } from '../../../src-main/core/ami/codec';
import type { AmiActionSender, AmiRequest, AmiResponse } from '../../../src-main/core/ami/event-source';
import * as ami from '../../../src-main/core/ami/actions';
import { AmiActionError, AmiBadResponseError, AmiRequestError } from '../../../src-main/core/ami/connection';

/** Records requests and answers them from a script; Error replies reject like the connection does. */
function sender(answer: (r: AmiRequest) => { headers?: AmiHeader[]; items?: AmiHeader[][] } = () => ({})): AmiActionSender & { readonly sent: AmiRequest[] } {
  const sent: AmiRequest[] = [];
  return {
    sent,
    async send(request): Promise<AmiResponse> {
      sent.push(request);
      // What the wire would carry: the codec must accept every field.
      encodeAction(request.action, 'id-1', request.fields ?? {});
      const a = answer(request);
      const message: AmiMessage = { headers: a.headers ?? [['Response', 'Success']] };
      if (message.headers.some(([n, v]) => n === 'Response' && v === 'Error')) throw new AmiActionError(request.action, message);
      return { action: request.action, actionId: 'id-1', response: 'Success', message, items: (a.items ?? []).map((headers) => ({ headers })), complete: undefined };
    },
  };
}

const wire = (r: AmiRequest | undefined): string => (r === undefined ? '' : encodeAction(r.action, 'X', r.fields ?? {}).toString());

describe('Originate', () => {
  it('sends an async originate with context, exten, priority, timeout, CallerID and channel variables', async () => {
    const s = sender(() => ({ headers: [['Response', 'Success'], ['Message', 'Originate successfully queued']] }));
    const r = await ami.originate(s, {
      channel: 'PJSIP/101',
      context: 'from-internal',
      exten: '84951234567',
      timeoutMs: 30_000,
      callerId: ami.formatCallerId('Ivan "The" Petrov', '79161234567'),
      variables: { SIDECALL_CRM_ID: '42', NOTE: 'a,b=c "q" (x) [y] \\' },
    });
    expect(r).toEqual({ actionId: 'id-1', message: 'Originate successfully queued', async: true });
    expect(wire(s.sent[0])).toBe(
      [
        'Action: Originate',
        'ActionID: X',
        'Channel: PJSIP/101',
        'Context: from-internal',
        'Exten: 84951234567',
        'Priority: 1',
        'Timeout: 30000',
        'CallerID: "Ivan The Petrov" <79161234567>',
        'Variable: SIDECALL_CRM_ID=42',
        // Commas, quotes, brackets and backslashes escaped for Asterisk's argument splitter.
        'Variable: NOTE=a\\,b=c \\"q\\" \\(x\\) \\[y\\] \\\\',
        'Async: true',
        '',
        '',
      ].join('\r\n'),
    );
    expect(s.sent[0]?.timeoutMs).toBeUndefined();
  });

  it('runs an application instead of an extension, and waits longer for a sync originate', async () => {
    const s = sender();
    await ami.originate(s, { channel: 'PJSIP/101', application: 'Playback', data: 'hello-world', async: false, timeoutMs: 20_000 });
    const fields = s.sent[0]?.fields ?? {};
    expect(fields).toMatchObject({ Application: 'Playback', Data: 'hello-world', Async: false });
    expect(fields['Exten']).toBeUndefined();
    expect(fields['Context']).toBeUndefined();
    expect(s.sent[0]?.timeoutMs).toBe(30_000);
  });

  it('refuses incomplete or dangerous parameters without sending', async () => {
    const s = sender();
    await expect(ami.originate(s, { channel: 'PJSIP/101', exten: '1' })).rejects.toMatchObject({ name: 'AmiRequestError', field: 'Context' });
    await expect(ami.originate(s, { channel: '', context: 'c', exten: '1' })).rejects.toMatchObject({ field: 'Channel' });
    await expect(ami.originate(s, { channel: 'PJSIP/101', context: 'c', exten: '1', timeoutMs: -5 })).rejects.toMatchObject({ field: 'Timeout' });
    await expect(ami.originate(s, { channel: 'PJSIP/101', context: 'c', exten: '1', variables: { 'A=B': 'x' } })).rejects.toBeInstanceOf(AmiRequestError);
    expect(s.sent).toEqual([]);
  });

  it('surfaces "Originate failed" as AmiActionError with Asterisk\'s message', async () => {
    const s = sender(() => ({ headers: [['Response', 'Error'], ['Message', 'Originate failed']] }));
    const error = await ami.originate(s, { channel: 'PJSIP/999', context: 'c', exten: '1', async: false }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AmiActionError);
    expect(error).toMatchObject({ action: 'Originate', asteriskMessage: 'Originate failed', permissionDenied: false });
    expect((error as Error).message).toBe('The PBX refused Originate: Originate failed');
  });
});

describe('call control', () => {
  it('Redirect with ExtraChannel sends both legs', async () => {
    const s = sender(() => ({ headers: [['Response', 'Success'], ['Message', 'Dual Redirect successful']] }));
    const r = await ami.redirect(s, { channel: 'Local/101@x-1;2', context: 'transfer', exten: '102', extraChannel: 'PJSIP/101-0000000f', extraExten: '103' });
    expect(r.message).toBe('Dual Redirect successful');
    expect(s.sent[0]?.fields).toEqual({
      Channel: 'Local/101@x-1;2',
      Context: 'transfer',
      Exten: '102',
      Priority: 1,
      ExtraChannel: 'PJSIP/101-0000000f',
      ExtraContext: 'transfer',
      ExtraExten: '103',
      ExtraPriority: 1,
    });
  });

  it('Atxfer, BlindTransfer, Hangup and Park send their fields', async () => {
    const s = sender(() => ({ headers: [['Response', 'Success'], ['Message', 'Park successful']] }));
    await ami.atxfer(s, { channel: 'PJSIP/101-1', exten: '102', context: 'from-internal' });
    await ami.blindTransfer(s, { channel: 'PJSIP/101-1', exten: '102' });
    await ami.hangup(s, { channel: 'PJSIP/101-1', cause: 16 });
    const parked = await ami.park(s, { channel: 'PJSIP/trunk-1', timeoutMs: 45_000, parkinglot: 'default' });
    expect(parked.message).toBe('Park successful');
    expect(s.sent.map((r) => [r.action, r.fields])).toEqual([
      ['Atxfer', { Channel: 'PJSIP/101-1', Exten: '102', Context: 'from-internal' }],
      ['BlindTransfer', { Channel: 'PJSIP/101-1', Context: undefined, Exten: '102' }],
      ['Hangup', { Channel: 'PJSIP/101-1', Cause: 16 }],
      ['Park', { Channel: 'PJSIP/trunk-1', TimeoutChannel: undefined, AnnounceChannel: undefined, Timeout: 45_000, Parkinglot: 'default' }],
    ]);
  });

  it('refuses a channel Asterisk would read as a pattern (Hangup /.*/ hangs up every channel)', async () => {
    const s = sender();
    await expect(ami.hangup(s, { channel: '/PJSIP/.*/' })).rejects.toMatchObject({ name: 'AmiRequestError', field: 'Channel' });
    await expect(ami.hangup(s, { channel: 'PJSIP/101-1', cause: 300 })).rejects.toMatchObject({ field: 'Cause' });
    await expect(ami.redirect(s, { channel: 'PJSIP/1', context: 'c', exten: '1', extraChannel: '/x/' })).rejects.toMatchObject({ field: 'ExtraChannel' });
    expect(s.sent).toEqual([]);
  });

  it('carries "Permission denied" with a hint for IT', async () => {
    const s = sender(() => ({ headers: [['Response', 'Error'], ['Message', 'Permission denied']] }));
    const error = await ami.hangup(s, { channel: 'PJSIP/101-1' }).catch((e: unknown) => e);
    expect(error).toMatchObject({ permissionDenied: true });
    expect((error as Error).message).toContain('sidecall ami-config');
  });
});

describe('recording and variables', () => {
  it('MixMonitor returns the MixMonitorID when Asterisk gives one; Stop and Mute send their fields', async () => {
    const s = sender((r) => (r.action === 'MixMonitor' ? { headers: [['Response', 'Success'], ['MixMonitorID', '0x7f00']] } : {}));
    expect(await ami.mixMonitor(s, { channel: 'PJSIP/101-4', file: 'crm-1-101.wav', options: 'bi(MID)' })).toMatchObject({ mixMonitorId: '0x7f00' });
    await ami.stopMixMonitor(s, { channel: 'PJSIP/101-4', mixMonitorId: '0x7f00' });
    await ami.mixMonitorMute(s, { channel: 'PJSIP/101-4', direction: 'both', mute: true });
    expect(s.sent.map((r) => r.fields)).toEqual([
      { Channel: 'PJSIP/101-4', File: 'crm-1-101.wav', Options: 'bi(MID)', Command: undefined },
      { Channel: 'PJSIP/101-4', MixMonitorID: '0x7f00' },
      { Channel: 'PJSIP/101-4', Direction: 'both', State: 1 },
    ]);
    const plain = sender();
    expect((await ami.mixMonitor(plain, { channel: 'PJSIP/101-4' })).mixMonitorId).toBeUndefined();
  });

  it('Getvar reads Value (empty when unset); Setvar sends Variable and Value', async () => {
    const s = sender((r) =>
      r.action === 'Getvar'
        ? { headers: [['Response', 'Success'], ['Variable', 'MIXMONITOR_FILENAME'], ['Value', '/var/spool/asterisk/monitor/crm-1-101.wav']] }
        : { headers: [['Response', 'Success'], ['Message', 'Variable Set']] },
    );
    expect(await ami.getvar(s, { channel: 'PJSIP/101-4', variable: 'MIXMONITOR_FILENAME' })).toEqual({
      actionId: 'id-1',
      variable: 'MIXMONITOR_FILENAME',
      value: '/var/spool/asterisk/monitor/crm-1-101.wav',
    });
    expect(await ami.setvar(s, { variable: 'OUTSIDE_MODE', value: 'trunk' })).toMatchObject({ message: 'Variable Set' });
    expect(s.sent[1]?.fields).toEqual({ Channel: undefined, Variable: 'OUTSIDE_MODE', Value: 'trunk' });
    const unset = sender(() => ({ headers: [['Response', 'Success'], ['Variable', 'X']] }));
    expect((await ami.getvar(unset, { variable: 'X' })).value).toBe('');
  });
});

describe('lists and session actions', () => {
  it('CoreShowChannels and Status give channel snapshots', async () => {
    const s = sender((r) =>
      r.action === 'CoreShowChannels'
        ? {
            items: [
              [['Event', 'CoreShowChannel'], ['Channel', 'PJSIP/101-0000000d'], ['ChannelState', '6'], ['ChannelStateDesc', 'Up'], ['CallerIDNum', '101'], ['ConnectedLineNum', '79161234567'], ['Uniqueid', '1795334386.35'], ['Linkedid', '1795334386.33'], ['Application', 'AppDial'], ['ApplicationData', '(Outgoing Line)'], ['Duration', '00:00:01'], ['BridgeId', 'e374']],
            ],
          }
        : { items: [[['Event', 'Status'], ['Channel', 'PJSIP/102-1'], ['Seconds', '3725'], ['BridgeID', 'b2'], ['Data', 'x']]] },
    );
    const channels = await ami.coreShowChannels(s);
    expect(s.sent[0]?.list).toEqual({ completeEvent: 'CoreShowChannelsComplete' });
    expect(channels[0]).toMatchObject({
      channel: 'PJSIP/101-0000000d',
      channelState: 6,
      channelStateDesc: 'Up',
      callerIdNum: '101',
      connectedLineNum: '79161234567',
      uniqueid: '1795334386.35',
      linkedid: '1795334386.33',
      application: 'AppDial',
      applicationData: '(Outgoing Line)',
      duration: '00:00:01',
      bridgeId: 'e374',
    });
    const st = await ami.status(s, { channel: 'PJSIP/102-1' });
    expect(st[0]).toMatchObject({ channel: 'PJSIP/102-1', duration: '01:02:05', bridgeId: 'b2', applicationData: 'x', channelState: undefined });
  });

  it('rejects a list item without a channel as a bad response', async () => {
    const s = sender(() => ({ items: [[['Event', 'CoreShowChannel'], ['Channel', '']]] }));
    const error = await ami.coreShowChannels(s).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AmiBadResponseError);
    expect((error as Error).message).toContain('field Channel');
  });

  it('Challenge + MD5 key as Asterisk computes it; Login plain and MD5; Ping; Filter; Logoff', async () => {
    const s = sender((r) => {
      if (r.action === 'Challenge') return { headers: [['Response', 'Success'], ['Challenge', '840415273']] };
      if (r.action === 'Ping') return { headers: [['Response', 'Success'], ['Ping', 'Pong'], ['Timestamp', '1795334421.085003']] };
      if (r.action === 'Logoff') return { headers: [['Response', 'Goodbye'], ['Message', 'Thanks for all the fish.']] };
      return {};
    });
    const ch = await ami.challenge(s);
    expect(ch).toBe('840415273');
    // md5(challenge + secret), lowercase hex: md5("abc") split either way.
    expect(ami.md5Key('ab', 'c')).toBe('900150983cd24fb0d6963f7d28e17f72');
    expect(ami.md5Key('abc', '')).toBe('900150983cd24fb0d6963f7d28e17f72');
    await ami.login(s, { username: 'op101', key: 'k' });
    await ami.login(s, { username: 'op101', secret: 's' });
    expect((await ami.ping(s)).timestamp).toBe('1795334421.085003');
    await ami.filter(s, { filter: 'Channel: PJSIP/101-' });
    expect((await ami.logoff(s)).message).toBe('Thanks for all the fish.');
    expect(s.sent.map((r) => [r.action, r.fields])).toEqual([
      ['Challenge', { AuthType: 'MD5' }],
      ['Login', { AuthType: 'MD5', Username: 'op101', Key: 'k' }],
      ['Login', { Username: 'op101', Secret: 's' }],
      ['Ping', undefined],
      ['Filter', { Operation: 'Add', Filter: 'Channel: PJSIP/101-' }],
      ['Logoff', undefined],
    ]);
    await expect(ami.filter(s, { filter: ' ' })).rejects.toMatchObject({ field: 'Filter' });
  });

  it('a Challenge reply without a challenge is a bad response naming the field', async () => {
    const s = sender(() => ({ headers: [['Response', 'Success']] }));
    await expect(ami.challenge(s)).rejects.toThrow(/field Challenge/);
  });
});
