// The softphone's calls as plain data, and the decisions about them that do
// not need sip.js: what a new incoming call does while another is up (ring,
// call-waiting tone, or busy), what answering one means for the others (hold
// or end them), which tone plays, and the counts main shows in the tray.
import type { SoftphoneError } from './status';

export type PhoneCallState = 'ringing' | 'dialing' | 'connected' | 'ended';

/**
 * How a call ended, from this desk's point of view:
 * `local` / `remote` hung up after an answer; `rejected` (I declined), `busy`
 * (rejected for me: no call waiting), `cancelled` (the caller gave up, or I
 * did before an answer), `noAnswer`, `failed` (the call could not be set up),
 * `transferred` (I handed it on), `replaced` (an attended transfer took its place).
 */
export type PhoneEndReason = 'local' | 'remote' | 'rejected' | 'busy' | 'cancelled' | 'noAnswer' | 'failed' | 'transferred' | 'replaced';

export interface PhoneTransfer {
  readonly kind: 'blind' | 'attended';
  readonly target: string;
  readonly state: 'requested' | 'accepted' | 'failed' | 'done';
  /** The consultation call of an attended transfer. */
  readonly consultId?: string;
  readonly detail?: string;
}

export interface PhoneCall {
  readonly id: string;
  readonly direction: 'inbound' | 'outbound';
  /** The other party's user part (a number or extension), when the URI has one. */
  readonly remoteUser?: string;
  readonly remoteName?: string;
  readonly remoteUri: string;
  readonly state: PhoneCallState;
  readonly startedAt: number;
  readonly answeredAt?: number;
  readonly endedAt?: number;
  readonly end?: { readonly reason: PhoneEndReason; readonly statusCode?: number; readonly error?: SoftphoneError };
  /** I put it on hold (re-INVITE sendonly acknowledged). */
  readonly held: boolean;
  readonly muted: boolean;
  /** It rang while another call was up: the call-waiting tone instead of the ring. */
  readonly waiting: boolean;
  /** The SIP Call-ID, and the PBX's Linkedid when it sends one (X-Sidecall-Linkedid / X-Asterisk-Linkedid). */
  readonly sipCallId: string;
  readonly linkedid?: string;
  readonly transfer?: PhoneTransfer;
  /** Digits sent during the call, in order. */
  readonly dtmf: string;
  /** Digits the other side sent by SIP INFO (browsers do not surface received RFC 4733 events). */
  readonly dtmfReceived: string;
  /** The consultation call of an attended transfer started from call `consultFor`. */
  readonly consultFor?: string;
}

export type PhoneCallEvent =
  | {
      readonly type: 'incoming' | 'outgoing';
      readonly id: string;
      readonly remoteUri: string;
      readonly remoteUser?: string;
      readonly remoteName?: string;
      readonly sipCallId: string;
      readonly linkedid?: string;
      readonly consultFor?: string;
      readonly now: number;
    }
  | { readonly type: 'answered'; readonly id: string; readonly now: number }
  | { readonly type: 'ended'; readonly id: string; readonly reason: PhoneEndReason; readonly statusCode?: number; readonly error?: SoftphoneError; readonly now: number }
  | { readonly type: 'held'; readonly id: string; readonly held: boolean }
  | { readonly type: 'muted'; readonly id: string; readonly muted: boolean }
  | { readonly type: 'dtmf'; readonly id: string; readonly digit: string }
  | { readonly type: 'dtmfIn'; readonly id: string; readonly digit: string }
  | { readonly type: 'transfer'; readonly id: string; readonly transfer: PhoneTransfer | undefined }
  | { readonly type: 'remove'; readonly id: string };

export function isLive(c: PhoneCall): boolean {
  return c.state !== 'ended';
}

function update(calls: readonly PhoneCall[], id: string, fn: (c: PhoneCall) => PhoneCall): readonly PhoneCall[] {
  let changed = false;
  const next = calls.map((c) => {
    if (c.id !== id) return c;
    changed = true;
    return fn(c);
  });
  return changed ? next : calls;
}

