// Call-control actions: Originate, Redirect, Atxfer, BlindTransfer, Hangup, Park.
// Each builds its fields, sends through an AmiActionSender and returns a typed
// result; Asterisk's `Response: Error` rejects with AmiActionError carrying its
// Message ("Originate failed", "No such channel", "Permission denied").
// Required write= classes (asterisk-ami.md): Originate needs `originate`;
// Redirect, Atxfer, BlindTransfer need `call`; Hangup `system` or `call`;
// Park `call`.
import type { AmiActionSender } from '../event-source';
import { AmiRequestError } from '../connection/errors';
import { channelName, replyTimeout, required, type AmiAck, type ReplyOptions } from './params';
import { replyMessage } from './read';

// Variable header values are split by Asterisk into name=value items on commas,
// honouring quotes, brackets and backslash escapes (main/manager.c,
// man_do_variable_value -> AST_STANDARD_APP_ARGS -> main/app.c,
// __ast_app_separate_args, which also strips the quotes and backslashes). So a
// comma in a value would start a second variable (`X=a,CALLERID(num)=666`):
// escape every character that parser treats specially.
const APP_ARG_SPECIAL = /[\\,"()[\]]/g;
const VARIABLE_NAME = /^[A-Za-z0-9_][A-Za-z0-9_()-]*$/;

/** `Variable:` header values for channel variables, escaped so each value arrives verbatim. */
export function variableHeaders(action: string, vars: Readonly<Record<string, string>> | undefined): string[] | undefined {
  if (vars === undefined) return undefined;
  const out: string[] = [];
  for (const [name, value] of Object.entries(vars)) {
    if (!VARIABLE_NAME.test(name)) throw new AmiRequestError(action, `Variable ${JSON.stringify(name)}`, 'is not a valid channel variable name');
    out.push(`${name}=${value.replace(APP_ARG_SPECIAL, '\\$&')}`);
  }
  // Asterisk reads at most 128 headers per action (main/manager.c, AST_MAX_MANHEADERS).
  if (out.length > 100) throw new AmiRequestError(action, 'Variable', `has ${out.length} entries; at most 100 fit in one action`);
  return out.length === 0 ? undefined : out;
}

/** `"Name" <number>` for a CallerID header; quotes and angle brackets are dropped from both parts. */
export function formatCallerId(name: string, number: string): string {
  const n = name.replace(/["<>\\]/g, '').trim();
  const num = number.replace(/["<>\\\s]/g, '');
  return n === '' ? `<${num}>` : `"${n}" <${num}>`;
}

export interface OriginateParams extends ReplyOptions {
  /** The channel dialled first, e.g. `PJSIP/101` (the operator's phone). */
  readonly channel: string;
  /** Where the answered channel continues (with exten and priority)... */
  readonly context?: string;
  readonly exten?: string;
  readonly priority?: number | string;
  /** ...or an application to run instead (a non-empty Application wins over Exten; some need write=system). */
  readonly application?: string;
  readonly data?: string;
  /** How long to ring the first channel, in ms (the Originate `Timeout` header). */
  readonly timeoutMs?: number;
  /** `"Name" <number>`, see formatCallerId. */
  readonly callerId?: string;
  /** Channel variables set on the new channel. */
  readonly variables?: Readonly<Record<string, string>>;
  readonly account?: string;
  readonly earlyMedia?: boolean;
  readonly codecs?: readonly string[];
  /** Uniqueid to give the new channel (and the second one, for Local channels). */
  readonly channelId?: string;
  readonly otherChannelId?: string;
  /** Default true: the reply comes at once ("Originate successfully queued"); the outcome is the OriginateResponse event with this ActionID. */
  readonly async?: boolean;
}

export interface OriginateResult extends AmiAck {
  /** True when queued (async): watch for `Event: OriginateResponse` with `actionId` for the outcome. */
  readonly async: boolean;
}

/**
 * Originate: rings `channel`, then sends it to context/exten/priority or an
 * application. Async by default; a sync Originate answers only after the call
 * was answered or failed ("Originate failed", with no reason: ami-traces point 3).
 */
export async function originate(ami: AmiActionSender, p: OriginateParams): Promise<OriginateResult> {
  const action = 'Originate';
  const channel = channelName(action, 'Channel', p.channel);
  const hasApp = p.application !== undefined && p.application !== '';
  if (!hasApp) {
    required(action, 'Exten', p.exten);
    required(action, 'Context', p.context);
  }
  if (p.timeoutMs !== undefined && (!Number.isInteger(p.timeoutMs) || p.timeoutMs <= 0)) {
    throw new AmiRequestError(action, 'Timeout', 'must be a positive whole number of milliseconds');
  }
  const async = p.async ?? true;
  const r = await ami.send({
    action,
    fields: {
      Channel: channel,
      Context: hasApp ? undefined : p.context,
      Exten: hasApp ? undefined : p.exten,
      Priority: hasApp ? undefined : (p.priority ?? 1),
      Application: hasApp ? p.application : undefined,
      Data: hasApp ? p.data : undefined,
      Timeout: p.timeoutMs,
      CallerID: p.callerId,
      Variable: variableHeaders(action, p.variables),
      Account: p.account,
      EarlyMedia: p.earlyMedia,
      Codecs: p.codecs === undefined ? undefined : p.codecs.join(','),
      ChannelId: p.channelId,
      OtherChannelId: p.otherChannelId,
      Async: async,
    },
    // A sync Originate replies only when the ringing ends: wait at least that long.
    ...replyTimeout(p, async ? undefined : (p.timeoutMs ?? 30_000) + 10_000),
  });
  return { actionId: r.actionId, message: replyMessage(r.message), async };
}

export interface RedirectParams extends ReplyOptions {
  readonly channel: string;
  readonly context: string;
  readonly exten: string;
  readonly priority?: number | string;
  /** Redirect a second channel at once (both legs of a bridge), each with its own target. */
  readonly extraChannel?: string;
  readonly extraContext?: string;
  readonly extraExten?: string;
  readonly extraPriority?: number | string;
}

/**
 * Redirect (AMI transfer): sends a channel (and optionally ExtraChannel) to a
 * dialplan location. Asterisk emits no transfer event for it: the tracker sees
 * BridgeLeave, Hangup of the operator leg, then a new Dial (ami-traces point 5).
 */
export async function redirect(ami: AmiActionSender, p: RedirectParams): Promise<AmiAck> {
  const action = 'Redirect';
  const extra = p.extraChannel !== undefined && p.extraChannel !== '';
  const r = await ami.send({
    action,
    fields: {
      Channel: channelName(action, 'Channel', p.channel),
      Context: required(action, 'Context', p.context),
      Exten: required(action, 'Exten', p.exten),
      Priority: p.priority ?? 1,
      ExtraChannel: extra ? channelName(action, 'ExtraChannel', p.extraChannel) : undefined,
      ExtraContext: extra ? (p.extraContext ?? p.context) : undefined,
      ExtraExten: extra ? (p.extraExten ?? p.exten) : undefined,
      ExtraPriority: extra ? (p.extraPriority ?? p.priority ?? 1) : undefined,
    },
    ...replyTimeout(p),
  });
  return { actionId: r.actionId, message: replyMessage(r.message) };
}

export interface TransferParams extends ReplyOptions {
  /** The channel doing the transfer (the operator's leg for Atxfer). */
  readonly channel: string;
  readonly exten: string;
  /** Defaults to the channel's own context on the PBX. */
  readonly context?: string;
}

/** Attended transfer (features.conf atxfer): the operator talks to `exten` first. */
export async function atxfer(ami: AmiActionSender, p: TransferParams): Promise<AmiAck> {
  const action = 'Atxfer';
  const r = await ami.send({
    action,
    fields: { Channel: channelName(action, 'Channel', p.channel), Exten: required(action, 'Exten', p.exten), Context: p.context },
    ...replyTimeout(p),
  });
  return { actionId: r.actionId, message: replyMessage(r.message) };
}

/** Blind transfer of the channel's peer to `exten`; Asterisk emits `Event: BlindTransfer`. */
export async function blindTransfer(ami: AmiActionSender, p: TransferParams): Promise<AmiAck> {
  const action = 'BlindTransfer';
  const r = await ami.send({
    action,
    fields: { Channel: channelName(action, 'Channel', p.channel), Context: p.context, Exten: required(action, 'Exten', p.exten) },
    ...replyTimeout(p),
  });
  return { actionId: r.actionId, message: replyMessage(r.message) };
}

export interface HangupParams extends ReplyOptions {
  /** One exact channel name (patterns are refused, see channelName). */
  readonly channel: string;
  /** Q.850 cause (16 = normal clearing); without it the target gets Cause 0 "Unknown". */
  readonly cause?: number;
}

/** Hangs up one channel. */
export async function hangup(ami: AmiActionSender, p: HangupParams): Promise<AmiAck> {
  const action = 'Hangup';
  if (p.cause !== undefined && (!Number.isInteger(p.cause) || p.cause < 0 || p.cause > 127)) {
    throw new AmiRequestError(action, 'Cause', 'must be a Q.850 cause code from 0 to 127');
  }
  const r = await ami.send({ action, fields: { Channel: channelName(action, 'Channel', p.channel), Cause: p.cause }, ...replyTimeout(p) });
  return { actionId: r.actionId, message: replyMessage(r.message) };
}

export interface ParkParams extends ReplyOptions {
  /** The channel to park (the caller, not the operator). */
  readonly channel: string;
  /** Where to send the parked channel on timeout, and who hears the parking space announced. */
  readonly timeoutChannel?: string;
  readonly announceChannel?: string;
  /** Parking timeout in ms. */
  readonly timeoutMs?: number;
  readonly parkinglot?: string;
}

/** Parks a channel. Asterisk's reply text is `Park successful` followed by a bare LF (ami-traces point 2). */
export async function park(ami: AmiActionSender, p: ParkParams): Promise<AmiAck> {
  const action = 'Park';
  const r = await ami.send({
    action,
    fields: {
      Channel: channelName(action, 'Channel', p.channel),
      TimeoutChannel: p.timeoutChannel === undefined ? undefined : channelName(action, 'TimeoutChannel', p.timeoutChannel),
      AnnounceChannel: p.announceChannel === undefined ? undefined : channelName(action, 'AnnounceChannel', p.announceChannel),
      Timeout: p.timeoutMs,
      Parkinglot: p.parkinglot,
    },
    ...replyTimeout(p),
  });
  return { actionId: r.actionId, message: replyMessage(r.message).trimEnd() };
}
