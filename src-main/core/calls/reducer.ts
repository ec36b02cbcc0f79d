// The call tracker reducer: (state, AMI event, now) -> state. Pure: no I/O, no
// clock (the time comes in as `now`), no mutation of its inputs.
//
// One logical call per Linkedid that involves one of my channels. The rules,
// and the Asterisk behaviour behind them (ground truth: the recorded traces in
// shared/reference/ami-traces and their README):
// - A call starts when the events say what it is: DialBegin to my channel
//   (inbound; or, with no calling channel, an Originate ringing my phone first:
//   outbound), DialBegin from my channel or a Newchannel of mine in state Ring
//   (the phone itself dialled: outbound), Pickup, a failed Originate of ours.
//   A Newchannel of mine in state Down (Asterisk about to ring my phone, `Exten: s`)
//   only registers the channel.
// - The other side's number is the dialling channel's CallerIDNum (for a
//   Local-channel inbound, the `;2` leg) or my channel's ConnectedLineNum;
//   for outbound, what I dialled (my channel's Exten) - never my own extension,
//   which Local channels report as connected line after answer (README item 8).
// - Inbound is connected when my channel answers; outbound when the far end does
//   (DialEnd ANSWER of my dial), since an Originate answers my phone first.
// - The call ends when the last of my channels hangs up, unless it is parked.
//   The result comes from what was seen: answered, someone else answered
//   (Hangup cause 26, a colleague's DialEnd ANSWER / AgentConnect / Pickup),
//   I declined (BUSY), or the DialEnd status of my own dial.
// - Events arrive in varying order (README item 11: DialEnd vs
//   OriginateResponse, the two BridgeEnter): no rule depends on those orders.
// - The operator filter may hide every event that does not name my channel, so
//   each rule works from my channel's events alone, and uses the other side's
//   events (Hold, redirects, colleagues answering) when they are delivered.
import type { Call, CallLeg, CallResult, RecordingState, Transfer } from '../../../src-shared/domain/call';
import type {
  AgentEvent,
  AmiEvent,
  AttendedTransferEvent,
  BlindTransferEvent,
  BridgeChannelEvent,
  ChannelSnapshot,
  DialBeginEvent,
  DialEndEvent,
  HangupEvent,
  LegacyDialBeginEvent,
  LegacyDialEndEvent,
  LegacyLinkEvent,
  OriginateResponseEvent,
  ParkingEvent,
  PickupEvent,
} from '../ami/events';
import { ChannelState } from '../ami/events';
import { isLocalChannel, isMyChannel, isMyDevice } from './config';
import type { CallOrigin, CallRecord, CallTrackerState, TrackedChannel } from './state';
import { addRecordingFile } from './recording';
import { compact, newRecord, omitKey, ORIGINATE_TTL_MS, Tx } from './state';

// Q.850 hangup causes (Asterisk include/asterisk/causes.h).
const CAUSE_USER_BUSY = 17;
const CAUSE_NO_USER_RESPONSE = 18;
const CAUSE_NO_ANSWER = 19;
const CAUSE_CALL_REJECTED = 21;
const CAUSE_ANSWERED_ELSEWHERE = 26;
const FAILURE_CAUSES: ReadonlySet<number> = new Set([1, 2, 3, 20, 22, 27, 28, 29, 31, 34, 38, 41, 42, 44, 47, 50, 58, 65, 66, 79, 88, 102, 111, 127]);

// ---------------------------------------------------------------------------
// Small helpers

function keyOf(snap: ChannelSnapshot): string {
  return snap.uniqueid ?? snap.channel;
}

/** A number that can stand for the other side: known, not my own extension, not the `s` start extension. */
function usable(tx: Tx, n: string | undefined): string | undefined {
  if (n === undefined || n === tx.config.extension || n === 's') return undefined;
  return n;
}

/** A name for the other side: not a repeat of the number, not my own name (Local channels and trunks echo it back). */
function usableName(rec: CallRecord | undefined, name: string | undefined, number: string | undefined): string | undefined {
  if (name === undefined || name === number || (rec?.myName !== undefined && name === rec.myName)) return undefined;
  return name;
}

