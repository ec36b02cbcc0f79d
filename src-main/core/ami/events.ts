// Typed AMI events at the edge: parseAmiEvent() turns the decoded header list of
// the events the call tracker needs into a discriminated union, and returns
// undefined for everything else (VarSet noise, Newexten, RTCP*, Cdr, CEL...) after
// one header read and one Map lookup, so ignoring an event costs next to nothing.
//
// Field names follow the Asterisk 12+ "channel snapshot" blocks
// (https://docs.asterisk.org/Latest_API/API_Documentation/AMI_Events/), where one
// event carries several channels under a prefix (`Dest`, `Transferee`,
// `Parkee`, ...). Older events are kept for compatibility with PBXes that still
// run Asterisk 1.8-11: `Dial` with `SubEvent: Begin|End`, `Bridge` with
// `Bridgestate: Link|Unlink` and the 1.4 `Link`/`Unlink`; those carry no Linkedid.
//
// Header names are read case-insensitively (getHeader): Asterisk compares them
// with strcasecmp and its own events are not consistent (CEL `CallerIDnum`).
// Values Asterisk prints for "not set" (`<unknown>`, empty) become undefined.
import type { AmiMessage } from './codec';
import { getHeader } from './codec';

/** Channel states (`ChannelState`), from Asterisk's `enum ast_channel_state`. */
export const ChannelState = {
  Down: 0,
  Reserved: 1,
  OffHook: 2,
  Dialing: 3,
  Ring: 4,
  Ringing: 5,
  Up: 6,
  Busy: 7,
  DialingOffHook: 8,
  PreRing: 9,
} as const;

// Asterisk 1.4 sends `State: Ringing` instead of ChannelState/ChannelStateDesc.
const STATE_BY_DESC: Readonly<Record<string, number>> = {
  down: 0,
  rsrvd: 1,
  offhook: 2,
  dialing: 3,
  ring: 4,
  ringing: 5,
  up: 6,
  busy: 7,
  'dialing offhook': 8,
  'pre-ring': 9,
};

/** One channel as an event describes it (a "channel snapshot"). */
export interface ChannelSnapshot {
  readonly channel: string;
  /** Always present on Asterisk 12+; may be missing on old events. */
  readonly uniqueid?: string;
  /** Uniqueid of the oldest channel of the call; absent before Asterisk 12. */
  readonly linkedid?: string;
  readonly state?: number;
  readonly callerIdNum?: string;
  readonly callerIdName?: string;
  readonly connectedLineNum?: string;
  readonly connectedLineName?: string;
  readonly context?: string;
  readonly exten?: string;
}

export interface ChannelEvent<E extends string> {
  readonly event: E;
  readonly channel: ChannelSnapshot;
}

export interface DialEvent<E extends string> {
  readonly event: E;
  /** The dialling channel; absent when Originate dials (no calling channel exists yet). */
  readonly caller?: ChannelSnapshot;
  readonly dest: ChannelSnapshot;
}

export interface DialBeginEvent extends DialEvent<'DialBegin'> {
  readonly dialString?: string;
}
export interface DialStateEvent extends DialEvent<'DialState'> {
  readonly dialStatus: string;
}
export interface DialEndEvent extends DialEvent<'DialEnd'> {
  /** ANSWER, BUSY, CANCEL, NOANSWER, CHANUNAVAIL, CONGESTION, ... */
  readonly dialStatus: string;
  readonly forward?: string;
}

export interface HangupEvent extends ChannelEvent<'Hangup'> {
  readonly cause: number;
  readonly causeText?: string;
}
export interface HangupRequestEvent extends ChannelEvent<'HangupRequest' | 'SoftHangupRequest'> {
  readonly cause?: number;
}

