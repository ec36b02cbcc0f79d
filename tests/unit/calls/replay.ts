// Replay helpers for the call tracker tests: decode a recorded trace with the
// real codec, give each message the time it was received (from the trace's
// timeline.txt, so `now` is deterministic and realistic), optionally pass it
// through the real operator filter, and run parseAmiEvent + reduce, noting every
// state change of every call.
import { Buffer } from 'node:buffer';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { AmiDecoder } from '../../../src-main/core/ami/codec';
import type { AmiMessage } from '../../../src-main/core/ami/codec';
import { parseAmiEvent } from '../../../src-main/core/ami/events';
import type { AmiEvent } from '../../../src-main/core/ami/events';
import { createOperatorFilter } from '../../../src-main/core/ami/filter';
import { changedCalls, getEmptyState, reduce } from '../../../src-main/core/calls';
import type { CallTrackerState } from '../../../src-main/core/calls';
import type { Call, CallState } from '../../../src-shared/domain/call';

export const TRACE_DIR = path.resolve(import.meta.dirname, '../../../../shared/reference/ami-traces');
export const FIXTURE_DIR = path.resolve(import.meta.dirname, '../../fixtures/calls');
/** Time 0 of a hand-written fixture (its `@ <seconds>` lines count from here). */
export const FIXTURE_EPOCH = Date.parse('2026-11-23T09:00:00.000Z');

export interface TimedMessage {
  readonly index: number;
  readonly at: number;
  readonly message: AmiMessage;
}

/** The messages of `<name>.raw` with their receive times from `<name>.timeline.txt` (`RECV #n`). */
export function loadTrace(name: string): readonly TimedMessage[] {
  const bytes = readFileSync(path.join(TRACE_DIR, `${name}.raw`));
  const timeline = readFileSync(path.join(TRACE_DIR, `${name}.timeline.txt`), 'utf8');
  const times = new Map<number, number>();
  for (const m of timeline.matchAll(/^---- (\S+) RECV #(\d+)$/gm)) times.set(Number(m[2]), Date.parse(m[1] ?? ''));
  const messages: AmiMessage[] = [];
  new AmiDecoder().push(bytes, (f) => {
    if (f.type === 'message') messages.push(f.message);
  });
  return messages.map((message, index) => {
    const at = times.get(index);
    if (at === undefined || Number.isNaN(at)) throw new Error(`${name}: no receive time for message #${index}`);
    return { index, at, message };
  });
}

/**
 * The messages of a hand-written fixture (`tests/fixtures/calls/<name>.ami`): AMI
 * text, one message per block, `#` comment lines, and an `@ <seconds>` line giving
 * each message's time. The blocks go through the real decoder as CRLF bytes.
 */
export function loadFixture(name: string): readonly TimedMessage[] {
  const text = readFileSync(path.join(FIXTURE_DIR, `${name}.ami`), 'utf8');
  const out: TimedMessage[] = [];
  const decoder = new AmiDecoder({ greeting: false });
  for (const block of text.split(/\n\s*\n/)) {
    const lines = block.split('\n').filter((l) => l.trim() !== '' && !l.startsWith('#'));
    const atLine = lines.find((l) => l.startsWith('@'));
    const headers = lines.filter((l) => !l.startsWith('@'));
    if (headers.length === 0) continue;
    const at = FIXTURE_EPOCH + Math.round(Number((atLine ?? '@ 0').slice(1).trim()) * 1000);
    decoder.push(Buffer.from(`${headers.join('\r\n')}\r\n\r\n`, 'utf8'), (f) => {
      if (f.type === 'message') out.push({ index: out.length, at, message: f.message });
      else throw new Error(`${name}: ${f.type === 'error' ? f.error.message : 'unexpected greeting'}`);
    });
  }
  return out;
}

export interface TimedEvent {
  readonly at: number;
  readonly event: AmiEvent;
}

/** Typed events of messages; with `filterFor`, only what the operator filter of that extension delivers. */
export function toEvents(messages: readonly TimedMessage[], filterFor?: string): readonly TimedEvent[] {
  const filter = filterFor === undefined ? undefined : createOperatorFilter({ extension: filterFor });
  const out: TimedEvent[] = [];
  for (const { at, message } of messages) {
    if (filter !== undefined && !filter.accepts(message)) continue;
    const event = parseAmiEvent(message);
    if (event !== undefined) out.push({ at, event });
  }
  return out;
}

export function traceEvents(name: string, filterFor?: string): readonly TimedEvent[] {
  return toEvents(loadTrace(name), filterFor);
}

export function fixtureEvents(name: string, filterFor?: string): readonly TimedEvent[] {
  return toEvents(loadFixture(name), filterFor);
}

/** Seconds since the fixture epoch, for readable expectations. */
export function sec(ms: number | undefined): number | undefined {
  return ms === undefined ? undefined : (ms - FIXTURE_EPOCH) / 1000;
}

export interface Step {
  readonly at: number;
  readonly id: string;
  readonly state: CallState;
}

export interface ReplayResult {
  readonly state: CallTrackerState;
  /** Every change of a call's state, in order. */
  readonly steps: readonly Step[];
  /** Final version of every call seen, by id (merged-away calls included). */
  readonly calls: ReadonlyMap<string, Call>;
}

export function replay(events: readonly TimedEvent[], extension: string, initial?: CallTrackerState): ReplayResult {
  let state = initial ?? getEmptyState({ extension });
  const steps: Step[] = [];
  const calls = new Map<string, Call>();
  for (const c of state.records.values()) calls.set(c.call.id, c.call);
  for (const { at, event } of events) {
    const next = reduce(state, event, at);
    for (const call of changedCalls(state, next).changed) {
      if (calls.get(call.id)?.state !== call.state) steps.push({ at, id: call.id, state: call.state });
      calls.set(call.id, call);
    }
    state = next;
  }
  return { state, steps, calls };
}

/** ISO time (as in the timeline files) for readable expectations. */
export function iso(ms: number | undefined): string | undefined {
  return ms === undefined ? undefined : new Date(ms).toISOString();
}
