// Hang up, transfers, recording and park at the AMI seam, on tracker states
// replayed from the recorded traces: which channel each action names (mine or
// the other party's), the exact fields, the notes for the tracker, and the
// refusals that send nothing.
import { describe, expect, it } from 'vitest';
import type { CallTrackerState } from '../../../src-main/core/calls';
import { getEmptyState } from '../../../src-main/core/calls';
import { CallControlError } from '../../../src-main/core/control';
import { harness, INBOUND, inboundTalking, rejection, traceState, wire } from './support';

/** A state whose only call has my channel renamed to `name` (an event from a hostile or broken PBX). */
function withMyChannelNamed(state: CallTrackerState, name: string): CallTrackerState {
  const channels = new Map(state.channels);
  const me = channels.get(INBOUND.mineUid);
  if (me === undefined) throw new Error('trace state changed');
  channels.set(INBOUND.mineUid, { ...me, name });
  return { ...state, channels };
}

describe('hang up', () => {
  it('hangs up my channel of the call with normal clearing (16), never the other party', async () => {
    const h = harness({ state: inboundTalking() });
    await h.control.hangup(INBOUND.callId);
    expect(h.ami.sent.map(wire)).toEqual([`Action: Hangup\r\nActionID: X\r\nChannel: ${INBOUND.mine}\r\nCause: 16\r\n\r\n`]);
  });

  it('declines a call that rings me with cause 21 (call rejected)', async () => {
    const h = harness({ state: traceState('a-inbound-answered-caller-hangup', (e) => e === 'DialState') });
    const call = [...h.state.records.values()][0]?.call;
    expect(call?.state).toBe('ringing');
    await h.control.hangup(call?.id ?? '');
    expect(h.ami.sent[0]?.fields).toMatchObject({ Cause: 21 });
  });

  it('refuses unknown, ended and malformed call ids, and a channel name that would be a pattern, with nothing sent', async () => {
    const h = harness({ state: inboundTalking() });
    expect(await rejection(h.control.hangup('1795334332.999'))).toMatchObject({ code: 'callNotFound' });
    expect(await rejection(h.control.hangup(''))).toMatchObject({ code: 'invalidInput' });
    expect(await rejection(h.control.hangup(undefined as unknown as string))).toMatchObject({ code: 'invalidInput' });
    expect(await rejection(h.control.hangup('x'.repeat(500)))).toMatchObject({ code: 'invalidInput' });
    h.state = traceState('e-redirect-blind-transfer-to-102', () => false);
    expect(await rejection(h.control.hangup(INBOUND.callId))).toMatchObject({ code: 'callEnded' });
    // Hangup reads `/.../` as a regular expression of channels (main/manager.c): never sent.
    h.state = withMyChannelNamed(inboundTalking(), '/.*/');
    expect(await rejection(h.control.hangup(INBOUND.callId))).toMatchObject({ code: 'noChannel' });
    h.state = withMyChannelNamed(inboundTalking(), 'PJSIP/101-00000005\r\nAction: Hangup');
    expect(await rejection(h.control.hangup(INBOUND.callId))).toMatchObject({ code: 'noChannel' });
    expect(h.ami.sent).toEqual([]);
  });

  it("translates Asterisk's refusal", async () => {
    const h = harness({ state: inboundTalking() });
    h.ami.answer = () => [['Response', 'Error'], ['Message', 'No such channel']];
    const err = await rejection(h.control.hangup(INBOUND.callId));
    expect(err).toBeInstanceOf(CallControlError);
    expect(err).toMatchObject({ code: 'amiRefused' });
    expect((err as Error).message).toContain('No such channel');
  });
});

