// Recording actions of app_mixmonitor: MixMonitor (needs write=system, so an
// operator's least-privilege user usually cannot start one itself: the dialplan
// or a supervisor user does), StopMixMonitor and MixMonitorMute (system or call).
// MixMonitorStart/Stop events name no file: the path is the channel variable
// MIXMONITOR_FILENAME (VarSet, or Getvar) - ami-traces point 4.
import { z } from 'zod';
import type { AmiActionSender } from '../event-source';
import { AmiRequestError } from '../connection/errors';
import { channelName, replyTimeout, type AmiAck, type ReplyOptions } from './params';
import { readHeaders, replyMessage } from './read';

export interface MixMonitorParams extends ReplyOptions {
  readonly channel: string;
  /** File name or path; a relative name lands in Asterisk's monitor directory. */
  readonly file?: string;
  /** MixMonitor options, e.g. `b` (only while bridged); `i(VAR)` makes the reply carry a MixMonitorID. */
  readonly options?: string;
  /** Shell command run after the recording ends (needs care: it runs as Asterisk). */
  readonly command?: string;
}

export interface MixMonitorResult extends AmiAck {
  /** Present only when the `i(VAR)` option was given. */
  readonly mixMonitorId: string | undefined;
}

const MixMonitorReply = z.object({ MixMonitorID: z.string().min(1).optional() });

/** Starts recording a channel. */
export async function mixMonitor(ami: AmiActionSender, p: MixMonitorParams): Promise<MixMonitorResult> {
  const action = 'MixMonitor';
  const r = await ami.send({
    action,
    fields: { Channel: channelName(action, 'Channel', p.channel), File: p.file, Options: p.options, Command: p.command },
    ...replyTimeout(p),
  });
  const { MixMonitorID } = readHeaders(action, r.message, ['MixMonitorID'], MixMonitorReply);
  return { actionId: r.actionId, message: replyMessage(r.message), mixMonitorId: MixMonitorID };
}

export interface StopMixMonitorParams extends ReplyOptions {
  readonly channel: string;
  /** Stops only this recording when the channel has several. */
  readonly mixMonitorId?: string;
}

/** Stops recording a channel. */
export async function stopMixMonitor(ami: AmiActionSender, p: StopMixMonitorParams): Promise<AmiAck> {
  const action = 'StopMixMonitor';
  const r = await ami.send({ action, fields: { Channel: channelName(action, 'Channel', p.channel), MixMonitorID: p.mixMonitorId }, ...replyTimeout(p) });
  return { actionId: r.actionId, message: replyMessage(r.message) };
}

export type MixMonitorDirection = 'read' | 'write' | 'both';

export interface MixMonitorMuteParams extends ReplyOptions {
  readonly channel: string;
  /** `read`: audio coming from the channel; `write`: audio sent to it; `both`: the whole recording. */
  readonly direction: MixMonitorDirection;
  /** true mutes, false unmutes. */
  readonly mute: boolean;
}

/** Mutes or unmutes a running recording (e.g. while a card number is read out). */
export async function mixMonitorMute(ami: AmiActionSender, p: MixMonitorMuteParams): Promise<AmiAck> {
  const action = 'MixMonitorMute';
  if (p.direction !== 'read' && p.direction !== 'write' && p.direction !== 'both') {
    throw new AmiRequestError(action, 'Direction', 'must be read, write or both');
  }
  const r = await ami.send({
    action,
    fields: { Channel: channelName(action, 'Channel', p.channel), Direction: p.direction, State: p.mute ? 1 : 0 },
    ...replyTimeout(p),
  });
  return { actionId: r.actionId, message: replyMessage(r.message) };
}
