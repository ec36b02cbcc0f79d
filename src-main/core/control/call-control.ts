// Call control: click-to-call (Originate), hang up, blind and attended
// transfer, recording and park, as AMI actions on the channels the call tracker
// knows. Core code: no Electron, no sockets of its own; it sends through the
// AmiActionSender seam, listens through AmiEventSource.onEvent (for the
// OriginateResponse of its own Originates and ParkedCall), times out on the
// Clock port, and tells the tracker what leaves no event through `note`.
//
// Every method validates first and sends nothing for invalid input: numbers and
// extensions go through parseDialTarget (validation.ts), channel names through
// validateChannelName, the call must be live in the tracker. Failures are
// CallControlError with English text for the operator.
//
// Latency: dial() does no AMI round trip before the Originate (the bench
// measures click -> Originate on the socket); everything it needs is in the
// settings and the tracker state it reads synchronously.
import { randomInt } from 'node:crypto';
import type { CallTrackerState, CallRecord, TrackedChannel, OriginateRequestNote, TransferRequestNote, RecordingRequestNote } from '../calls';
import { originateRequested, recordingRequested, transferRequested } from '../calls';
import {
  atxfer,
  blindTransfer as blindTransferAction,
  formatCallerId,
  hangup as hangupAction,
  mixMonitor,
  mixMonitorMute,
  originate,
  park as parkAction,
  redirect,
  stopMixMonitor,
} from '../ami/actions';
import { AmiActionError } from '../ami/connection/errors';
import type { AmiActionSender, AmiEvent, AmiEventSource } from '../ami/event-source';
import type { OriginateResponseEvent } from '../ami/events';
import { parseAmiEvent } from '../ami/events';
import { getHeader } from '../ami/codec';
import type { Clock, Logger, TimerHandle } from '../../ports';
import { consultationLeg, liveRecord, myChannel, myChannels, peerOf, recordingCandidates, remoteChannels } from './channels';
import { CallControlError, controlErrorFrom } from './errors';
import type { DialOutcome } from './outcome';
import { noResponseOutcome, originateOutcome } from './outcome';
import type { ControlSettings, RecordingMode } from './settings';
import { expandCallerIdName, expandRecordingFile } from './templates';
import type { DialNumberSettings, DialTarget } from './validation';
import { callerIdName, dialTarget, extenFor, isSafeChannel } from './validation';

/** Where a click-to-call came from (logged, and set as SIDECALL_SOURCE on the channel for the dialplan). */
export const DIAL_SOURCES = ['pad', 'history', 'contact', 'link', 'clipboard', 'tray', 'hotkey', 'crm'] as const;
export type DialSource = (typeof DIAL_SOURCES)[number];

export interface DialOptions {
  readonly source: DialSource;
  /** The CRM contact's name, for `{contact}` in the CallerID name template. */
  readonly contact?: string;
}

/** A click-to-call Asterisk has queued. Its fate arrives through onDialOutcome. */
export interface DialStarted {
  /** The tracker's id of this call: the Originate ChannelId, which becomes the call's Linkedid. */
  readonly callId: string;
  readonly actionId: string;
  readonly target: DialTarget;
  /** What was sent as Exten (with the outbound prefix, if any). */
  readonly exten: string;
  /** The Originate Channel (the operator's device). */
  readonly device: string;
}

/** What call control asks the tracker to remember (requests.ts); feed it with applyControlNote. */
export type ControlNote =
  | { readonly kind: 'originateRequested'; readonly note: OriginateRequestNote }
  | { readonly kind: 'transferRequested'; readonly note: TransferRequestNote }
  | { readonly kind: 'recordingRequested'; readonly note: RecordingRequestNote };

/** Applies a note to the tracker state (pure; the app calls it from the `note` callback). */
export function applyControlNote(state: CallTrackerState, n: ControlNote, now: number): CallTrackerState {
  switch (n.kind) {
    case 'originateRequested':
      return originateRequested(state, n.note, now);
    case 'transferRequested':
      return transferRequested(state, n.note, now);
    case 'recordingRequested':
      return recordingRequested(state, n.note, now);
  }
}

export interface TransferStarted {
  readonly callId: string;
  readonly kind: 'redirect' | 'blind' | 'attended';
  readonly target: DialTarget;
  readonly exten: string;
  /** The channel the action was sent for. */
  readonly channel: string;
}

/** A recording Sidecall started or controls. */
export interface RecordingInfo {
  readonly callId: string;
  readonly mode: RecordingMode;
  /** The file MixMonitor was asked to write (relative to Asterisk's monitor directory). */
  readonly file: string | undefined;
  /** The channel carrying the MixMonitor: mine (direct) or the Local ;1 (dialplan). */
  readonly channel: string;
  readonly mixMonitorId: string | undefined;
  readonly state: 'recording' | 'paused';
  readonly startedAt: number;
}

