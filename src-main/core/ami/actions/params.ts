// Checks shared by the typed actions: required fields, channel names, and the
// per-call reply timeout. A bad parameter throws AmiRequestError naming it, and
// nothing is sent.
import { AmiRequestError } from '../connection/errors';

/** What every plain action returns: Asterisk's acknowledgement text. */
export interface AmiAck {
  readonly actionId: string;
  /** `Message:` of the reply, e.g. `Redirect successful`. */
  readonly message: string;
}

/** Options every typed action takes. */
export interface ReplyOptions {
  /** Overrides the AMI reply timeout of the connection for this call. */
  readonly replyTimeoutMs?: number;
}

/** The `timeoutMs` of an AmiRequest from the options (or a fallback). */
export function replyTimeout(o: ReplyOptions, fallback?: number): { readonly timeoutMs?: number } {
  const ms = o.replyTimeoutMs ?? fallback;
  return ms === undefined ? {} : { timeoutMs: ms };
}

/** A non-blank string, or AmiRequestError. */
export function required(action: string, field: string, value: string | undefined): string {
  if (value === undefined || value.trim() === '') throw new AmiRequestError(action, field, 'is required');
  return value;
}

/**
 * Refuses a channel name Asterisk would read as something else. Hangup treats a
 * value that starts and ends with `/` as a regular expression and hangs up every
 * channel it matches (main/manager.c, action_hangup); no real channel name starts
 * with `/`, so one is refused in every action.
 */
export function channelName(action: string, field: string, value: string | undefined): string {
  const v = required(action, field, value);
  if (v.startsWith('/')) throw new AmiRequestError(action, field, 'may not start with "/" (Asterisk would read it as a pattern of channels)');
  return v;
}