export interface BridgeLifecycleEvent {
  readonly event: 'BridgeCreate' | 'BridgeDestroy';
  readonly bridgeId: string;
  readonly bridgeType?: string;
  readonly numChannels?: number;
}
export interface BridgeChannelEvent extends ChannelEvent<'BridgeEnter' | 'BridgeLeave'> {
  readonly bridgeId: string;
  readonly numChannels?: number;
  /** BridgeEnter only: the channel this one replaced in the bridge (transfers, optimizations). */
  readonly swapUniqueid?: string;
}

export interface LocalBridgeEvent {
  readonly event: 'LocalBridge';
  readonly one: ChannelSnapshot;
  readonly two: ChannelSnapshot;
  readonly context?: string;
  readonly exten?: string;
}

/** Result of an async Originate (traces README point 3: it carries `Response:` too). */
export interface OriginateResponseEvent {
  readonly event: 'OriginateResponse';
  readonly actionId?: string;
  readonly success: boolean;
  /** On failure the channel has no `-xxxxxxxx` suffix (`PJSIP/101`). */
  readonly channel?: string;
  /** Absent on failure (Asterisk sends `<unknown>`). */
  readonly uniqueid?: string;
  readonly context?: string;
  readonly exten?: string;
  /** 4 on success; 0 in every failure seen on Asterisk 22. */
  readonly reason: number;
  readonly callerIdNum?: string;
  readonly callerIdName?: string;
}

export interface MixMonitorEvent extends ChannelEvent<'MixMonitorStart' | 'MixMonitorStop'> {
  readonly mixMonitorId?: string;
}
export interface MixMonitorMuteEvent extends ChannelEvent<'MixMonitorMute'> {
  /** read, write or both. */
  readonly direction?: string;
  readonly muted: boolean;
}
/** Only `VarSet` of MIXMONITOR_FILENAME is parsed: MixMonitorStart has no file name (traces README point 4). */
export interface MixMonitorFilenameEvent extends ChannelEvent<'VarSet'> {
  readonly variable: 'MIXMONITOR_FILENAME';
  readonly value: string;
}

export interface BlindTransferEvent {
  readonly event: 'BlindTransfer';
  readonly success: boolean;
  readonly result: string;
  readonly transferer?: ChannelSnapshot;
  readonly transferee?: ChannelSnapshot;
  readonly bridgeId?: string;
  readonly isExternal: boolean;
  readonly context?: string;
  readonly extension?: string;
}

export interface AttendedTransferEvent {
  readonly event: 'AttendedTransfer';
  readonly success: boolean;
  readonly result: string;
  /** The transferer's channel in the first-established bridge. */
  readonly origTransferer?: ChannelSnapshot;
  readonly origBridgeId?: string;
  /** The transferer's channel in the second (consultation) call. */
  readonly secondTransferer?: ChannelSnapshot;
  readonly secondBridgeId?: string;
  /** Bridge, App, Link, Threeway or Fail. */
  readonly destType?: string;
  readonly destBridgeId?: string;
  readonly destApp?: string;
  readonly localOne?: ChannelSnapshot;
  readonly localTwo?: ChannelSnapshot;
  readonly destTransfererChannel?: string;
  readonly transferee?: ChannelSnapshot;
  /** Asterisk 13.21+/15.4+. */
  readonly transferTarget?: ChannelSnapshot;
  readonly isExternal: boolean;
}

export interface HoldEvent extends ChannelEvent<'Hold' | 'Unhold'> {
  readonly musicClass?: string;
}

export interface ParkingEvent {
  readonly event: 'ParkedCall' | 'ParkedCallGiveUp' | 'ParkedCallTimeOut' | 'UnParkedCall';
  readonly parkee: ChannelSnapshot;
  readonly parker?: ChannelSnapshot;
  readonly retriever?: ChannelSnapshot;
  /** How to call the parker back (`PJSIP/101`): the only parker field ParkedCall has on Asterisk 16+. */
  readonly parkerDialString?: string;
  readonly parkinglot?: string;
  readonly parkingSpace?: string;
  readonly timeout?: number;
}

