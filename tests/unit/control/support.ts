// Helpers for the call-control unit tests: an in-memory AMI seam (it records
// each request, checks that the codec would accept it, answers from a script
// and can deliver events like the connection does), tracker states replayed
// from the recorded traces, and a control built on a FakeClock.
import type { AmiHeader, AmiMessage } from '../../../src-main/core/ami/codec';
import { encodeAction } from '../../../src-main/core/ami/codec';
import { AmiActionError } from '../../../src-main/core/ami/connection/errors';
import type { AmiEvent, AmiEventSource, AmiRequest, AmiResponse } from '../../../src-main/core/ami/event-source';
import type { CallTrackerState } from '../../../src-main/core/calls';
import { getEmptyState } from '../../../src-main/core/calls';
import type { CallControl, ControlNote } from '../../../src-main/core/control';
import { createCallControl, defaultControlSettings } from '../../../src-main/core/control';
import type { ControlSettings } from '../../../src-main/core/control';
import type { Logger } from '../../../src-main/ports';
import { FakeClock } from '../../support/fake-clock';
import { replay, traceEvents } from '../calls/replay';

export interface FakeAmi extends Pick<AmiEventSource, 'send' | 'onEvent'> {
  readonly sent: AmiRequest[];
  /** Delivers an event to the listeners, as AmiConnection.onEvent would. */
  emit(headers: readonly AmiHeader[]): void;
  /** The next replies: a function of the request (default: Success). */
  answer: (r: AmiRequest, actionId: string) => readonly AmiHeader[];
}

/** An AmiActionSender + onEvent with ActionIDs `t-1`, `t-2`...; `Response: Error` rejects with AmiActionError like the connection. */
export function fakeAmi(): FakeAmi {
  const sent: AmiRequest[] = [];
  const listeners = new Set<(e: AmiEvent) => void>();
  let n = 0;
  const ami: FakeAmi = {
    sent,
    answer: () => [['Response', 'Success']],
    async send(request): Promise<AmiResponse> {
      const actionId = `t-${++n}`;
      // What the wire would carry: the codec must accept every field (it refuses CR/LF).
      encodeAction(request.action, actionId, request.fields ?? {});
      sent.push(request);
      const headers = ami.answer(request, actionId);
      const message: AmiMessage = { headers: [...headers, ['ActionID', actionId]] };
      if (headers.some(([k, v]) => k === 'Response' && v === 'Error')) throw new AmiActionError(request.action, message);
      return { action: request.action, actionId, response: 'Success', message, items: [], complete: undefined };
    },
    onEvent(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    emit(headers) {
      const name = headers.find(([k]) => k === 'Event')?.[1] ?? '';
      for (const l of [...listeners]) l({ name, message: { headers: [...headers] }, receivedAt: 0 });
    },
  };
  return ami;
}

/** The request as the wire would carry it (CRLF lines), with ActionID X. */
export function wire(r: AmiRequest | undefined): string {
  return r === undefined ? '' : encodeAction(r.action, 'X', r.fields ?? {}).toString();
}

export const silentLog: Logger = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };

/** Tracker state of a recorded trace, replayed (with 101's operator filter) up to the first event matching `stopAt`. */
export function traceState(name: string, stopAt: (event: string) => boolean): CallTrackerState {
  const events = traceEvents(name, '101');
  const i = events.findIndex((e) => stopAt(e.event.event));
  return replay(i < 0 ? events : events.slice(0, i), '101').state;
}

/** Trace e just before the Redirect: 101 talks to Ivan (Local ;2 dialled 101). */
export const inboundTalking = (): CallTrackerState => traceState('e-redirect-blind-transfer-to-102', (e) => e === 'BridgeLeave');
export const INBOUND = { callId: '1795334332.15', mine: 'PJSIP/101-00000005', mineUid: '1795334332.17', peer: 'Local/101@inbound-sim-00000005;2' } as const;

export interface Harness {
  readonly ami: FakeAmi;
  readonly clock: FakeClock;
  readonly control: CallControl;
  readonly notes: ControlNote[];
  state: CallTrackerState;
  settings: ControlSettings;
}

export function harness(opts: { state?: CallTrackerState; settings?: (s: ControlSettings) => ControlSettings; events?: boolean; channelIds?: readonly string[] } = {}): Harness {
  const ami = fakeAmi();
  const clock = new FakeClock(Date.parse('2026-01-15T12:00:00.000Z'));
  const notes: ControlNote[] = [];
  const ids = [...(opts.channelIds ?? ['1768478400.900000001', '1768478400.900000002', '1768478400.900000003'])];
  const h: Harness = {
    ami,
    clock,
    notes,
    state: opts.state ?? getEmptyState({ extension: '101' }),
    settings: (opts.settings ?? ((s) => s))(defaultControlSettings()),
    control: undefined as unknown as CallControl,
  };
  const control = createCallControl({
    ami,
    ...(opts.events === false ? {} : { events: ami }),
    clock,
    log: silentLog,
    settings: () => h.settings,
    numbers: () => ({ defaultRegion: 'RU', rules: [] }),
    tracker: () => h.state,
    note: (n) => notes.push(n),
    newChannelId: () => ids.shift() ?? 'no-more-ids',
  });
  Object.assign(h, { control });
  return h;
}

/** A settled promise's rejection, for `expect(...).toMatchObject`. */
export async function rejection(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (err) {
    return err;
  }
  throw new Error('expected a rejection');
}
