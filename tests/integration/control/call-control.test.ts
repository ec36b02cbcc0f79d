// Call control against the AMI test server over real sockets, with the call
// tracker fed from the same connection: the Originate on the wire and the call
// it becomes (dialing -> connected), failure reasons mapped for the operator,
// Redirect of the right channel, Atxfer complete/cancel, MixMonitor in the
// three recording modes (and the permission error), Hangup, Park.
import { afterEach, describe, expect, it } from 'vitest';
import { getHeader } from '../../../src-main/core/ami/codec';
import * as ami from '../../../src-main/core/ami/actions';
import { simulateInbound } from '../../support/ami-server';
import { tick } from '../ami/support';
import type { Call } from '../../../src-shared/domain/call';
import { fieldsOf, rig, type Rig, type RigOptions } from './support';

const rigs: Rig[] = [];
afterEach(async () => {
  for (const r of rigs.splice(0)) await r.close();
});

async function setup(opts: RigOptions = {}): Promise<Rig> {
  const r = await rig(opts);
  rigs.push(r);
  return r;
}

/** An inbound call from Ivan to 101, answered: the tracker's call once connected. */
async function inboundTalking(r: Rig): Promise<Call> {
  simulateInbound(r.srv.pbx, { from: '79161234567', fromName: 'Ivan Petrov', to: '101', talkMs: 600_000 });
  r.pbxClock.advance(1000);
  return r.untilCall((c) => c.state === 'connected' && c.direction === 'inbound');
}

/** Advances the control's clock until `p` settles (for waits that end on the clock when an event never comes). */
async function settleOnClock<T>(r: Rig, p: Promise<T>, stepMs = 1000): Promise<T> {
  let outcome: { ok: true; value: T } | { ok: false; error: unknown } | undefined;
  p.then(
    (value) => (outcome = { ok: true, value }),
    (error: unknown) => (outcome = { ok: false, error }),
  );
  for (let i = 0; i < 200 && outcome === undefined; i++) {
    await tick();
    if (outcome === undefined) r.c.clock.advance(stepMs);
  }
  if (outcome === undefined) throw new Error('did not settle');
  if (!outcome.ok) throw outcome.error;
  return outcome.value;
}