export interface PickupEvent extends ChannelEvent<'Pickup'> {
  /** The ringing channel that was picked up; `channel` is the one that picked it up. */
  readonly target: ChannelSnapshot;
}

export type AgentEventName = 'AgentCalled' | 'AgentConnect' | 'AgentRingNoAnswer' | 'AgentComplete' | 'AgentDump';
export interface AgentEvent {
  readonly event: AgentEventName;
  /** The queue caller. */
  readonly caller?: ChannelSnapshot;
  /** The member's channel (the `Dest` snapshot). */
  readonly agent?: ChannelSnapshot;
  readonly queue: string;
  readonly memberName?: string;
  readonly interface?: string;
  readonly ringTime?: number;
  readonly holdTime?: number;
  readonly talkTime?: number;
  /** AgentComplete: caller, agent or transfer. */
  readonly reason?: string;
}

export interface QueueCallerEvent extends ChannelEvent<'QueueCallerJoin' | 'QueueCallerLeave' | 'QueueCallerAbandon'> {
  readonly queue: string;
  readonly position?: number;
}

/** One item of the CoreShowChannels event list, used to resynchronise after a reconnect. */
export interface CoreShowChannelEvent extends ChannelEvent<'CoreShowChannel'> {
  readonly actionId?: string;
  readonly application?: string;
  readonly applicationData?: string;
  /** Channel age (`Duration: 00:01:02`). */
  readonly durationSeconds?: number;
  /** Empty for a channel in no bridge (traces README, scenario h). */
  readonly bridgeId?: string;
}
/**
 * One item of the `Status` action's event list: the same facts as CoreShowChannel
 * (trace h), for AMI users allowed Status but not CoreShowChannels.
 */
export interface StatusEvent extends Omit<CoreShowChannelEvent, 'event'> {
  readonly event: 'Status';
}

/** A live channel as listed after a (re)connect, by CoreShowChannels or Status. */
export type ChannelListItem = CoreShowChannelEvent | StatusEvent;

export interface CoreShowChannelsCompleteEvent {
  readonly event: 'CoreShowChannelsComplete';
  readonly actionId?: string;
  readonly listItems?: number;
}

/** Asterisk 1.8-11 `Dial` (1.4 had no SubEvent and used Source/SrcUniqueID). */
export interface LegacyDialBeginEvent {
  readonly event: 'Dial';
  readonly subEvent: 'Begin';
  readonly channel?: string;
  readonly uniqueid?: string;
  readonly destination: string;
  readonly destUniqueid?: string;
  readonly callerIdNum?: string;
  readonly callerIdName?: string;
  readonly connectedLineNum?: string;
  readonly connectedLineName?: string;
  readonly dialString?: string;
}
/** The End names only the calling channel, not the destination. */
export interface LegacyDialEndEvent {
  readonly event: 'Dial';
  readonly subEvent: 'End';
  readonly channel: string;
  readonly uniqueid?: string;
  readonly dialStatus: string;
}
/** Asterisk 1.8-11 `Bridge` (Bridgestate Link/Unlink) and 1.4 `Link`/`Unlink`. */
export interface LegacyLinkEvent {
  readonly event: 'Link' | 'Unlink';
  readonly channel1: string;
  readonly channel2: string;
  readonly uniqueid1?: string;
  readonly uniqueid2?: string;
  readonly callerId1?: string;
  readonly callerId2?: string;
}

export type AmiEvent =
  | ChannelEvent<'Newchannel'>
  | ChannelEvent<'Newstate'>
  | ChannelEvent<'NewCallerid'>
  | ChannelEvent<'NewConnectedLine'>
  | DialBeginEvent
  | DialStateEvent
  | DialEndEvent
  | HangupEvent
  | HangupRequestEvent
  | BridgeLifecycleEvent
  | BridgeChannelEvent
  | LocalBridgeEvent
  | OriginateResponseEvent
  | MixMonitorEvent
  | MixMonitorMuteEvent
  | MixMonitorFilenameEvent
  | BlindTransferEvent
  | AttendedTransferEvent
  | HoldEvent
  | ParkingEvent
  | PickupEvent
  | AgentEvent
  | QueueCallerEvent
  | CoreShowChannelEvent
  | StatusEvent
  | CoreShowChannelsCompleteEvent
  | LegacyDialBeginEvent
  | LegacyDialEndEvent
  | LegacyLinkEvent;

