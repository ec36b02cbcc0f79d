// Screen-pop benchmark (issue 4): from the AMI test server WRITING the event
// burst that makes a call ring on PJSIP/101 (stamped on the operator's server
// socket) to the contact card being PAINTED in Chromium (stamped in the page,
// see support/paint-probe.ts), through the product path: AMI over loopback TCP ->
// AmiConnection (decode, operator filter) -> call tracker -> screen pop + CRM
// lookup (a real HTTP CRM test server, queried by a bench-local axios connector)
// -> `calls.changed` -> browser-mode web host -> WebSocket -> React -> paint.
// Both ends stamp `performance.timeOrigin + performance.now()` on the same
// machine (checked against a page.evaluate round trip before measuring).
//
// Runs: 200 calls with the CRM answering in 20 ms (name and number alone), then
// 50 calls with the CRM taking 2 s (number alone; each call is hung up once its
// number is painted, so up to ~10 lookups run on in the background, as when
// calls follow each other on a slow CRM). Calls go one at a time, each from a
// new number so the lookup cache never answers, after 5 warm-up calls that are
// not counted. Percentiles are nearest-rank (p99 of 50 samples is their max).
// Each stage is stamped too, so a missed target says where the time went.
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import type { CallsView } from '../../src-shared/domain/calls-view';
import type { ConnectionStatus } from '../../src-shared/domain/connection';
import { createCore } from '../../src-main/core/app';
import { createAmiConnectionSource } from '../../src-main/core/ami/ami-connection-source';
import { getHeader } from '../../src-main/core/ami/codec';
import { netTransport } from '../../src-main/core/ami/connection/net-transport';
import type { AmiTransport } from '../../src-main/core/ami/connection/transport';
import { systemClock } from '../../src-main/core/clock';
import { startAmiServer, type AmiConnection, type AmiServer } from '../../src-main/core/demo/pbx/server';
import { createLoggerFactory, memorySink } from '../../src-main/core/log/logger';
import { FileSettingsStore } from '../../src-main/adapters/settings/file-settings-store';
import { JsonlHistoryStore } from '../../src-main/adapters/history/jsonl-history-store';
import { startWebHost } from '../../src-main/hosts/web/web-host';
import { launchChromium } from '../support/browser';
import { MemorySecretStore } from '../support/memory-secret-store';
import { createBenchCrmConnector } from './support/bench-crm-connector';
import { benchContactFor, preciseNow, startCrmTestServer, type CrmRequestTiming, type CrmTestServer } from './support/crm-test-server';
import { measureClockOffset, PagePaints, type CardPaint, type CardRecord } from './support/paint-probe';
import { closeAll, loadAverage, ms, percentile, reportRunEnd, sleep, stageLine, stampDiffs, tempRendererBuild, withTimeout, type Cleanup } from './support/bench-util';
import { fmt } from './harness';
import type { BenchContext, Benchmark } from './harness';

const CALLS = 200;
const SLOW_CALLS = 50;
const WARMUP_CALLS = 5;
const FAST_CRM_MS = 20;
const SLOW_CRM_MS = 2000;
const TARGET_P99_MS = 100;
const TARGET_NUMBER_MS = 50;
/** Pause between one call's card closing and the next call (the operator's desk is idle between calls). */
const GAP_MS = 30;
const STEP_TIMEOUT_MS = 10_000;
/** The whole benchmark (build, servers, browser, ~250 calls) must finish well within this. */
const DEADLINE_MS = 170_000;
const EXTENSION = '101';
const OPERATOR_CHANNEL = `PJSIP/${EXTENSION}-`;
/** Newstate Ringing of the operator's channel, inside a written chunk. */
const RINGING = new RegExp(`Event: Newstate\\r\\n(?:[^\\r\\n]+\\r\\n)*?Channel: PJSIP/${EXTENSION}-[^\\r\\n]*\\r\\n(?:[^\\r\\n]+\\r\\n)*?ChannelStateDesc: Ringing\\r\\n`);

const IDS = ['screenpop.p50', 'screenpop.p99', 'screenpop.number.p50', 'screenpop.number.p99', 'screenpop.slowcrm.number.p99'] as const;