describe('click-to-call', () => {
  it('writes one Originate (my device first, then the number) and the tracker follows the call: dialing -> connected; Hangup ends it', async () => {
    const r = await setup();
    r.srv.pbx.setPhone('101', { answerAfterMs: 2000 });
    const started = await r.control.dial('+7 495 123-45-67', { source: 'pad' });
    const originates = r.actions('Originate');
    expect(originates).toHaveLength(1);
    expect(fieldsOf(originates[0])).toEqual([
      ['Action', 'Originate'],
      ['Channel', 'PJSIP/101'],
      ['Context', 'from-internal'],
      ['Exten', '84951234567'],
      ['Priority', '1'],
      ['Timeout', '30000'],
      ['CallerID', `"Sidecall: ${started.target.display}" <101>`],
      ['Variable', 'SIDECALL_DIAL=1'],
      ['Variable', 'SIDECALL_SOURCE=pad'],
      ['ChannelId', started.callId],
      ['Async', 'true'],
    ]);

    // My phone rings first: the call is already the tracker's, under our ChannelId.
    r.pbxClock.advance(100);
    const dialing = await r.untilCall((c) => c.id === started.callId);
    expect(dialing.state).toBe('dialing');
    expect(dialing.direction).toBe('outbound');

    r.pbxClock.advance(2000);
    const connected = await r.untilCall((c) => c.id === started.callId && c.state === 'connected');
    expect(connected.remoteNumber).toBe('84951234567');
    expect(await r.untilOutcome((o) => o.callId === started.callId)).toMatchObject({ ok: true, code: 'answered', reason: 4 });
    expect(r.timeline.get(started.callId)).toEqual(['dialing', 'connected']);

    await r.control.hangup(started.callId);
    const hangups = r.actions('Hangup');
    expect(hangups).toHaveLength(1);
    expect(getHeader(hangups[0] ?? { headers: [] }, 'Channel')).toMatch(/^PJSIP\/101-[0-9a-f]{8}$/);
    expect(getHeader(hangups[0] ?? { headers: [] }, 'Cause')).toBe('16');
    r.pbxClock.advance(100);
    const ended = await r.untilCall((c) => c.id === started.callId && c.state === 'ended');
    expect(ended.result).toBe('answered');
  });

  it('my device unregistered: the outcome says the phone is offline, and the tracker files a failed call', async () => {
    const r = await setup();
    r.srv.pbx.setPhone('101', { registered: false });
    const started = await r.control.dial('102', { source: 'history' });
    const outcome = await r.untilOutcome((o) => o.callId === started.callId);
    expect(outcome).toMatchObject({ ok: false, code: 'deviceOffline', reason: 0 });
    expect(outcome.message).toContain('PJSIP/101');
    const failed = await r.untilCall((c) => c.state === 'ended' && c.result === 'failed');
    expect(failed.direction).not.toBe('inbound');
  });

  it('an existing but unregistered device (PJSIP/103, trace i) maps to deviceOffline too', async () => {
    const r = await setup({ settings: (s) => ({ ...s, dial: { ...s.dial, device: 'PJSIP/103' } }) });
    const started = await r.control.dial('102', { source: 'pad' });
    expect(getHeader(r.actions('Originate')[0] ?? { headers: [] }, 'Channel')).toBe('PJSIP/103');
    expect(await r.untilOutcome((o) => o.callId === started.callId)).toMatchObject({ ok: false, code: 'deviceOffline' });
  });

  it('my phone rings and I do not pick up: deviceNoAnswer (Reason 0 after the channel existed)', async () => {
    const r = await setup();
    r.srv.pbx.setPhone('101', { answer: 'manual' });
    const started = await r.control.dial('102', { source: 'pad' });
    r.pbxClock.advance(100);
    await r.untilCall((c) => c.id === started.callId && c.state === 'dialing');
    r.pbxClock.advance(31_000);
    expect(await r.untilOutcome((o) => o.callId === started.callId)).toMatchObject({ ok: false, code: 'deviceNoAnswer', reason: 0 });
    await r.untilCall((c) => c.id === started.callId && c.state === 'ended');
  });

  it('my phone is busy: deviceBusy, not "not picked up" (Asterisk says Reason 0 for both; the Hangup cause tells)', async () => {
    const r = await setup();
    r.srv.pbx.setPhone('101', { answer: 'busy' });
    const started = await r.control.dial('102', { source: 'pad' });
    r.pbxClock.advance(100);
    const outcome = await r.untilOutcome((o) => o.callId === started.callId);
    expect(outcome).toMatchObject({ ok: false, code: 'deviceBusy', reason: 0 });
    expect(outcome.message).toContain('is busy');
  });

  it('hostile input never reaches the socket', async () => {
    const r = await setup();
    for (const input of ['84951234567\r\nAction: Hangup\r\nChannel: PJSIP/102-00000001', '101&PJSIP/102', 'Local/102@from-internal', '${SHELL(id)}']) {
      await expect(r.control.dial(input, { source: 'link' })).rejects.toMatchObject({ code: 'invalidNumber' });
    }
    await ami.ping(r.c.conn);
    const wire = r.srv.connections.at(-1)?.received.toString() ?? '';
    expect(wire).not.toContain('Originate');
    expect(wire).not.toContain('Hangup');
  });
});