export type AmiEventName = AmiEvent['event'];

// ---------------------------------------------------------------------------
// Reading helpers

/** A header value with Asterisk's "not set" spellings mapped to undefined. */
function value(m: AmiMessage, name: string): string | undefined {
  const v = getHeader(m, name);
  if (v === undefined) return undefined;
  const t = v.trim();
  return t === '' || t === '<unknown>' || t === '<Unknown>' ? undefined : t;
}

function num(m: AmiMessage, name: string): number | undefined {
  const v = value(m, name);
  if (v === undefined) return undefined;
  const n = Number(v);
  return Number.isFinite(n) ? n : undefined;
}

function yes(m: AmiMessage, name: string): boolean {
  const v = value(m, name);
  return v !== undefined && /^(?:yes|true|1|on)$/i.test(v);
}

/** `HH:MM:SS` (CoreShowChannel Duration) in seconds. */
function hms(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const parts = text.split(':').map(Number);
  if (parts.length === 0 || parts.some((p) => !Number.isFinite(p))) return undefined;
  return parts.reduce((acc, p) => acc * 60 + p, 0);
}

function stateOf(m: AmiMessage, prefix: string): number | undefined {
  const n = num(m, `${prefix}ChannelState`);
  if (n !== undefined) return n;
  const desc = value(m, `${prefix}ChannelStateDesc`) ?? (prefix === '' ? value(m, 'State') : undefined);
  return desc === undefined ? undefined : STATE_BY_DESC[desc.toLowerCase()];
}

/** The channel snapshot under `prefix` (`''`, `Dest`, `Transferee`...), or undefined if it names no channel. */
function snapshot(m: AmiMessage, prefix: string): ChannelSnapshot | undefined {
  const channel = value(m, `${prefix}Channel`);
  if (channel === undefined) return undefined;
  const snap: {
    channel: string;
    uniqueid?: string;
    linkedid?: string;
    state?: number;
    callerIdNum?: string;
    callerIdName?: string;
    connectedLineNum?: string;
    connectedLineName?: string;
    context?: string;
    exten?: string;
  } = { channel };
  const uniqueid = value(m, `${prefix}Uniqueid`);
  if (uniqueid !== undefined) snap.uniqueid = uniqueid;
  const linkedid = value(m, `${prefix}Linkedid`);
  if (linkedid !== undefined) snap.linkedid = linkedid;
  const state = stateOf(m, prefix);
  if (state !== undefined) snap.state = state;
  // Asterisk 1.4 Newcallerid says `CallerID` for the number.
  const callerIdNum = value(m, `${prefix}CallerIDNum`) ?? (prefix === '' ? value(m, 'CallerID') : undefined);
  if (callerIdNum !== undefined) snap.callerIdNum = callerIdNum;
  const callerIdName = value(m, `${prefix}CallerIDName`);
  if (callerIdName !== undefined) snap.callerIdName = callerIdName;
  const connectedLineNum = value(m, `${prefix}ConnectedLineNum`);
  if (connectedLineNum !== undefined) snap.connectedLineNum = connectedLineNum;
  const connectedLineName = value(m, `${prefix}ConnectedLineName`);
  if (connectedLineName !== undefined) snap.connectedLineName = connectedLineName;
  const context = value(m, `${prefix}Context`);
  if (context !== undefined) snap.context = context;
  const exten = value(m, `${prefix}Exten`);
  if (exten !== undefined) snap.exten = exten;
  return snap;
}