describe('blind transfer', () => {
  it('redirects the other party (Local ;2 that dialled me, trace e) to the target in the transfer context, priority 1, and tells the tracker', async () => {
    const h = harness({ state: inboundTalking() });
    const r = await h.control.blindTransfer(INBOUND.callId, '102');
    expect(h.ami.sent.map(wire)).toEqual([`Action: Redirect\r\nActionID: X\r\nChannel: ${INBOUND.peer}\r\nContext: from-internal\r\nExten: 102\r\nPriority: 1\r\n\r\n`]);
    expect(r).toMatchObject({ kind: 'redirect', exten: '102', channel: INBOUND.peer });
    expect(h.notes).toEqual([{ kind: 'transferRequested', note: { callId: INBOUND.callId, kind: 'redirect', to: '102' } }]);
  });

  it('on an outbound call redirects the channel my Dial reached (trace c)', async () => {
    const h = harness({ state: traceState('c-outbound-originate-101-to-external', (e) => e === 'HangupRequest'), settings: (s) => ({ ...s, transfer: { ...s.transfer, context: 'transfer' } }) });
    const callId = [...h.state.records.keys()][0] ?? '';
    await h.control.blindTransfer(callId, '102');
    expect(h.ami.sent[0]?.fields).toMatchObject({ Channel: 'Local/84951234567@outside-world-00000003;1', Context: 'transfer', Exten: '102' });
  });

  it('uses the BlindTransfer action on my channel when configured (the tracker gets Event: BlindTransfer, so no note)', async () => {
    const h = harness({ state: inboundTalking(), settings: (s) => ({ ...s, transfer: { ...s.transfer, useBlindTransferAction: true } }) });
    await h.control.blindTransfer(INBOUND.callId, '102');
    expect(h.ami.sent.map(wire)).toEqual([`Action: BlindTransfer\r\nActionID: X\r\nChannel: ${INBOUND.mine}\r\nContext: from-internal\r\nExten: 102\r\n\r\n`]);
    expect(h.notes).toEqual([]);
  });

  it('sends outside numbers in the configured format with the outbound prefix', async () => {
    const h = harness({ state: inboundTalking(), settings: (s) => ({ ...s, dial: { ...s.dial, outboundPrefix: '9' } }) });
    await h.control.blindTransfer(INBOUND.callId, '+7 (495) 123-45-67');
    expect(h.ami.sent[0]?.fields?.['Exten']).toBe('984951234567');
  });

  it('refuses hostile targets, feature codes and ;ext= extensions with nothing sent', async () => {
    const h = harness({ state: inboundTalking() });
    for (const target of ['102\r\nAction: Hangup', '102&PJSIP/103', 'Local/102@evil', '${SHELL(id)}', '*72102', '+7 495 123-45-67;ext=12', '']) {
      expect(await rejection(h.control.blindTransfer(INBOUND.callId, target))).toMatchObject({ code: 'invalidNumber' });
    }
    expect(h.ami.sent).toEqual([]);
    expect(h.notes).toEqual([]);
  });

  it("refuses when the other party's channel cannot be told", async () => {
    const state = inboundTalking();
    const channels = new Map([...state.channels].filter(([, c]) => c.mine));
    const h = harness({ state: { ...state, channels } });
    expect(await rejection(h.control.blindTransfer(INBOUND.callId, '102'))).toMatchObject({ code: 'noRemoteChannel' });
    expect(h.ami.sent).toEqual([]);
  });
});

describe('transfer to the responsible manager', () => {
  it('is a blind transfer to an extension', async () => {
    const h = harness({ state: inboundTalking() });
    await h.control.transferToResponsible(INBOUND.callId, '205');
    expect(h.ami.sent[0]).toMatchObject({ action: 'Redirect', fields: { Channel: INBOUND.peer, Exten: '205' } });
  });

  it('refuses an outside number', async () => {
    const h = harness({ state: inboundTalking() });
    expect(await rejection(h.control.transferToResponsible(INBOUND.callId, '+7 495 123-45-67'))).toMatchObject({ code: 'invalidNumber' });
    expect(h.ami.sent).toEqual([]);
  });
});

