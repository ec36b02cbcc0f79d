// Calls through a real core for CRM tests: the AMI test server as the PBX (the
// operator's phone answers by hand, their AMI user may start MixMonitor), the
// outbox on the real file journal as both hosts build it, and small helpers to
// dispatch requests, take a call (ring -> answer -> record -> hang up) and read
// History. Used by the retailCRM / Odoo / generic CRM core tests.
import path from 'node:path';
import { expect } from 'vitest';
import type { CallsView, CallView, HistoryItem } from '../../src-shared/domain/calls-view';
import type { CrmStatus, OutboxStatusView } from '../../src-shared/domain/crm-status';
import type { RequestChannel, ResponseOf } from '../../src-shared/ipc/contract';
import { fileOutbox as fileOutboxOf } from '../../src-main/adapters/outbox/file-outbox';
import { systemClock } from '../../src-main/core/clock';
import type { CrmConnector } from '../../src-main/core/crm/connector';
import type { OutboxPort } from '../../src-main/core/reporting/reporting-service';
import type { LoggerFactory } from '../../src-main/ports';
import { LAB_USERS, simulateInbound, startAmiServer, type AmiServer } from './ami-server';
import type { CoreFixture } from './core-fixture';

export const EXTENSION = '101';
export const AMI_USER = 'op101';
export const AMI_SECRET = 'op101secret';
export const LINK_TEMPLATE = 'https://pbx.example.com/rec/{yyyy}/{mm}/{dd}/{file}';
export const POLL = { timeout: 20_000, interval: 20 } as const;

/** A core request that must succeed; a refusal throws with the core's words. */
export async function request<C extends RequestChannel>(fx: Pick<CoreFixture, 'core'>, channel: C, payload: unknown): Promise<ResponseOf<C>> {
  const reply = await fx.core.dispatch(channel, payload);
  if (!reply.ok) throw new Error(`${channel} refused: ${reply.error.message}`);
  return reply.result as ResponseOf<C>;
}

/** Polls `check` until it holds (for hooks, where expect.poll does not fit); rejects naming `what`. */
export async function waitUntil(check: () => boolean | Promise<boolean>, what: string, timeoutMs: number = POLL.timeout): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, POLL.interval));
  }
}

/** The AMI test server as the PBX; the operator's phone answers by hand and their AMI user may record (`system`). */
export async function startPbx(): Promise<AmiServer> {
  const users = { ...LAB_USERS, [AMI_USER]: { secret: AMI_SECRET, read: 'call,cdr,reporting,agent,dialplan', write: 'call,originate,reporting,system' } };
  const srv = await startAmiServer({ loginFailureDelayMs: 0, config: { rtcpIntervalMs: 0 }, users });
  srv.pbx.setPhone(EXTENSION, { answer: 'manual' });
  return srv;
}

/** Points the core at the PBX (reporting outside calls with a recording link) and waits for the AMI login. */
export async function connectPbx(fx: CoreFixture, srv: AmiServer): Promise<void> {
  await request(fx, 'settings.update', {
    patch: {
      pbx: { host: '127.0.0.1', port: srv.port, amiUser: AMI_USER, extension: EXTENSION },
      reporting: { which: 'external', recordingLink: { urlTemplate: LINK_TEMPLATE, signed: false, expiresHours: 0 } },
    },
    amiSecret: AMI_SECRET,
  });
  await waitUntil(async () => (await request(fx, 'connection.get', {})).state === 'ready', 'the AMI connection');
}

/** The outbox as both hosts build it (adapters/bootstrap.ts): createOutbox over the lazily opened file journal, closed with the core. */
export function fileOutbox(file: string): (connector: () => CrmConnector | undefined, log: LoggerFactory) => OutboxPort {
  return (connector, log) => fileOutboxOf(file, systemClock, log)(connector);
}

/** Every crm.status and outbox.changed the core published, newest last. */
export interface CoreEvents {
  readonly crm: CrmStatus[];
  readonly outbox: OutboxStatusView[];
}

export function recordEvents(fx: CoreFixture): CoreEvents {
  const events: CoreEvents = { crm: [], outbox: [] };
  fx.core.subscribe((channel, payload) => {
    if (channel === 'crm.status') events.crm.push(payload as CrmStatus);
    if (channel === 'outbox.changed') events.outbox.push(payload as OutboxStatusView);
  });
  return events;
}

export async function callsView(fx: CoreFixture): Promise<CallsView> {
  return request(fx, 'calls.get', {});
}

export async function history(fx: CoreFixture): Promise<readonly HistoryItem[]> {
  return (await request(fx, 'history.list', {})).items;
}

/** History's report mark of each call ('none' when it has none). */
export async function reportMarks(fx: CoreFixture, ids: readonly string[]): Promise<string[]> {
  const items = await history(fx);
  return ids.map((id) => items.find((h) => h.call.id === id)?.report ?? 'none');
}

