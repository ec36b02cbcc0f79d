// The tracker's state, shaped like a Redux "duck": read-only data, created by
// getEmptyState() and replaced (never mutated) by reduce(), resync() and the
// request notes. Besides the public Call of each call it keeps the channels
// that belong to tracked calls and the bookkeeping the result rules need.
//
// Tx is the one place where a new state is assembled: it copies the maps it
// is given once, handlers change the copies, and commit() returns the new
// state (or the old object when nothing changed, so `prev === next` is a free
// "no change" test for the app).
import type { Call, CallLeg, RecordingState, Transfer } from '../../../src-shared/domain/call';
import type { ResolvedTrackerConfig, TrackerConfig } from './config';
import { isInternalNumber, resolveTrackerConfig } from './config';

/** A channel that belongs to a tracked call (mine or the other side's), as the events last described it. */
export interface TrackedChannel {
  readonly uniqueid: string;
  readonly name: string;
  readonly mine: boolean;
  /** Undefined for my channel announced by Newchannel before anything says what call it is. */
  readonly callId?: string;
  readonly linkedid?: string;
  readonly state?: number;
  /** ChannelState at Newchannel: Ring (4) means the phone itself started the call. */
  readonly initialState?: number;
  readonly callerIdNum?: string;
  readonly callerIdName?: string;
  readonly connectedLineNum?: string;
  readonly connectedLineName?: string;
  readonly context?: string;
  readonly exten?: string;
  readonly bridgeId?: string;
  /** Where the channel was in the dialplan when it entered its bridge (to notice an AMI Redirect). */
  readonly bridgeContext?: string;
  readonly bridgeExten?: string;
  readonly held: boolean;
  readonly hangupRequested: boolean;
  /** Uniqueid of the channel that dialled this one. */
  readonly dialedBy?: string;
  readonly startedAt: number;
}

export type CallOrigin = 'dial' | 'phone' | 'originate' | 'pickup' | 'restored' | 'originateFailure';

/** One call: the public Call plus what the rules need to decide its state and result. */
export interface CallRecord {
  readonly call: Call;
  /** Direction before the internal rule: did someone call me, or did I call out? */
  readonly base: 'inbound' | 'outbound';
  readonly origin: CallOrigin;
  /** Talking now (answered and a leg of mine is up); false again while a queue or a parked call re-rings me. */
  readonly talking: boolean;
  readonly parked: boolean;
  /** A channel of the call (mine or the other side's) is on hold. */
  readonly held: boolean;
  /** I declined a ringing leg (DialEnd BUSY on my leg). */
  readonly declined: boolean;
  /** My device could not be reached (CHANUNAVAIL/CONGESTION on my leg). */
  readonly unreachable: boolean;
  /** DialEnd status of my own dial out (ANSWER, BUSY, NOANSWER, CANCEL, CHANUNAVAIL...). */
  readonly outboundStatus?: string;
  /** Someone else answered while mine rang ('' when the events do not say who). */
  readonly elsewhereBy?: string;
  readonly hangupSide?: 'me' | 'remote';
  /** The other side left our bridge for another place in the dialplan (AMI Redirect gives no event). */
  readonly redirect?: { readonly to: string; readonly at: number };
  /**
   * A queue call that rang me and stopped (AgentRingNoAnswer) is ended for the UI
   * but not reported until this time: the queue may ring me again (same call) or a
   * colleague may answer (answered elsewhere, not missed). See endCall in reducer.ts.
   */
  readonly settleAt?: number;
  /** Recording per channel (uniqueid): MixMonitor may run on my channel or the other side's. */
  readonly recordingOn: Readonly<Record<string, RecordingState>>;
  /** An OriginateResponse was matched to this call (so a late failure does not create another). */
  readonly originateMatched: boolean;
  /** My own CallerIDName, to keep it from being taken for the other side's name. */
  readonly myName?: string;
}

/** A click-to-call Sidecall asked for, until its OriginateResponse (or its call) shows up. */
export interface OriginateRequest {
  readonly actionId: string;
  /** The number dialled for the operator. */
  readonly number?: string;
  /** The Originate Channel (`PJSIP/101`). */
  readonly channel: string;
  readonly requestedAt: number;
  readonly callId?: string;
}

/** A transfer seen before the call reached me (BlindTransfer of a colleague whose target is me). */
export interface TransferHint {
  readonly linkedid: string;
  readonly kind: Transfer['kind'];
  readonly from?: string;
  readonly to?: string;
  readonly at: number;
}

export interface CallTrackerState {
  readonly config: ResolvedTrackerConfig;
  readonly records: ReadonlyMap<string, CallRecord>;
  /** Call ids, oldest first. */
  readonly order: readonly string[];
  /** Channels of tracked calls (and my channels not yet in a call), by uniqueid. */
  readonly channels: ReadonlyMap<string, TrackedChannel>;
  /** Every linkedid of a tracked call -> call id. */
  readonly byLinkedid: ReadonlyMap<string, string>;
  readonly originates: readonly OriginateRequest[];
  readonly hints: readonly TransferHint[];
  /** Ended calls not yet acknowledged by reporting, in the order they ended. */
  readonly unreported: readonly string[];
  /** Ended queue calls waiting for their settleAt before they are reported. */
  readonly settling: readonly string[];
  /** Uniqueids of my finished channels and ids of forgotten calls: late events about them change nothing. */
  readonly retired: readonly string[];
}