/** The number in a dial string: `84951234567@trunk` -> `84951234567`, `PJSIP/trunk/sip:8495...@host` -> `8495...`. */
function numberOfDialString(dialString: string | undefined): string | undefined {
  if (dialString === undefined) return undefined;
  const m = /(?:^|[/:])(\+?[0-9*#]{2,})(?:@|$)/.exec(dialString);
  return m?.[1];
}

function mergeSnap(ch: TrackedChannel, snap: ChannelSnapshot): TrackedChannel {
  return compact<TrackedChannel>({
    ...ch,
    name: snap.channel,
    linkedid: snap.linkedid ?? ch.linkedid,
    state: snap.state ?? ch.state,
    callerIdNum: snap.callerIdNum ?? ch.callerIdNum,
    callerIdName: snap.callerIdName ?? ch.callerIdName,
    connectedLineNum: snap.connectedLineNum ?? ch.connectedLineNum,
    connectedLineName: snap.connectedLineName ?? ch.connectedLineName,
    context: snap.context ?? ch.context,
    exten: snap.exten ?? ch.exten,
  });
}

function sameChannel(a: TrackedChannel, b: TrackedChannel): boolean {
  const ka = Object.keys(a) as (keyof TrackedChannel)[];
  return ka.length === Object.keys(b).length && ka.every((k) => a[k] === b[k]);
}

function pushTransfer(tx: Tx, id: string, t: Omit<Transfer, 'at'>): void {
  const transfer: Transfer = { ...t, at: tx.now };
  tx.update(id, (rec) => ({ ...rec, call: { ...rec.call, transfers: [...rec.call.transfers, transfer] } }));
}

// ---------------------------------------------------------------------------
// Channels and calls

/** Records (or refreshes) a channel from a snapshot; `callId` attaches it to a call if it has none. */
function upsertChannel(tx: Tx, snap: ChannelSnapshot, mine: boolean, callId?: string): TrackedChannel {
  const key = keyOf(snap);
  const old = tx.channel(key);
  const base: TrackedChannel = old ?? { uniqueid: key, name: snap.channel, mine, held: false, hangupRequested: false, startedAt: tx.now };
  let next = mergeSnap(base, snap);
  if (next.callId === undefined && callId !== undefined) next = { ...next, callId };
  if (old === undefined || !sameChannel(old, next)) tx.setChannel(next);
  if (next.mine && next.callId !== undefined) followLinkedid(tx, next);
  return next;
}

/**
 * Bridging propagates the oldest Linkedid to every channel in the bridge
 * (Asterisk main/bridge_channel.c, update of linkedids on join): after a pickup
 * or a transfer my channel may report another Linkedid. Keep the call id, learn
 * the alias, and merge if that Linkedid was another live call of mine.
 */
function followLinkedid(tx: Tx, ch: TrackedChannel): void {
  const linkedid = ch.linkedid;
  if (linkedid === undefined || ch.callId === undefined) return;
  const owner = tx.byLinkedid.get(linkedid);
  if (owner === ch.callId) return;
  if (owner === undefined || tx.live(owner) === undefined) {
    if (tx.live(ch.callId) !== undefined) tx.addLinkedid(ch.callId, linkedid);
    return;
  }
  const a = tx.live(ch.callId);
  const b = tx.live(owner);
  if (a === undefined || b === undefined) return;
  // The older call absorbs the newer one.
  if (a.call.startedAt <= b.call.startedAt) mergeCalls(tx, a.call.id, b.call.id);
  else mergeCalls(tx, b.call.id, a.call.id);
}

/** Folds call `dropId` into `keepId`: legs, linkedids, recordings and transfers move; the kept call's identity stays. */
function mergeCalls(tx: Tx, keepId: string, dropId: string): void {
  const keep = tx.live(keepId);
  const drop = tx.live(dropId);
  if (keep === undefined || drop === undefined || keepId === dropId) return;
  for (const ch of tx.channelsOf(dropId)) tx.setChannel({ ...ch, callId: keepId });
  const files = [...keep.call.recording.files, ...drop.call.recording.files.filter((f) => !keep.call.recording.files.includes(f))];
  const merged: CallRecord = {
    ...keep,
    talking: keep.talking || drop.talking,
    held: keep.held || drop.held,
    recordingOn: { ...keep.recordingOn, ...drop.recordingOn },
    call: {
      ...keep.call,
      linkedids: [...keep.call.linkedids, ...drop.call.linkedids.filter((l) => !keep.call.linkedids.includes(l))],
      legs: [...keep.call.legs, ...drop.call.legs],
      transfers: [...keep.call.transfers, ...drop.call.transfers].sort((x, y) => x.at - y.at),
      recording: { ...keep.call.recording, files, file: keep.call.recording.file ?? drop.call.recording.file },
      answeredAt: keep.call.answeredAt ?? drop.call.answeredAt,
      queue: keep.call.queue ?? drop.call.queue,
    },
  };
  tx.remove(dropId);
  tx.put(merged);
  for (const l of drop.call.linkedids) tx.byLinkedid.set(l, keepId);
}

/** The call a snapshot belongs to: through its channel, else through its Linkedid. */
function callOf(tx: Tx, snap: ChannelSnapshot | undefined): string | undefined {
  if (snap === undefined) return undefined;
  const ch = tx.channel(keyOf(snap));
  if (ch?.callId !== undefined) return ch.callId;
  return snap.linkedid === undefined ? undefined : tx.byLinkedid.get(snap.linkedid);
}

function liveCallOf(tx: Tx, snap: ChannelSnapshot | undefined): CallRecord | undefined {
  return tx.live(callOf(tx, snap));
}

function addLeg(tx: Tx, id: string, ch: TrackedChannel): void {
  if (ch.callId !== id) tx.setChannel({ ...ch, callId: id });
  tx.upsertLeg(id, ch.uniqueid, () => ({ channel: ch.name, uniqueid: ch.uniqueid, startedAt: tx.now }));
  const rec = tx.record(id);
  if (rec !== undefined && rec.myName === undefined && ch.callerIdName !== undefined) tx.put({ ...rec, myName: ch.callerIdName });
}

/** Opens a call for my channel (or returns the live one its Linkedid already has). */
function openCall(tx: Tx, mine: TrackedChannel, base: 'inbound' | 'outbound', origin: CallOrigin, linkedid?: string): string {
  const lid = linkedid ?? mine.linkedid ?? mine.uniqueid;
  const existing = tx.live(tx.byLinkedid.get(lid));
  if (existing !== undefined) {
    addLeg(tx, existing.call.id, mine);
    return existing.call.id;
  }
  const id = tx.callIdFor(lid);
  tx.put(newRecord({ id, linkedids: [lid], extension: tx.config.extension, base, origin, now: tx.now }));
  addLeg(tx, id, mine);
  const hint = tx.takeHint(lid);
  if (hint !== undefined) pushTransfer(tx, id, { kind: hint.kind, direction: 'in', ...(hint.from === undefined ? {} : { from: hint.from }), ...(hint.to === undefined ? {} : { to: hint.to }) });
  return id;
}

function setRemote(tx: Tx, id: string, number: string | undefined, name: string | undefined, force = false): void {
  const n = usable(tx, number);
  tx.update(id, (rec) => {
    if (n === undefined) {
      const nm = usableName(rec, name, rec.call.remoteNumber);
      return rec.call.remoteName === undefined && nm !== undefined && rec.call.remoteNumber !== undefined && !force ? { ...rec, call: { ...rec.call, remoteName: nm } } : rec;
    }
    if (!force && rec.call.remoteNumber !== undefined) {
      const nm = rec.call.remoteNumber === n ? usableName(rec, name, n) : undefined;
      return rec.call.remoteName === undefined && nm !== undefined ? { ...rec, call: { ...rec.call, remoteName: nm } } : rec;
    }
    const nm = usableName(rec, name, n);
    if (rec.call.remoteNumber === n && rec.call.remoteName === nm) return rec;
    return { ...rec, call: compact<Call>({ ...rec.call, remoteNumber: n, remoteName: nm }) };
  });
}

/** The call is talking: first answer time, who answered, and the leg that answered. */
function connect(tx: Tx, id: string, answeredBy: string | undefined, legUniqueid?: string): void {
  tx.update(id, (rec) => {
    if (rec.talking && rec.call.answeredAt !== undefined) return rec;
    const call: Call = { ...rec.call, answeredAt: rec.call.answeredAt ?? tx.now };
    if (call.answeredBy === undefined && answeredBy !== undefined) (call as { answeredBy?: string }).answeredBy = answeredBy;
    return { ...rec, talking: true, call };
  });
  if (legUniqueid !== undefined) legAnswered(tx, id, legUniqueid);
}

function legAnswered(tx: Tx, id: string, uniqueid: string): void {
  tx.upsertLeg(
    id,
    uniqueid,
    () => ({ channel: tx.channel(uniqueid)?.name ?? uniqueid, uniqueid, startedAt: tx.now }),
    (leg) => (leg.answeredAt === undefined ? { ...leg, answeredAt: tx.now } : leg),
  );
}

function refreshHold(tx: Tx, id: string): void {
  const held = tx.channelsOf(id).some((c) => c.held);
  tx.update(id, (rec) => (rec.held === held ? rec : { ...rec, held }));
}

function resultOf(rec: CallRecord, legs: readonly CallLeg[], cause: number | undefined): CallResult {
  if (rec.call.answeredAt !== undefined) return 'answered';
  if (rec.origin === 'originateFailure') return 'failed';
  const causes = legs.map((l) => l.hangupCause).filter((c): c is number => c !== undefined);
  if (rec.base === 'inbound') {
    if (rec.elsewhereBy !== undefined || causes.includes(CAUSE_ANSWERED_ELSEWHERE)) return 'answeredElsewhere';
    if (rec.declined || causes.includes(CAUSE_CALL_REJECTED) || causes.includes(CAUSE_USER_BUSY)) return 'rejected';
    return 'missed';
  }
  // My phone rang for a click-to-call and I did not pick it up.
  if (rec.origin === 'originate' && !legs.some((l) => l.answeredAt !== undefined)) return rec.unreachable ? 'failed' : 'cancelled';
  switch (rec.outboundStatus) {
    case 'BUSY':
      return 'busy';
    case 'NOANSWER':
      return 'noAnswer';
    case 'CHANUNAVAIL':
    case 'CONGESTION':
    case 'INVALIDARGS':
      return 'failed';
    case 'CANCEL':
      return 'cancelled';
    default:
      break;
  }
  if (rec.unreachable) return 'failed';
  if (cause === CAUSE_USER_BUSY || cause === CAUSE_CALL_REJECTED) return 'busy';
  if (cause === CAUSE_NO_ANSWER || cause === CAUSE_NO_USER_RESPONSE) return 'noAnswer';
  if (cause !== undefined && FAILURE_CAUSES.has(cause)) return 'failed';
  return 'cancelled';
}

/**
 * Ends a call: result, times, cause; it joins the unreported list exactly once.
 *
 * A queue call that stopped ringing me unanswered is the exception: app_queue
 * rings members in turn (rrmemory, leastrecent...) and retries, so the same
 * caller may ring me again in a few seconds, or a colleague may take it, which
 * makes it "answered elsewhere", not "missed". Such a call is ended for the UI
 * at once but only settles (and is reported) at `settleAt`, or earlier when the
 * events decide (a colleague's AgentConnect, the caller abandoning).
 */
function endCall(tx: Tx, id: string, cause?: { readonly code: number; readonly text?: string }): void {
  const rec = tx.live(id);
  if (rec === undefined) return;
  const legs = rec.call.legs.map((l) => (l.endedAt === undefined ? { ...l, endedAt: tx.now } : l));
  const result = resultOf(rec, legs, cause?.code);
  const transfers = [...rec.call.transfers];
  // An AMI Redirect of the other side raises no transfer event (README item 5):
  // what we saw is that side leaving our bridge for another dialplan location.
  if (rec.redirect !== undefined && rec.call.answeredAt !== undefined && !transfers.some((t) => t.direction === 'out')) {
    transfers.push({ kind: 'redirect', direction: 'out', from: tx.config.extension, to: rec.redirect.to, at: rec.redirect.at });
  }
  const answeredBy = rec.call.answeredBy ?? (result === 'answeredElsewhere' && rec.elsewhereBy !== '' ? rec.elsewhereBy : undefined);
  const call = compact<Call>({
    ...rec.call,
    state: 'ended',
    result,
    endedAt: tx.now,
    legs,
    transfers,
    answeredBy,
    hangupCause: cause === undefined ? rec.call.hangupCause : compact({ code: cause.code, text: cause.text }),
    hangupBy: rec.call.answeredAt === undefined ? undefined : handedOver(transfers) ? 'me' : rec.hangupSide,
  });
  const provisional = result === 'missed' && rec.call.queue !== undefined && tx.config.queueSettleMs > 0;
  tx.put(compact<CallRecord>({ ...rec, talking: false, parked: false, held: false, recordingOn: {}, call, settleAt: provisional ? tx.now + tx.config.queueSettleMs : undefined }));
  if (provisional) {
    tx.settling.push(id);
    // Keep the caller's channels: their hangup or a colleague answering settles it.
    for (const ch of tx.channelsOf(id)) if (ch.mine) tx.dropChannel(ch.uniqueid, true);
    return;
  }
  tx.unreported.push(id);
  for (const ch of tx.channelsOf(id)) tx.dropChannel(ch.uniqueid, ch.mine);
}

/** The settling (ended, not yet reported) queue call a snapshot belongs to. */
function settlingOf(tx: Tx, snap: ChannelSnapshot | undefined): CallRecord | undefined {
  const rec = tx.record(callOf(tx, snap));
  return rec?.settleAt === undefined ? undefined : rec;
}

/** Reports a settling call: as it ended, or as answered elsewhere (by whom, '' if unknown). */
function settleCall(tx: Tx, id: string, elsewhereBy?: string): void {
  const rec = tx.record(id);
  if (rec?.settleAt === undefined) return;
  let call = rec.call;
  if (elsewhereBy !== undefined) call = compact<Call>({ ...call, result: 'answeredElsewhere', answeredBy: call.answeredBy ?? (elsewhereBy === '' ? undefined : elsewhereBy) });
  tx.put(compact<CallRecord>({ ...rec, call, settleAt: undefined, elsewhereBy: elsewhereBy ?? rec.elsewhereBy }));
  tx.settling = tx.settling.filter((x) => x !== id);
  tx.unreported.push(id);
  for (const ch of tx.channelsOf(id)) tx.dropChannel(ch.uniqueid, ch.mine);
}

/** The queue rings me again for a call that is still settling: it is the same call, live again. */
function reopen(tx: Tx, id: string): void {
  const rec = tx.record(id);
  if (rec?.settleAt === undefined) return;
  tx.settling = tx.settling.filter((x) => x !== id);
  tx.put(
    compact<CallRecord>({
      ...rec,
      settleAt: undefined,
      call: compact<Call>({ ...rec.call, state: 'ringing', result: undefined, endedAt: undefined, hangupCause: undefined, hangupBy: undefined }),
    }),
  );
}

/** Settles the calls whose settleAt has passed. */
function settleDue(tx: Tx): void {
  for (const id of [...tx.settling]) {
    const at = tx.record(id)?.settleAt;
    if (at === undefined || at <= tx.now) settleCall(tx, id);
  }
}

/** The call left me by a transfer of mine (not parking: a parked caller may still hang up on their own). */
function handedOver(transfers: readonly Transfer[]): boolean {
  const last = transfers[transfers.length - 1];
  return last !== undefined && last.direction === 'out' && last.kind !== 'park' && last.kind !== 'pickup';
}

/** Ends the call if nothing keeps it alive: no live leg of mine and not parked. */
function endIfDone(tx: Tx, id: string, cause?: { readonly code: number; readonly text?: string }): void {
  const rec = tx.live(id);
  if (rec === undefined || tx.liveLegs(id).length > 0) return;
  if (rec.parked) return;
  endCall(tx, id, cause);
}

// ---------------------------------------------------------------------------
// Relevance: most events on a busy PBX concern nobody we track.

function snapshotsOf(ev: AmiEvent): readonly (ChannelSnapshot | undefined)[] {
  switch (ev.event) {
    case 'DialBegin':
    case 'DialState':
    case 'DialEnd':
      return [ev.caller, ev.dest];
    case 'LocalBridge':
      return [ev.one, ev.two];
    case 'BlindTransfer':
      return [ev.transferer, ev.transferee];
    case 'AttendedTransfer':
      return [ev.origTransferer, ev.secondTransferer, ev.transferee, ev.transferTarget, ev.localOne, ev.localTwo];
    case 'ParkedCall':
    case 'ParkedCallGiveUp':
    case 'ParkedCallTimeOut':
    case 'UnParkedCall':
      return [ev.parkee, ev.parker, ev.retriever];
    case 'Pickup':
      return [ev.channel, ev.target];
    case 'AgentCalled':
    case 'AgentConnect':
    case 'AgentRingNoAnswer':
    case 'AgentComplete':
    case 'AgentDump':
      return [ev.caller, ev.agent];
    case 'BridgeCreate':
    case 'BridgeDestroy':
    case 'OriginateResponse':
    case 'CoreShowChannel':
    case 'Status':
    case 'CoreShowChannelsComplete':
    case 'Dial':
    case 'Link':
    case 'Unlink':
      return [];
    default:
      return [ev.channel];
  }
}

function concerns(state: CallTrackerState, snap: ChannelSnapshot | undefined): boolean {
  if (snap === undefined) return false;
  if (state.channels.get(keyOf(snap)) !== undefined) return true;
  if (snap.linkedid !== undefined && state.byLinkedid.get(snap.linkedid) !== undefined) return true;
  return isMyChannel(state.config, snap.channel);
}

function relevant(state: CallTrackerState, ev: AmiEvent): boolean {
  switch (ev.event) {
    case 'BridgeCreate':
    case 'BridgeDestroy':
    case 'CoreShowChannel':
    case 'Status':
    case 'CoreShowChannelsComplete':
      return false;
    case 'OriginateResponse':
      return true;
    case 'BlindTransfer':
      // A colleague's transfer may be heading my way: remember it briefly.
      return ev.success;
    case 'ParkedCall':
      if (ev.parkerDialString !== undefined && isMyDevice(state.config, ev.parkerDialString)) return true;
      break;
    case 'Dial':
      if (ev.subEvent === 'Begin') return isMyChannel(state.config, ev.destination) || (ev.channel !== undefined && isMyChannel(state.config, ev.channel)) || (ev.destUniqueid !== undefined && state.channels.get(ev.destUniqueid) !== undefined);
      return isMyChannel(state.config, ev.channel) || [...state.channels.values()].some((c) => c.name === ev.channel || c.dialedBy === ev.uniqueid);
    case 'Link':
    case 'Unlink':
      return isMyChannel(state.config, ev.channel1) || isMyChannel(state.config, ev.channel2);
    default:
      break;
  }
  return snapshotsOf(ev).some((s) => concerns(state, s));
}

// ---------------------------------------------------------------------------
// Handlers

function onNewchannel(tx: Tx, snap: ChannelSnapshot): void {
  if (isMyChannel(tx.config, snap.channel)) {
    if (tx.isRetired(keyOf(snap)) || tx.channel(keyOf(snap)) !== undefined) return;
    const ch = upsertChannel(tx, snap, true);
    const withInitial = { ...ch, initialState: snap.state ?? ChannelState.Down };
    tx.setChannel(withInitial);
    // A channel created by my phone's own INVITE starts in Ring (4) with the dialled
    // number as Exten; one Asterisk creates to ring my phone starts Down with `Exten: s`.
    if (snap.state === ChannelState.Ring) {
      const id = openCall(tx, withInitial, 'outbound', 'phone');
      setRemote(tx, id, usable(tx, snap.exten), undefined);
    }
    return;
  }
  const rec = liveCallOf(tx, snap);
  if (rec !== undefined) upsertChannel(tx, snap, false, rec.call.id);
}

function onNewstate(tx: Tx, snap: ChannelSnapshot): void {
  const mine = isMyChannel(tx.config, snap.channel);
  if (!mine) {
    const rec = liveCallOf(tx, snap);
    if (rec !== undefined) upsertChannel(tx, snap, false, rec.call.id);
    return;
  }
  if (tx.isRetired(keyOf(snap))) return;
  const ch = upsertChannel(tx, snap, true);
  let id = tx.live(ch.callId)?.call.id;
  if (id === undefined) {
    // Fallbacks for when the Dial events were not seen (old Asterisk, a filter).
    if (snap.state === ChannelState.Ringing) {
      id = openCall(tx, ch, 'inbound', 'dial');
      setRemote(tx, id, ch.connectedLineNum, ch.connectedLineName);
    } else if (snap.state === ChannelState.Ring) {
      id = openCall(tx, ch, 'outbound', 'phone');
      setRemote(tx, id, ch.exten, undefined);
    } else if (snap.state === ChannelState.Up) {
      const outbound = ch.initialState === ChannelState.Ring;
      id = openCall(tx, ch, outbound ? 'outbound' : 'inbound', outbound ? 'phone' : 'dial');
      setRemote(tx, id, outbound ? ch.exten : ch.connectedLineNum, outbound ? undefined : ch.connectedLineName);
      if (!outbound) connect(tx, id, tx.config.extension, ch.uniqueid);
      else legAnswered(tx, id, ch.uniqueid);
    }
    return;
  }
  if (snap.state === ChannelState.Up) {
    const rec = tx.live(id);
    legAnswered(tx, id, ch.uniqueid);
    // My phone answering connects a call to me; for a click-to-call it only means
    // I picked up my own phone, and the far end is dialled next.
    if (rec !== undefined && rec.base === 'inbound' && rec.origin !== 'originate') connect(tx, id, tx.config.extension, ch.uniqueid);
  } else if (snap.state === ChannelState.Ringing) {
    const rec = tx.live(id);
    if (rec !== undefined && rec.talking && !tx.liveLegs(id).some((l) => l.answeredAt !== undefined)) tx.put({ ...rec, talking: false });
  }
}

function onCallerId(tx: Tx, snap: ChannelSnapshot): void {
  const rec = liveCallOf(tx, snap);
  if (rec === undefined) {
    if (isMyChannel(tx.config, snap.channel) && tx.channel(keyOf(snap)) !== undefined) upsertChannel(tx, snap, true);
    return;
  }
  upsertChannel(tx, snap, isMyChannel(tx.config, snap.channel), rec.call.id);
}

function onConnectedLine(tx: Tx, snap: ChannelSnapshot): void {
  const mine = isMyChannel(tx.config, snap.channel);
  const before = tx.channel(keyOf(snap));
  const rec = liveCallOf(tx, snap);
  if (!mine) {
    if (rec !== undefined) upsertChannel(tx, snap, false, rec.call.id);
    return;
  }
  if (before === undefined && rec === undefined) return;
  const ch = upsertChannel(tx, snap, true);
  const id = tx.live(ch.callId)?.call.id;
  if (id === undefined) return;
  const current = tx.live(id);
  const n = usable(tx, snap.connectedLineNum);
  if (current === undefined || n === undefined) return;
  if (current.call.remoteNumber === undefined) {
    setRemote(tx, id, n, snap.connectedLineName);
  } else if (current.talking && n !== before?.connectedLineNum && n !== current.call.remoteNumber) {
    // While talking, a new connected line means the other party changed: a
    // transfer completed towards me, or the caller I was talking to was replaced.
    setRemote(tx, id, n, snap.connectedLineName, true);
  } else if (n === current.call.remoteNumber) {
    setRemote(tx, id, n, snap.connectedLineName);
  }
}

/** Which pending click-to-call of ours this Originate callback is. */
function claimOriginate(tx: Tx, id: string, viaLocal: boolean): void {
  const i = tx.originates.findIndex((o) => o.callId === undefined && tx.now - o.requestedAt < ORIGINATE_TTL_MS && isLocalChannel(o.channel) === viaLocal);
  const o = i < 0 ? undefined : tx.originates[i];
  if (o === undefined) return;
  tx.originates[i] = { ...o, callId: id };
  tx.touch();
  if (o.number !== undefined) setRemote(tx, id, o.number, undefined);
}

function onDialBegin(tx: Tx, ev: DialBeginEvent): void {
  const { caller, dest } = ev;
  const destMine = isMyChannel(tx.config, dest.channel);
  const callerMine = caller !== undefined && isMyChannel(tx.config, caller.channel);

  if (destMine && !callerMine) {
    if (tx.isRetired(keyOf(dest))) return;
    let ch = upsertChannel(tx, dest, true);
    if (caller === undefined) {
      // Originate dials my device first (trace c): a click-to-call, outbound.
      const existing = tx.live(ch.callId);
      const id = existing?.call.id ?? openCall(tx, ch, 'outbound', 'originate', dest.linkedid);
      if (existing === undefined) claimOriginate(tx, id, false);
      return;
    }
    const lid = dest.linkedid ?? caller.linkedid ?? callOf(tx, caller) ?? caller.uniqueid;
    const settling = settlingOf(tx, dest) ?? settlingOf(tx, caller);
    if (settling !== undefined) reopen(tx, settling.call.id);
    const fromOurLocalOriginate = isLocalChannel(caller.channel) && tx.originates.some((o) => o.callId === undefined && isLocalChannel(o.channel) && tx.now - o.requestedAt < ORIGINATE_TTL_MS);
    const existing = tx.live(ch.callId) ?? tx.live(lid === undefined ? undefined : tx.byLinkedid.get(lid));
    const id = existing?.call.id ?? openCall(tx, ch, fromOurLocalOriginate ? 'outbound' : 'inbound', fromOurLocalOriginate ? 'originate' : 'dial', lid);
    if (existing !== undefined) addLeg(tx, id, ch);
    ch = tx.channel(ch.uniqueid) ?? ch;
    tx.setChannel({ ...ch, ...(caller.uniqueid === undefined ? {} : { dialedBy: caller.uniqueid }) });
    upsertChannel(tx, caller, false, id);
    if (fromOurLocalOriginate && existing === undefined) {
      claimOriginate(tx, id, true);
      return;
    }
    setRemote(tx, id, caller.callerIdNum ?? dest.connectedLineNum, caller.callerIdName ?? dest.connectedLineName);
    if (usable(tx, caller.callerIdNum) === undefined) setRemote(tx, id, dest.connectedLineNum, dest.connectedLineName);
    const rec = tx.live(id);
    if (existing === undefined && rec !== undefined && !rec.call.transfers.some((t) => t.direction === 'in')) {
      // The caller was already talking to another extension before it dialled me
      // (an AMI Redirect or a blind transfer we did not see): it comes transferred.
      const prev = usable(tx, caller.connectedLineNum);
      if (caller.state === ChannelState.Up && prev !== undefined && prev !== caller.callerIdNum && tx.config.internalNumberPattern.test(prev)) {
        pushTransfer(tx, id, { kind: 'redirect', direction: 'in', from: prev, to: tx.config.extension });
      }
    }
    if (rec !== undefined && rec.talking && !tx.liveLegs(id).some((l) => l.answeredAt !== undefined)) tx.put({ ...rec, talking: false });
    return;
  }

  if (callerMine && caller !== undefined) {
    if (tx.isRetired(keyOf(caller))) return;
    const ch = upsertChannel(tx, caller, true);
    const existing = tx.live(ch.callId);
    const id = existing?.call.id ?? openCall(tx, ch, 'outbound', 'phone', caller.linkedid);
    upsertChannel(tx, dest, destMine, id);
    // What I dialled: my channel's Exten (the number as typed), else the callee's id.
    setRemote(tx, id, usable(tx, caller.exten) ?? usable(tx, dest.callerIdNum) ?? numberOfDialString(ev.dialString), undefined);
    return;
  }

  // Neither side is mine: a colleague's leg of a call I am in (ring group, queue).
  const rec = liveCallOf(tx, dest) ?? liveCallOf(tx, caller);
  if (rec === undefined) return;
  upsertChannel(tx, dest, false, rec.call.id);
  if (caller !== undefined) upsertChannel(tx, caller, false, rec.call.id);
}

function onDialEnd(tx: Tx, ev: DialEndEvent): void {
  const { caller, dest, dialStatus } = ev;
  const destMine = isMyChannel(tx.config, dest.channel);
  const callerMine = caller !== undefined && isMyChannel(tx.config, caller.channel);
  if (destMine) {
    const ch = upsertChannel(tx, dest, true);
    const rec = tx.live(ch.callId);
    if (rec === undefined) return;
    const id = rec.call.id;
    if (dialStatus === 'ANSWER') {
      legAnswered(tx, id, ch.uniqueid);
      if (rec.base === 'inbound' && rec.origin !== 'originate') connect(tx, id, tx.config.extension, ch.uniqueid);
    } else if (dialStatus === 'BUSY') {
      tx.put({ ...rec, declined: true });
    } else if (dialStatus === 'CHANUNAVAIL' || dialStatus === 'CONGESTION') {
      tx.put({ ...rec, unreachable: true });
    }
    return;
  }
  if (callerMine && caller !== undefined) {
    const ch = upsertChannel(tx, caller, true);
    const rec = tx.live(ch.callId);
    if (rec === undefined) return;
    const id = rec.call.id;
    upsertChannel(tx, dest, false, id);
    tx.put({ ...rec, outboundStatus: dialStatus });
    if (dialStatus === 'ANSWER') {
      setRemote(tx, id, dest.callerIdNum, undefined);
      connect(tx, id, tx.live(id)?.call.remoteNumber ?? usable(tx, dest.callerIdNum), ch.uniqueid);
    }
    return;
  }
  // A colleague answered a call that rings me too (ring group, ringall queue).
  const settling = settlingOf(tx, dest) ?? settlingOf(tx, caller);
  if (settling !== undefined && dialStatus === 'ANSWER' && !isLocalChannel(dest.channel)) {
    settleCall(tx, settling.call.id, usable(tx, dest.callerIdNum) ?? '');
    return;
  }
  const rec = liveCallOf(tx, dest) ?? liveCallOf(tx, caller);
  if (rec === undefined) return;
  if (dialStatus === 'ANSWER' && !isLocalChannel(dest.channel) && !rec.talking && tx.liveLegs(rec.call.id).every((l) => l.answeredAt === undefined)) {
    tx.put({ ...rec, elsewhereBy: usable(tx, dest.callerIdNum) ?? '' });
  }
}

function onHangup(tx: Tx, ev: HangupEvent): void {
  const snap = ev.channel;
  const key = keyOf(snap);
  const ch = tx.channel(key);
  const cause = ev.causeText === undefined ? { code: ev.cause } : { code: ev.cause, text: ev.causeText };
  if (ch === undefined) {
    const rec = liveCallOf(tx, snap);
    if (rec !== undefined && !isMyChannel(tx.config, snap.channel)) onRemoteGone(tx, rec.call.id, false);
    return;
  }
  if (!ch.mine) {
    tx.dropChannel(key, false);
    // The queue caller hung up: a settling queue call is missed for good. (Local
    // channels are plumbing, e.g. a queue member defined as Local/101@agents.)
    if (tx.record(ch.callId)?.settleAt !== undefined && ch.callId !== undefined) {
      if (!isLocalChannel(ch.name)) settleCall(tx, ch.callId);
      return;
    }
    if (ch.callId !== undefined) onRemoteGone(tx, ch.callId, ch.hangupRequested);
    return;
  }
  const rec = tx.live(ch.callId);
  tx.dropChannel(key, true);
  if (rec === undefined) return;
  const id = rec.call.id;
  tx.upsertLeg(
    id,
    key,
    () => ({ channel: ch.name, uniqueid: key, startedAt: ch.startedAt }),
    (leg) => ({ ...leg, endedAt: tx.now, hangupCause: ev.cause }),
  );
  const after = tx.live(id);
  if (after === undefined) return;
  let next = after;
  if (ch.hangupRequested && next.hangupSide === undefined && next.talking) next = { ...next, hangupSide: 'me' };
  if (next.hangupSide === undefined && next.talking) next = { ...next, hangupSide: 'remote' };
  if (ev.cause === CAUSE_ANSWERED_ELSEWHERE && next.elsewhereBy === undefined && !tx.leg(id, key)?.answeredAt) next = { ...next, elsewhereBy: '' };
  next = { ...next, recordingOn: omitKey(next.recordingOn, key) };
  if (tx.liveLegs(id).length === 0) next = { ...next, talking: false };
  tx.put(next);
  refreshHold(tx, id);
  endIfDone(tx, id, cause);
}

/** The other side of a call hung up. A parked call with no leg of mine ends with it. */
function onRemoteGone(tx: Tx, id: string, requested: boolean): void {
  const rec = tx.live(id);
  if (rec === undefined) return;
  if (rec.hangupSide === undefined && rec.talking) tx.put({ ...rec, hangupSide: 'remote' });
  if (requested && rec.hangupSide === undefined) tx.put({ ...rec, hangupSide: 'remote' });
  refreshHold(tx, id);
  if (tx.liveLegs(id).length === 0 && tx.channelsOf(id).length === 0) {
    tx.put({ ...(tx.live(id) ?? rec), parked: false });
    endIfDone(tx, id);
  }
}

function onHangupRequest(tx: Tx, snap: ChannelSnapshot): void {
  const ch = tx.channel(keyOf(snap));
  if (ch === undefined) return;
  if (!ch.hangupRequested) tx.setChannel({ ...ch, hangupRequested: true });
  const rec = tx.live(ch.callId);
  if (rec === undefined || rec.hangupSide !== undefined || !rec.talking) return;
  // Whoever asks first is the side that hung up (the bridge then clears the other).
  tx.put({ ...rec, hangupSide: ch.mine ? 'me' : 'remote' });
}

function onBridge(tx: Tx, ev: BridgeChannelEvent): void {
  const rec = liveCallOf(tx, ev.channel);
  const mine = isMyChannel(tx.config, ev.channel.channel);
  if (rec === undefined) return;
  const id = rec.call.id;
  const ch = upsertChannel(tx, ev.channel, mine, id);
  if (ev.event === 'BridgeEnter') {
    tx.setChannel({ ...ch, bridgeId: ev.bridgeId, ...(ev.channel.context === undefined ? {} : { bridgeContext: ev.channel.context }), ...(ev.channel.exten === undefined ? {} : { bridgeExten: ev.channel.exten }) });
    // Fallback when the Dial events were missed: my channel in a bridge with someone.
    if (mine && !rec.talking && (ev.numChannels ?? 0) >= 2 && (rec.base === 'inbound' || rec.origin !== 'originate' || tx.leg(id, ch.uniqueid)?.answeredAt !== undefined)) {
      connect(tx, id, rec.base === 'inbound' ? tx.config.extension : rec.call.remoteNumber, ch.uniqueid);
    }
    return;
  }
  const { bridgeContext, bridgeExten } = ch;
  tx.setChannel(compact<TrackedChannel>({ ...ch, bridgeId: undefined, bridgeContext: undefined, bridgeExten: undefined }));
  // AMI Redirect of the other side: it leaves our bridge already moved to another
  // context/extension (trace e: `Context: transfer`, `Exten: 102`), with no event.
  const now = ev.channel;
  if (!mine && rec.talking && bridgeContext !== undefined && bridgeExten !== undefined && now.exten !== undefined && now.exten !== 'h' && (now.context !== bridgeContext || now.exten !== bridgeExten)) {
    tx.put({ ...(tx.live(id) ?? rec), redirect: { to: now.exten, at: tx.now } });
  }
}

function onOriginateResponse(tx: Tx, ev: OriginateResponseEvent): void {
  const i = ev.actionId === undefined ? -1 : tx.originates.findIndex((o) => o.actionId === ev.actionId);
  const pending = i < 0 ? undefined : tx.originates[i];
  if (pending !== undefined) {
    tx.originates.splice(i, 1);
    tx.touch();
  }
  if (ev.success) {
    const ch = tx.channel(ev.uniqueid);
    const rec = tx.live(ch?.callId) ?? tx.record(pending?.callId);
    if (rec === undefined || rec.call.state === 'ended') return;
    tx.put({ ...rec, originateMatched: true });
    setRemote(tx, rec.call.id, pending?.number ?? ev.exten, undefined);
    return;
  }
  const ours = pending !== undefined;
  const device = ev.channel !== undefined && isMyDevice(tx.config, ev.channel);
  if (!ours && !device) return;
  // A failure for a call that exists (my phone rang, I did not answer): the call
  // itself says how it ended, whichever of the two arrives first.
  const linked = tx.record(pending?.callId);
  if (linked !== undefined) {
    if (!linked.originateMatched) tx.put({ ...linked, originateMatched: true });
    return;
  }
  if (!ours) {
    const unmatched = tx.order.map((id) => tx.records.get(id)).find((r) => r !== undefined && r.origin === 'originate' && !r.originateMatched);
    if (unmatched !== undefined) {
      tx.put({ ...unmatched, originateMatched: true });
      return;
    }
  }
  // Nothing was created at all (unknown or unregistered device: trace i).
  const id = tx.callIdFor(`originate:${ev.actionId ?? String(tx.now)}`);
  const rec = newRecord({ id, linkedids: [], extension: tx.config.extension, base: 'outbound', origin: 'originateFailure', now: pending?.requestedAt ?? tx.now });
  tx.put({ ...rec, originateMatched: true });
  setRemote(tx, id, pending?.number ?? ev.exten, undefined);
  endCall(tx, id);
}

function onRecording(tx: Tx, snap: ChannelSnapshot, change: 'start' | 'stop' | 'mute' | 'unmute' | { readonly file: string }): void {
  const rec = liveCallOf(tx, snap);
  if (rec === undefined) return;
  const key = keyOf(snap);
  if (typeof change === 'object') {
    tx.put({ ...rec, call: { ...rec.call, recording: addRecordingFile(rec.call.recording, change.file) } });
    return;
  }
  let recordingOn: Readonly<Record<string, RecordingState>>;
  if (change === 'start' || change === 'unmute') recordingOn = { ...rec.recordingOn, [key]: 'recording' };
  else if (change === 'mute') recordingOn = rec.recordingOn[key] === undefined ? rec.recordingOn : { ...rec.recordingOn, [key]: 'paused' };
  else recordingOn = omitKey(rec.recordingOn, key);
  tx.put({ ...rec, recordingOn });
}

function onBlindTransfer(tx: Tx, ev: BlindTransferEvent): void {
  if (!ev.success) return;
  const fromMe = ev.transferer !== undefined && isMyChannel(tx.config, ev.transferer.channel);
  const to = ev.extension;
  if (fromMe) {
    const rec = liveCallOf(tx, ev.transferer);
    if (rec !== undefined) pushTransfer(tx, rec.call.id, { kind: 'blind', direction: 'out', from: tx.config.extension, ...(to === undefined ? {} : { to }) });
    return;
  }
  const from = usable(tx, ev.transferer?.callerIdNum);
  const meTransferred = liveCallOf(tx, ev.transferee);
  if (meTransferred !== undefined && ev.transferee !== undefined && isMyChannel(tx.config, ev.transferee.channel)) {
    pushTransfer(tx, meTransferred.call.id, { kind: 'blind', direction: 'in', ...(from === undefined ? {} : { from }), ...(to === undefined ? {} : { to }) });
    return;
  }
  // A colleague transferred a call; if it is coming to me, the DialBegin will say so.
  const lid = ev.transferee?.linkedid;
  if (lid !== undefined && to === tx.config.extension) tx.addHint({ linkedid: lid, kind: 'blind', ...(from === undefined ? {} : { from }), to, at: tx.now });
}

function onAttendedTransfer(tx: Tx, ev: AttendedTransferEvent): void {
  if (!ev.success) return;
  const orig = ev.origTransferer;
  const second = ev.secondTransferer;
  const origMine = orig !== undefined && isMyChannel(tx.config, orig.channel);
  const secondMine = second !== undefined && isMyChannel(tx.config, second.channel);
  if (origMine || secondMine) {
    // I transferred: my two calls (the one with the transferee and the consultation
    // with the target) are one logical call from now on.
    const a = liveCallOf(tx, orig);
    const b = liveCallOf(tx, second);
    const recs = [a, b].filter((r): r is CallRecord => r !== undefined);
    const first = recs[0];
    if (first === undefined) return;
    let primary = first;
    let other: CallRecord | undefined;
    if (a !== undefined && b !== undefined && a.call.id !== b.call.id) {
      // The customer's call survives; the consultation (usually internal) folds into it.
      const aInternal = a.call.direction === 'internal';
      const bInternal = b.call.direction === 'internal';
      primary = aInternal && !bInternal ? b : a;
      other = primary === a ? b : a;
    }
    const to = usable(tx, ev.transferTarget?.callerIdNum) ?? other?.call.remoteNumber ?? (primary === a ? usable(tx, second?.connectedLineNum) : usable(tx, orig?.connectedLineNum));
    if (other !== undefined) mergeCalls(tx, primary.call.id, other.call.id);
    pushTransfer(tx, primary.call.id, { kind: 'attended', direction: 'out', from: tx.config.extension, ...(to === undefined ? {} : { to }) });
    return;
  }
  const from = usable(tx, second?.callerIdNum) ?? usable(tx, orig?.callerIdNum);
  // I am the target: the call I was consulted on now carries the transferee.
  let target = ev.transferTarget !== undefined && isMyChannel(tx.config, ev.transferTarget.channel) ? liveCallOf(tx, ev.transferTarget) : undefined;
  if (target === undefined && ev.destBridgeId !== undefined) {
    const mineInBridge = [...tx.channels.values()].find((c) => c.mine && c.bridgeId !== undefined && (c.bridgeId === ev.destBridgeId || c.bridgeId === ev.secondBridgeId || c.bridgeId === ev.origBridgeId));
    target = tx.live(mineInBridge?.callId);
  }
  if (target !== undefined) {
    const id = target.call.id;
    pushTransfer(tx, id, { kind: 'attended', direction: 'in', ...(from === undefined ? {} : { from }), to: tx.config.extension });
    if (ev.transferee !== undefined) {
      setRemote(tx, id, ev.transferee.callerIdNum, ev.transferee.callerIdName, true);
      if (ev.transferee.linkedid !== undefined && tx.byLinkedid.get(ev.transferee.linkedid) === undefined) tx.addLinkedid(id, ev.transferee.linkedid);
    }
    return;
  }
  // I am the one being transferred (I called a colleague who passed me on).
  const moved = ev.transferee !== undefined && isMyChannel(tx.config, ev.transferee.channel) ? liveCallOf(tx, ev.transferee) : undefined;
  if (moved !== undefined) {
    const to = usable(tx, ev.transferTarget?.callerIdNum);
    pushTransfer(tx, moved.call.id, { kind: 'attended', direction: 'in', ...(from === undefined ? {} : { from }), ...(to === undefined ? {} : { to }) });
    if (to !== undefined) setRemote(tx, moved.call.id, to, ev.transferTarget?.callerIdName, true);
  }
}

function onHold(tx: Tx, snap: ChannelSnapshot, held: boolean): void {
  const rec = liveCallOf(tx, snap);
  if (rec === undefined) return;
  const ch = upsertChannel(tx, snap, isMyChannel(tx.config, snap.channel), rec.call.id);
  if (ch.held !== held) tx.setChannel({ ...ch, held });
  refreshHold(tx, rec.call.id);
}

function parkedCallOf(tx: Tx, ev: ParkingEvent): CallRecord | undefined {
  const byParkee = liveCallOf(tx, ev.parkee);
  if (byParkee !== undefined) return byParkee;
  if (ev.parker !== undefined && isMyChannel(tx.config, ev.parker.channel)) return liveCallOf(tx, ev.parker);
  return undefined;
}

function onParking(tx: Tx, ev: ParkingEvent): void {
  const slot = ev.parkingSpace;
  switch (ev.event) {
    case 'ParkedCall': {
      const rec = parkedCallOf(tx, ev);
      if (rec === undefined) return;
      upsertChannel(tx, ev.parkee, false, rec.call.id);
      tx.put({ ...rec, parked: true, call: { ...rec.call, ...(slot === undefined ? {} : { parkingSlot: slot }) } });
      pushTransfer(tx, rec.call.id, { kind: 'park', direction: 'out', from: tx.config.extension, ...(slot === undefined ? {} : { to: slot }) });
      return;
    }
    case 'ParkedCallGiveUp':
    case 'ParkedCallTimeOut': {
      const rec = parkedCallOf(tx, ev);
      if (rec === undefined || !rec.parked) return;
      tx.put({ ...rec, parked: false });
      // Gave up: the caller hung up in the lot. Timed out: it rings its parker again
      // (comebacktoorigin) and stays this call until that ends.
      if (ev.event === 'ParkedCallGiveUp') {
        tx.dropChannel(keyOf(ev.parkee), false);
        endIfDone(tx, rec.call.id);
      }
      return;
    }
    case 'UnParkedCall': {
      const parked = parkedCallOf(tx, ev);
      const retrieverMine = ev.retriever !== undefined && isMyChannel(tx.config, ev.retriever.channel);
      if (retrieverMine && ev.retriever !== undefined) {
        const ch = upsertChannel(tx, ev.retriever, true);
        let id = tx.live(ch.callId)?.call.id;
        if (parked !== undefined) {
          if (id !== undefined && id !== parked.call.id) mergeCalls(tx, parked.call.id, id);
          addLeg(tx, parked.call.id, tx.channel(ch.uniqueid) ?? ch);
          id = parked.call.id;
          tx.put({ ...(tx.live(id) ?? parked), parked: false });
        } else {
          id ??= openCall(tx, ch, 'inbound', 'pickup', ev.parkee.linkedid);
          tx.update(id, (r) => ({ ...r, base: 'inbound' }));
          setRemote(tx, id, ev.parkee.callerIdNum, ev.parkee.callerIdName, true);
          if (ev.parkee.linkedid !== undefined) tx.addLinkedid(id, ev.parkee.linkedid);
        }
        upsertChannel(tx, ev.parkee, false, id);
        pushTransfer(tx, id, { kind: 'park', direction: 'in', ...(slot === undefined ? {} : { from: slot }), to: tx.config.extension });
        connect(tx, id, tx.config.extension, ch.uniqueid);
        return;
      }
      if (parked === undefined) return;
      // Someone else took the call out of the lot.
      const by = usable(tx, ev.retriever?.callerIdNum);
      tx.put({ ...parked, parked: false });
      pushTransfer(tx, parked.call.id, { kind: 'park', direction: 'out', ...(slot === undefined ? {} : { from: slot }), ...(by === undefined ? {} : { to: by }) });
      for (const c of tx.channelsOf(parked.call.id)) if (!c.mine) tx.dropChannel(c.uniqueid, false);
      endIfDone(tx, parked.call.id);
      return;
    }
  }
}

function onPickup(tx: Tx, ev: PickupEvent): void {
  const pickerMine = isMyChannel(tx.config, ev.channel.channel);
  const targetMine = isMyChannel(tx.config, ev.target.channel);
  if (pickerMine && !targetMine) {
    // I picked up a colleague's ringing call (e.g. dialled *8): whatever my channel
    // started as, this is now that caller's call, answered by me.
    if (tx.isRetired(keyOf(ev.channel))) return;
    const ch = upsertChannel(tx, ev.channel, true);
    const id = tx.live(ch.callId)?.call.id ?? openCall(tx, ch, 'inbound', 'pickup', ev.target.linkedid);
    tx.update(id, (rec) => ({ ...rec, base: 'inbound', origin: 'pickup', outboundStatus: undefined }));
    setRemote(tx, id, ev.target.connectedLineNum, ev.target.connectedLineName, true);
    if (ev.target.linkedid !== undefined && tx.byLinkedid.get(ev.target.linkedid) === undefined) tx.addLinkedid(id, ev.target.linkedid);
    const from = usable(tx, ev.target.callerIdNum);
    pushTransfer(tx, id, { kind: 'pickup', direction: 'in', ...(from === undefined ? {} : { from }), to: tx.config.extension });
    connect(tx, id, tx.config.extension, ch.uniqueid);
    return;
  }
  if (targetMine && !pickerMine) {
    const rec = liveCallOf(tx, ev.target);
    if (rec === undefined) return;
    const by = usable(tx, ev.channel.callerIdNum) ?? '';
    tx.put({ ...rec, elsewhereBy: by });
    pushTransfer(tx, rec.call.id, { kind: 'pickup', direction: 'out', from: tx.config.extension, ...(by === '' ? {} : { to: by }) });
  }
}

function onAgent(tx: Tx, ev: AgentEvent): void {
  const agentMine = ev.agent !== undefined && isMyChannel(tx.config, ev.agent.channel);
  const who = usable(tx, ev.agent?.callerIdNum) ?? ev.memberName ?? ev.interface ?? '';
  const settling = settlingOf(tx, ev.caller);
  if (settling !== undefined) {
    if (agentMine && ev.event === 'AgentCalled') reopen(tx, settling.call.id);
    else if (!agentMine && ev.event === 'AgentConnect') {
      settleCall(tx, settling.call.id, who);
      return;
    } else return;
  }
  const rec = (agentMine ? liveCallOf(tx, ev.agent) : undefined) ?? liveCallOf(tx, ev.caller);
  if (rec === undefined) return;
  const id = rec.call.id;
  if (ev.queue !== '' && rec.call.queue === undefined) tx.patchCall(id, { queue: ev.queue });
  if (ev.caller !== undefined) upsertChannel(tx, ev.caller, false, id);
  if (agentMine && ev.agent !== undefined) {
    const ch = upsertChannel(tx, ev.agent, true, id);
    if (ev.event === 'AgentConnect') connect(tx, id, tx.config.extension, ch.uniqueid);
    if (ev.event === 'AgentCalled' && ev.caller !== undefined) setRemote(tx, id, ev.caller.callerIdNum, ev.caller.callerIdName);
    return;
  }
  // Another member answered a queue call that rang me too: answered elsewhere, not missed.
  if (ev.event === 'AgentConnect') {
    const now = tx.live(id);
    if (now !== undefined && !now.talking && now.elsewhereBy === undefined) tx.put({ ...now, elsewhereBy: who });
  }
}

function onQueueCaller(tx: Tx, snap: ChannelSnapshot, queue: string, abandoned: boolean): void {
  const settling = settlingOf(tx, snap);
  if (settling !== undefined) {
    // The caller gave up while waiting: nobody will answer it, here or elsewhere.
    if (abandoned) settleCall(tx, settling.call.id);
    return;
  }
  const rec = liveCallOf(tx, snap);
  if (rec === undefined || queue === '' || rec.call.queue !== undefined) return;
  tx.patchCall(rec.call.id, { queue });
}

// --- Asterisk 1.8-11 events (no Linkedid: calls are found through channels) ---

function onLegacyDialBegin(tx: Tx, ev: LegacyDialBeginEvent): void {
  const caller: ChannelSnapshot | undefined =
    ev.channel === undefined
      ? undefined
      : {
          channel: ev.channel,
          ...(ev.uniqueid === undefined ? {} : { uniqueid: ev.uniqueid }),
          ...(ev.callerIdNum === undefined ? {} : { callerIdNum: ev.callerIdNum }),
          ...(ev.callerIdName === undefined ? {} : { callerIdName: ev.callerIdName }),
          ...(ev.connectedLineNum === undefined ? {} : { connectedLineNum: ev.connectedLineNum }),
          ...(ev.connectedLineName === undefined ? {} : { connectedLineName: ev.connectedLineName }),
        };
  const knownCaller = caller === undefined ? undefined : tx.channel(keyOf(caller));
  const linkedid = knownCaller?.linkedid ?? tx.record(knownCaller?.callId)?.call.linkedids[0] ?? ev.uniqueid;
  const dest: ChannelSnapshot = {
    channel: ev.destination,
    ...(ev.destUniqueid === undefined ? {} : { uniqueid: ev.destUniqueid }),
    ...(linkedid === undefined ? {} : { linkedid }),
  };
  const withLid = caller !== undefined && linkedid !== undefined ? { ...caller, linkedid } : caller;
  onDialBegin(tx, { event: 'DialBegin', ...(withLid === undefined ? {} : { caller: withLid }), dest, ...(ev.dialString === undefined ? {} : { dialString: ev.dialString }) });
}

function onLegacyDialEnd(tx: Tx, ev: LegacyDialEndEvent): void {
  // `Dial SubEvent: End` names only the dialling channel: apply it to the legs it dialled.
  const caller = ev.uniqueid === undefined ? tx.findByName(ev.channel) : (tx.channel(ev.uniqueid) ?? tx.findByName(ev.channel));
  const callerSnap: ChannelSnapshot = { channel: ev.channel, ...(caller?.uniqueid === undefined ? {} : { uniqueid: caller.uniqueid }) };
  if (isMyChannel(tx.config, ev.channel)) {
    const dialed = caller === undefined ? undefined : [...tx.channels.values()].find((c) => c.dialedBy === caller.uniqueid);
    onDialEnd(tx, { event: 'DialEnd', caller: callerSnap, dest: { channel: dialed?.name ?? 'unknown', ...(dialed === undefined ? {} : { uniqueid: dialed.uniqueid }) }, dialStatus: ev.dialStatus });
    return;
  }
  for (const mine of [...tx.channels.values()].filter((c) => c.mine && caller !== undefined && c.dialedBy === caller.uniqueid)) {
    onDialEnd(tx, { event: 'DialEnd', caller: callerSnap, dest: { channel: mine.name, uniqueid: mine.uniqueid }, dialStatus: ev.dialStatus });
  }
}

function onLegacyLink(tx: Tx, ev: LegacyLinkEvent): void {
  if (ev.event !== 'Link') return;
  const pairs: readonly [string, string | undefined, string, string | undefined, string | undefined][] = [
    [ev.channel1, ev.uniqueid1, ev.channel2, ev.uniqueid2, ev.callerId2],
    [ev.channel2, ev.uniqueid2, ev.channel1, ev.uniqueid1, ev.callerId1],
  ];
  for (const [mineName, mineId, otherName, otherId, otherCid] of pairs) {
    if (!isMyChannel(tx.config, mineName)) continue;
    const ch = tx.channel(mineId ?? mineName) ?? tx.findByName(mineName);
    const rec = tx.live(ch?.callId);
    if (ch === undefined || rec === undefined) continue;
    upsertChannel(tx, { channel: otherName, ...(otherId === undefined ? {} : { uniqueid: otherId }) }, false, rec.call.id);
    setRemote(tx, rec.call.id, otherCid, undefined);
    connect(tx, rec.call.id, rec.base === 'inbound' ? tx.config.extension : (tx.live(rec.call.id)?.call.remoteNumber ?? otherCid), ch.uniqueid);
  }
}

// ---------------------------------------------------------------------------

function isDue(state: CallTrackerState, now: number): boolean {
  return state.settling.some((id) => (state.records.get(id)?.settleAt ?? 0) <= now);
}

/**
 * Settles queue calls whose wait is over (see endCall). reduce() does this on
 * every event; the app also calls it from a timer so a missed queue call is
 * reported even when no further event arrives.
 */
export function tick(state: CallTrackerState, now: number): CallTrackerState {
  if (!isDue(state, now)) return state;
  const tx = new Tx(state, now);
  settleDue(tx);
  return tx.commit();
}

/** Applies one AMI event. Returns the same state object when the event changes nothing. */
export function reduce(state: CallTrackerState, event: AmiEvent, now: number): CallTrackerState {
  const due = isDue(state, now);
  const concerned = relevant(state, event);
  if (!due && !concerned) return state;
  const tx = new Tx(state, now);
  if (due) settleDue(tx);
  if (!concerned) return tx.commit();
  switch (event.event) {
    case 'Newchannel':
      onNewchannel(tx, event.channel);
      break;
    case 'Newstate':
      onNewstate(tx, event.channel);
      break;
    case 'NewCallerid':
      onCallerId(tx, event.channel);
      break;
    case 'NewConnectedLine':
      onConnectedLine(tx, event.channel);
      break;
    case 'DialBegin':
      onDialBegin(tx, event);
      break;
    case 'DialState':
      break;
    case 'DialEnd':
      onDialEnd(tx, event);
      break;
    case 'Hangup':
      onHangup(tx, event);
      break;
    case 'HangupRequest':
    case 'SoftHangupRequest':
      onHangupRequest(tx, event.channel);
      break;
    case 'BridgeEnter':
    case 'BridgeLeave':
      onBridge(tx, event);
      break;
    case 'OriginateResponse':
      onOriginateResponse(tx, event);
      break;
    case 'MixMonitorStart':
      onRecording(tx, event.channel, 'start');
      break;
    case 'MixMonitorStop':
      onRecording(tx, event.channel, 'stop');
      break;
    case 'MixMonitorMute':
      onRecording(tx, event.channel, event.muted ? 'mute' : 'unmute');
      break;
    case 'VarSet':
      onRecording(tx, event.channel, { file: event.value });
      break;
    case 'BlindTransfer':
      onBlindTransfer(tx, event);
      break;
    case 'AttendedTransfer':
      onAttendedTransfer(tx, event);
      break;
    case 'Hold':
      onHold(tx, event.channel, true);
      break;
    case 'Unhold':
      onHold(tx, event.channel, false);
      break;
    case 'ParkedCall':
    case 'ParkedCallGiveUp':
    case 'ParkedCallTimeOut':
    case 'UnParkedCall':
      onParking(tx, event);
      break;
    case 'Pickup':
      onPickup(tx, event);
      break;
    case 'AgentCalled':
    case 'AgentConnect':
    case 'AgentRingNoAnswer':
    case 'AgentComplete':
    case 'AgentDump':
      onAgent(tx, event);
      break;
    case 'QueueCallerJoin':
    case 'QueueCallerLeave':
    case 'QueueCallerAbandon':
      onQueueCaller(tx, event.channel, event.queue, event.event === 'QueueCallerAbandon');
      break;
    case 'Dial':
      if (event.subEvent === 'Begin') onLegacyDialBegin(tx, event);
      else onLegacyDialEnd(tx, event);
      break;
    case 'Link':
    case 'Unlink':
      onLegacyLink(tx, event);
      break;
    case 'LocalBridge':
    case 'BridgeCreate':
    case 'BridgeDestroy':
    case 'CoreShowChannel':
    case 'Status':
    case 'CoreShowChannelsComplete':
      break;
  }
  return tx.commit();
}

// Exposed to resync and the request notes, which build on the same rules.
export { connect, endCall, openCall, setRemote, upsertChannel, addLeg, legAnswered, claimOriginate };
