// Read side of the tracker: what the UI shows (calls, live calls), what the app
// publishes (`calls:changed` for what changed only) and what reporting consumes
// (ended calls, each handed out until acknowledged, so each is logged once).
import type { Call } from '../../../src-shared/domain/call';
import type { CallTrackerState } from './state';
import { Tx } from './state';

/** Every call the tracker holds (live, and recently ended), oldest first. */
export function selectCalls(state: CallTrackerState): readonly Call[] {
  const out: Call[] = [];
  for (const id of state.order) {
    const rec = state.records.get(id);
    if (rec !== undefined) out.push(rec.call);
  }
  return out;
}

/** Calls not ended yet, oldest first. */
export function selectLiveCalls(state: CallTrackerState): readonly Call[] {
  return selectCalls(state).filter((c) => c.state !== 'ended');
}

export function selectCall(state: CallTrackerState, id: string): Call | undefined {
  return state.records.get(id)?.call;
}

/**
 * Ended calls reporting has not acknowledged yet, in the order they ended. A
 * call enters this list once, when it ends; it leaves it only through
 * acknowledgeEnded(), so a crash between the two re-offers it rather than losing it.
 */
export function selectEndedCalls(state: CallTrackerState): readonly Call[] {
  const out: Call[] = [];
  for (const id of state.unreported) {
    const rec = state.records.get(id);
    if (rec !== undefined) out.push(rec.call);
  }
  return out;
}

/**
 * Marks ended calls as taken by reporting and forgets the oldest acknowledged
 * ones beyond `maxEndedCalls`. Their ids and channels stay retired, so a late
 * event cannot bring a reported call back.
 */
export function acknowledgeEnded(state: CallTrackerState, ids: readonly string[]): CallTrackerState {
  if (ids.length === 0) return state;
  const tx = new Tx(state, 0);
  const before = tx.unreported.length;
  tx.unreported = tx.unreported.filter((id) => !ids.includes(id));
  if (tx.unreported.length !== before) tx.touch();
  const acknowledged = tx.order.filter((id) => tx.records.get(id)?.call.state === 'ended' && !tx.unreported.includes(id));
  const excess = acknowledged.length - state.config.maxEndedCalls;
  for (const id of acknowledged.slice(0, Math.max(0, excess))) {
    const rec = tx.records.get(id);
    tx.remove(id);
    tx.retire(id);
    for (const l of rec?.call.linkedids ?? []) tx.retire(l);
  }
  return tx.commit();
}

/** What changed between two states, for publishing only what changed. */
export interface CallsDiff {
  /** New or changed calls (an ended call appears once more, with `state: 'ended'`). */
  readonly changed: readonly Call[];
  /** Ids of calls the tracker no longer holds (forgotten after reporting, or merged into another call). */
  readonly removed: readonly string[];
}

/** Calls that differ between `prev` and `next` (updates are immutable, so identity says it). */
export function changedCalls(prev: CallTrackerState, next: CallTrackerState): CallsDiff {
  if (prev === next || prev.records === next.records) return { changed: [], removed: [] };
  const changed: Call[] = [];
  for (const id of next.order) {
    const rec = next.records.get(id);
    if (rec !== undefined && prev.records.get(id)?.call !== rec.call) changed.push(rec.call);
  }
  const removed = prev.order.filter((id) => !next.records.has(id));
  return { changed, removed };
}

/**
 * Linkedids of the live calls. A connection layer can pass events of these
 * calls' other channels (Hold of the caller, a colleague answering, a Redirect)
 * that a channel-name filter would drop; the tracker works without them too.
 */
export function selectTrackedLinkedids(state: CallTrackerState): readonly string[] {
  return selectLiveCalls(state).flatMap((c) => c.linkedids);
}

/** My live channel names in a call (what Redirect, Hangup or MixMonitor should target), newest first. */
export function selectMyChannels(state: CallTrackerState, callId: string): readonly string[] {
  const out: string[] = [];
  for (const ch of state.channels.values()) if (ch.mine && ch.callId === callId) out.push(ch.name);
  return out.reverse();
}

/** The channels of the other side in a call (for Redirect of the caller, Atxfer). */
export function selectRemoteChannels(state: CallTrackerState, callId: string): readonly string[] {
  const out: string[] = [];
  for (const ch of state.channels.values()) if (!ch.mine && ch.callId === callId) out.push(ch.name);
  return out;
}
