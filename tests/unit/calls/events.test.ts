// parseAmiEvent: typed events at the edge, from the recorded traces and from
// messages shaped like the Asterisk AMI event docs (12+ and the old 1.4-11 ones).
import { describe, expect, it } from 'vitest';
import type { AmiMessage } from '../../../src-main/core/ami/codec';
import { getHeader } from '../../../src-main/core/ami/codec';
import { PARSED_EVENT_NAMES, parseAmiEvent } from '../../../src-main/core/ami/events';
import { loadTrace } from './replay';

function msg(text: string): AmiMessage {
  return {
    headers: text
      .trim()
      .split('\n')
      .map((line): readonly [string, string] => {
        const i = line.indexOf(':');
        return [line.slice(0, i).trim(), line.slice(i + 1).trim()];
      }),
  };
}

const TRACES = [
  'a-inbound-answered-caller-hangup',
  'b-inbound-noanswer-timeout',
  'c-outbound-originate-101-to-external',
  'd-mixmonitor-start-stop',
  'e-redirect-blind-transfer-to-102',
  'h-coreshowchannels-live-call',
  'i-originate-bad-channel',
  'k-op101-limited-user',
  'l-tls-login',
  'm-inbound-from-sip-trunk',
  'n-outbound-via-sip-trunk',
];

