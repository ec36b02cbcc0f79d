// Where the updater stands and when it looks next, as a pure reducer over what
// electron-updater reports (checking, available, progress, downloaded, error)
// and the plan. The adapter feeds events in and arms one timer at
// nextCheckAt(); the tray and diagnostics read the status.
import type { UpdatePlan, UpdatesOffReason } from './plan';

/** First look a while after start, so an update check never competes with connecting to the PBX. */
export const FIRST_CHECK_DELAY_MS = 2 * 60_000;
/** Then every few hours: releases are rare, and a LAN folder should not see every desk every minute. */
export const CHECK_INTERVAL_MS = 6 * 60 * 60_000;
/** After a failed check or download (server down, wrong URL, bad signature). */
export const RETRY_AFTER_ERROR_MS = 30 * 60_000;

export interface LastCheck {
  readonly at: number;
  readonly outcome: 'up-to-date' | 'failed';
  /** For diagnostics only: electron-updater's message of a failure. */
  readonly error?: string;
}

export type UpdateStatus =
  | { readonly state: 'off'; readonly reason: UpdatesOffReason }
  | { readonly state: 'idle'; readonly lastCheck?: LastCheck }
  | { readonly state: 'checking'; readonly lastCheck?: LastCheck }
  | { readonly state: 'downloading'; readonly version: string; readonly percent: number }
  /** Downloaded and verified: "Restart to update" applies it. */
  | { readonly state: 'ready'; readonly version: string };

export type UpdateEvent =
  | { readonly type: 'plan'; readonly plan: UpdatePlan }
  | { readonly type: 'checking' }
  | { readonly type: 'available'; readonly version: string }
  | { readonly type: 'not-available'; readonly at: number }
  | { readonly type: 'progress'; readonly percent: number }
  | { readonly type: 'downloaded'; readonly version: string }
  | { readonly type: 'error'; readonly at: number; readonly message: string };

export const INITIAL_STATUS: UpdateStatus = { state: 'off', reason: 'no-url' };

export function reduceUpdate(status: UpdateStatus, event: UpdateEvent): UpdateStatus {
  switch (event.type) {
    case 'plan':
      if (event.plan.kind === 'off') return { state: 'off', reason: event.plan.reason };
      // Turning on starts fresh; a plan that stays on keeps a download in progress or done.
      return status.state === 'off' ? { state: 'idle' } : status;
    case 'checking':
      if (status.state !== 'idle') return status;
      return status.lastCheck ? { state: 'checking', lastCheck: status.lastCheck } : { state: 'checking' };
    case 'available':
      if (status.state === 'off' || status.state === 'ready') return status;
      return { state: 'downloading', version: event.version, percent: 0 };
    case 'not-available':
      if (status.state === 'off' || status.state === 'ready') return status;
      return { state: 'idle', lastCheck: { at: event.at, outcome: 'up-to-date' } };
    case 'progress':
      if (status.state !== 'downloading') return status;
      return { ...status, percent: Math.max(0, Math.min(100, Math.floor(event.percent))) };
    case 'downloaded':
      if (status.state === 'off') return status;
      return { state: 'ready', version: event.version };
    case 'error':
      // A failed install attempt leaves the downloaded update where it was.
      if (status.state === 'off' || status.state === 'ready') return status;
      return { state: 'idle', lastCheck: { at: event.at, outcome: 'failed', error: event.message } };
  }
}

/**
 * When to look for an update next (epoch ms), or null for "not now": off,
 * already looking or downloading, or an update waits for a restart.
 */
export function nextCheckAt(status: UpdateStatus, startedAt: number, now: number): number | null {
  if (status.state !== 'idle') return null;
  const last = status.lastCheck;
  const due = last === undefined ? startedAt + FIRST_CHECK_DELAY_MS : last.at + (last.outcome === 'failed' ? RETRY_AFTER_ERROR_MS : CHECK_INTERVAL_MS);
  return Math.max(due, now);
}

export type RestartDecision =
  /** Quit and install now. */
  | 'restart'
  /** Nothing downloaded (the tray should not have offered it). */
  | 'nothing-to-install'
  /** A call is up: restarting would drop the operator's PBX connection mid-call. */
  | 'on-call';

export function restartDecision(status: UpdateStatus, liveCalls: number): RestartDecision {
  if (status.state !== 'ready') return 'nothing-to-install';
  return liveCalls > 0 ? 'on-call' : 'restart';
}

/** The operator is told once per version that an update is ready (a notification), not on every status change. */
export function becameReady(before: UpdateStatus, after: UpdateStatus): boolean {
  return after.state === 'ready' && (before.state !== 'ready' || before.version !== after.version);
}