/** Spreads only the defined entries, so optional fields stay absent rather than `undefined`. */
function defined<T extends object>(obj: T): T {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(obj)) if (v !== undefined) out[k] = v;
  return out as T;
}

// ---------------------------------------------------------------------------
// Parsers, one per event name

type Parser = (m: AmiMessage) => AmiEvent | undefined;

function channelEvent<E extends 'Newchannel' | 'Newstate' | 'NewCallerid' | 'NewConnectedLine'>(event: E): Parser {
  return (m) => {
    const channel = snapshot(m, '');
    return channel === undefined ? undefined : { event, channel };
  };
}

function dialParts(m: AmiMessage): { readonly caller?: ChannelSnapshot; readonly dest: ChannelSnapshot } | undefined {
  const dest = snapshot(m, 'Dest');
  if (dest === undefined) return undefined;
  const caller = snapshot(m, '');
  return caller === undefined ? { dest } : { caller, dest };
}

const parseDialBegin: Parser = (m) => {
  const parts = dialParts(m);
  return parts === undefined ? undefined : defined<DialBeginEvent>({ event: 'DialBegin', ...parts, dialString: value(m, 'DialString') });
};

const parseDialState: Parser = (m) => {
  const parts = dialParts(m);
  return parts === undefined ? undefined : { event: 'DialState', ...parts, dialStatus: value(m, 'DialStatus') ?? '' };
};

const parseDialEnd: Parser = (m) => {
  const parts = dialParts(m);
  if (parts === undefined) return undefined;
  return defined<DialEndEvent>({ event: 'DialEnd', ...parts, dialStatus: (value(m, 'DialStatus') ?? '').toUpperCase(), forward: value(m, 'Forward') });
};

const parseHangup: Parser = (m) => {
  const channel = snapshot(m, '');
  if (channel === undefined) return undefined;
  return defined<HangupEvent>({ event: 'Hangup', channel, cause: num(m, 'Cause') ?? 0, causeText: value(m, 'Cause-txt') });
};

function hangupRequest(event: 'HangupRequest' | 'SoftHangupRequest'): Parser {
  return (m) => {
    const channel = snapshot(m, '');
    return channel === undefined ? undefined : defined<HangupRequestEvent>({ event, channel, cause: num(m, 'Cause') });
  };
}

function bridgeLifecycle(event: 'BridgeCreate' | 'BridgeDestroy'): Parser {
  return (m) => {
    const bridgeId = value(m, 'BridgeUniqueid');
    return bridgeId === undefined ? undefined : defined<BridgeLifecycleEvent>({ event, bridgeId, bridgeType: value(m, 'BridgeType'), numChannels: num(m, 'BridgeNumChannels') });
  };
}

function bridgeChannel(event: 'BridgeEnter' | 'BridgeLeave'): Parser {
  return (m) => {
    const channel = snapshot(m, '');
    const bridgeId = value(m, 'BridgeUniqueid');
    if (channel === undefined || bridgeId === undefined) return undefined;
    return defined<BridgeChannelEvent>({ event, channel, bridgeId, numChannels: num(m, 'BridgeNumChannels'), swapUniqueid: value(m, 'SwapUniqueid') });
  };
}

const parseLocalBridge: Parser = (m) => {
  const one = snapshot(m, 'LocalOne');
  const two = snapshot(m, 'LocalTwo');
  if (one === undefined || two === undefined) return undefined;
  return defined<LocalBridgeEvent>({ event: 'LocalBridge', one, two, context: value(m, 'Context'), exten: value(m, 'Exten') });
};

const parseOriginateResponse: Parser = (m) =>
  defined<OriginateResponseEvent>({
    event: 'OriginateResponse',
    actionId: value(m, 'ActionID'),
    success: (value(m, 'Response') ?? '').toLowerCase() === 'success',
    channel: value(m, 'Channel'),
    uniqueid: value(m, 'Uniqueid'),
    context: value(m, 'Context'),
    exten: value(m, 'Exten'),
    reason: num(m, 'Reason') ?? 0,
    callerIdNum: value(m, 'CallerIDNum'),
    callerIdName: value(m, 'CallerIDName'),
  });

