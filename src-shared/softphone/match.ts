// One call, never two: the softphone's SIP session and the call the AMI
// tracker follows (CallsView) are the same conversation seen from two sides.
// This pairs them, so the UI shows one card with the screen pop's contact and
// the softphone's controls.
//
// - Exact: the PBX passed its Linkedid in a header of the INVITE
//   (X-Sidecall-Linkedid, e.g. from a PJSIP_HEADER pre-dial handler), or the
//   session was placed for an AMI call id the renderer already knows.
// - Otherwise: same direction, the same number (trailing digits, so +7 916...
//   and 8 916... agree) and start times within a window (default 10 s),
//   nearest first. A pair, once made, stays while both are live.
import { callDigits } from './digits';

export interface SessionFacts {
  readonly id: string;
  readonly direction: 'inbound' | 'outbound';
  readonly remoteUser?: string;
  readonly startedAt: number;
  readonly linkedid?: string;
  readonly ended: boolean;
}

export interface AmiCallFacts {
  readonly id: string;
  readonly linkedids: readonly string[];
  readonly direction: 'inbound' | 'outbound' | 'internal';
  readonly remoteNumber?: string;
  readonly startedAt: number;
  readonly ended: boolean;
}

export interface MatchOptions {
  /** How far apart the INVITE and the AMI call's start may be (ms). */
  readonly windowMs: number;
}

export const DEFAULT_MATCH: MatchOptions = { windowMs: 10_000 };

/** Whether two numbers are the same line: equal digits, or equal last 10 digits when both have at least 10. */
export function sameNumber(a: string | undefined, b: string | undefined): boolean {
  if (a === undefined || b === undefined) return false;
  const x = callDigits(a);
  const y = callDigits(b);
  if (x === '' || y === '') return false;
  if (x === y) return true;
  return x.length >= 10 && y.length >= 10 && x.slice(-10) === y.slice(-10);
}

function directionFits(s: SessionFacts, c: AmiCallFacts): boolean {
  return c.direction === 'internal' || (s.direction === 'inbound' ? c.direction === 'inbound' : c.direction === 'outbound');
}

/**
 * Pairs sessions with AMI calls: `previous` pairs are kept while both sides
 * still exist; an AMI call belongs to at most one session.
 */
export function matchSessions(
  sessions: readonly SessionFacts[],
  calls: readonly AmiCallFacts[],
  previous: ReadonlyMap<string, string>,
  opts: MatchOptions = DEFAULT_MATCH,
): ReadonlyMap<string, string> {
  const out = new Map<string, string>();
  const taken = new Set<string>();
  const byId = new Map(calls.map((c) => [c.id, c]));
  for (const s of sessions) {
    const prev = previous.get(s.id);
    if (prev !== undefined && byId.has(prev) && !taken.has(prev)) {
      out.set(s.id, prev);
      taken.add(prev);
    }
  }
  // Exact pairs by Linkedid.
  for (const s of sessions) {
    if (out.has(s.id) || s.linkedid === undefined) continue;
    const c = calls.find((x) => !taken.has(x.id) && (x.id === s.linkedid || x.linkedids.includes(s.linkedid ?? '')));
    if (c) {
      out.set(s.id, c.id);
      taken.add(c.id);
    }
  }
  // Then by number and time, nearest pair first.
  const candidates: { s: string; c: string; gap: number }[] = [];
  for (const s of sessions) {
    if (out.has(s.id) || s.ended) continue;
    for (const c of calls) {
      if (taken.has(c.id) || c.ended || !directionFits(s, c) || !sameNumber(s.remoteUser, c.remoteNumber)) continue;
      const gap = Math.abs(c.startedAt - s.startedAt);
      if (gap <= opts.windowMs) candidates.push({ s: s.id, c: c.id, gap });
    }
  }
  candidates.sort((a, b) => a.gap - b.gap);
  for (const k of candidates) {
    if (out.has(k.s) || taken.has(k.c)) continue;
    out.set(k.s, k.c);
    taken.add(k.c);
  }
  return out;
}