export interface TakenCall {
  readonly id: string;
  /** The call's view once its lookup settled while it rang (found / notFound / error / skipped). */
  readonly ringing: CallView;
  /** The History item once the core filed the call. */
  readonly item: HistoryItem;
}

/** Polls until `find` returns something, and returns it (fails the test after POLL's timeout). */
async function pollFor<T>(find: () => Promise<T | undefined>): Promise<T> {
  let found: T | undefined;
  await expect
    .poll(async () => {
      found = await find();
      return found !== undefined;
    }, POLL)
    .toBe(true);
  return found as T;
}

/** The History item of a call, once the core filed it. */
function untilFiled(fx: CoreFixture, id: string): Promise<HistoryItem> {
  return pollFor(async () => (await history(fx)).find((h) => h.call.id === id));
}

/** The live view of the call ringing from `from`, once its CRM lookup has settled. */
function untilRinging(fx: CoreFixture, from: string): Promise<CallView> {
  return pollFor(async () => (await callsView(fx)).live.find((l) => l.call.state === 'ringing' && l.call.remoteNumber === from && l.lookup.status !== 'pending'));
}

/**
 * An outside caller rings the operator through the trunk; the card's lookup
 * settles while it rings (`whileRinging` runs then); the phone answers, the
 * operator records (calls.record start) when `record`, talks `talkMs`, and hangs
 * up. Resolves once History has the call.
 */
export async function takeCall(
  fx: CoreFixture,
  srv: AmiServer,
  from: string,
  opts: { readonly talkMs?: number; readonly record?: boolean; readonly whileRinging?: (view: CallView) => Promise<void> } = {},
): Promise<TakenCall> {
  simulateInbound(srv.pbx, { from, to: EXTENSION, via: 'trunk', answer: false, talkMs: 600_000 });
  const ringing = await untilRinging(fx, from);
  const view = ringing;
  const id = view.call.id;
  await opts.whileRinging?.(view);
  expect(srv.pbx.answerPhone(EXTENSION)).toBe(true);
  await expect.poll(async () => (await callsView(fx)).live.some((l) => l.call.id === id && l.call.state === 'connected'), POLL).toBe(true);
  if (opts.record) {
    await request(fx, 'calls.record', { callId: id, action: 'start' });
    await expect.poll(async () => (await callsView(fx)).live.find((l) => l.call.id === id)?.call.recording.file ?? '', POLL).toMatch(/\.wav$/);
  }
  if ((opts.talkMs ?? 0) > 0) await new Promise((r) => setTimeout(r, opts.talkMs));
  expect(srv.pbx.hangupPhone(EXTENSION)).toBe(true);
  const item = await untilFiled(fx, id);
  return { id, ringing: view, item };
}

/** An outside caller rings the operator and gives up before anyone answers (a missed call); resolves once History has it. */
export async function missCall(fx: CoreFixture, srv: AmiServer, from: string): Promise<TakenCall> {
  const sim = simulateInbound(srv.pbx, { from, to: EXTENSION, via: 'trunk', answer: false, talkMs: 600_000 });
  const ringing = await untilRinging(fx, from);
  const id = ringing.call.id;
  sim.hangupCaller();
  const item = await untilFiled(fx, id);
  return { id, ringing, item };
}

/**
 * Click-to-call: calls.dial from the pad; the operator's phone rings first and is
 * answered, the PBX dials out and the far end answers; after `talkMs` the
 * operator hangs up in Sidecall (calls.hangup). Resolves once History has it.
 */
export async function placeCall(fx: CoreFixture, srv: AmiServer, number: string, opts: { readonly talkMs?: number } = {}): Promise<TakenCall> {
  await request(fx, 'calls.dial', { number, source: 'pad' });
  const dialing = await pollFor(async () => (await callsView(fx)).live.find((l) => l.call.direction === 'outbound' && l.call.state === 'dialing'));
  const id = dialing.call.id;
  expect(srv.pbx.answerPhone(EXTENSION)).toBe(true);
  await expect.poll(async () => (await callsView(fx)).live.find((l) => l.call.id === id)?.call.state, POLL).toBe('connected');
  if ((opts.talkMs ?? 0) > 0) await new Promise((r) => setTimeout(r, opts.talkMs));
  await request(fx, 'calls.hangup', { callId: id });
  const item = await untilFiled(fx, id);
  return { id, ringing: dialing, item };
}

/** The recording link LINK_TEMPLATE gives a filed call. */
export function expectedRecordingLink(item: HistoryItem): string {
  const file = item.call.recording.files[0] ?? '';
  const d = new Date(item.call.startedAt);
  const two = (n: number): string => String(n).padStart(2, '0');
  return `https://pbx.example.com/rec/${d.getFullYear()}/${two(d.getMonth() + 1)}/${two(d.getDate())}/${encodeURIComponent(path.basename(file))}`;
}

/** How many times each value occurs. */
export function tally<T>(values: readonly T[]): Map<T, number> {
  const m = new Map<T, number>();
  for (const v of values) m.set(v, (m.get(v) ?? 0) + 1);
  return m;
}