/** Everything stamped for one call (ms, performance.timeOrigin + now, Node and page alike). */
interface CallSample {
  readonly id: string;
  readonly e164: string;
  /** The server wrote the burst with the operator's ringing channel (the start of every latency). */
  readonly writtenAt: number;
  /** That burst also held Newstate Ringing of PJSIP/101 (otherwise the ring came in a later write). */
  readonly ringingInWrite: boolean;
  /** The client socket received the first bytes of it. */
  readonly receivedAt: number | undefined;
  /** The AMI connection delivered the call's first event (decoded, operator filter passed). */
  readonly amiEventAt: number | undefined;
  /** The core called the CRM connector's findContact for the caller. */
  readonly lookupAt: number | undefined;
  /** The core published `calls.changed` with the call, and with its contact found. */
  readonly publishedAt: number | undefined;
  readonly foundPublishedAt: number | undefined;
  readonly crm: CrmRequestTiming | undefined;
  /** First paint of the card (the number, the CRM still pending). */
  readonly numberPaint: CardPaint;
  /** Paint of the card with the CRM contact's name (when waited for). */
  readonly namePaint: CardPaint | undefined;
  /** When the page's WebSocket got the call, and its found contact. */
  readonly wsRingAt: number | undefined;
  readonly wsFoundAt: number | undefined;
}

/** What the core published about a call, stamped as it published it (before the web host sends it). */
interface Published {
  ringAt?: number;
  foundAt?: number;
  removedAt?: number;
}

interface Armed {
  readonly from: string;
  writtenAt: number | undefined;
  ringingInWrite: boolean;
  receivedAt: number | undefined;
}

/** National RU form as the card shows it: 89161234567 -> 8 (916) 123-45-67. */
function displayOf(e164: string): string {
  const d = e164.slice(2);
  return `8 (${d.slice(0, 3)}) ${d.slice(3, 6)}-${d.slice(6, 8)}-${d.slice(8, 10)}`;
}

/**
 * Calls `onWrite` with every chunk the AMI test server writes to this client,
 * stamped just before `socket.write`. The connection's socket is not part of the
 * AmiConnection interface; when it is not reachable, false (the caller falls back
 * to stamping at the PBX's publish, a few µs earlier).
 */
function tapServerWrites(conn: AmiConnection, onWrite: (chunk: Buffer, at: number) => void): boolean {
  const socket: unknown = Reflect.get(conn, 'socket');
  if (!(socket instanceof net.Socket)) return false;
  const original = socket.write.bind(socket) as (...args: unknown[]) => boolean;
  Object.defineProperty(socket, 'write', {
    configurable: true,
    writable: true,
    value: (...args: unknown[]): boolean => {
      const at = preciseNow();
      const chunk = args[0];
      if (Buffer.isBuffer(chunk)) onWrite(chunk, at);
      return original(...args);
    },
  });
  return true;
}

interface Rig {
  readonly server: AmiServer;
  readonly crm: CrmTestServer;
  readonly paints: PagePaints;
  /** Starts watching the server's writes for the next call from `from`. */
  arm(from: string): Armed;
  /** Node-side stamps per call id. */
  readonly amiEventAt: Map<string, number>;
  readonly lookupAt: Map<string, number>;
  readonly published: Map<string, Published>;
  /** Resolves once the core has published `what` for the call. */
  untilPublished(id: string, what: keyof Published, timeoutMs: number): Promise<number>;
}