describe('transfers', () => {
  it("blind transfer of an inbound call to 102 redirects the caller's channel (Local ;2), then my channel goes and 102 rings", async () => {
    const r = await setup();
    const call = await inboundTalking(r);
    await r.control.blindTransfer(call.id, '102');
    const redirects = r.actions('Redirect');
    expect(redirects).toHaveLength(1);
    const fields = fieldsOf(redirects[0]);
    expect(fields[1]?.[0]).toBe('Channel');
    expect(fields[1]?.[1]).toMatch(/^Local\/101@inbound-sim-[0-9a-f]{8};2$/);
    expect(fields.slice(2)).toEqual([
      ['Context', 'from-internal'],
      ['Exten', '102'],
      ['Priority', '1'],
    ]);
    r.pbxClock.advance(1000);
    const ended = await r.untilCall((c) => c.id === call.id && c.state === 'ended');
    expect(ended.transfers).toEqual([expect.objectContaining({ kind: 'redirect', direction: 'out', to: '102' })]);
    expect(r.srv.pbx.channelsOf('102').some((ch) => ch.linkedid === call.id)).toBe(true);
  });

  it('attended transfer: Atxfer on my channel, 102 answers the consultation, completing hangs up my channel and Asterisk joins the caller to 102', async () => {
    const r = await setup();
    const call = await inboundTalking(r);
    await r.control.attendedTransfer(call.id, '102');
    const atxfer = fieldsOf(r.actions('Atxfer')[0]);
    expect(atxfer[1]?.[1]).toMatch(/^PJSIP\/101-[0-9a-f]{8}$/);
    expect(atxfer.slice(2)).toEqual([
      ['Exten', '102'],
      ['Context', 'from-internal'],
    ]);
    r.pbxClock.advance(1000);
    await r.c.event((e) => e.name === 'DialEnd' && getHeader(e.message, 'DestChannel')?.startsWith('Local/102@from-internal-') === true && getHeader(e.message, 'DialStatus') === 'ANSWER');
    await r.control.completeTransfer(call.id);
    expect(getHeader(r.actions('Hangup')[0] ?? { headers: [] }, 'Channel')).toBe(atxfer[1]?.[1]);
    r.pbxClock.advance(100);
    const done = await r.c.event((e) => e.name === 'AttendedTransfer');
    expect(getHeader(done.message, 'Result')).toBe('Success');
    const ended = await r.untilCall((c) => c.id === call.id && c.state === 'ended');
    expect(ended.transfers.some((t) => t.kind === 'attended' && t.direction === 'out')).toBe(true);
  });

  it('attended transfer cancelled: the consultation leg (Local/102@from-internal-...;1) is hung up, my channel stays', async () => {
    const r = await setup();
    r.srv.pbx.setPhone('102', { answer: 'manual' });
    const call = await inboundTalking(r);
    await r.control.attendedTransfer(call.id, '102');
    r.pbxClock.advance(100);
    await r.untilCall((c) => c.id === call.id && [...r.state().channels.values()].some((ch) => ch.callId === call.id && ch.name.startsWith('Local/102@from-internal-')));
    await r.control.cancelTransfer(call.id);
    const leg = getHeader(r.actions('Hangup')[0] ?? { headers: [] }, 'Channel') ?? '';
    expect(leg).toMatch(/^Local\/102@from-internal-[0-9a-f]{8};1$/);
    r.pbxClock.advance(100);
    await tick();
    expect(r.srv.pbx.findChannel(leg)).toBeUndefined();
    expect([...r.srv.pbx.channels.values()].some((ch) => ch.name.startsWith('PJSIP/101-'))).toBe(true);
    expect(r.call(call.id)?.state).not.toBe('ended');
  });
});