export function reduceCalls(calls: readonly PhoneCall[], e: PhoneCallEvent): readonly PhoneCall[] {
  switch (e.type) {
    case 'incoming':
    case 'outgoing': {
      if (calls.some((c) => c.id === e.id)) return calls;
      const call: PhoneCall = {
        id: e.id,
        direction: e.type === 'incoming' ? 'inbound' : 'outbound',
        remoteUri: e.remoteUri,
        ...(e.remoteUser !== undefined ? { remoteUser: e.remoteUser } : {}),
        ...(e.remoteName !== undefined ? { remoteName: e.remoteName } : {}),
        state: e.type === 'incoming' ? 'ringing' : 'dialing',
        startedAt: e.now,
        held: false,
        muted: false,
        waiting: e.type === 'incoming' && calls.some((c) => c.state === 'connected' || c.state === 'dialing'),
        sipCallId: e.sipCallId,
        ...(e.linkedid !== undefined ? { linkedid: e.linkedid } : {}),
        ...(e.consultFor !== undefined ? { consultFor: e.consultFor } : {}),
        dtmf: '',
        dtmfReceived: '',
      };
      return [...calls, call];
    }
    case 'answered':
      return update(calls, e.id, (c) => (c.state === 'ended' || c.state === 'connected' ? c : { ...c, state: 'connected', answeredAt: e.now, waiting: false }));
    case 'ended':
      return update(calls, e.id, (c) =>
        c.state === 'ended'
          ? c
          : { ...c, state: 'ended', endedAt: e.now, end: { reason: e.reason, ...(e.statusCode !== undefined ? { statusCode: e.statusCode } : {}), ...(e.error ? { error: e.error } : {}) } },
      );
    case 'held':
      return update(calls, e.id, (c) => ({ ...c, held: e.held }));
    case 'muted':
      return update(calls, e.id, (c) => ({ ...c, muted: e.muted }));
    case 'dtmf':
      return update(calls, e.id, (c) => ({ ...c, dtmf: (c.dtmf + e.digit).slice(-64) }));
    case 'dtmfIn':
      return update(calls, e.id, (c) => ({ ...c, dtmfReceived: (c.dtmfReceived + e.digit).slice(-64) }));
    case 'transfer':
      return update(calls, e.id, (c) => {
        const next: { -readonly [K in keyof PhoneCall]: PhoneCall[K] } = { ...c };
        if (e.transfer) next.transfer = e.transfer;
        else delete next.transfer;
        return next;
      });
    case 'remove':
      return calls.filter((c) => c.id !== e.id);
  }
}

/**
 * What an incoming call does: `ring` when nothing else is up; `waiting` (the
 * call-waiting tone and a choice) while one call is up and call waiting is on;
 * `busy` (rejected with 486) otherwise — at most two calls at a desk.
 */
export function incomingDecision(calls: readonly PhoneCall[], opts: { readonly callWaiting: boolean }): 'ring' | 'waiting' | 'busy' {
  const live = calls.filter(isLive);
  if (live.length === 0) return 'ring';
  if (opts.callWaiting && live.length < 2) return 'waiting';
  return 'busy';
}

/** Answering `id` while other calls are up: hold them (`hold`) or end them (`end`) first. */
export function answerPlan(calls: readonly PhoneCall[], id: string, mode: 'hold' | 'end'): { readonly hold: readonly string[]; readonly hangup: readonly string[] } {
  const others = calls.filter((c) => c.id !== id && isLive(c));
  if (mode === 'end') return { hold: [], hangup: others.map((c) => c.id) };
  return { hold: others.filter((c) => c.state === 'connected' && !c.held).map((c) => c.id), hangup: others.filter((c) => c.state !== 'connected').map((c) => c.id) };
}

/** Resuming `id` puts every other connected call on hold (one conversation at a time). */
export function resumePlan(calls: readonly PhoneCall[], id: string): readonly string[] {
  return calls.filter((c) => c.id !== id && c.state === 'connected' && !c.held).map((c) => c.id);
}

/** The tone to play: the ring for a call alone, the soft call-waiting beep while on another call. */
export function toneFor(calls: readonly PhoneCall[]): 'ring' | 'waiting' | 'none' {
  const ringing = calls.filter((c) => c.direction === 'inbound' && c.state === 'ringing');
  if (ringing.length === 0) return 'none';
  return calls.some((c) => c.state === 'connected') ? 'waiting' : 'ring';
}

export function callCounts(calls: readonly PhoneCall[]): { readonly ringing: number; readonly active: number } {
  return {
    ringing: calls.filter((c) => c.state === 'ringing' && c.direction === 'inbound').length,
    active: calls.filter((c) => c.state === 'connected' || c.state === 'dialing').length,
  };
}

/** The user part of a SIP URI (`sip:101@pbx` -> `101`), unescaped; undefined when there is none. */
export function sipUser(uri: string): string | undefined {
  const m = /^sips?:([^@;?>]+)@/i.exec(uri.trim().replace(/^</, ''));
  if (!m?.[1]) return undefined;
  try {
    return decodeURIComponent(m[1]);
  } catch {
    return m[1];
  }
}

const DTMF = /^[0-9*#A-Da-d]$/;
export function isDtmfDigit(d: string): boolean {
  return DTMF.test(d);
}

/**
 * The request URI for a number or extension typed or routed to the softphone:
 * `sip:<user>@<domain of my AOR>`; a full `sip:`/`sips:` URI is taken as it is.
 * Undefined when there is nothing dialable.
 */
export function targetUri(input: string, aor: string): string | undefined {
  const t = input.trim();
  if (/^sips?:[^\s@]+@[A-Za-z0-9.[\]:-]+$/i.test(t)) return t;
  const user = t.replace(/[\s().-]/g, '');
  if (!/^\+?[0-9*#A-Za-z_]{1,40}$/.test(user)) return undefined;
  const domain = /^sips?:[^@]+@([^;?>]+)/i.exec(aor)?.[1];
  if (!domain) return undefined;
  return `sip:${encodeURIComponent(user).replace(/%2B/g, '+').replace(/%23/g, '%23')}@${domain}`;
}
