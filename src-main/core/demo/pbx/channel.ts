// Channels and bridges of the demo PBX, and the header blocks Asterisk prints
// for them (ast_manager_build_channel_state_string_prefix and the bridge
// equivalent), so every event carries the snapshot fields in Asterisk's order.
import type { Header } from './wire';

/** ChannelStateDesc for each ChannelState (channel.h AST_STATE_*). */
export const STATE_DESC: readonly string[] = ['Down', 'Rsrvd', 'OffHook', 'Dialing', 'Ring', 'Ringing', 'Up', 'Busy', 'Dialing Offhook', 'Pre-ring'];

export const STATE = { down: 0, ring: 4, ringing: 5, up: 6, busy: 7 } as const;

/** Cause-txt for the hangup causes the PBX produces (causes.h). */
export const CAUSE_TEXT: Readonly<Record<number, string>> = {
  0: 'Unknown',
  1: 'Unallocated (unassigned) number',
  3: 'No route to destination',
  16: 'Normal Clearing',
  17: 'User busy',
  18: 'No user responding',
  19: 'User alerting, no answer',
  21: 'Call Rejected',
  27: 'Destination out of order',
  34: 'Circuit/channel congestion',
  38: 'Network out of order',
};

/** A caller or connected-line party; "" means not set (printed as <unknown>). */
export interface Party {
  num: string;
  name: string;
  /** ANI, which CEL prints as CallerIDani. */
  ani: string;
}

export const emptyParty = (): Party => ({ num: '', name: '', ani: '' });

export interface ChannelVar {
  /** The name as set, with any "_"/"__" inheritance prefix. */
  readonly fullName: string;
  value: string;
}

/** The variable name without inheritance underscores, which lookups use. */
export const bareVarName = (name: string): string => name.replace(/^_{1,2}/, '');

export class Bridge {
  readonly channels: Channel[] = [];
  readonly type = 'basic';
  technology = 'simple_bridge';
  constructor(
    readonly uniqueid: string,
    readonly createdAt: number,
  ) {}
}

export class Channel {
  state = 0;
  caller: Party = emptyParty();
  connected: Party = emptyParty();
  language = 'en';
  accountcode = '';
  appl = '';
  data = '';
  dnid = '';
  readonly vars = new Map<string, ChannelVar>();
  bridge: Bridge | undefined;
  answeredAt: number | undefined;
  hangupCause = 0;
  hangupSource = '';
  /** Set once a hangup request of any kind reached the channel. */
  hangupRequested = false;
  /** A SoftHangupRequest event was already published for this channel. */
  softHangupPublished = false;
  destroyed = false;
  /** The other half of a Local channel pair. */
  localPeer: Channel | undefined;
  /** Whether the channel has had media (an answered PJSIP leg), for RTPAUDIOQOS. */
  hadMedia = false;
  /** Set while a MixMonitor runs on the channel. */
  mixMonitor: { file: string; id: string; muted: boolean } | undefined;

  constructor(
    readonly name: string,
    readonly uniqueid: string,
    public linkedid: string,
    readonly tech: string,
    /** The resource after the tech, e.g. "101" or "101@inbound-sim". */
    readonly resource: string,
    readonly createdAt: number,
    public context: string,
    public exten: string,
    public priority = 1,
  ) {}

  /** Device name used by device state: "PJSIP/101", "Local/101@inbound-sim". */
  get device(): string {
    return `${this.tech}/${this.resource}`;
  }

  getVar(name: string): string | undefined {
    return this.vars.get(bareVarName(name))?.value;
  }
}

const unknown = (v: string): string => (v === '' ? '<unknown>' : v);

/** The 14 snapshot headers, prefixed ("Dest", "LocalOne", ...) as Asterisk does. */
export function channelHeaders(ch: Channel, prefix = '', chanVars: readonly string[] = []): Header[] {
  const out: Header[] = [
    [`${prefix}Channel`, ch.name],
    [`${prefix}ChannelState`, String(ch.state)],
    [`${prefix}ChannelStateDesc`, STATE_DESC[ch.state] ?? 'Unknown'],
    [`${prefix}CallerIDNum`, unknown(ch.caller.num)],
    [`${prefix}CallerIDName`, unknown(ch.caller.name)],
    [`${prefix}ConnectedLineNum`, unknown(ch.connected.num)],
    [`${prefix}ConnectedLineName`, unknown(ch.connected.name)],
    [`${prefix}Language`, ch.language],
    [`${prefix}AccountCode`, ch.accountcode],
    [`${prefix}Context`, ch.context],
    [`${prefix}Exten`, ch.exten],
    [`${prefix}Priority`, String(ch.priority)],
    [`${prefix}Uniqueid`, ch.uniqueid],
    [`${prefix}Linkedid`, ch.linkedid],
  ];
  // manager.conf channelvars: one ChanVariable line per configured variable.
  for (const v of chanVars) out.push([`${prefix}ChanVariable`, `${v}=${ch.getVar(v) ?? ''}`]);
  return out;
}

/** The bridge snapshot block (ast_manager_build_bridge_state_string_prefix). */
export function bridgeHeaders(b: Bridge, prefix = ''): Header[] {
  return [
    [`${prefix}BridgeUniqueid`, b.uniqueid],
    [`${prefix}BridgeType`, b.type],
    [`${prefix}BridgeTechnology`, b.technology],
    [`${prefix}BridgeCreator`, '<unknown>'],
    [`${prefix}BridgeName`, '<unknown>'],
    [`${prefix}BridgeNumChannels`, String(b.channels.length)],
    [`${prefix}BridgeVideoSourceMode`, 'none'],
  ];
}

/** ast_callerid_merge(): `"name" <num>`, or whichever part exists. */
export function callerIdAll(p: { num: string; name: string }, unknownText = ''): string {
  if (p.name !== '' && p.num !== '') return `"${p.name}" <${p.num}>`;
  if (p.name !== '') return p.name;
  if (p.num !== '') return p.num;
  return unknownText;
}

const pad = (n: number, w = 2): string => String(n).padStart(w, '0');

/** "2026-11-22 07:58:02" as CDR and CEL print times (the PBX runs on UTC). */
export function formatDateTime(ms: number): string {
  const d = new Date(ms);
  return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`;
}

/** "2026-11-22T07:58:02.059+0000" as security events print EventTV. */
export function formatEventTv(ms: number): string {
  const d = new Date(ms);
  return `${formatDateTime(ms).replace(' ', 'T')}.${pad(d.getUTCMilliseconds(), 3)}+0000`;
}

/** "HH:MM:SS" for CoreShowChannel Duration. */
export function formatDuration(seconds: number): string {
  const s = Math.max(0, Math.floor(seconds));
  return `${pad(Math.floor(s / 3600))}:${pad(Math.floor((s % 3600) / 60))}:${pad(s % 60)}`;
}