describe('parseAmiEvent on the recorded traces', () => {
  it.each(TRACES)('%s: parses the events the tracker needs and ignores the rest', (trace) => {
    for (const { message } of loadTrace(trace)) {
      const name = getHeader(message, 'Event');
      const ev = parseAmiEvent(message);
      if (name === undefined) {
        // Responses (OriginateResponse excepted, it has Event:) are not events.
        expect(ev).toBeUndefined();
      } else if (name === 'VarSet') {
        expect(ev === undefined).toBe(getHeader(message, 'Variable') !== 'MIXMONITOR_FILENAME');
      } else if (PARSED_EVENT_NAMES.includes(name)) {
        expect(ev?.event, name).toBeDefined();
      } else {
        // CEL, Cdr, Newexten, RTCP*, DeviceStateChange, FullyBooted, ...
        expect(ev, name).toBeUndefined();
      }
    }
  });

  it('reads the Local-channel inbound of trace a the way the README describes it', () => {
    const events = loadTrace('a-inbound-answered-caller-hangup')
      .map((m) => parseAmiEvent(m.message))
      .filter((e) => e !== undefined);
    const dial = events.find((e) => e.event === 'DialBegin' && e.dest.channel.startsWith('PJSIP/101'));
    expect(dial).toMatchObject({
      event: 'DialBegin',
      caller: { channel: 'Local/101@inbound-sim-00000001;2', uniqueid: '1795334282.4', linkedid: '1795334282.3', state: 4, callerIdNum: '79161234567', callerIdName: 'Ivan Petrov' },
      dest: { channel: 'PJSIP/101-00000001', uniqueid: '1795334282.5', linkedid: '1795334282.3', state: 0, callerIdNum: '101', connectedLineNum: '79161234567', exten: '101' },
      dialString: '101',
    });
    // `ConnectedLineNum: <unknown>` is absent, not the string "<unknown>".
    const first = events.find((e) => e.event === 'Newchannel');
    expect(first).toEqual({
      event: 'Newchannel',
      channel: { channel: 'Local/101@inbound-sim-00000001;1', uniqueid: '1795334282.3', linkedid: '1795334282.3', state: 0, context: 'inbound-sim', exten: '101' },
    });
    expect(events.find((e) => e.event === 'Hangup' && e.channel.channel.startsWith('PJSIP/101'))).toMatchObject({ cause: 16, causeText: 'Normal Clearing' });
  });

  it('trace c: the Originate DialBegin has no calling channel; OriginateResponse is an event', () => {
    const events = loadTrace('c-outbound-originate-101-to-external')
      .map((m) => parseAmiEvent(m.message))
      .filter((e) => e !== undefined);
    const first = events.find((e) => e.event === 'DialBegin');
    expect(first?.event === 'DialBegin' && first.caller).toBe(undefined);
    expect(events.find((e) => e.event === 'OriginateResponse')).toEqual({
      event: 'OriginateResponse',
      actionId: 'c-outbound-originate-101-to-external-2',
      success: true,
      channel: 'PJSIP/101-00000003',
      uniqueid: '1795334314.9',
      context: 'from-internal',
      exten: '84951234567',
      reason: 4,
      callerIdNum: '101',
      callerIdName: 'Operator 101',
    });
  });

  it('trace i: a failed OriginateResponse has no Uniqueid and a channel without suffix', () => {
    const failures = loadTrace('i-originate-bad-channel')
      .map((m) => parseAmiEvent(m.message))
      .filter((e) => e?.event === 'OriginateResponse');
    expect(failures).toEqual([
      { event: 'OriginateResponse', actionId: 'i-async-999', success: false, channel: 'PJSIP/999', context: 'from-internal', exten: '101', reason: 0 },
      { event: 'OriginateResponse', actionId: 'i-async-103', success: false, channel: 'PJSIP/103', context: 'from-internal', exten: '101', reason: 0 },
    ]);
  });

  it('trace h: CoreShowChannel and Status items carry the same facts', () => {
    const events = loadTrace('h-coreshowchannels-live-call')
      .map((m) => parseAmiEvent(m.message))
      .filter((e) => e !== undefined);
    const csc = events.find((e) => e.event === 'CoreShowChannel' && e.channel.channel.startsWith('PJSIP/101'));
    const status = events.find((e) => e.event === 'Status' && e.channel.channel.startsWith('PJSIP/101'));
    expect(csc).toMatchObject({ application: 'AppDial', durationSeconds: 1, bridgeId: 'e374cfcf-0cfd-4996-9349-a1cd714f1576', actionId: 'h-coreshowchannels-live-call-2' });
    expect(status).toMatchObject({ application: 'AppDial', durationSeconds: 1, bridgeId: 'e374cfcf-0cfd-4996-9349-a1cd714f1576', actionId: 'h-coreshowchannels-live-call-3' });
    expect(csc?.event === 'CoreShowChannel' && status?.event === 'Status' && csc.channel).toEqual(status?.event === 'Status' ? status.channel : undefined);
    // Local ;1 waits in Wait() outside any bridge: an empty BridgeId is absent.
    const waiting = events.find((e) => e.event === 'CoreShowChannel' && e.channel.channel.endsWith(';1'));
    expect(waiting?.event === 'CoreShowChannel' && waiting.bridgeId).toBeUndefined();
    expect(events.find((e) => e.event === 'CoreShowChannelsComplete')).toEqual({ event: 'CoreShowChannelsComplete', actionId: 'h-coreshowchannels-live-call-2', listItems: 3 });
  });
});