async function oneCall(rig: Rig, n: number, waitName: boolean): Promise<CallSample> {
  const local = String(n).padStart(7, '0');
  const from = `8916${local}`;
  const e164 = `+7916${local}`;
  const expectedName = benchContactFor(e164).name;
  const armed = rig.arm(from);
  const call = rig.server.simulateInbound({ from, to: EXTENSION, via: 'trunk', answer: false });
  const id = call.linkedid;
  try {
    // Node waits for the core's publish first, so the page round trip overlaps the page's work, not the core's.
    await rig.untilPublished(id, 'ringAt', STEP_TIMEOUT_MS);
    if (waitName) {
      await rig.untilPublished(id, 'foundAt', STEP_TIMEOUT_MS);
      await rig.paints.waitForPaint(id, expectedName, STEP_TIMEOUT_MS);
    } else {
      await rig.paints.waitForPaint(id, null, STEP_TIMEOUT_MS);
    }
  } finally {
    call.hangupCaller();
  }
  await rig.untilPublished(id, 'removedAt', STEP_TIMEOUT_MS);
  const record: CardRecord = await rig.paints.waitGone(id, STEP_TIMEOUT_MS);
  const published = rig.published.get(id) ?? {};
  const amiEventAt = rig.amiEventAt.get(id);
  rig.published.delete(id);
  rig.amiEventAt.delete(id);
  const lookupAt = rig.lookupAt.get(e164);
  rig.lookupAt.delete(e164);
  const numberPaint = record.paints[0];
  if (!numberPaint) throw new Error(`the card of ${from} was never painted`);
  if (armed.writtenAt === undefined) throw new Error(`no server write with ${OPERATOR_CHANNEL} was seen for ${from}`);
  await sleep(GAP_MS);
  return {
    id,
    e164,
    writtenAt: armed.writtenAt,
    ringingInWrite: armed.ringingInWrite,
    receivedAt: armed.receivedAt,
    amiEventAt,
    lookupAt,
    publishedAt: published.ringAt,
    foundPublishedAt: published.foundAt,
    crm: rig.crm.answered.get(e164),
    numberPaint,
    namePaint: waitName ? record.paints.find((p) => p.text === expectedName) : undefined,
    wsRingAt: record.wsRingAt ?? undefined,
    wsFoundAt: record.wsFoundAt ?? undefined,
  };
}

function line(label: string, values: readonly number[]): string {
  return stageLine(label, values, 60);
}

/** Where the time went, stage by stage (median, p99, max over the calls). */
function stageTable(ctx: BenchContext, samples: readonly CallSample[], withName: boolean): void {
  ctx.log(`    ${'stage (ms)'.padEnd(60)} ${'median'.padStart(7)} ${'p99'.padStart(7)} ${'max'.padStart(7)}`);
  ctx.log(line('server write -> client socket data (loopback TCP)', stampDiffs(samples, (s) => [s.writtenAt, s.receivedAt])));
  ctx.log(line('-> first event of the call decoded+filtered', stampDiffs(samples, (s) => [s.receivedAt, s.amiEventAt])));
  ctx.log(line('-> tracker; screen pop calls CRM findContact', stampDiffs(samples, (s) => [s.amiEventAt, s.lookupAt])));
  ctx.log(line('-> core publishes calls.changed (lookup start + view)', stampDiffs(samples, (s) => [s.lookupAt, s.publishedAt])));
  ctx.log(line('-> WebSocket frame in the page', stampDiffs(samples, (s) => [s.publishedAt, s.wsRingAt])));
  ctx.log(line('-> card in the DOM (bridge + React commit)', stampDiffs(samples, (s) => [s.wsRingAt, s.numberPaint.at])));
  ctx.log(line('-> card painted (frame + paint)', stampDiffs(samples, (s) => [s.numberPaint.at, s.numberPaint.paintedAt])));
  ctx.log(line('= number painted (total)', stampDiffs(samples, (s) => [s.writtenAt, s.numberPaint.paintedAt])));
  if (!withName) return;
  ctx.log(line('CRM findContact called -> request at the CRM (axios, HTTP)', stampDiffs(samples, (s) => [s.lookupAt, s.crm?.receivedAt])));
  ctx.log(line('-> CRM answer written (its think time)', stampDiffs(samples, (s) => [s.crm?.receivedAt, s.crm?.answeredAt])));
  ctx.log(line('-> core publishes calls.changed with the contact', stampDiffs(samples, (s) => [s.crm?.answeredAt, s.foundPublishedAt])));
  ctx.log(line('-> WebSocket frame in the page', stampDiffs(samples, (s) => [s.foundPublishedAt, s.wsFoundAt])));
  ctx.log(line('-> name in the DOM (bridge + React commit)', stampDiffs(samples, (s) => [s.wsFoundAt, s.namePaint?.at])));
  ctx.log(line('-> name painted (frame + paint)', stampDiffs(samples, (s) => [s.namePaint?.at, s.namePaint?.paintedAt])));
  ctx.log(line('= name painted (total)', stampDiffs(samples, (s) => [s.writtenAt, s.namePaint?.paintedAt])));
}

