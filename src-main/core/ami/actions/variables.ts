// Channel and global variables: Getvar (write=call or reporting) and Setvar
// (call). Without a channel they read/write a global variable.
import { z } from 'zod';
import type { AmiActionSender } from '../event-source';
import { AmiRequestError } from '../connection/errors';
import { channelName, replyTimeout, type AmiAck, type ReplyOptions } from './params';
import { readHeaders, replyMessage } from './read';

export interface GetvarParams extends ReplyOptions {
  /** Omit for a global variable. */
  readonly channel?: string;
  /** A variable or a dialplan function, e.g. `MIXMONITOR_FILENAME` or `CALLERID(num)`. */
  readonly variable: string;
}

export interface GetvarResult {
  readonly actionId: string;
  readonly variable: string;
  /** Empty when the variable is not set (Asterisk does not tell the two apart). */
  readonly value: string;
}

const GetvarReply = z.object({ Variable: z.string().optional(), Value: z.string().default('') });

function variableName(action: string, name: string): string {
  if (name.trim() === '') throw new AmiRequestError(action, 'Variable', 'is required');
  return name;
}

/** Reads a variable. */
export async function getvar(ami: AmiActionSender, p: GetvarParams): Promise<GetvarResult> {
  const action = 'Getvar';
  const r = await ami.send({
    action,
    fields: { Channel: p.channel === undefined ? undefined : channelName(action, 'Channel', p.channel), Variable: variableName(action, p.variable) },
    ...replyTimeout(p),
  });
  const reply = readHeaders(action, r.message, ['Variable', 'Value'], GetvarReply);
  return { actionId: r.actionId, variable: reply.Variable ?? p.variable, value: reply.Value };
}

export interface SetvarParams extends ReplyOptions {
  /** Omit for a global variable. */
  readonly channel?: string;
  readonly variable: string;
  readonly value: string;
}

/** Sets a variable. */
export async function setvar(ami: AmiActionSender, p: SetvarParams): Promise<AmiAck> {
  const action = 'Setvar';
  const r = await ami.send({
    action,
    fields: {
      Channel: p.channel === undefined ? undefined : channelName(action, 'Channel', p.channel),
      Variable: variableName(action, p.variable),
      Value: p.value,
    },
    ...replyTimeout(p),
  });
  return { actionId: r.actionId, message: replyMessage(r.message) };
}