describe('attended transfer', () => {
  it('Atxfer on my channel; complete hangs up my channel; cancel hangs up the consultation leg', async () => {
    const h = harness({ state: inboundTalking() });
    const r = await h.control.attendedTransfer(INBOUND.callId, '102');
    expect(h.ami.sent.map(wire)).toEqual([`Action: Atxfer\r\nActionID: X\r\nChannel: ${INBOUND.mine}\r\nExten: 102\r\nContext: from-internal\r\n\r\n`]);
    expect(r).toMatchObject({ kind: 'attended', channel: INBOUND.mine });
    // A second one while consulting is refused.
    expect(await rejection(h.control.attendedTransfer(INBOUND.callId, '103'))).toMatchObject({ code: 'dialInProgress' });
    // Not set up yet (the tracker has not seen the consultation channel).
    expect(await rejection(h.control.cancelTransfer(INBOUND.callId))).toMatchObject({ code: 'noConsultation' });
    // The consultation leg appears in the call, dialled by my channel.
    const channels = new Map(h.state.channels);
    channels.set('1795334332.30', { uniqueid: '1795334332.30', name: 'Local/102@from-internal-0000000c;1', mine: false, held: false, hangupRequested: false, startedAt: 0, callId: INBOUND.callId });
    h.state = { ...h.state, channels };
    await h.control.cancelTransfer(INBOUND.callId);
    expect(wire(h.ami.sent[1])).toBe('Action: Hangup\r\nActionID: X\r\nChannel: Local/102@from-internal-0000000c;1\r\nCause: 16\r\n\r\n');
    expect(await rejection(h.control.completeTransfer(INBOUND.callId))).toMatchObject({ code: 'noConsultation' });
    await h.control.attendedTransfer(INBOUND.callId, '102');
    await h.control.completeTransfer(INBOUND.callId);
    expect(wire(h.ami.sent[3])).toBe(`Action: Hangup\r\nActionID: X\r\nChannel: ${INBOUND.mine}\r\nCause: 16\r\n\r\n`);
    expect(h.notes).toEqual([]);
  });
});