export interface ParkResult {
  readonly callId: string;
  /** The parking space (e.g. `701`), when the ParkedCall event or the tracker told it. */
  readonly slot: string | undefined;
}

export interface CallControlDeps {
  readonly ami: AmiActionSender;
  /**
   * The same connection's events. Needed for dial outcomes, the park slot and
   * dialplan-mode recording (Sidecall learns the Local channel from the
   * OriginateResponse); everything else works without.
   */
  readonly events?: Pick<AmiEventSource, 'onEvent'>;
  readonly clock: Clock;
  readonly log: Logger;
  readonly settings: () => ControlSettings;
  /** Settings -> Numbers (region and rewrite rules) for parseDialTarget. */
  readonly numbers: () => DialNumberSettings;
  /** The current tracker state (read synchronously: it already holds every delivered event). */
  readonly tracker: () => CallTrackerState;
  readonly note: (note: ControlNote) => void;
  /** Uniqueids for Originate ChannelId; default `<epoch s>.<random>`, shaped like Asterisk's own. */
  readonly newChannelId?: () => string;
  /** How long park() waits for the ParkedCall event (default 5 s). */
  readonly parkSlotWaitMs?: number;
  /** How long dialplan-mode recording waits for its OriginateResponse (default 10 s). */
  readonly recordingStartWaitMs?: number;
}

export interface CallControl {
  /** Click-to-call: validates, rings the operator's device, then Asterisk dials the number. Resolves once Asterisk queued it. */
  dial(input: string, opts: DialOptions): Promise<DialStarted>;
  /** Hangs up my channel(s) of the call. */
  hangup(callId: string): Promise<void>;
  /** Sends the other party to `target` (Redirect, or BlindTransfer when configured). */
  blindTransfer(callId: string, target: string): Promise<TransferStarted>;
  /** Atxfer: I consult `target` while the other party waits on hold. */
  attendedTransfer(callId: string, target: string): Promise<TransferStarted>;
  /** Completes the attended transfer by hanging up my channel (Asterisk then joins the two others). */
  completeTransfer(callId: string): Promise<void>;
  /** Cancels it by hanging up the consultation leg (I return to the other party). */
  cancelTransfer(callId: string): Promise<void>;
  /** Blind transfer to the CRM's responsible manager's extension (an extension only). */
  transferToResponsible(callId: string, extension: string): Promise<TransferStarted>;
  startRecording(callId: string): Promise<RecordingInfo>;
  pauseRecording(callId: string): Promise<void>;
  resumeRecording(callId: string): Promise<void>;
  stopRecording(callId: string): Promise<void>;
  /** Parks the other party (TimeoutChannel = mine, so it comes back to me). */
  park(callId: string): Promise<ParkResult>;
  /** The recording Sidecall holds for a live call. */
  recording(callId: string): RecordingInfo | undefined;
  /** Outcomes of click-to-calls (needs `events`); returns an unsubscribe function. */
  onDialOutcome(listener: (outcome: DialOutcome) => void): () => void;
  /** Unsubscribes from events and cancels timers; pending waits end at once. */
  dispose(): void;
}

// ---------------------------------------------------------------------------

interface PendingDial {
  readonly channelId: string;
  readonly target: DialTarget;
  readonly device: string;
  readonly timeoutSec: number;
  actionId: string | undefined;
  channelSeen: boolean;
  deviceHangupCause: number | undefined;
  settled: boolean;
  timer: TimerHandle | undefined;
}

interface Consultation {
  readonly exten: string;
  readonly context: string;
  /** My channel doing the transfer. */
  readonly transferer: string;
  /** Uniqueids of the other side's channels before the Atxfer. */
  readonly before: ReadonlySet<string>;
}

/** MixMonitor sets the id of the recording in this channel variable (option `i(...)`), and the reply carries it. */
const MIXMONITOR_ID_VAR = 'SIDECALL_MIXMONITOR_ID';
/** `b`: record only while bridged (no ringback or hold music before the answer). */
const MIXMONITOR_OPTIONS = `bi(${MIXMONITOR_ID_VAR})`;
const EARLY_RESPONSES = 16;
const NO_RESPONSE_GRACE_MS = 30_000;
// Q.850 causes for Hangup: 16 normal clearing; 21 call rejected (the tracker reports a declined ringing call as rejected).
const CAUSE_NORMAL = 16;
const CAUSE_REJECTED = 21;

function defaultChannelId(clock: Clock): () => string {
  // Shaped like Asterisk's own uniqueid (`<epoch>.<n>`, 32 chars at most for CDR
  // columns); n is far above any counter a PBX reaches, so it cannot collide.
  return () => `${Math.floor(clock.now() / 1000)}.${randomInt(100_000_000, 2_000_000_000)}`;
}