describe('recording', () => {
  function expectedFile(r: Rig, linkedid: string): string {
    const d = new Date(r.c.clock.now());
    const two = (n: number): string => String(n).padStart(2, '0');
    return `sidecall/${d.getFullYear()}/${two(d.getMonth() + 1)}/${two(d.getDate())}/${linkedid}-101.wav`;
  }

  it('direct mode (AMI user with write=system): MixMonitor with the template file; MixMonitorStart, mute, unmute and StopMixMonitor reach the tracker', async () => {
    const r = await setup({ user: 'crm', secret: 'crmsecret' });
    const call = await inboundTalking(r);
    const info = await r.control.startRecording(call.id);
    const file = expectedFile(r, call.id);
    const mm = fieldsOf(r.actions('MixMonitor')[0]);
    expect(mm[1]?.[1]).toMatch(/^PJSIP\/101-[0-9a-f]{8}$/);
    expect(mm.slice(2)).toEqual([
      ['File', file],
      ['Options', 'bi(SIDECALL_MIXMONITOR_ID)'],
    ]);
    expect(info.file).toBe(file);
    expect(info.mixMonitorId).toMatch(/^0x/);
    const recording = await r.untilCall((c) => c.id === call.id && c.recording.state === 'recording');
    // The tracker holds the full path from VarSet MIXMONITOR_FILENAME (read=all), which replaces our relative name.
    expect(recording.recording.files).toEqual([`/var/spool/asterisk/monitor/${file}`]);

    await r.control.pauseRecording(call.id);
    await r.untilCall((c) => c.id === call.id && c.recording.state === 'paused');
    await r.control.resumeRecording(call.id);
    await r.untilCall((c) => c.id === call.id && c.recording.state === 'recording');
    await r.control.stopRecording(call.id);
    await r.untilCall((c) => c.id === call.id && c.recording.state === 'off');
    expect(r.actions('MixMonitorMute').map((m) => [getHeader(m, 'Direction'), getHeader(m, 'State')])).toEqual([
      ['both', '1'],
      ['both', '0'],
    ]);
    expect(getHeader(r.actions('StopMixMonitor')[0] ?? { headers: [] }, 'MixMonitorID')).toBe(info.mixMonitorId);
  });

  it('direct mode with the least-privilege op101 user: Permission denied becomes a clear error for IT', async () => {
    const r = await setup();
    const call = await inboundTalking(r);
    const err = await r.control.startRecording(call.id).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'recordingNotPermitted' });
    expect((err as Error).message).toMatch(/system/);
    expect((err as Error).message).toMatch(/least-privilege \(dialplan\) mode/);
    expect(r.actions('MixMonitor')).toHaveLength(1);
    expect(r.control.recording(call.id)).toBeUndefined();
  });

  it('dialplan mode without the sidecall-record context installed: the Originate fails and IT is told what to install', async () => {
    const r = await setup({ settings: (s) => ({ ...s, recording: { ...s.recording, mode: 'dialplan' } }) });
    const call = await inboundTalking(r);
    const pending = r.control.startRecording(call.id);
    r.pbxClock.advance(100);
    const err = await settleOnClock(r, pending).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'recordingDialplanFailed' });
    expect((err as Error).message).toContain('sidecall-record');
    const orig = fieldsOf(r.actions('Originate')[0]);
    expect(orig.slice(1, 5)).toEqual([
      ['Channel', 'Local/101@sidecall-record'],
      ['Context', 'sidecall-record'],
      ['Exten', 'record'],
      ['Priority', '1'],
    ]);
    expect(orig.filter(([k]) => k === 'Variable').map(([, v]) => v)).toEqual([expect.stringMatching(/^SIDECALL_SPY=PJSIP\/101-[0-9a-f]{8}$/), `SIDECALL_FILE=${expectedFile(r, call.id)}`]);
  });

  it('pbx mode: the PBX records the caller side; pause, resume and stop find that channel (mine has no MixMonitor)', async () => {
    const r = await setup({ settings: (s) => ({ ...s, recording: { ...s.recording, mode: 'pbx' } }) });
    await ami.setvar(r.c.conn, { variable: 'RECORD_ALL', value: '1' });
    const call = await inboundTalking(r);
    await expect(r.control.startRecording(call.id)).rejects.toMatchObject({ code: 'recordingByPbx' });
    await r.control.pauseRecording(call.id);
    const mutes = r.actions('MixMonitorMute').map((m) => getHeader(m, 'Channel'));
    expect(mutes).toHaveLength(2);
    expect(mutes[0]).toMatch(/^PJSIP\/101-/);
    expect(mutes[1]).toMatch(/^Local\/101@inbound-sim-[0-9a-f]{8};2$/);
    await r.control.resumeRecording(call.id);
    await r.control.stopRecording(call.id);
    expect(r.actions('StopMixMonitor').map((m) => getHeader(m, 'Channel'))).toEqual([mutes[0], mutes[1]]);
    expect([...r.srv.pbx.channels.values()].some((ch) => ch.mixMonitor !== undefined)).toBe(false);
  });
});

describe('park', () => {
  it('parks the caller with my channel as TimeoutChannel; the slot comes from ParkedCall when the source delivers the other side\'s events', async () => {
    // A wider client-side pattern stands in for a PBX-side filter that passes the
    // tracked call's other channels (the lab's caller is Local/101@inbound-sim-...).
    const r = await setup({ channelPattern: '^(?:(?:PJSIP|SIP|IAX2)/<ext>-|Local/<ext>@)' });
    const call = await inboundTalking(r);
    const parked = await r.control.park(call.id);
    expect(parked).toEqual({ callId: call.id, slot: '701' });
    const park = fieldsOf(r.actions('Park')[0]);
    expect(park[1]?.[1]).toMatch(/^Local\/101@inbound-sim-[0-9a-f]{8};2$/);
    expect(park[2]?.[0]).toBe('TimeoutChannel');
    expect(park[2]?.[1]).toMatch(/^PJSIP\/101-[0-9a-f]{8}$/);
    expect([...r.srv.pbx.bridges.values()].some((b) => b.technology === 'holding_bridge' && b.channels.some((ch) => ch.name === park[1]?.[1]))).toBe(true);
  });

  it('with only my channel\'s events the Park still goes out and the caller is parked; the slot is unknown', async () => {
    const r = await setup();
    const call = await inboundTalking(r);
    const parked = await settleOnClock(r, r.control.park(call.id));
    expect(parked.slot).toBeUndefined();
    expect(r.actions('Park')).toHaveLength(1);
    expect([...r.srv.pbx.bridges.values()].some((b) => b.technology === 'holding_bridge' && b.channels.some((ch) => ch.name.endsWith(';2')))).toBe(true);
  });
});
