// ActionID correlation for one AMI session: each sent action waits here for its
// `Response:` (and, for event-list actions, for the events carrying its ActionID
// up to the `...Complete` one), with a timeout on the injected Clock.
//
// Routing rules (from Asterisk main/manager.c and the recorded traces):
// - a reply to an action is a message with `Response:` and no `Event:`;
//   OriginateResponse has both and is an event (messageKind in the codec);
// - list actions answer `Response: Success` + `EventList: start`, then list
//   events with the same ActionID, then an event with `EventList: Complete`
//   (CoreShowChannelsComplete, StatusComplete, ...);
// - an event with our ActionID that belongs to no pending list (OriginateResponse
//   of an async Originate) is NOT consumed: it is an ordinary event.
import type { Clock, TimerHandle } from '../../../ports';
import type { AmiMessage } from '../codec';
import { getHeader } from '../codec';
import type { AmiResponse } from '../event-source';
import { AmiActionError, AmiDisconnectedError, AmiTimeoutError } from './errors';

interface Entry {
  readonly action: string;
  readonly actionId: string;
  readonly timeoutMs: number;
  /** Declared list, or a reply said `EventList: start`. */
  list: boolean;
  readonly completeEvent: string | undefined;
  response: AmiMessage | undefined;
  complete: AmiMessage | undefined;
  readonly items: AmiMessage[];
  timer: TimerHandle | undefined;
  readonly resolve: (r: AmiResponse) => void;
  readonly reject: (e: Error) => void;
}

// Lists that timed out may still deliver their items; swallow them instead of
// passing list items (CoreShowChannel...) to the event listeners. Bounded.
const MAX_ABANDONED = 64;

function isListEnd(m: AmiMessage, completeEvent: string | undefined): boolean {
  const marker = getHeader(m, 'EventList');
  if (marker !== undefined) {
    const v = marker.toLowerCase();
    if (v === 'complete' || v === 'cancelled') return true;
  }
  return completeEvent !== undefined && getHeader(m, 'Event') === completeEvent;
}

/** The table of actions waiting for their reply on one session. */
export class PendingActions {
  readonly #clock: Clock;
  readonly #entries = new Map<string, Entry>();
  readonly #abandoned = new Set<string>();

  constructor(clock: Clock) {
    this.#clock = clock;
  }

  /** Actions still waiting. */
  get size(): number {
    return this.#entries.size;
  }

  /** The action name of a pending ActionID. */
  actionOf(actionId: string): string | undefined {
    return this.#entries.get(actionId)?.action;
  }

  /** Registers an action whose bytes are about to be written; the promise settles on reply, timeout or rejectAll. */
  add(actionId: string, action: string, list: boolean | { readonly completeEvent: string } | undefined, timeoutMs: number): Promise<AmiResponse> {
    if (this.#entries.has(actionId)) throw new Error(`ActionID ${actionId} is already pending`);
    return new Promise<AmiResponse>((resolve, reject) => {
      const entry: Entry = {
        action,
        actionId,
        timeoutMs,
        list: list !== undefined && list !== false,
        completeEvent: typeof list === 'object' ? list.completeEvent : undefined,
        response: undefined,
        complete: undefined,
        items: [],
        timer: undefined,
        resolve,
        reject,
      };
      entry.timer = this.#clock.setTimeout(() => this.#timedOut(entry), timeoutMs);
      this.#entries.set(actionId, entry);
    });
  }

  /** A `Response:` message; false when its ActionID is not pending (a late reply). */
  onResponse(m: AmiMessage): boolean {
    const id = getHeader(m, 'ActionID');
    const entry = id === undefined ? undefined : this.#entries.get(id);
    if (entry === undefined) return false;
    const response = getHeader(m, 'Response') ?? '';
    if (response.toLowerCase() === 'error') {
      this.#finish(entry);
      entry.reject(new AmiActionError(entry.action, m));
      return true;
    }
    if (getHeader(m, 'EventList')?.toLowerCase() === 'start') entry.list = true;
    entry.response = m;
    if (!entry.list || entry.complete !== undefined) this.#settle(entry);
    return true;
  }

  /** An event with an ActionID: true when it was a list item (or list end) and is consumed here. */
  onEvent(actionId: string, m: AmiMessage): boolean {
    const entry = this.#entries.get(actionId);
    if (entry === undefined) {
      if (!this.#abandoned.has(actionId)) return false;
      if (isListEnd(m, undefined)) this.#abandoned.delete(actionId);
      return true;
    }
    // Items may only precede the reply for a declared list.
    if (!entry.list) return false;
    if (isListEnd(m, entry.completeEvent)) {
      entry.complete = m;
      if (entry.response !== undefined) this.#settle(entry);
      return true;
    }
    entry.items.push(m);
    return true;
  }

  /** Rejects every waiting action (the socket closed); `reason` is for the operator. */
  rejectAll(reason: string): void {
    const entries = [...this.#entries.values()];
    this.#entries.clear();
    this.#abandoned.clear();
    for (const entry of entries) {
      if (entry.timer !== undefined) this.#clock.clearTimeout(entry.timer);
      entry.timer = undefined;
      entry.reject(new AmiDisconnectedError(entry.action, reason));
    }
  }

  #finish(entry: Entry): void {
    this.#entries.delete(entry.actionId);
    if (entry.timer !== undefined) this.#clock.clearTimeout(entry.timer);
    entry.timer = undefined;
  }

  #settle(entry: Entry): void {
    this.#finish(entry);
    const message = entry.response;
    if (message === undefined) return;
    entry.resolve({
      action: entry.action,
      actionId: entry.actionId,
      response: getHeader(message, 'Response') ?? '',
      message,
      items: entry.items,
      complete: entry.complete,
    });
  }

  #timedOut(entry: Entry): void {
    entry.timer = undefined;
    if (this.#entries.get(entry.actionId) !== entry) return;
    this.#entries.delete(entry.actionId);
    if (entry.list && entry.complete === undefined) {
      if (this.#abandoned.size >= MAX_ABANDONED) {
        const oldest = this.#abandoned.values().next();
        if (oldest.done !== true) this.#abandoned.delete(oldest.value);
      }
      this.#abandoned.add(entry.actionId);
    }
    entry.reject(new AmiTimeoutError(entry.action, entry.timeoutMs));
  }
}
