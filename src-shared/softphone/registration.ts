// The registration state machine of the softphone, as a pure reducer: events
// from the WebSocket, the registrar, the network and the OS in; the next state
// and the effects the adapter must carry out out. No timers and no sip.js here:
// the renderer's controller runs the effects (connect, register, schedule the
// retry) and feeds their results back as events, so every path — a dropped
// WebSocket, network loss, waking from sleep, a refused password — is tested
// without a PBX.
import { backoffDelay, REGISTER_BACKOFF, type BackoffPolicy } from './backoff';
import { isRetryable } from './errors';
import type { SoftphoneError, SoftphoneRegistration } from './status';

export interface RegistrationState {
  readonly phase: SoftphoneRegistration;
  /** Whether the WebSocket is open (a registration may be refused while it is). */
  readonly transport: 'down' | 'up';
  /** Failures in a row since the last success (drives the backoff). */
  readonly attempt: number;
  /** Epoch ms of the scheduled retry while `retrying`. */
  readonly retryAt?: number;
  readonly error?: SoftphoneError;
  /** Whether the browser thinks it is online (`navigator.onLine`). */
  readonly online: boolean;
}

export type RegistrationEvent =
  | { readonly type: 'start' }
  | { readonly type: 'stop' }
  | { readonly type: 'connected' }
  /** The WebSocket closed or never opened; `error` is what the probe said. */
  | { readonly type: 'disconnected'; readonly error: SoftphoneError }
  | { readonly type: 'registered' }
  | { readonly type: 'registerFailed'; readonly error: SoftphoneError }
  /** The registrar dropped us (expired, or unregistered by the server) while the WebSocket is up. */
  | { readonly type: 'unregistered' }
  | { readonly type: 'retryDue' }
  | { readonly type: 'offline' }
  | { readonly type: 'online' }
  /** The computer woke up (the wall clock jumped): the WebSocket may be dead without knowing it. */
  | { readonly type: 'wake' }
  /** Something outside (e.g. the microphone check) makes registering pointless until Settings change. */
  | { readonly type: 'fatal'; readonly error: SoftphoneError };

export type RegistrationEffect =
  | { readonly type: 'connect' }
  /** Close the WebSocket and open it again (after sleep, a half-dead socket would wait for TCP to notice). */
  | { readonly type: 'reconnect' }
  | { readonly type: 'register' }
  | { readonly type: 'unregister' }
  | { readonly type: 'disconnect' }
  | { readonly type: 'scheduleRetry'; readonly inMs: number }
  | { readonly type: 'cancelRetry' };

export interface Transition {
  readonly state: RegistrationState;
  readonly effects: readonly RegistrationEffect[];
}

export const INITIAL_REGISTRATION: RegistrationState = { phase: 'off', transport: 'down', attempt: 0, online: true };

export interface ReduceOptions {
  readonly now: number;
  readonly random: () => number;
  readonly policy?: BackoffPolicy;
}

function same(state: RegistrationState): Transition {
  return { state, effects: [] };
}

function without(state: RegistrationState, ...keys: readonly ('retryAt' | 'error')[]): RegistrationState {
  const next: { -readonly [K in keyof RegistrationState]: RegistrationState[K] } = { ...state };
  if (keys.includes('retryAt')) delete next.retryAt;
  if (keys.includes('error')) delete next.error;
  return next;
}

/** Schedules the next attempt; offline, it waits for `online` instead of burning attempts. */
function retry(state: RegistrationState, error: SoftphoneError, opts: ReduceOptions): Transition {
  if (!isRetryable(error.code)) {
    return { state: { ...without(state, 'retryAt'), phase: 'failed', error }, effects: [{ type: 'cancelRetry' }] };
  }
  const inMs = backoffDelay(state.attempt, opts.policy ?? REGISTER_BACKOFF, opts.random);
  const next: RegistrationState = { ...state, phase: 'retrying', error, attempt: state.attempt + 1, retryAt: opts.now + inMs };
  if (!state.online) return { state: without(next, 'retryAt'), effects: [{ type: 'cancelRetry' }] };
  return { state: next, effects: [{ type: 'scheduleRetry', inMs }] };
}

/** A fresh attempt: register if the WebSocket is up, else connect. */
function attempt(state: RegistrationState): Transition {
  const base = without(state, 'retryAt');
  return state.transport === 'up'
    ? { state: { ...base, phase: 'registering' }, effects: [{ type: 'cancelRetry' }, { type: 'register' }] }
    : { state: { ...base, phase: 'connecting' }, effects: [{ type: 'cancelRetry' }, { type: 'connect' }] };
}

export function reduceRegistration(state: RegistrationState, event: RegistrationEvent, opts: ReduceOptions): Transition {
  const off = state.phase === 'off';
  switch (event.type) {
    case 'start':
      if (!off) return same(state);
      return attempt({ ...without(state, 'error'), attempt: 0 });
    case 'stop':
      if (off) return same(state);
      return {
        state: { ...without(state, 'retryAt', 'error'), phase: 'off', attempt: 0 },
        effects: [{ type: 'cancelRetry' }, ...(state.phase === 'registered' ? [{ type: 'unregister' } as const] : []), { type: 'disconnect' }],
      };
    case 'connected': {
      const up: RegistrationState = { ...state, transport: 'up' };
      if (off || state.phase === 'failed') return same(up);
      // The same connection reported twice (the transport's callback and the connect call both say so).
      if (state.transport === 'up' && (state.phase === 'registering' || state.phase === 'registered')) return same(up);
      return { state: { ...without(up, 'retryAt'), phase: 'registering' }, effects: [{ type: 'cancelRetry' }, { type: 'register' }] };
    }
    case 'disconnected': {
      const down: RegistrationState = { ...state, transport: 'down' };
      if (off || state.phase === 'failed') return same(down);
      // A retry already scheduled stays as it is (sip.js may report the same loss twice).
      if (state.phase === 'retrying') return same(down);
      return retry(down, event.error, opts);
    }
    case 'registered':
      if (off) return same(state);
      return { state: { ...without(state, 'retryAt', 'error'), phase: 'registered', attempt: 0 }, effects: [{ type: 'cancelRetry' }] };
    case 'registerFailed':
      if (off || state.phase === 'failed') return same(state);
      return retry(state, event.error, opts);
    case 'unregistered':
      if (state.phase !== 'registered') return same(state);
      return { state: { ...state, phase: 'registering' }, effects: [{ type: 'register' }] };
    case 'retryDue':
      if (state.phase !== 'retrying') return same(state);
      return attempt(state);
    case 'offline':
      return same({ ...state, online: false });
    case 'online': {
      const on: RegistrationState = { ...state, online: true };
      // Back online: try now instead of waiting out the backoff (the attempt count is kept).
      if (state.phase === 'retrying') return attempt(on);
      return same(on);
    }
    case 'wake':
      if (off || state.phase === 'failed') return same(state);
      if (state.phase === 'retrying') return attempt(state);
      // The socket may be half-dead after sleep: open a new one, which re-registers when it connects.
      return { state: { ...without(state, 'retryAt'), phase: 'connecting', transport: 'down' }, effects: [{ type: 'cancelRetry' }, { type: 'reconnect' }] };
    case 'fatal':
      if (off) return same(state);
      return { state: { ...without(state, 'retryAt'), phase: 'failed', error: event.error }, effects: [{ type: 'cancelRetry' }, { type: 'disconnect' }] };
  }
}