function mixMonitor(event: 'MixMonitorStart' | 'MixMonitorStop'): Parser {
  return (m) => {
    const channel = snapshot(m, '');
    return channel === undefined ? undefined : defined<MixMonitorEvent>({ event, channel, mixMonitorId: value(m, 'MixMonitorID') });
  };
}

const parseMixMonitorMute: Parser = (m) => {
  const channel = snapshot(m, '');
  if (channel === undefined) return undefined;
  return defined<MixMonitorMuteEvent>({ event: 'MixMonitorMute', channel, direction: value(m, 'Direction'), muted: yes(m, 'State') });
};

const parseVarSet: Parser = (m) => {
  // Dozens of VarSet per call (traces README point 12): compare the name before anything else.
  const variable = getHeader(m, 'Variable');
  if (variable === undefined || variable.toUpperCase() !== 'MIXMONITOR_FILENAME') return undefined;
  const channel = snapshot(m, '');
  const v = value(m, 'Value');
  if (channel === undefined || v === undefined) return undefined;
  return { event: 'VarSet', channel, variable: 'MIXMONITOR_FILENAME', value: v };
};

function result(m: AmiMessage): { readonly result: string; readonly success: boolean } {
  const r = value(m, 'Result') ?? '';
  return { result: r, success: r.toLowerCase() === 'success' };
}

const parseBlindTransfer: Parser = (m) =>
  defined<BlindTransferEvent>({
    event: 'BlindTransfer',
    ...result(m),
    transferer: snapshot(m, 'Transferer'),
    transferee: snapshot(m, 'Transferee'),
    bridgeId: value(m, 'BridgeUniqueid'),
    isExternal: yes(m, 'IsExternal'),
    context: value(m, 'Context'),
    extension: value(m, 'Extension'),
  });

const parseAttendedTransfer: Parser = (m) =>
  defined<AttendedTransferEvent>({
    event: 'AttendedTransfer',
    ...result(m),
    origTransferer: snapshot(m, 'OrigTransferer'),
    origBridgeId: value(m, 'OrigBridgeUniqueid'),
    secondTransferer: snapshot(m, 'SecondTransferer'),
    secondBridgeId: value(m, 'SecondBridgeUniqueid'),
    destType: value(m, 'DestType'),
    destBridgeId: value(m, 'DestBridgeUniqueid'),
    destApp: value(m, 'DestApp'),
    localOne: snapshot(m, 'LocalOne'),
    localTwo: snapshot(m, 'LocalTwo'),
    destTransfererChannel: value(m, 'DestTransfererChannel'),
    transferee: snapshot(m, 'Transferee'),
    transferTarget: snapshot(m, 'TransferTarget'),
    isExternal: yes(m, 'IsExternal'),
  });

const parseHold: Parser = (m) => {
  const channel = snapshot(m, '');
  if (channel === undefined) return undefined;
  // Asterisk 1.8-11 chan_sip: one `Hold` event with `Status: On|Off`.
  const status = value(m, 'Status');
  const event = status !== undefined && /^off$/i.test(status) ? 'Unhold' : 'Hold';
  return defined<HoldEvent>({ event, channel, musicClass: value(m, 'MusicClass') });
};

const parseUnhold: Parser = (m) => {
  const channel = snapshot(m, '');
  return channel === undefined ? undefined : { event: 'Unhold', channel };
};

function parking(event: ParkingEvent['event']): Parser {
  return (m) => {
    const parkee = snapshot(m, 'Parkee');
    if (parkee === undefined) return undefined;
    return defined<ParkingEvent>({
      event,
      parkee,
      parker: snapshot(m, 'Parker'),
      retriever: snapshot(m, 'Retriever'),
      parkerDialString: value(m, 'ParkerDialString'),
      parkinglot: value(m, 'Parkinglot'),
      parkingSpace: value(m, 'ParkingSpace'),
      timeout: num(m, 'ParkingTimeout'),
    });
  };
}