describe('parseAmiEvent on documented event shapes', () => {
  it('reads header names case-insensitively (CEL writes CallerIDnum)', () => {
    expect(
      parseAmiEvent(
        msg(`
          event: Newstate
          CHANNEL: PJSIP/101-0000002a
          channelstate: 5
          CallerIDnum: 101
          UNIQUEID: 1.2
          linkedID: 1.1`),
      ),
    ).toEqual({ event: 'Newstate', channel: { channel: 'PJSIP/101-0000002a', uniqueid: '1.2', linkedid: '1.1', state: 5, callerIdNum: '101' } });
    // The event name itself is compared as Asterisk sends it.
    expect(parseAmiEvent(msg('Event: NEWSTATE\nChannel: PJSIP/101-0000002a'))).toBeUndefined();
  });

  it('ignores messages that are not events, events it does not use, and malformed ones', () => {
    expect(parseAmiEvent(msg('Response: Success\nMessage: Authentication accepted'))).toBeUndefined();
    expect(parseAmiEvent(msg('Event: RTCPSent\nChannel: PJSIP/101-00000001'))).toBeUndefined();
    expect(parseAmiEvent(msg('Event: VarSet\nChannel: PJSIP/101-00000001\nVariable: SIM_HOLD\nValue: 6'))).toBeUndefined();
    expect(parseAmiEvent(msg('Event: Hangup\nCause: 16'))).toBeUndefined();
    expect(parseAmiEvent(msg('Event: DialBegin\nChannel: PJSIP/101-00000001'))).toBeUndefined();
    expect(parseAmiEvent({ headers: [] })).toBeUndefined();
  });

  it('BlindTransfer and AttendedTransfer (Asterisk 12+)', () => {
    expect(
      parseAmiEvent(
        msg(`
          Event: BlindTransfer
          Result: Success
          TransfererChannel: PJSIP/101-00000001
          TransfererUniqueid: 1.2
          TransfererLinkedid: 1.1
          TransfereeChannel: PJSIP/trunk-00000002
          TransfereeCallerIDNum: 79161234567
          TransfereeUniqueid: 1.1
          TransfereeLinkedid: 1.1
          BridgeUniqueid: b1
          IsExternal: Yes
          Context: from-internal
          Extension: 102`),
      ),
    ).toEqual({
      event: 'BlindTransfer',
      result: 'Success',
      success: true,
      transferer: { channel: 'PJSIP/101-00000001', uniqueid: '1.2', linkedid: '1.1' },
      transferee: { channel: 'PJSIP/trunk-00000002', uniqueid: '1.1', linkedid: '1.1', callerIdNum: '79161234567' },
      bridgeId: 'b1',
      isExternal: true,
      context: 'from-internal',
      extension: '102',
    });
    expect(
      parseAmiEvent(
        msg(`
          Event: AttendedTransfer
          Result: Fail
          OrigTransfererChannel: PJSIP/101-00000001
          OrigBridgeUniqueid: b1
          SecondTransfererChannel: PJSIP/101-00000003
          DestType: Fail
          IsExternal: No`),
      ),
    ).toEqual({
      event: 'AttendedTransfer',
      result: 'Fail',
      success: false,
      origTransferer: { channel: 'PJSIP/101-00000001' },
      origBridgeId: 'b1',
      secondTransferer: { channel: 'PJSIP/101-00000003' },
      destType: 'Fail',
      isExternal: false,
    });
  });

  it('parking, pickup, queue and hold events', () => {
    expect(parseAmiEvent(msg('Event: ParkedCall\nParkeeChannel: PJSIP/trunk-1\nParkeeLinkedid: 1.1\nParkerDialString: PJSIP/101\nParkinglot: default\nParkingSpace: 701\nParkingTimeout: 45'))).toEqual({
      event: 'ParkedCall',
      parkee: { channel: 'PJSIP/trunk-1', linkedid: '1.1' },
      parkerDialString: 'PJSIP/101',
      parkinglot: 'default',
      parkingSpace: '701',
      timeout: 45,
    });
    expect(parseAmiEvent(msg('Event: UnParkedCall\nParkeeChannel: PJSIP/trunk-1\nRetrieverChannel: PJSIP/101-00000009\nParkingSpace: 701'))).toMatchObject({ retriever: { channel: 'PJSIP/101-00000009' } });
    expect(parseAmiEvent(msg('Event: Pickup\nChannel: PJSIP/101-00000009\nTargetChannel: PJSIP/102-00000008\nTargetConnectedLineNum: 79161234567'))).toEqual({
      event: 'Pickup',
      channel: { channel: 'PJSIP/101-00000009' },
      target: { channel: 'PJSIP/102-00000008', connectedLineNum: '79161234567' },
    });
    expect(parseAmiEvent(msg('Event: AgentConnect\nChannel: PJSIP/trunk-1\nDestChannel: PJSIP/102-2\nQueue: sales\nMemberName: Operator 102\nInterface: PJSIP/102\nRingTime: 5\nHoldTime: 12'))).toEqual({
      event: 'AgentConnect',
      caller: { channel: 'PJSIP/trunk-1' },
      agent: { channel: 'PJSIP/102-2' },
      queue: 'sales',
      memberName: 'Operator 102',
      interface: 'PJSIP/102',
      ringTime: 5,
      holdTime: 12,
    });
    expect(parseAmiEvent(msg('Event: QueueCallerAbandon\nChannel: PJSIP/trunk-1\nQueue: sales\nPosition: 1'))).toEqual({ event: 'QueueCallerAbandon', channel: { channel: 'PJSIP/trunk-1' }, queue: 'sales', position: 1 });
    expect(parseAmiEvent(msg('Event: Hold\nChannel: PJSIP/101-1\nMusicClass: default'))).toEqual({ event: 'Hold', channel: { channel: 'PJSIP/101-1' }, musicClass: 'default' });
    expect(parseAmiEvent(msg('Event: MixMonitorMute\nChannel: PJSIP/101-1\nDirection: both\nState: 1'))).toEqual({ event: 'MixMonitorMute', channel: { channel: 'PJSIP/101-1' }, direction: 'both', muted: true });
  });

  it('Asterisk 1.4-11 events: Dial, Bridge, Link/Unlink, Hold Status, Newcallerid, State', () => {
    expect(parseAmiEvent(msg('Event: Dial\nSubEvent: Begin\nChannel: SIP/trunk-1\nDestination: SIP/101-2\nCallerIDNum: 7916\nUniqueID: 9.1\nDestUniqueID: 9.2\nDialstring: 101'))).toEqual({
      event: 'Dial',
      subEvent: 'Begin',
      channel: 'SIP/trunk-1',
      uniqueid: '9.1',
      destination: 'SIP/101-2',
      destUniqueid: '9.2',
      callerIdNum: '7916',
      dialString: '101',
    });
    // 1.4: no SubEvent, Source/SrcUniqueID/CallerID.
    expect(parseAmiEvent(msg('Event: Dial\nSource: SIP/trunk-1\nDestination: SIP/101-2\nCallerID: 7916\nSrcUniqueID: 9.1\nDestUniqueID: 9.2'))).toMatchObject({ subEvent: 'Begin', channel: 'SIP/trunk-1', uniqueid: '9.1', callerIdNum: '7916' });
    expect(parseAmiEvent(msg('Event: Dial\nSubEvent: End\nChannel: SIP/trunk-1\nUniqueID: 9.1\nDialStatus: noanswer'))).toEqual({ event: 'Dial', subEvent: 'End', channel: 'SIP/trunk-1', uniqueid: '9.1', dialStatus: 'NOANSWER' });
    expect(parseAmiEvent(msg('Event: Bridge\nBridgestate: Unlink\nChannel1: SIP/trunk-1\nChannel2: SIP/101-2\nUniqueid1: 9.1\nUniqueid2: 9.2\nCallerID1: 7916\nCallerID2: 101'))).toEqual({
      event: 'Unlink',
      channel1: 'SIP/trunk-1',
      channel2: 'SIP/101-2',
      uniqueid1: '9.1',
      uniqueid2: '9.2',
      callerId1: '7916',
      callerId2: '101',
    });
    expect(parseAmiEvent(msg('Event: Link\nChannel1: SIP/trunk-1\nChannel2: SIP/101-2'))).toEqual({ event: 'Link', channel1: 'SIP/trunk-1', channel2: 'SIP/101-2' });
    expect(parseAmiEvent(msg('Event: Hold\nChannel: SIP/101-2\nUniqueid: 9.2\nStatus: Off'))).toEqual({ event: 'Unhold', channel: { channel: 'SIP/101-2', uniqueid: '9.2' } });
    expect(parseAmiEvent(msg('Event: Newcallerid\nChannel: SIP/trunk-1\nCallerID: 7916\nUniqueid: 9.1'))).toEqual({ event: 'NewCallerid', channel: { channel: 'SIP/trunk-1', callerIdNum: '7916', uniqueid: '9.1' } });
    expect(parseAmiEvent(msg('Event: Newstate\nChannel: SIP/101-2\nState: Ringing\nUniqueid: 9.2'))).toEqual({ event: 'Newstate', channel: { channel: 'SIP/101-2', uniqueid: '9.2', state: 5 } });
  });
});