/** Empty tracker state for an operator. */
export function getEmptyState(config: TrackerConfig): CallTrackerState {
  return {
    config: resolveTrackerConfig(config),
    records: new Map(),
    order: [],
    channels: new Map(),
    byLinkedid: new Map(),
    originates: [],
    hints: [],
    unreported: [],
    settling: [],
    retired: [],
  };
}

const MAX_RETIRED = 512;
const MAX_HINTS = 16;
/** How long a colleague's transfer hint or a pending click-to-call is kept. */
export const HINT_TTL_MS = 60_000;
export const ORIGINATE_TTL_MS = 120_000;

const EMPTY_RECORDING = { state: 'off', files: [] } as const;

/** The object without its undefined-valued keys (optional fields stay absent, so deep equality is exact). */
export function compact<T extends object>(obj: T): T {
  return Object.fromEntries(Object.entries(obj).filter(([, v]) => v !== undefined)) as T;
}

/** A copy of a record without one key. */
export function omitKey<V>(obj: Readonly<Record<string, V>>, key: string): Record<string, V> {
  return Object.fromEntries(Object.entries(obj).filter(([k]) => k !== key));
}

/** Derived public fields: state and direction follow from the record, never set by hand. */
export function settle(rec: CallRecord, config: ResolvedTrackerConfig): CallRecord {
  const call = rec.call;
  let state: Call['state'];
  if (call.state === 'ended') state = 'ended';
  else if (rec.parked) state = 'onHold';
  else if (rec.talking) state = rec.held ? 'onHold' : 'connected';
  else state = rec.base === 'inbound' ? 'ringing' : 'dialing';
  const direction: Call['direction'] = isInternalNumber(config, call.remoteNumber) ? 'internal' : rec.base;
  const recStates = Object.values(rec.recordingOn);
  const recState: RecordingState = state === 'ended' ? 'off' : recStates.includes('recording') ? 'recording' : recStates.includes('paused') ? 'paused' : 'off';
  if (state === call.state && direction === call.direction && recState === call.recording.state) return rec;
  return { ...rec, call: { ...call, state, direction, recording: { ...call.recording, state: recState } } };
}

export function newRecord(args: {
  readonly id: string;
  readonly linkedids: readonly string[];
  readonly extension: string;
  readonly base: 'inbound' | 'outbound';
  readonly origin: CallOrigin;
  readonly now: number;
}): CallRecord {
  return {
    call: {
      id: args.id,
      linkedids: args.linkedids,
      extension: args.extension,
      direction: args.base,
      state: args.base === 'inbound' ? 'ringing' : 'dialing',
      startedAt: args.now,
      transfers: [],
      legs: [],
      recording: EMPTY_RECORDING,
    },
    base: args.base,
    origin: args.origin,
    talking: false,
    parked: false,
    held: false,
    declined: false,
    unreachable: false,
    originateMatched: false,
    recordingOn: {},
  };
}

/** A copy-on-commit working set for one state transition. */
export class Tx {
  readonly config: ResolvedTrackerConfig;
  readonly records: Map<string, CallRecord>;
  order: string[];
  readonly channels: Map<string, TrackedChannel>;
  readonly byLinkedid: Map<string, string>;
  originates: OriginateRequest[];
  hints: TransferHint[];
  unreported: string[];
  settling: string[];
  retired: string[];
  #changed = false;
  readonly #prev: CallTrackerState;

  constructor(
    prev: CallTrackerState,
    readonly now: number,
  ) {
    this.#prev = prev;
    this.config = prev.config;
    this.records = new Map(prev.records);
    this.order = [...prev.order];
    this.channels = new Map(prev.channels);
    this.byLinkedid = new Map(prev.byLinkedid);
    this.originates = [...prev.originates];
    this.hints = [...prev.hints];
    this.unreported = [...prev.unreported];
    this.settling = [...prev.settling];
    this.retired = [...prev.retired];
  }

  touch(): void {
    this.#changed = true;
  }