describe('recording', () => {
  it('direct: MixMonitor on my channel with the file from the template, option b and an id variable; the tracker is told the file', async () => {
    const h = harness({ state: inboundTalking() });
    h.ami.answer = (r) => (r.action === 'MixMonitor' ? [['Response', 'Success'], ['MixMonitorID', '0x7f0000001230']] : [['Response', 'Success']]);
    const info = await h.control.startRecording(INBOUND.callId);
    const file = 'sidecall/2026/01/15/1795334332.15-101.wav';
    expect(h.ami.sent.map(wire)).toEqual([`Action: MixMonitor\r\nActionID: X\r\nChannel: ${INBOUND.mine}\r\nFile: ${file}\r\nOptions: bi(SIDECALL_MIXMONITOR_ID)\r\n\r\n`]);
    expect(info).toMatchObject({ mode: 'direct', file, channel: INBOUND.mine, mixMonitorId: '0x7f0000001230', state: 'recording' });
    expect(h.notes).toEqual([{ kind: 'recordingRequested', note: { callId: INBOUND.callId, file } }]);
    // Starting again returns the same recording.
    expect(await h.control.startRecording(INBOUND.callId)).toBe(info);
    expect(h.ami.sent).toHaveLength(1);

    await h.control.pauseRecording(INBOUND.callId);
    expect(h.control.recording(INBOUND.callId)?.state).toBe('paused');
    await h.control.resumeRecording(INBOUND.callId);
    await h.control.stopRecording(INBOUND.callId);
    expect(h.ami.sent.slice(1).map(wire)).toEqual([
      `Action: MixMonitorMute\r\nActionID: X\r\nChannel: ${INBOUND.mine}\r\nDirection: both\r\nState: 1\r\n\r\n`,
      `Action: MixMonitorMute\r\nActionID: X\r\nChannel: ${INBOUND.mine}\r\nDirection: both\r\nState: 0\r\n\r\n`,
      `Action: StopMixMonitor\r\nActionID: X\r\nChannel: ${INBOUND.mine}\r\nMixMonitorID: 0x7f0000001230\r\n\r\n`,
    ]);
    expect(h.control.recording(INBOUND.callId)).toBeUndefined();
  });

  it('direct: Permission denied tells IT to switch to least-privilege mode', async () => {
    const h = harness({ state: inboundTalking() });
    h.ami.answer = () => [['Response', 'Error'], ['Message', 'Permission denied']];
    const err = await rejection(h.control.startRecording(INBOUND.callId));
    expect(err).toMatchObject({ code: 'recordingNotPermitted' });
    expect((err as Error).message).toMatch(/least-privilege/);
    expect(h.notes).toEqual([]);
  });

  it('dialplan: Originate of Local/<ext>@sidecall-record with the spied channel and the file, then the Local ;1 from the OriginateResponse carries mute and stop', async () => {
    const h = harness({ state: inboundTalking(), settings: (s) => ({ ...s, recording: { ...s.recording, mode: 'dialplan' } }) });
    h.ami.answer = (r, actionId) => {
      if (r.action === 'Originate') {
        h.ami.emit([['Event', 'OriginateResponse'], ['ActionID', actionId], ['Response', 'Success'], ['Channel', 'Local/101@sidecall-record-00000010;1'], ['Context', 'sidecall-record'], ['Exten', 'record'], ['Reason', '4'], ['Uniqueid', '1795334340.40']]);
      }
      return [['Response', 'Success']];
    };
    const info = await h.control.startRecording(INBOUND.callId);
    expect(wire(h.ami.sent[0])).toBe(
      [
        'Action: Originate',
        'ActionID: X',
        'Channel: Local/101@sidecall-record',
        'Context: sidecall-record',
        'Exten: record',
        'Priority: 1',
        'Timeout: 10000',
        `Variable: SIDECALL_SPY=${INBOUND.mine}`,
        'Variable: SIDECALL_FILE=sidecall/2026/01/15/1795334332.15-101.wav',
        'Async: true',
        '',
        '',
      ].join('\r\n'),
    );
    expect(info).toMatchObject({ mode: 'dialplan', channel: 'Local/101@sidecall-record-00000010;1' });
    await h.control.pauseRecording(INBOUND.callId);
    await h.control.stopRecording(INBOUND.callId);
    expect(h.ami.sent.slice(1).map((r) => [r.action, r.fields?.['Channel']])).toEqual([
      ['MixMonitorMute', 'Local/101@sidecall-record-00000010;1'],
      ['Hangup', 'Local/101@sidecall-record-00000010;1'],
    ]);
  });

  it('dialplan: a failed OriginateResponse (context missing) is a clear error; no answer ends on the clock', async () => {
    const h = harness({ state: inboundTalking(), settings: (s) => ({ ...s, recording: { ...s.recording, mode: 'dialplan' } }) });
    const pending = h.control.startRecording(INBOUND.callId);
    await Promise.resolve();
    await Promise.resolve();
    h.ami.emit([['Event', 'OriginateResponse'], ['ActionID', 't-1'], ['Response', 'Failure'], ['Channel', 'Local/101@sidecall-record'], ['Reason', '0'], ['Uniqueid', '<unknown>']]);
    const err = await rejection(pending);
    expect(err).toMatchObject({ code: 'recordingDialplanFailed' });
    expect((err as Error).message).toContain('sidecall-record');

    const second = h.control.startRecording(INBOUND.callId);
    await Promise.resolve();
    await Promise.resolve();
    h.clock.advance(60_000);
    expect(await rejection(second)).toMatchObject({ code: 'recordingDialplanFailed' });
    expect(h.clock.pending).toBe(0);
  });

  it('pbx: start is refused; pause, resume and stop find the channel that carries the PBX recording', async () => {
    const h = harness({ state: inboundTalking(), settings: (s) => ({ ...s, recording: { ...s.recording, mode: 'pbx' } }) });
    expect(await rejection(h.control.startRecording(INBOUND.callId))).toMatchObject({ code: 'recordingByPbx' });
    expect(h.ami.sent).toEqual([]);
    // The PBX recorded the caller's side (sub-record runs on the calling channel): mine answers "Cannot set mute flag".
    h.ami.answer = (r) => (r.fields?.['Channel'] === INBOUND.mine ? [['Response', 'Error'], ['Message', 'Cannot set mute flag']] : [['Response', 'Success']]);
    await h.control.pauseRecording(INBOUND.callId);
    expect(h.ami.sent.map((r) => r.fields?.['Channel'])).toEqual([INBOUND.mine, INBOUND.peer]);
    h.ami.answer = () => [['Response', 'Error'], ['Message', 'Could not stop monitoring channel']];
    expect(await rejection(h.control.stopRecording(INBOUND.callId))).toMatchObject({ code: 'notRecording' });
  });

  it('refuses a file template that would escape the monitor directory', async () => {
    const h = harness({ state: inboundTalking(), settings: (s) => ({ ...s, recording: { ...s.recording, fileTemplate: '${LINKEDID}/../../etc/x.wav' } }) });
    expect(await rejection(h.control.startRecording(INBOUND.callId))).toMatchObject({ code: 'badSettings' });
    expect(h.ami.sent).toEqual([]);
  });
});