const parsePickup: Parser = (m) => {
  const channel = snapshot(m, '');
  const target = snapshot(m, 'Target');
  return channel === undefined || target === undefined ? undefined : { event: 'Pickup', channel, target };
};

function agent(event: AgentEventName): Parser {
  return (m) =>
    defined<AgentEvent>({
      event,
      caller: snapshot(m, ''),
      agent: snapshot(m, 'Dest'),
      queue: value(m, 'Queue') ?? '',
      memberName: value(m, 'MemberName'),
      interface: value(m, 'Interface'),
      ringTime: num(m, 'RingTime'),
      holdTime: num(m, 'HoldTime'),
      talkTime: num(m, 'TalkTime'),
      reason: value(m, 'Reason'),
    });
}

function queueCaller(event: QueueCallerEvent['event']): Parser {
  return (m) => {
    const channel = snapshot(m, '');
    if (channel === undefined) return undefined;
    return defined<QueueCallerEvent>({ event, channel, queue: value(m, 'Queue') ?? '', position: num(m, 'Position') });
  };
}

const parseCoreShowChannel: Parser = (m) => {
  const channel = snapshot(m, '');
  if (channel === undefined) return undefined;
  return defined<CoreShowChannelEvent>({
    event: 'CoreShowChannel',
    channel,
    actionId: value(m, 'ActionID'),
    application: value(m, 'Application'),
    applicationData: value(m, 'ApplicationData'),
    durationSeconds: hms(value(m, 'Duration')),
    bridgeId: value(m, 'BridgeId'),
  });
};

const parseStatus: Parser = (m) => {
  const channel = snapshot(m, '');
  if (channel === undefined) return undefined;
  return defined<StatusEvent>({
    event: 'Status',
    channel,
    actionId: value(m, 'ActionID'),
    application: value(m, 'Application'),
    applicationData: value(m, 'Data'),
    durationSeconds: num(m, 'Seconds'),
    bridgeId: value(m, 'BridgeID'),
  });
};

const parseCoreShowChannelsComplete: Parser = (m) =>
  defined<CoreShowChannelsCompleteEvent>({ event: 'CoreShowChannelsComplete', actionId: value(m, 'ActionID'), listItems: num(m, 'ListItems') });

const parseLegacyDial: Parser = (m) => {
  const sub = (value(m, 'SubEvent') ?? 'Begin').toLowerCase();
  if (sub === 'end') {
    const channel = value(m, 'Channel');
    if (channel === undefined) return undefined;
    return defined<LegacyDialEndEvent>({ event: 'Dial', subEvent: 'End', channel, uniqueid: value(m, 'UniqueID'), dialStatus: (value(m, 'DialStatus') ?? '').toUpperCase() });
  }
  const destination = value(m, 'Destination');
  if (destination === undefined) return undefined;
  return defined<LegacyDialBeginEvent>({
    event: 'Dial',
    subEvent: 'Begin',
    channel: value(m, 'Channel') ?? value(m, 'Source'),
    uniqueid: value(m, 'UniqueID') ?? value(m, 'SrcUniqueID'),
    destination,
    destUniqueid: value(m, 'DestUniqueID'),
    callerIdNum: value(m, 'CallerIDNum') ?? value(m, 'CallerID'),
    callerIdName: value(m, 'CallerIDName'),
    connectedLineNum: value(m, 'ConnectedLineNum'),
    connectedLineName: value(m, 'ConnectedLineName'),
    dialString: value(m, 'Dialstring'),
  });
};