  commit(): CallTrackerState {
    if (!this.#changed) return this.#prev;
    return {
      config: this.config,
      records: this.records,
      order: this.order,
      channels: this.channels,
      byLinkedid: this.byLinkedid,
      originates: this.originates,
      hints: this.hints,
      unreported: this.unreported,
      settling: this.settling,
      retired: this.retired,
    };
  }

  // --- calls -----------------------------------------------------------------

  record(id: string | undefined): CallRecord | undefined {
    return id === undefined ? undefined : this.records.get(id);
  }

  /** The live (not ended) call with this id. */
  live(id: string | undefined): CallRecord | undefined {
    const rec = this.record(id);
    return rec !== undefined && rec.call.state !== 'ended' ? rec : undefined;
  }

  put(rec: CallRecord): CallRecord {
    const settled = settle(rec, this.config);
    const old = this.records.get(settled.call.id);
    if (old === settled) return settled;
    this.records.set(settled.call.id, settled);
    if (old === undefined) this.order.push(settled.call.id);
    for (const l of settled.call.linkedids) this.byLinkedid.set(l, settled.call.id);
    this.touch();
    return settled;
  }

  update(id: string, fn: (rec: CallRecord) => CallRecord): CallRecord | undefined {
    const rec = this.records.get(id);
    if (rec === undefined) return undefined;
    const next = fn(rec);
    return next === rec ? rec : this.put(next);
  }

  patchCall(id: string, patch: Partial<Call>): CallRecord | undefined {
    return this.update(id, (rec) => ({ ...rec, call: { ...rec.call, ...patch } }));
  }

  /** A fresh call id for a linkedid: the linkedid itself unless a call of mine already used it. */
  callIdFor(linkedid: string): string {
    if (!this.records.has(linkedid) && !this.retired.includes(linkedid)) return linkedid;
    for (let n = 2; ; n++) {
      const id = `${linkedid}/${n}`;
      if (!this.records.has(id) && !this.retired.includes(id)) return id;
    }
  }

  remove(id: string): void {
    const rec = this.records.get(id);
    if (rec === undefined) return;
    this.records.delete(id);
    this.order = this.order.filter((x) => x !== id);
    this.unreported = this.unreported.filter((x) => x !== id);
    this.settling = this.settling.filter((x) => x !== id);
    for (const l of rec.call.linkedids) if (this.byLinkedid.get(l) === id) this.byLinkedid.delete(l);
    this.touch();
  }

  addLinkedid(id: string, linkedid: string): void {
    const rec = this.records.get(id);
    if (rec === undefined || rec.call.linkedids.includes(linkedid)) return;
    this.put({ ...rec, call: { ...rec.call, linkedids: [...rec.call.linkedids, linkedid] } });
  }

  // --- legs ------------------------------------------------------------------

  leg(id: string, uniqueid: string): CallLeg | undefined {
    return this.records.get(id)?.call.legs.find((l) => l.uniqueid === uniqueid);
  }

  upsertLeg(id: string, uniqueid: string, make: () => CallLeg, change?: (leg: CallLeg) => CallLeg): void {
    this.update(id, (rec) => {
      const i = rec.call.legs.findIndex((l) => l.uniqueid === uniqueid);
      if (i < 0) return { ...rec, call: { ...rec.call, legs: [...rec.call.legs, change === undefined ? make() : change(make())] } };
      if (change === undefined) return rec;
      const old = rec.call.legs[i];
      if (old === undefined) return rec;
      const next = change(old);
      if (next === old) return rec;
      const legs = [...rec.call.legs];
      legs[i] = next;
      return { ...rec, call: { ...rec.call, legs } };
    });
  }

  liveLegs(id: string): readonly CallLeg[] {
    return this.records.get(id)?.call.legs.filter((l) => l.endedAt === undefined) ?? [];
  }

  // --- channels --------------------------------------------------------------

  channel(uniqueid: string | undefined): TrackedChannel | undefined {
    return uniqueid === undefined ? undefined : this.channels.get(uniqueid);
  }

  setChannel(ch: TrackedChannel): void {
    if (this.channels.get(ch.uniqueid) === ch) return;
    this.channels.set(ch.uniqueid, ch);
    this.touch();
  }

  dropChannel(uniqueid: string, retire: boolean): void {
    if (this.channels.delete(uniqueid)) this.touch();
    if (retire) this.retire(uniqueid);
  }

  retire(key: string): void {
    if (this.retired.includes(key)) return;
    this.retired.push(key);
    if (this.retired.length > MAX_RETIRED) this.retired.splice(0, this.retired.length - MAX_RETIRED);
    this.touch();
  }

  isRetired(key: string | undefined): boolean {
    return key !== undefined && this.retired.includes(key);
  }

  channelsOf(id: string): TrackedChannel[] {
    return [...this.channels.values()].filter((c) => c.callId === id);
  }

  findByName(name: string): TrackedChannel | undefined {
    for (const c of this.channels.values()) if (c.name === name) return c;
    return undefined;
  }

  // --- hints -----------------------------------------------------------------

  addHint(hint: TransferHint): void {
    this.hints = [...this.hints.filter((h) => this.now - h.at < HINT_TTL_MS && h.linkedid !== hint.linkedid), hint].slice(-MAX_HINTS);
    this.touch();
  }

  takeHint(linkedid: string | undefined): TransferHint | undefined {
    if (linkedid === undefined) return undefined;
    const hint = this.hints.find((h) => h.linkedid === linkedid && this.now - h.at < HINT_TTL_MS);
    if (hint !== undefined) {
      this.hints = this.hints.filter((h) => h !== hint);
      this.touch();
    }
    return hint;
  }
}
