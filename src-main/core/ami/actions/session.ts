// Session actions: Challenge + Login (plain or MD5), Ping, Filter, Logoff. They
// need no write= class except Filter (system). The connection uses them for
// login, keepalive and PBX-side filtering; they are exported for diagnostics.
import { createHash } from 'node:crypto';
import { z } from 'zod';
import type { AmiActionSender } from '../event-source';
import { AmiRequestError } from '../connection/errors';
import { replyTimeout, required, type AmiAck, type ReplyOptions } from './params';
import { readHeaders, replyMessage } from './read';

const ChallengeReply = z.object({ Challenge: z.string().min(1, { message: 'empty challenge' }) });

/** Asks for an MD5 challenge (`Action: Challenge`, `AuthType: MD5`). */
export async function challenge(ami: AmiActionSender, opts: ReplyOptions = {}): Promise<string> {
  const r = await ami.send({ action: 'Challenge', fields: { AuthType: 'MD5' }, ...replyTimeout(opts) });
  return readHeaders('Challenge', r.message, ['Challenge'], ChallengeReply).Challenge;
}

/**
 * The MD5 login key: lowercase hex of md5(challenge + secret), as Asterisk
 * computes it to compare (main/manager.c, authenticate: MD5Update(challenge),
 * MD5Update(secret), then "%02hhx" per byte).
 */
export function md5Key(challengeText: string, secret: string): string {
  return createHash('md5').update(challengeText, 'utf8').update(secret, 'utf8').digest('hex');
}

export type LoginParams =
  | ({ readonly username: string; readonly secret: string } & ReplyOptions)
  | ({ readonly username: string; readonly key: string } & ReplyOptions);

/**
 * Login with the secret in clear (`Secret:`) or with an MD5 key (after challenge()).
 * A refused login rejects with AmiActionError "Authentication failed", and
 * Asterisk then closes the connection.
 */
export async function login(ami: AmiActionSender, p: LoginParams): Promise<AmiAck> {
  const username = required('Login', 'Username', p.username);
  const fields = 'key' in p ? { AuthType: 'MD5', Username: username, Key: p.key } : { Username: username, Secret: p.secret };
  const r = await ami.send({ action: 'Login', fields, ...replyTimeout(p) });
  return { actionId: r.actionId, message: replyMessage(r.message) };
}

/** `Ping`; Asterisk answers `Ping: Pong` and a `Timestamp` (seconds.micros). */
export async function ping(ami: AmiActionSender, opts: ReplyOptions = {}): Promise<{ readonly actionId: string; readonly timestamp: string | undefined }> {
  const r = await ami.send({ action: 'Ping', ...replyTimeout(opts) });
  const reply = readHeaders('Ping', r.message, ['Timestamp'], z.object({ Timestamp: z.string().optional() }));
  return { actionId: r.actionId, timestamp: reply.Timestamp };
}

export interface FilterParams extends ReplyOptions {
  /**
   * An eventfilter in the legacy regex form, matched against the whole event
   * text; a leading `!` excludes. E.g. `Channel: (PJSIP|SIP|IAX2)/101[^0-9]`.
   */
  readonly filter: string;
}

/**
 * Adds an event filter to this session (`Filter`, `Operation: Add`). Needs
 * write=system, which operator users should not have: expect AmiActionError with
 * `permissionDenied` and fall back to client-side matching.
 */
export async function filter(ami: AmiActionSender, p: FilterParams): Promise<AmiAck> {
  const action = 'Filter';
  if (p.filter.trim() === '' || p.filter === '!') throw new AmiRequestError(action, 'Filter', 'is empty');
  const r = await ami.send({ action, fields: { Operation: 'Add', Filter: p.filter }, ...replyTimeout(p) });
  return { actionId: r.actionId, message: replyMessage(r.message) };
}

/**
 * `Logoff`: Asterisk answers `Response: Goodbye` and closes the socket. An
 * AmiConnection treats that close as a drop and reconnects: use its dispose()
 * to stop for good.
 */
export async function logoff(ami: AmiActionSender, opts: ReplyOptions = {}): Promise<AmiAck> {
  const r = await ami.send({ action: 'Logoff', ...replyTimeout(opts) });
  return { actionId: r.actionId, message: replyMessage(r.message) };
}