/** Builds the call-control service. */
export function createCallControl(deps: CallControlDeps): CallControl {
  const { ami, clock, log } = deps;
  const newChannelId = deps.newChannelId ?? defaultChannelId(clock);
  const parkSlotWaitMs = deps.parkSlotWaitMs ?? 5_000;
  const recordingStartWaitMs = deps.recordingStartWaitMs ?? 10_000;

  const pendingDials = new Map<string, PendingDial>();
  const dialsByAction = new Map<string, PendingDial>();
  let dialInFlight = false;
  const outcomeListeners = new Set<(o: DialOutcome) => void>();
  // OriginateResponses that arrived before the reply to their Originate was
  // read (both can come in one TCP read: the events of a read are delivered
  // before the reply's promise continues).
  const earlyResponses: OriginateResponseEvent[] = [];
  const responseWaiters = new Map<string, (ev: OriginateResponseEvent) => void>();
  const parkWaiters = new Set<{ readonly channel: string; readonly resolve: (slot: string | undefined) => void }>();
  const consultations = new Map<string, Consultation>();
  const recordings = new Map<string, RecordingInfo>();
  const cleanups = new Set<() => void>();
  let disposed = false;

  const unsubscribe = deps.events?.onEvent(onEvent);

  // ---- events ---------------------------------------------------------------

  function onEvent(e: AmiEvent): void {
    if (e.name === 'OriginateResponse') {
      const ev = parseAmiEvent(e.message);
      if (ev?.event === 'OriginateResponse') onOriginateResponse(ev);
      return;
    }
    if (e.name === 'ParkedCall' && parkWaiters.size > 0) {
      const ev = parseAmiEvent(e.message);
      if (ev?.event !== 'ParkedCall') return;
      for (const w of parkWaiters) if (w.channel === ev.parkee.channel) w.resolve(ev.parkingSpace);
      return;
    }
    if (pendingDials.size > 0) markChannelSeen(e);
  }

  /** Any event naming a pending Originate's ChannelId as a uniqueid or linkedid: that device rang. Its Hangup cause says why it did not answer. */
  function markChannelSeen(e: AmiEvent): void {
    for (const [name, value] of e.message.headers) {
      const p = pendingDials.get(value);
      if (p === undefined || !/(?:uniqueid|linkedid)$/i.test(name)) continue;
      p.channelSeen = true;
      if (e.name === 'Hangup' && /^uniqueid$/i.test(name)) {
        const cause = Number(getHeader(e.message, 'Cause'));
        if (Number.isInteger(cause)) p.deviceHangupCause = cause;
      }
    }
  }

  function onOriginateResponse(ev: OriginateResponseEvent): void {
    const id = ev.actionId;
    if (id === undefined) return;
    const dial = dialsByAction.get(id);
    if (dial !== undefined) {
      settleDial(dial, ev);
      return;
    }
    const waiter = responseWaiters.get(id);
    if (waiter !== undefined) {
      waiter(ev);
      return;
    }
    earlyResponses.push(ev);
    if (earlyResponses.length > EARLY_RESPONSES) earlyResponses.shift();
  }

  function takeEarlyResponse(actionId: string): OriginateResponseEvent | undefined {
    const i = earlyResponses.findIndex((r) => r.actionId === actionId);
    return i < 0 ? undefined : earlyResponses.splice(i, 1)[0];
  }

  // ---- dial -------------------------------------------------------------------

  function emitOutcome(o: DialOutcome): void {
    for (const l of outcomeListeners) {
      try {
        l(o);
      } catch (err) {
        log.error('Dial outcome listener failed', { err });
      }
    }
  }

  function dropDial(p: PendingDial): void {
    if (p.timer !== undefined) clock.clearTimeout(p.timer);
    p.timer = undefined;
    pendingDials.delete(p.channelId);
    if (p.actionId !== undefined) dialsByAction.delete(p.actionId);
  }

  function settleDial(p: PendingDial, ev: OriginateResponseEvent | undefined): void {
    if (p.settled) return;
    p.settled = true;
    dropDial(p);
    const base = ev === undefined ? noResponseOutcome(p.target.display) : originateOutcome(ev, { device: p.device, number: p.target.display, timeoutSec: p.timeoutSec, channelSeen: p.channelSeen, ...(p.deviceHangupCause === undefined ? {} : { deviceHangupCause: p.deviceHangupCause }) });
    const outcome: DialOutcome = { ...base, callId: p.channelId, actionId: p.actionId, number: p.target.display, ...(ev === undefined ? {} : { reason: ev.reason }) };
    log.info('Click-to-call outcome', { callId: p.channelId, actionId: p.actionId, code: outcome.code });
    emitOutcome(outcome);
  }

  function resolveDevice(template: string, ext: string): string {
    const device = template.split('<ext>').join(ext);
    if (!/^[0-9]{1,10}$/.test(ext)) throw new CallControlError('badSettings', 'No extension is set: enter your extension in Settings → PBX.');
    if (!isSafeChannel(device)) throw new CallControlError('badSettings', `The device ${JSON.stringify(device)} is not a valid channel: check Settings → Calls → device.`);
    return device;
  }

  async function dial(input: string, opts: DialOptions): Promise<DialStarted> {
    assertOpen();
    if (typeof opts !== 'object' || opts === null || !(DIAL_SOURCES as readonly string[]).includes(opts.source)) {
      throw new CallControlError('invalidInput', 'The call was not placed: unknown source of the request.');
    }
    if (opts.contact !== undefined && (typeof opts.contact !== 'string' || opts.contact.length > 200)) {
      throw new CallControlError('invalidInput', 'The call was not placed: the contact name is too long.');
    }
    const s = deps.settings().dial;
    const ext = deps.tracker().config.extension;
    // Feature codes (*72101) only from the dial pad: a link from a web page or CRM data must not reach them.
    const target = dialTarget(input, deps.numbers(), { allowFeatureCodes: opts.source === 'pad' });
    const exten = extenFor(target, s.numberFormat, s.outboundPrefix);
    const device = resolveDevice(s.device, ext);
    if (dialInFlight || [...pendingDials.values()].some((p) => !p.settled)) {
      throw new CallControlError('dialInProgress', 'A call is already being placed: answer your phone or wait until it stops ringing, then try again.');
    }
    // The CRM's contact name may hold anything; when the validator refuses it, fall back to the number.
    const name =
      callerIdName(expandCallerIdName(s.callerIdNameTemplate, { ...(opts.contact === undefined ? {} : { contact: opts.contact }), number: target.display, ext })) ??
      callerIdName(expandCallerIdName(s.callerIdNameTemplate, { number: target.display, ext }));
    const channelId = newChannelId();
    const pending: PendingDial = { channelId, target, device, timeoutSec: s.timeoutSec, actionId: undefined, channelSeen: false, deviceHangupCause: undefined, settled: false, timer: undefined };
    const tracked = deps.events !== undefined;
    if (tracked) pendingDials.set(channelId, pending);
    dialInFlight = true;
    let actionId: string;
    try {
      const r = await originate(ami, {
        channel: device,
        context: s.context,
        exten,
        priority: s.priority,
        timeoutMs: s.timeoutSec * 1000,
        // The number is the operator's own extension: this CallerID is also the
        // caller of the second leg (and its CDR src) unless the dialplan sets one.
        callerId: formatCallerId(name ?? '', ext),
        // SIDECALL_EXTENSION: the `;ext=`/`доб.` digits to send once the number answers
        // (checked digits only); a dialplan can use it, e.g. Dial(...,D(${SIDECALL_EXTENSION})).
        variables: { SIDECALL_DIAL: '1', SIDECALL_SOURCE: opts.source, ...(target.extension === undefined ? {} : { SIDECALL_EXTENSION: target.extension }) },
        // Our uniqueid for the device's channel: it becomes the call's Linkedid (the
        // tracker's call id), and any event carrying it proves the device rang.
        channelId,
        async: true,
      });
      actionId = r.actionId;
    } catch (err) {
      dropDial(pending);
      throw controlErrorFrom(err, `Calling ${target.display}`);
    } finally {
      dialInFlight = false;
    }
    pending.actionId = actionId;
    log.info('Click-to-call queued', { callId: channelId, actionId, device, source: opts.source });
    const early = tracked ? takeEarlyResponse(actionId) : undefined;
    if (early !== undefined) {
      // The tracker has already seen this OriginateResponse: a late note would stay
      // pending and be claimed by the next click-to-call, so none is sent.
      settleDial(pending, early);
    } else {
      // The number as the PBX sees it (without the outbound prefix), like the events will show it.
      safeNote({ kind: 'originateRequested', note: { actionId, channel: device, number: extenFor(target, s.numberFormat, '') } });
      if (tracked && !pending.settled) {
        dialsByAction.set(actionId, pending);
        pending.timer = clock.setTimeout(() => settleDial(pending, undefined), s.timeoutSec * 1000 + NO_RESPONSE_GRACE_MS);
      }
    }
    return { callId: channelId, actionId, target, exten, device };
  }

  // ---- the call and its channels ---------------------------------------------

  const warnRefused = (callId: string) => (name: string): void => log.warn('Channel name refused by validateChannelName', { callId, channel: name });
  const liveCall = (callId: string): CallRecord => liveRecord(deps.tracker(), callId);
  const mineOf = (callId: string): TrackedChannel[] => myChannels(deps.tracker(), callId, warnRefused(callId));
  const meOf = (callId: string): TrackedChannel => myChannel(deps.tracker(), callId, warnRefused(callId));
  const peerIn = (callId: string, me: TrackedChannel): TrackedChannel => peerOf(deps.tracker(), callId, me);

  function safeNote(n: ControlNote): void {
    try {
      deps.note(n);
    } catch (err) {
      log.error('Tracker note failed', { kind: n.kind, err });
    }
  }

  function assertOpen(): void {
    if (disposed) throw new CallControlError('unavailable', 'Call control is not available: the PBX connection is being reconfigured. Try again in a moment.');
  }

  /** Waits on the Clock for `register` to resolve, else `undefined` after `ms`; dispose ends the wait too. */
  function waitFor<T>(ms: number, register: (resolve: (v: T | undefined) => void) => () => void): Promise<T | undefined> {
    return new Promise((resolve) => {
      let done = false;
      const finish = (v: T | undefined): void => {
        if (done) return;
        done = true;
        clock.clearTimeout(timer);
        unregister();
        cleanups.delete(cancel);
        resolve(v);
      };
      const cancel = (): void => finish(undefined);
      const timer = clock.setTimeout(cancel, ms);
      const unregister = register(finish);
      cleanups.add(cancel);
    });
  }

  // ---- hang up ------------------------------------------------------------------

  async function hangup(callId: string): Promise<void> {
    assertOpen();
    const rec = liveCall(callId);
    const mine = mineOf(callId);
    if (mine.length === 0) throw new CallControlError('noChannel', 'Your phone is not (or no longer) on this call.');
    // Declining a call that rings me is "call rejected" (21): the caller's Dial and
    // the tracker then tell it from a missed call. Otherwise normal clearing (16),
    // not Asterisk's default 0 "Unknown" (ami-traces point 9).
    const cause = rec.call.state === 'ringing' ? CAUSE_REJECTED : CAUSE_NORMAL;
    for (const [i, ch] of mine.entries()) {
      try {
        await hangupAction(ami, { channel: ch.name, cause });
        log.info('Hangup sent', { callId, channel: ch.name, cause });
      } catch (err) {
        // A second channel of mine may have gone with the first.
        if (i > 0 && err instanceof AmiActionError && /no such channel/i.test(err.asteriskMessage)) continue;
        throw controlErrorFrom(err, 'Hang up');
      }
    }
  }

  // ---- transfers ----------------------------------------------------------------

  async function blindTransferTo(callId: string, target: DialTarget): Promise<TransferStarted> {
    const s = deps.settings().transfer;
    const exten = transferExten(target);
    liveCall(callId);
    const me = meOf(callId);
    if (s.useBlindTransferAction) {
      // BlindTransfer names the transferer (my channel); Asterisk transfers its
      // bridge peer and emits Event: BlindTransfer, which the tracker records.
      // https://docs.asterisk.org/Latest_API/API_Documentation/AMI_Actions/BlindTransfer/
      try {
        await blindTransferAction(ami, { channel: me.name, exten, context: s.context });
      } catch (err) {
        throw controlErrorFrom(err, `Transfer to ${target.display}`);
      }
      log.info('BlindTransfer sent', { callId, channel: me.name, exten });
      return { callId, kind: 'blind', target, exten, channel: me.name };
    }
    // Redirect moves the other party out of our bridge to exten@context,1; my
    // channel is then hung up by its Dial (trace e). No transfer event follows
    // (ami-traces point 5), so the tracker is told, and told *before* the action:
    // the reply and the BridgeLeave/Hangup it causes come in one read, and the
    // events are delivered before the reply's promise continues, so a note after
    // it would find the call already ended. If Asterisk refuses, the note stays
    // (the tracker has no retraction yet; the operator sees the error).
    const peer = peerIn(callId, me);
    safeNote({ kind: 'transferRequested', note: { callId, kind: 'redirect', to: extenFor(target, deps.settings().dial.numberFormat, '') } });
    try {
      await redirect(ami, { channel: peer.name, context: s.context, exten, priority: 1 });
    } catch (err) {
      log.warn('Redirect refused after the tracker was told of the transfer', { callId });
      throw controlErrorFrom(err, `Transfer to ${target.display}`);
    }
    log.info('Redirect sent', { callId, channel: peer.name, exten });
    return { callId, kind: 'redirect', target, exten, channel: peer.name };
  }

  /** A transfer target typed in the picker: no feature codes, no DTMF extension (nothing could send it). */
  function transferTarget(input: string): DialTarget {
    return dialTarget(input, deps.numbers(), { allowFeatureCodes: false });
  }

  function transferExten(target: DialTarget): string {
    if (target.extension !== undefined) {
      throw new CallControlError('invalidNumber', `A transfer cannot dial the extension ${target.extension} after ${target.display} answers: transfer to ${target.display} and ask for the extension, or use its direct number.`);
    }
    const d = deps.settings().dial;
    return extenFor(target, d.numberFormat, d.outboundPrefix);
  }

  async function blindTransfer(callId: string, target: string): Promise<TransferStarted> {
    assertOpen();
    liveCall(callId);
    return blindTransferTo(callId, transferTarget(target));
  }

  async function transferToResponsible(callId: string, extension: string): Promise<TransferStarted> {
    assertOpen();
    liveCall(callId);
    const t = transferTarget(extension);
    if (t.kind !== 'extension') throw new CallControlError('invalidNumber', `${t.display} is not an extension: the responsible manager can only be reached by extension.`);
    return blindTransferTo(callId, t);
  }

  /**
   * Atxfer runs Asterisk's attended transfer feature on my channel: the other
   * party is held, my channel dials Local/<exten>@<context> and talks to the
   * target. Asterisk's own way out of it are DTMF feature codes (atxfercomplete
   * `*2`, atxferabort `*1`), which AMI cannot press on my behalf. What it does
   * offer on every version (features.conf, bridge_basic.c attended transfer
   * states) is: the transferer hanging up completes the transfer (the held
   * party is joined to the target, or to its ringing: "blond" transfer), and
   * the target hanging up returns the transferer to the held party.
   * https://docs.asterisk.org/Latest_API/API_Documentation/AMI_Actions/Atxfer/
   * https://docs.asterisk.org/Configuration/Features/Feature-Code-Call-Transfers/
   * (CancelAtxfer, Asterisk 13.18+, presses atxferabort for us; it is not used
   * so that older PBXes behave the same.)
   */
  async function attendedTransfer(callId: string, target: string): Promise<TransferStarted> {
    assertOpen();
    liveCall(callId);
    const t = transferTarget(target);
    const exten = transferExten(t);
    const context = deps.settings().transfer.context;
    const me = meOf(callId);
    pruneRecordings();
    if (consultations.has(callId)) throw new CallControlError('dialInProgress', 'A transfer of this call is already in progress: complete or cancel it first.');
    const before = new Set(remoteChannels(deps.tracker(), callId).map((c) => c.uniqueid));
    try {
      await atxfer(ami, { channel: me.name, exten, context });
    } catch (err) {
      throw controlErrorFrom(err, `Attended transfer to ${t.display}`);
    }
    consultations.set(callId, { exten, context, transferer: me.name, before });
    log.info('Atxfer sent', { callId, channel: me.name, exten });
    return { callId, kind: 'attended', target: t, exten, channel: me.name };
  }

  async function completeTransfer(callId: string): Promise<void> {
    assertOpen();
    liveCall(callId);
    const c = consultations.get(callId);
    if (c === undefined) throw new CallControlError('noConsultation', 'There is no attended transfer of this call to complete.');
    const me = mineOf(callId).find((ch) => ch.name === c.transferer);
    if (me === undefined) throw new CallControlError('noChannel', 'Your phone is no longer on this call.');
    try {
      await hangupAction(ami, { channel: me.name, cause: CAUSE_NORMAL });
    } catch (err) {
      throw controlErrorFrom(err, 'Completing the transfer');
    }
    consultations.delete(callId);
    log.info('Attended transfer completed (transferer hung up)', { callId, channel: me.name });
  }

  async function cancelTransfer(callId: string): Promise<void> {
    assertOpen();
    liveCall(callId);
    const c = consultations.get(callId);
    if (c === undefined) throw new CallControlError('noConsultation', 'There is no attended transfer of this call to cancel.');
    const leg = consultationLeg(deps.tracker(), callId, c);
    if (leg === undefined) throw new CallControlError('noConsultation', 'The consultation call is not set up yet; try again in a moment.');
    try {
      await hangupAction(ami, { channel: leg.name, cause: CAUSE_NORMAL });
    } catch (err) {
      throw controlErrorFrom(err, 'Cancelling the transfer');
    }
    consultations.delete(callId);
    log.info('Attended transfer cancelled (consultation hung up)', { callId, channel: leg.name });
  }

  // ---- recording -------------------------------------------------------------

  /** Forgets recordings and consultations of calls that are over. */
  function pruneRecordings(): void {
    const state = deps.tracker();
    const live = (id: string): boolean => {
      const st = state.records.get(id)?.call.state;
      return st !== undefined && st !== 'ended';
    };
    for (const id of [...recordings.keys()]) if (!live(id)) recordings.delete(id);
    for (const id of [...consultations.keys()]) if (!live(id)) consultations.delete(id);
  }

  function notPermitted(): CallControlError {
    return new CallControlError(
      'recordingNotPermitted',
      "Recording could not start: the PBX lets only AMI users with the 'system' permission start MixMonitor, and Sidecall's user does not have it. " +
        'Ask IT to switch Settings → Recording to least-privilege (dialplan) mode and install Sidecall’s recording dialplan, or to let the PBX record calls.',
    );
  }

  async function startRecording(callId: string): Promise<RecordingInfo> {
    assertOpen();
    pruneRecordings();
    const rec = liveCall(callId);
    const existing = recordings.get(callId);
    if (existing !== undefined) return existing;
    const s = deps.settings().recording;
    if (s.mode === 'pbx') throw new CallControlError('recordingByPbx', 'The PBX records every call itself; Sidecall can pause, resume or stop that recording, not start another.');
    const me = meOf(callId);
    const state = deps.tracker();
    const ext = state.config.extension;
    const at = clock.now();
    const file = expandRecordingFile(s.fileTemplate, {
      at,
      linkedid: rec.call.linkedids[0] ?? callId,
      uniqueid: me.uniqueid,
      ext,
      ...(rec.call.remoteNumber === undefined ? {} : { number: rec.call.remoteNumber }),
    });
    let info: RecordingInfo;
    if (s.mode === 'direct') {
      let mixMonitorId: string | undefined;
      try {
        mixMonitorId = (await mixMonitor(ami, { channel: me.name, file, options: MIXMONITOR_OPTIONS })).mixMonitorId;
      } catch (err) {
        throw controlErrorFrom(err, 'Recording', notPermitted);
      }
      info = { callId, mode: 'direct', file, channel: me.name, mixMonitorId, state: 'recording', startedAt: at };
    } else {
      info = { callId, mode: 'dialplan', file, channel: await startDialplanRecording(me, ext, file, s.dialplanContext), mixMonitorId: undefined, state: 'recording', startedAt: at };
    }
    recordings.set(callId, info);
    log.info('Recording started', { callId, mode: info.mode, channel: info.channel, file });
    safeNote({ kind: 'recordingRequested', note: { callId, file } });
    return info;
  }

  /** Originates the Local pair of RECORDING_DIALPLAN and returns its ;1 half (from the OriginateResponse). */
  async function startDialplanRecording(me: TrackedChannel, ext: string, file: string, context: string): Promise<string> {
    if (deps.events === undefined) throw new CallControlError('unavailable', 'Least-privilege recording needs the PBX events, which this session does not receive.');
    const local = `Local/${ext}@${context}`;
    if (!isSafeChannel(local)) throw new CallControlError('badSettings', `The recording context ${JSON.stringify(context)} is not usable: check Settings → Recording.`);
    const failed = (detail: string): CallControlError =>
      new CallControlError(
        'recordingDialplanFailed',
        `Recording could not start: the PBX did not run Sidecall's recording dialplan (context ${context}) ${detail}. Ask IT to install it (Sidecall deployment guide, least-privilege recording).`,
      );
    let actionId: string;
    try {
      actionId = (
        await originate(ami, {
          channel: local,
          context,
          exten: 'record',
          priority: 1,
          timeoutMs: recordingStartWaitMs,
          variables: { SIDECALL_SPY: me.name, SIDECALL_FILE: file },
          async: true,
        })
      ).actionId;
    } catch (err) {
      throw controlErrorFrom(err, 'Recording');
    }
    const ev =
      takeEarlyResponse(actionId) ??
      (await waitFor<OriginateResponseEvent>(recordingStartWaitMs + NO_RESPONSE_GRACE_MS, (resolve) => {
        responseWaiters.set(actionId, resolve);
        return () => responseWaiters.delete(actionId);
      }));
    if (ev === undefined) throw failed('(no answer from the PBX)');
    if (!ev.success) throw failed(`(Originate failed, reason ${ev.reason})`);
    const channel = ev.channel;
    if (channel === undefined || !isSafeChannel(channel)) throw failed('(no usable channel name in its answer)');
    return channel;
  }

  /** Asterisk's answers for "no MixMonitor here" (app_mixmonitor.c manager_mute_mixmonitor / manager_stop_mixmonitor). */
  function noMixMonitor(err: unknown): boolean {
    return err instanceof AmiActionError && /cannot set mute flag|could not stop monitoring|no such channel|not found/i.test(err.asteriskMessage);
  }

  /** Tries `action` on each candidate channel until one has a MixMonitor; for the PBX's own recordings. */
  async function onFirstRecordingChannel(callId: string, what: string, action: (channel: string) => Promise<unknown>): Promise<void> {
    for (const channel of recordingCandidates(deps.tracker(), callId)) {
      try {
        await action(channel);
        return;
      } catch (err) {
        if (!noMixMonitor(err)) throw controlErrorFrom(err, what);
      }
    }
    throw new CallControlError('notRecording', `${what} failed: this call is not being recorded.`);
  }

  /**
   * Pause and resume are MixMonitorMute, Direction both: the file keeps running
   * with silence, so what is said meanwhile (a card number) is never written.
   * https://docs.asterisk.org/Latest_API/API_Documentation/AMI_Actions/MixMonitorMute/
   */
  async function setPaused(callId: string, paused: boolean): Promise<void> {
    assertOpen();
    pruneRecordings();
    liveCall(callId);
    const what = paused ? 'Pausing the recording' : 'Resuming the recording';
    const info = recordings.get(callId);
    if (info === undefined || info.mode === 'pbx') {
      await onFirstRecordingChannel(callId, what, (channel) => mixMonitorMute(ami, { channel, direction: 'both', mute: paused }));
      return;
    }
    try {
      await mixMonitorMute(ami, { channel: info.channel, direction: 'both', mute: paused });
    } catch (err) {
      throw controlErrorFrom(err, what);
    }
    recordings.set(callId, { ...info, state: paused ? 'paused' : 'recording' });
    log.info(paused ? 'Recording paused' : 'Recording resumed', { callId, channel: info.channel });
  }

  async function stopRecording(callId: string): Promise<void> {
    assertOpen();
    pruneRecordings();
    liveCall(callId);
    const info = recordings.get(callId);
    if (info === undefined || info.mode === 'pbx') {
      await onFirstRecordingChannel(callId, 'Stopping the recording', (channel) => stopMixMonitor(ami, { channel }));
      return;
    }
    try {
      if (info.mode === 'dialplan') {
        // Hanging up the Local ;1 ends its MixMonitor (the file is closed) and, with
        // the pair, the spy; StopMixMonitor would leave the spy running silently.
        await hangupAction(ami, { channel: info.channel, cause: CAUSE_NORMAL });
      } else {
        await stopMixMonitor(ami, { channel: info.channel, ...(info.mixMonitorId === undefined ? {} : { mixMonitorId: info.mixMonitorId }) });
      }
    } catch (err) {
      throw controlErrorFrom(err, 'Stopping the recording');
    }
    recordings.delete(callId);
    log.info('Recording stopped', { callId, channel: info.channel });
  }

  // ---- park -------------------------------------------------------------------

  /**
   * Park of the other party with TimeoutChannel = my channel: Asterisk treats me
   * as the parker (announcement, comebacktoorigin rings me back). The reply has no
   * space ("Park successful", ami-traces point 2); the ParkedCall event does.
   * https://docs.asterisk.org/Latest_API/API_Documentation/AMI_Actions/Park/
   */
  async function park(callId: string): Promise<ParkResult> {
    assertOpen();
    liveCall(callId);
    const me = meOf(callId);
    const peer = peerIn(callId, me);
    const requestedAt = clock.now();
    // Listen before sending: ParkedCall may arrive in the same read as the reply.
    let heard: (slot: string | undefined) => void = () => undefined;
    const slotHeard = new Promise<string | undefined>((resolve) => (heard = resolve));
    const waiter = { channel: peer.name, resolve: (slot: string | undefined) => heard(slot) };
    parkWaiters.add(waiter);
    try {
      await parkAction(ami, { channel: peer.name, timeoutChannel: me.name });
      log.info('Park sent', { callId, channel: peer.name });
      const slot =
        deps.events === undefined
          ? undefined
          : await waitFor<string>(parkSlotWaitMs, (resolve) => {
              void slotHeard.then(resolve);
              return () => undefined;
            });
      const known = deps.tracker().records.get(callId)?.call;
      const result = slot ?? known?.parkingSlot;
      // The tracker records the park itself when the ParkedCall event reaches it.
      if (known !== undefined && !known.transfers.some((t) => t.kind === 'park' && t.at >= requestedAt)) {
        safeNote({ kind: 'transferRequested', note: { callId, kind: 'park', ...(result === undefined ? {} : { to: result }) } });
      }
      return { callId, slot: result };
    } catch (err) {
      throw controlErrorFrom(err, 'Parking the call');
    } finally {
      parkWaiters.delete(waiter);
    }
  }

  // ---- the object -------------------------------------------------------------

  return {
    dial,
    hangup,
    blindTransfer,
    attendedTransfer,
    completeTransfer,
    cancelTransfer,
    transferToResponsible,
    startRecording,
    pauseRecording: (callId) => setPaused(callId, true),
    resumeRecording: (callId) => setPaused(callId, false),
    stopRecording,
    park,
    recording(callId) {
      pruneRecordings();
      return recordings.get(callId);
    },
    onDialOutcome(listener) {
      outcomeListeners.add(listener);
      return () => outcomeListeners.delete(listener);
    },
    dispose() {
      if (disposed) return;
      disposed = true;
      unsubscribe?.();
      for (const p of [...pendingDials.values()]) dropDial(p);
      for (const cancel of [...cleanups]) cancel();
      responseWaiters.clear();
      parkWaiters.clear();
      outcomeListeners.clear();
    },
  };
}