function legacyLink(fixed?: 'Link' | 'Unlink'): Parser {
  return (m) => {
    const channel1 = value(m, 'Channel1');
    const channel2 = value(m, 'Channel2');
    if (channel1 === undefined || channel2 === undefined) return undefined;
    const state = fixed ?? ((value(m, 'Bridgestate') ?? '').toLowerCase() === 'unlink' ? 'Unlink' : 'Link');
    return defined<LegacyLinkEvent>({
      event: state,
      channel1,
      channel2,
      uniqueid1: value(m, 'Uniqueid1'),
      uniqueid2: value(m, 'Uniqueid2'),
      callerId1: value(m, 'CallerID1'),
      callerId2: value(m, 'CallerID2'),
    });
  };
}

const PARSERS: ReadonlyMap<string, Parser> = new Map<string, Parser>([
  ['Newchannel', channelEvent('Newchannel')],
  ['Newstate', channelEvent('Newstate')],
  ['NewCallerid', channelEvent('NewCallerid')],
  ['Newcallerid', channelEvent('NewCallerid')], // Asterisk 1.4-1.6
  ['NewConnectedLine', channelEvent('NewConnectedLine')],
  ['DialBegin', parseDialBegin],
  ['DialState', parseDialState],
  ['DialEnd', parseDialEnd],
  ['Hangup', parseHangup],
  ['HangupRequest', hangupRequest('HangupRequest')],
  ['SoftHangupRequest', hangupRequest('SoftHangupRequest')],
  ['BridgeCreate', bridgeLifecycle('BridgeCreate')],
  ['BridgeDestroy', bridgeLifecycle('BridgeDestroy')],
  ['BridgeEnter', bridgeChannel('BridgeEnter')],
  ['BridgeLeave', bridgeChannel('BridgeLeave')],
  ['LocalBridge', parseLocalBridge],
  ['OriginateResponse', parseOriginateResponse],
  ['MixMonitorStart', mixMonitor('MixMonitorStart')],
  ['MixMonitorStop', mixMonitor('MixMonitorStop')],
  ['MixMonitorMute', parseMixMonitorMute],
  ['VarSet', parseVarSet],
  ['BlindTransfer', parseBlindTransfer],
  ['AttendedTransfer', parseAttendedTransfer],
  ['Hold', parseHold],
  ['Unhold', parseUnhold],
  ['ParkedCall', parking('ParkedCall')],
  ['ParkedCallGiveUp', parking('ParkedCallGiveUp')],
  ['ParkedCallTimeOut', parking('ParkedCallTimeOut')],
  ['UnParkedCall', parking('UnParkedCall')],
  ['Pickup', parsePickup],
  ['AgentCalled', agent('AgentCalled')],
  ['AgentConnect', agent('AgentConnect')],
  ['AgentRingNoAnswer', agent('AgentRingNoAnswer')],
  ['AgentComplete', agent('AgentComplete')],
  ['AgentDump', agent('AgentDump')],
  ['QueueCallerJoin', queueCaller('QueueCallerJoin')],
  ['QueueCallerLeave', queueCaller('QueueCallerLeave')],
  ['QueueCallerAbandon', queueCaller('QueueCallerAbandon')],
  ['CoreShowChannel', parseCoreShowChannel],
  ['CoreShowChannelsComplete', parseCoreShowChannelsComplete],
  ['Status', parseStatus],
  ['Dial', parseLegacyDial],
  ['Bridge', legacyLink()],
  ['Link', legacyLink('Link')],
  ['Unlink', legacyLink('Unlink')],
]);

/** The names parseAmiEvent understands (e.g. to build a PBX-side event filter). */
export const PARSED_EVENT_NAMES: readonly string[] = [...PARSERS.keys()];

/**
 * The typed event for a decoded AMI message, or undefined for a message that is
 * not an event, an event the tracker does not use, or one too malformed to use.
 * Never throws.
 */
export function parseAmiEvent(msg: AmiMessage): AmiEvent | undefined {
  const name = getHeader(msg, 'Event');
  if (name === undefined) return undefined;
  const parser = PARSERS.get(name);
  return parser === undefined ? undefined : parser(msg);
}