describe('park', () => {
  it('parks the other party with my channel as TimeoutChannel and answers the slot of the ParkedCall event', async () => {
    const h = harness({ state: inboundTalking() });
    h.ami.answer = (r) => {
      if (r.action === 'Park') h.ami.emit([['Event', 'ParkedCall'], ['ParkeeChannel', INBOUND.peer], ['ParkeeUniqueid', '1795334332.16'], ['ParkerDialString', 'PJSIP/101'], ['Parkinglot', 'default'], ['ParkingSpace', '701']]);
      return [['Response', 'Success'], ['Message', 'Park successful']];
    };
    const r = await h.control.park(INBOUND.callId);
    expect(h.ami.sent.map(wire)).toEqual([`Action: Park\r\nActionID: X\r\nChannel: ${INBOUND.peer}\r\nTimeoutChannel: ${INBOUND.mine}\r\n\r\n`]);
    expect(r).toEqual({ callId: INBOUND.callId, slot: '701' });
    // The tracker did not record it (its state here is static): the control tells it.
    expect(h.notes).toEqual([{ kind: 'transferRequested', note: { callId: INBOUND.callId, kind: 'park', to: '701' } }]);
  });

  it('without a ParkedCall event the slot is unknown after the wait (on the clock)', async () => {
    const h = harness({ state: inboundTalking() });
    const p = h.control.park(INBOUND.callId);
    for (let i = 0; i < 5; i++) await Promise.resolve();
    h.clock.advance(5_000);
    expect(await p).toEqual({ callId: INBOUND.callId, slot: undefined });
    expect(h.clock.pending).toBe(0);
  });
});

describe('no call, no channel', () => {
  it('every call action refuses a call id the tracker does not know, with nothing sent', async () => {
    const h = harness({ state: getEmptyState({ extension: '101' }) });
    const c = h.control;
    for (const p of [
      c.hangup('x'),
      c.blindTransfer('x', '102'),
      c.attendedTransfer('x', '102'),
      c.completeTransfer('x'),
      c.cancelTransfer('x'),
      c.transferToResponsible('x', '102'),
      c.startRecording('x'),
      c.pauseRecording('x'),
      c.resumeRecording('x'),
      c.stopRecording('x'),
      c.park('x'),
    ]) {
      expect(await rejection(p)).toMatchObject({ code: 'callNotFound' });
    }
    expect(h.ami.sent).toEqual([]);
  });

  it('after dispose every method refuses', async () => {
    const h = harness({ state: inboundTalking() });
    h.control.dispose();
    expect(await rejection(h.control.hangup(INBOUND.callId))).toMatchObject({ code: 'unavailable' });
    expect(await rejection(h.control.dial('102', { source: 'pad' }))).toMatchObject({ code: 'unavailable' });
    expect(h.ami.sent).toEqual([]);
  });
});