async function run(ctx: BenchContext): Promise<void> {
  const wantFast = IDS.filter((id) => !id.startsWith('screenpop.slowcrm')).some((id) => ctx.wants(id));
  const wantSlow = ctx.wants('screenpop.slowcrm.number.p99');
  const started = preciseNow();
  const cleanups: Cleanup[] = [];
  const failures: string[] = [];
  const deadline = setTimeout(() => {
    // A hung step (the browser, a server) must not hold the runner forever.
    console.error(`# screen-pop: still running after ${DEADLINE_MS / 1000} s; giving up`);
    process.exit(1);
  }, DEADLINE_MS);
  deadline.unref();
  try {
    const { dir, rendererDir, buildMs } = await tempRendererBuild('sidecall-bench-screenpop-', cleanups);

    const server = await startAmiServer({ host: '127.0.0.1', port: 0 });
    cleanups.push({ what: 'AMI server', fn: () => server.close() });
    server.pbx.setPhone(EXTENSION, { answer: 'manual' });
    const crm = await startCrmTestServer({ delayMs: FAST_CRM_MS });
    cleanups.push({ what: 'CRM server', fn: () => crm.close() });
    const lookupAt = new Map<string, number>();
    const connector = createBenchCrmConnector(crm.url, { onFind: (q) => lookupAt.set(q.e164 ?? q.digits, preciseNow()) });

    let armed: Armed | undefined;
    const onServerWrite = (chunk: Buffer, at: number): void => {
      if (!armed || armed.writtenAt !== undefined) return;
      if (!chunk.includes(OPERATOR_CHANNEL) || !chunk.includes(armed.from)) return;
      armed.writtenAt = at;
      armed.ringingInWrite = RINGING.test(chunk.toString('latin1'));
    };
    let stampMode = 'socket.write of the AMI test server';
    void server.nextConnection().then((conn) => {
      if (tapServerWrites(conn, onServerWrite)) return;
      stampMode = 'PBX publish (the socket was not reachable: a few µs before the write)';
      server.pbx.onEvent((ev) => onServerWrite(ev.bytes, preciseNow()));
    });

    // Client side: stamp socket data as it arrives, before the AMI connection sees it.
    const tappedTransport: AmiTransport = {
      connect(target) {
        const socket = netTransport.connect(target);
        socket.on('data', (chunk: Buffer) => {
          if (armed && armed.writtenAt !== undefined && armed.receivedAt === undefined && chunk.includes(armed.from)) armed.receivedAt = preciseNow();
        });
        return socket;
      },
    };
    const amiEventAt = new Map<string, number>();
    const published = new Map<string, Published>();
    const publishWaiters = new Set<{ readonly id: string; readonly what: keyof Published; readonly resolve: (at: number) => void }>();
    const untilPublished = (id: string, what: keyof Published, timeoutMs: number): Promise<number> => {
      const at = published.get(id)?.[what];
      if (at !== undefined) return Promise.resolve(at);
      return new Promise<number>((resolve, reject) => {
        const waiter = {
          id,
          what,
          resolve: (t: number): void => {
            clearTimeout(timer);
            publishWaiters.delete(waiter);
            resolve(t);
          },
        };
        const timer = setTimeout(() => {
          publishWaiters.delete(waiter);
          reject(new Error(`timed out after ${timeoutMs} ms waiting for the core to publish ${what} of call ${id}`));
        }, timeoutMs);
        publishWaiters.add(waiter);
      });
    };
    const logs = memorySink();
    const log = createLoggerFactory(logs, 'warn');
    const core = createCore({
      settings: new FileSettingsStore({ userFile: path.join(dir, 'settings.json') }),
      secrets: new MemorySecretStore(),
      clock: systemClock,
      log,
      info: { name: 'Sidecall', version: '0.0.0-bench', host: 'web', platform: process.platform, systemLanguage: 'en' },
      connection: () => {
        const source = createAmiConnectionSource({ transport: tappedTransport, clock: systemClock, log });
        // Subscribed before the calls service: stamps each event before the tracker sees it.
        source.ami.onEvent((ev) => {
          const linkedid = getHeader(ev.message, 'Linkedid');
          if (linkedid !== undefined && !amiEventAt.has(linkedid)) amiEventAt.set(linkedid, preciseNow());
        });
        return source;
      },
      history: new JsonlHistoryStore(path.join(dir, 'history.jsonl'), log('history')),
      crm: () => connector,
    });
    cleanups.push({ what: 'core', fn: () => core.dispose() });
    await core.start();
    let ready: () => void = () => undefined;
    const isReady = new Promise<void>((resolve) => (ready = resolve));
    // Subscribed before the web host: stamps `calls.changed` as the core publishes it, before it is serialized and sent.
    core.subscribe((channel, payload) => {
      if (channel === 'connection.status' && (payload as ConnectionStatus).state === 'ready') ready();
      if (channel !== 'calls.changed') return;
      const at = preciseNow();
      const live = new Set<string>();
      for (const v of (payload as CallsView).live) {
        live.add(v.call.id);
        const p = published.get(v.call.id) ?? {};
        p.ringAt ??= at;
        if (v.lookup.status === 'found') p.foundAt ??= at;
        published.set(v.call.id, p);
      }
      for (const [id, p] of published) if (!live.has(id)) p.removedAt ??= at;
      // Waiters resume in a microtask: after this emit, i.e. after the web host has sent the frame.
      for (const w of [...publishWaiters]) {
        const t = published.get(w.id)?.[w.what];
        if (t !== undefined) w.resolve(t);
      }
    });
    const saved = await core.dispatch('settings.update', {
      patch: { pbx: { host: '127.0.0.1', port: server.port, amiUser: 'op101', extension: EXTENSION } },
      amiSecret: 'op101secret',
    });
    if (!saved.ok) throw new Error(`settings.update failed: ${JSON.stringify(saved.error)}`);
    await withTimeout(isReady, 15_000, 'the AMI connection to become ready');

    const host = await startWebHost({ core, rendererDir, log: log('web/host') });
    cleanups.push({ what: 'web host', fn: () => host.close() });
    const browser: Browser = await launchChromium();
    cleanups.push({ what: 'browser', fn: () => browser.close() });
    const context = await browser.newContext({ viewport: { width: 480, height: 860 } });
    const paints = new PagePaints();
    await paints.install(context);
    const page = await context.newPage();
    paints.attach(page);
    const pageErrors: string[] = [];
    page.on('pageerror', (e) => pageErrors.push(e.message));
    await page.goto(host.url);
    await page.locator('[data-testid=connection-state][data-state=ready]').waitFor({ timeout: 15_000 });
    const visibility = await page.evaluate(() => document.visibilityState);
    if (visibility !== 'visible') throw new Error(`the page is ${visibility}: frames would be throttled`);
    const clock = await measureClockOffset(page, preciseNow);

    const rig: Rig = {
      server,
      crm,
      paints,
      arm(from) {
        armed = { from, writtenAt: undefined, ringingInWrite: false, receivedAt: undefined };
        return armed;
      },
      amiEventAt,
      lookupAt,
      published,
      untilPublished,
    };
    const chromiumVersion = browser.version();
    ctx.log(
      `screenpop: renderer built in ${fmt(buildMs / 1000, 1)} s; Chromium ${chromiumVersion} headless, 480x860; ` +
        `core + AMI test server + CRM test server + web host in this Node process; ${os.cpus().length} CPUs, load average ${loadAverage()}`,
    );
    ctx.log(
      `  start = ${stampMode}; end = card painted in the page (MutationObserver, then rAF + setTimeout(0)); ` +
        `page clock - Node clock = ${clock.offsetMs.toFixed(2)} ms (+-${(clock.rttMs / 2).toFixed(2)} ms, evaluate round trip)`,
    );
    if (Math.abs(clock.offsetMs) > clock.rttMs / 2 + 1) failures.push(`the page and Node clocks differ by ${clock.offsetMs.toFixed(2)} ms: latencies would be off by as much`);

    let n = 0;
    for (let i = 0; i < WARMUP_CALLS; i++) await oneCall(rig, 1_000_000 + n++, true);
    const requestsBefore = crm.requestCount;

    if (wantFast) {
      crm.delayMs = FAST_CRM_MS;
      const samples: CallSample[] = [];
      for (let i = 0; i < CALLS; i++) samples.push(await oneCall(rig, 2_000_000 + n++, true));
      const name = samples.map((s) => (s.namePaint?.paintedAt ?? Number.NaN) - s.writtenAt);
      const number = samples.map((s) => s.numberPaint.paintedAt - s.writtenAt);
      const lookups = crm.requestCount - requestsBefore;
      const numberFirst = samples.filter((s) => s.numberPaint.text === displayOf(s.e164)).length;
      const ringing = samples.filter((s) => s.ringingInWrite).length;
      ctx.log(
        `  CRM answering in ${FAST_CRM_MS} ms: ${CALLS} calls one at a time (after ${WARMUP_CALLS} warm-up calls), each from a new number: ` +
          `${lookups} CRM requests; card first painted with the number in ${numberFirst}/${CALLS}; Newstate Ringing in the stamped write in ${ringing}/${CALLS}`,
      );
      const p99 = percentile(name, 99);
      const np99 = percentile(number, 99);
      ctx.log(`  contact name painted:  median ${ms(percentile(name, 50))} ms, p99 ${ms(p99)} ms, max ${ms(Math.max(...name))} ms   (target p99 < ${TARGET_P99_MS} ms: ${p99 < TARGET_P99_MS ? 'met' : 'NOT met'})`);
      ctx.log(`  number alone painted:  median ${ms(percentile(number, 50))} ms, p99 ${ms(np99)} ms, max ${ms(Math.max(...number))} ms   (target < ${TARGET_NUMBER_MS} ms: ${np99 < TARGET_NUMBER_MS ? 'met' : 'NOT met'})`);
      stageTable(ctx, samples, true);
      // Causality check of the shared time base: a frame cannot reach the page before the core published it.
      const firstHop = Math.min(...stampDiffs(samples, (s) => [s.publishedAt, s.wsRingAt]), ...stampDiffs(samples, (s) => [s.foundPublishedAt, s.wsFoundAt]));
      ctx.log(`    (percentiles: nearest rank; clock check: the shortest core publish -> page frame hop is ${ms(firstHop)} ms, >= 0 as it must be)`);
      if (firstHop < 0) failures.push(`a frame reached the page ${ms(-firstHop)} ms before the core published it: the Node and page clocks disagree`);
      ctx.report('screenpop.p50', percentile(name, 50), 'ms');
      ctx.report('screenpop.p99', p99, 'ms');
      ctx.report('screenpop.number.p50', percentile(number, 50), 'ms');
      ctx.report('screenpop.number.p99', np99, 'ms');
      if (lookups !== CALLS) failures.push(`${lookups} CRM requests for ${CALLS} calls: some lookups did not reach the CRM`);
      if (numberFirst !== CALLS) failures.push(`the first paint of ${CALLS - numberFirst} cards was not the caller's number`);
      if (name.some((v) => !Number.isFinite(v))) failures.push('a card never showed the contact name');
    }

    if (wantSlow) {
      crm.delayMs = SLOW_CRM_MS;
      const samples: CallSample[] = [];
      for (let i = 0; i < SLOW_CALLS; i++) samples.push(await oneCall(rig, 3_000_000 + n++, false));
      // One more call kept until the slow CRM answers: the name still arrives, ~2 s later.
      const check = await oneCall(rig, 3_000_000 + n++, true);
      const number = samples.map((s) => s.numberPaint.paintedAt - s.writtenAt);
      const pending = samples.filter((s) => s.numberPaint.status === 'pending' && s.numberPaint.text === displayOf(s.e164)).length;
      const np99 = percentile(number, 99);
      ctx.log(
        `  CRM taking ${SLOW_CRM_MS} ms: ${SLOW_CALLS} calls (fewer than ${CALLS}: each lookup takes 2 s; each call is hung up once its number is painted, ` +
          `so lookups of earlier calls are still running): number painted with the lookup pending in ${pending}/${SLOW_CALLS}`,
      );
      ctx.log(
        `  number alone painted:  median ${ms(percentile(number, 50))} ms, p99 (= max of ${SLOW_CALLS}) ${ms(np99)} ms   (target < ${TARGET_NUMBER_MS} ms: ${np99 < TARGET_NUMBER_MS ? 'met' : 'NOT met'}); ` +
          `a last call kept ringing got its CRM name painted after ${ms((check.namePaint?.paintedAt ?? Number.NaN) - check.writtenAt)} ms`,
      );
      stageTable(ctx, samples, false);
      ctx.report('screenpop.slowcrm.number.p99', np99, 'ms');
      if (pending !== SLOW_CALLS) failures.push(`${SLOW_CALLS - pending} slow-CRM cards were not first painted as the number with the lookup pending`);
    }

    reportRunEnd(ctx, { logs, pageErrors, failures, started });
  } finally {
    await closeAll(cleanups, failures);
    clearTimeout(deadline);
  }
  if (failures.length > 0) throw new Error(`screenpop: ${failures.join('; ')}`);
}

/** `npm run bench -- screenpop` */
export const benchmark: Benchmark = { ids: IDS, run };
