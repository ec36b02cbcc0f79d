// Click-to-call benchmark (issue 5): from the operator's click on the dial
// pad's Call button (stamped in the page, in the same task that clicks) to the
// `Action: Originate` bytes arriving at the AMI test server's socket (stamped by
// a 'data' listener put in front of the server's own), through the product path:
// form submit -> React -> bridge -> WebSocket -> browser-mode web host ->
// `calls.dial` -> call control (validation, Originate) -> AmiConnection ->
// loopback TCP. And the same for a `tel:` link arriving in the core
// (`core.openLink(uri)` with Settings `dial.confirmLinks: false`, so it dials at
// once, as the Electron host does on `second-instance` / `open-url`).
// Both ends stamp `performance.timeOrigin + performance.now()` on the same
// machine (checked against a page.evaluate round trip before measuring).
//
// The operator's phone (PJSIP/101 on the AMI test server) is set to busy, so
// each Originate fails at once (OriginateResponse Failure): only the way to the
// Originate is measured, and no call stays up. Before the next dial the bench
// waits for the `calls.dial` reply, the call's outcome event, no live call in
// the core, and the page idle again (no call row, input cleared). 200 dials each
// way, one at a time, 20 ms apart, each to a new number, after 5 warm-up dials
// that are not counted. Percentiles are nearest-rank. Each stage is stamped too,
// so a missed target says where the time went.
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import type { CallsView } from '../../src-shared/domain/calls-view';
import type { ConnectionStatus } from '../../src-shared/domain/connection';
import type { EventOf, Reply } from '../../src-shared/ipc/contract';
import { createCore, type SidecallCore } from '../../src-main/core/app';
import { createAmiConnectionSource } from '../../src-main/core/ami/ami-connection-source';
import { getHeader, type AmiMessage } from '../../src-main/core/ami/codec';
import { netTransport } from '../../src-main/core/ami/connection/net-transport';
import type { AmiTransport } from '../../src-main/core/ami/connection/transport';
import { systemClock } from '../../src-main/core/clock';
import { startAmiServer, type AmiConnection } from '../../src-main/core/demo/pbx/server';
import { createLoggerFactory, memorySink } from '../../src-main/core/log/logger';
import { FileSettingsStore } from '../../src-main/adapters/settings/file-settings-store';
import { JsonlHistoryStore } from '../../src-main/adapters/history/jsonl-history-store';
import { startWebHost } from '../../src-main/hosts/web/web-host';
import { launchChromium } from '../support/browser';
import { MemorySecretStore } from '../support/memory-secret-store';
import { closeAll, loadAverage, ms, percentile, reportRunEnd, sleep, stageLine, stampDiffs, tempRendererBuild, withTimeout, type Cleanup } from './support/bench-util';
import { preciseNow } from './support/crm-test-server';
import { measureClockOffset } from './support/paint-probe';
import { fmt } from './harness';
import type { BenchContext, Benchmark } from './harness';

const DIALS = 200;
const WARMUP_DIALS = 5;
const TARGET_P99_MS = 20;
/** Pause once a dial has settled, before the next one (the operator's desk is idle between calls). */
const GAP_MS = 20;
const STEP_TIMEOUT_MS = 10_000;
/** The whole benchmark (build, servers, browser, ~410 dials) must finish well within this. */
const DEADLINE_MS = 110_000;
const EXTENSION = '101';
const ORIGINATE = 'Action: Originate\r\n';

const IDS = ['dial.p50', 'dial.p99', 'dial.link.p50', 'dial.link.p99'] as const;

/** Everything stamped for one dial (ms, performance.timeOrigin + now, Node and page alike). */
interface DialSample {
  /** The number dialled, as typed or as the link carried it. */
  readonly number: string;
  /** The click (pad) or the `core.openLink` call (link): the start of the latency. */
  readonly startAt: number;
  /** The web host handed `calls.dial` to the core (pad only). */
  readonly dispatchAt: number | undefined;
  /** The AMI client wrote the Originate to its socket. */
  readonly clientWriteAt: number;
  /** The chunk completing `Action: Originate` arrived at the server's socket: the end of the latency. */
  readonly serverAt: number;
  /** The outcome the core reported (`calls.outcome` code). */
  readonly outcome: string;
}

/** One dial being watched for. */
interface Armed {
  readonly number: string;
  /** From the dial pad (through the web host, which answers with a reply) or from a link. */
  readonly viaPad: boolean;
  dispatchAt: number | undefined;
  clientWriteAt: number | undefined;
  serverAt: number | undefined;
  reply: Reply | undefined;
  outcome: EventOf<'calls.outcome'> | undefined;
}

/** What the dial probe puts on `window` (used inside page.evaluate). */
interface DialProbe {
  readonly sends: number[];
}
type DialProbeWindow = Window & { readonly __sidecallDialBench: DialProbe };

/** Runs in the page before the app (serialized by Playwright): stamps every `calls.dial` request frame as the bridge sends it. */
function pageDialProbe(): void {
  const sends: number[] = [];
  const native = WebSocket.prototype.send;
  WebSocket.prototype.send = function send(this: WebSocket, data: Parameters<WebSocket['send']>[0]): void {
    if (typeof data === 'string' && data.includes('"calls.dial"')) sends.push(performance.timeOrigin + performance.now());
    native.call(this, data);
  };
  const probe: DialProbe = { sends };
  Object.defineProperty(window, '__sidecallDialBench', { value: probe });
}

/**
 * Calls `onData` with every chunk the AMI test server's socket receives from this
 * client, stamped before the server's own listener parses it. The socket is not
 * part of the AmiConnection interface; false when it is not reachable.
 */
function tapServerReads(conn: AmiConnection, onData: (chunk: Buffer, at: number) => void): boolean {
  const socket: unknown = Reflect.get(conn, 'socket');
  if (!(socket instanceof net.Socket)) return false;
  socket.prependListener('data', (chunk: Buffer) => onData(chunk, preciseNow()));
  return true;
}

interface Rig {
  readonly core: SidecallCore;
  readonly page: Page;
  /** Starts watching for the next dial's Originate, reply and outcome. */
  arm(number: string, viaPad: boolean): Armed;
  /** Resolves once the armed dial has reached the server, been answered, had its outcome, and no call is live. */
  settled(armed: Armed, timeoutMs: number): Promise<void>;
}

/** The digits of an Originate's Exten against the number dialled (national format: 8 + the 10 national digits). */
function sameNumber(exten: string | undefined, dialled: string): boolean {
  return exten !== undefined && exten.replace(/\D/g, '').slice(-10) === dialled.replace(/\D/g, '').slice(-10);
}

async function padDial(rig: Rig, n: number): Promise<DialSample> {
  const number = `8916000${String(n).padStart(4, '0')}`;
  await rig.page.fill('[data-testid=dial-input]', number);
  await rig.page.locator('[data-testid=dial-call]:enabled').waitFor({ timeout: STEP_TIMEOUT_MS });
  const armed = rig.arm(number, true);
  // Stamp and click in the same task: nothing of the page runs between them.
  const clickAt = await rig.page.evaluate(() => {
    const button = document.querySelector<HTMLButtonElement>('[data-testid=dial-call]');
    if (!button || button.disabled) return null;
    const t = performance.timeOrigin + performance.now();
    button.click();
    return t;
  });
  if (clickAt === null) throw new Error(`the Call button was not clickable for ${number}`);
  await rig.settled(armed, STEP_TIMEOUT_MS);
  if (armed.reply?.ok !== true) throw new Error(`calls.dial for ${number} was refused: ${JSON.stringify(armed.reply)}`);
  // The page has had every frame by now; wait until it shows the desk idle again.
  await rig.page.waitForFunction(
    () => document.querySelectorAll('[data-testid=call-row]').length === 0 && document.querySelector<HTMLInputElement>('[data-testid=dial-input]')?.value === '',
    undefined,
    { timeout: STEP_TIMEOUT_MS },
  );
  return sampleOf(armed, clickAt);
}

async function linkDial(rig: Rig, n: number): Promise<DialSample> {
  const number = `+7916001${String(n).padStart(4, '0')}`;
  const uri = `tel:${number}`;
  const armed = rig.arm(number, false);
  const openAt = preciseNow();
  const opened = rig.core.openLink(uri);
  await withTimeout(opened, STEP_TIMEOUT_MS, `core.openLink(${uri})`);
  await rig.settled(armed, STEP_TIMEOUT_MS);
  await rig.page.locator('[data-testid=call-row]').first().waitFor({ state: 'detached', timeout: STEP_TIMEOUT_MS });
  return sampleOf(armed, openAt);
}

function sampleOf(armed: Armed, startAt: number): DialSample {
  if (armed.clientWriteAt === undefined || armed.serverAt === undefined) throw new Error(`the Originate for ${armed.number} was not seen on both ends`);
  return {
    number: armed.number,
    startAt,
    dispatchAt: armed.dispatchAt,
    clientWriteAt: armed.clientWriteAt,
    serverAt: armed.serverAt,
    outcome: armed.outcome?.code ?? '-',
  };
}

function line(label: string, values: readonly number[]): string {
  return stageLine(label, values, 62);
}

function counts(values: readonly string[]): string {
  const m = new Map<string, number>();
  for (const v of values) m.set(v, (m.get(v) ?? 0) + 1);
  return [...m].map(([k, c]) => `${c}x ${k}`).join(', ');
}

/** Median, p99 and target verdict; reports the two figures. */
function summary(ctx: BenchContext, what: string, ids: readonly [string, string], totals: readonly number[]): void {
  const p50 = percentile(totals, 50);
  const p99 = percentile(totals, 99);
  ctx.log(
    `  ${what}: ${totals.length} dials: median ${ms(p50)} ms, p99 ${ms(p99)} ms, max ${ms(Math.max(...totals))} ms   ` +
      `(target p99 < ${TARGET_P99_MS} ms: ${p99 < TARGET_P99_MS ? 'met' : 'NOT met'})`,
  );
  ctx.report(ids[0], p50, 'ms');
  ctx.report(ids[1], p99, 'ms');
}

async function run(ctx: BenchContext): Promise<void> {
  const wantPad = ctx.wants('dial.p50') || ctx.wants('dial.p99');
  const wantLink = ctx.wants('dial.link.p50') || ctx.wants('dial.link.p99');
  const started = preciseNow();
  const cleanups: Cleanup[] = [];
  const failures: string[] = [];
  const deadline = setTimeout(() => {
    // A hung step (the browser, a server) must not hold the runner forever.
    console.error(`# dial: still running after ${DEADLINE_MS / 1000} s; giving up`);
    process.exit(1);
  }, DEADLINE_MS);
  deadline.unref();
  try {
    const { dir, rendererDir, buildMs } = await tempRendererBuild('sidecall-bench-dial-', cleanups);

    const server = await startAmiServer({ host: '127.0.0.1', port: 0 });
    cleanups.push({ what: 'AMI server', fn: () => server.close() });
    // Busy: every Originate fails as soon as the phone is asked, so no call outlives its dial.
    server.pbx.setPhone(EXTENSION, { answer: 'busy' });

    let armed: Armed | undefined;
    const wakers = new Set<() => void>();
    const wake = (): void => {
      for (const w of [...wakers]) w();
    };

    // Server side: the chunk completing `Action: Originate` (a tail of the previous chunk covers a split).
    let tail = '';
    const onServerData = (chunk: Buffer, at: number): void => {
      const text = tail + chunk.toString('latin1');
      tail = text.slice(-(ORIGINATE.length - 1));
      if (!text.includes(ORIGINATE) || !armed || armed.serverAt !== undefined) return;
      armed.serverAt = at;
      wake();
    };
    let stampMode = "a 'data' listener in front of the AMI test server's own";
    let serverConn: AmiConnection | undefined;
    void server.nextConnection().then((conn) => {
      serverConn = conn;
      if (!tapServerReads(conn, onServerData)) stampMode = 'unavailable (the server socket was not reachable)';
    });

    // Client side: stamp the Originate as the AMI connection writes it.
    const tappedTransport: AmiTransport = {
      connect(target) {
        const socket = netTransport.connect(target);
        const write = socket.write.bind(socket);
        Object.defineProperty(socket, 'write', {
          configurable: true,
          writable: true,
          value: (chunk: Buffer): unknown => {
            if (armed && armed.clientWriteAt === undefined && chunk.includes(ORIGINATE)) armed.clientWriteAt = preciseNow();
            return write(chunk);
          },
        });
        return socket;
      },
    };

    const logs = memorySink();
    const log = createLoggerFactory(logs, 'warn');
    const core = createCore({
      settings: new FileSettingsStore({ userFile: path.join(dir, 'settings.json') }),
      secrets: new MemorySecretStore(),
      clock: systemClock,
      log,
      info: { name: 'Sidecall', version: '0.0.0-bench', host: 'web', platform: process.platform, systemLanguage: 'en' },
      connection: () => createAmiConnectionSource({ transport: tappedTransport, clock: systemClock, log }),
      history: new JsonlHistoryStore(path.join(dir, 'history.jsonl'), log('history')),
    });
    cleanups.push({ what: 'core', fn: () => core.dispose() });
    await core.start();

    let ready: () => void = () => undefined;
    const isReady = new Promise<void>((resolve) => (ready = resolve));
    let liveCalls = 0;
    core.subscribe((channel, payload) => {
      if (channel === 'connection.status' && (payload as ConnectionStatus).state === 'ready') ready();
      if (channel === 'calls.changed') {
        liveCalls = (payload as CallsView).live.length;
        wake();
      }
      if (channel === 'calls.outcome' && armed && armed.outcome === undefined) {
        armed.outcome = payload as EventOf<'calls.outcome'>;
        wake();
      }
    });
    const saved = await core.dispatch('settings.update', {
      patch: { pbx: { host: '127.0.0.1', port: server.port, amiUser: 'op101', extension: EXTENSION }, dial: { confirmLinks: false } },
      amiSecret: 'op101secret',
    });
    if (!saved.ok) throw new Error(`settings.update failed: ${JSON.stringify(saved.error)}`);
    await withTimeout(isReady, 15_000, 'the AMI connection to become ready');

    // The web host gets the core with `dispatch` stamped: when a `calls.dial` frame reached the core, and its reply.
    const hostCore: SidecallCore = {
      ...core,
      dispatch: async (channel, payload) => {
        const target = channel === 'calls.dial' ? armed : undefined;
        if (target) target.dispatchAt ??= preciseNow();
        const reply = await core.dispatch(channel, payload);
        if (target) {
          target.reply = reply;
          wake();
        }
        return reply;
      },
    };
    const host = await startWebHost({ core: hostCore, rendererDir, log: log('web/host') });
    cleanups.push({ what: 'web host', fn: () => host.close() });
    const browser: Browser = await launchChromium();
    cleanups.push({ what: 'browser', fn: () => browser.close() });
    const context = await browser.newContext({ viewport: { width: 480, height: 860 } });
    // tsx (esbuild keepNames) wraps local functions in `__name(...)`; the page has no such helper.
    await context.addInitScript({ content: `globalThis.__name ??= (f) => f;\n(${pageDialProbe.toString()})();` });
    const page = await context.newPage();
    const pageErrors: string[] = [];
    page.on('pageerror', (e) => pageErrors.push(e.message));
    await page.goto(host.url);
    await page.locator('[data-testid=connection-state][data-state=ready]').waitFor({ timeout: 15_000 });
    await page.locator('[data-testid=dial-input]').waitFor({ timeout: 15_000 });
    const visibility = await page.evaluate(() => document.visibilityState);
    if (visibility !== 'visible') throw new Error(`the page is ${visibility}: its tasks would be throttled`);
    const clock = await measureClockOffset(page, preciseNow);

    const rig: Rig = {
      core,
      page,
      arm(number, viaPad) {
        armed = { number, viaPad, dispatchAt: undefined, clientWriteAt: undefined, serverAt: undefined, reply: undefined, outcome: undefined };
        return armed;
      },
      settled(a, timeoutMs) {
        const done = (): boolean => a.serverAt !== undefined && a.outcome !== undefined && liveCalls === 0 && (!a.viaPad || a.reply !== undefined);
        if (done()) return Promise.resolve();
        return new Promise<void>((resolve, reject) => {
          const check = (): void => {
            if (!done()) return;
            wakers.delete(check);
            clearTimeout(timer);
            resolve();
          };
          const timer = setTimeout(() => {
            wakers.delete(check);
            const state = `Originate at the server: ${a.serverAt !== undefined}, reply: ${a.reply !== undefined}, outcome: ${a.outcome?.code ?? 'none'}, live calls: ${liveCalls}`;
            reject(new Error(`timed out after ${timeoutMs} ms waiting for the dial of ${a.number} to settle (${state})`));
          }, timeoutMs);
          wakers.add(check);
        });
      },
    };

    ctx.log(
      `dial: renderer built in ${fmt(buildMs / 1000, 1)} s; Chromium ${browser.version()} headless, 480x860; ` +
        `core + AMI test server + web host in this Node process; ${os.cpus().length} CPUs, load average ${loadAverage()}`,
    );
    ctx.log(
      `  end = the chunk with "Action: Originate" at the server socket, stamped by ${stampMode}; ` +
        `page clock - Node clock = ${clock.offsetMs.toFixed(2)} ms (+-${(clock.rttMs / 2).toFixed(2)} ms, evaluate round trip)`,
    );
    if (Math.abs(clock.offsetMs) > clock.rttMs / 2 + 1) failures.push(`the page and Node clocks differ by ${clock.offsetMs.toFixed(2)} ms: latencies would be off by as much`);

    const originates = (): AmiMessage[] => (serverConn?.actions ?? []).filter((a) => getHeader(a, 'Action') === 'Originate');
    const checkOriginates = (samples: readonly DialSample[], from: number): void => {
      const sent = originates().slice(from);
      if (sent.length !== samples.length) {
        failures.push(`${sent.length} Originate actions reached the server for ${samples.length} dials`);
        return;
      }
      const wrong = samples.filter((s, i) => {
        const action = sent[i];
        return action === undefined || !sameNumber(getHeader(action, 'Exten'), s.number);
      });
      if (wrong.length > 0) failures.push(`${wrong.length} Originates did not carry the number dialled (first: ${wrong[0]?.number ?? ''})`);
    };

    let sendsSeen = 0;
    let n = 0;
    if (wantPad) {
      for (let i = 0; i < WARMUP_DIALS; i++) {
        await padDial(rig, n++);
        await sleep(GAP_MS);
      }
      const from = originates().length;
      const sendsFrom = WARMUP_DIALS;
      const samples: DialSample[] = [];
      for (let i = 0; i < DIALS; i++) {
        samples.push(await padDial(rig, n++));
        await sleep(GAP_MS);
      }
      const sends = await page.evaluate(() => (window as unknown as DialProbeWindow).__sidecallDialBench.sends.slice());
      sendsSeen = sends.length;
      const sent = sends.slice(sendsFrom);
      if (sends.length !== WARMUP_DIALS + DIALS) failures.push(`the page sent ${sends.length} calls.dial frames for ${WARMUP_DIALS + DIALS} clicks`);
      const totals = samples.map((s) => s.serverAt - s.startAt);
      ctx.log(`  dial pad (click on Call -> Originate at the AMI server), ${DIALS} dials one at a time after ${WARMUP_DIALS} warm-up dials; outcomes: ${counts(samples.map((s) => s.outcome))}`);
      summary(ctx, 'click -> Originate', ['dial.p50', 'dial.p99'], totals);
      ctx.log(`    ${'stage (ms)'.padEnd(62)} ${'median'.padStart(7)} ${'p99'.padStart(7)} ${'max'.padStart(7)}`);
      const sentAt = (i: number): number | undefined => (sends.length === WARMUP_DIALS + DIALS ? sent[i] : undefined);
      const indexed = samples.map((s, i) => ({ s, sendAt: sentAt(i) }));
      const hop = (pick: (x: (typeof indexed)[number]) => readonly [number | undefined, number | undefined]): number[] =>
        indexed.flatMap((x) => {
          const [a, b] = pick(x);
          return a !== undefined && b !== undefined ? [b - a] : [];
        });
      ctx.log(line('click -> calls.dial frame sent (submit, React handler, bridge)', hop((x) => [x.s.startAt, x.sendAt])));
      ctx.log(line('-> web host dispatches calls.dial (WebSocket, JSON, frame check)', hop((x) => [x.sendAt, x.s.dispatchAt])));
      ctx.log(line('-> AMI client writes Originate (router, validation, control)', stampDiffs(samples, (s) => [s.dispatchAt, s.clientWriteAt])));
      ctx.log(line('-> Originate at the server socket (loopback TCP, event loop)', stampDiffs(samples, (s) => [s.clientWriteAt, s.serverAt])));
      ctx.log(line('= click -> Originate (total)', totals));
      // Causality check of the shared time base: a frame cannot reach Node before the page sent it.
      const firstHop = Math.min(...hop((x) => [x.sendAt, x.s.dispatchAt]));
      ctx.log(`    (percentiles: nearest rank; clock check: the shortest page send -> web host dispatch hop is ${ms(firstHop)} ms, >= 0 as it must be)`);
      if (firstHop < 0) failures.push(`a calls.dial frame reached the web host ${ms(-firstHop)} ms before the page sent it: the Node and page clocks disagree`);
      checkOriginates(samples, from);
    }

    if (wantLink) {
      for (let i = 0; i < WARMUP_DIALS; i++) {
        await linkDial(rig, n++);
        await sleep(GAP_MS);
      }
      const from = originates().length;
      const samples: DialSample[] = [];
      for (let i = 0; i < DIALS; i++) {
        samples.push(await linkDial(rig, n++));
        await sleep(GAP_MS);
      }
      const totals = samples.map((s) => s.serverAt - s.startAt);
      ctx.log(
        `  tel: link (core.openLink, dial.confirmLinks off -> Originate at the AMI server), ${DIALS} dials one at a time after ${WARMUP_DIALS} warm-up dials, ` +
          `the UI open; outcomes: ${counts(samples.map((s) => s.outcome))}`,
      );
      summary(ctx, 'link -> Originate', ['dial.link.p50', 'dial.link.p99'], totals);
      ctx.log(`    ${'stage (ms)'.padEnd(62)} ${'median'.padStart(7)} ${'p99'.padStart(7)} ${'max'.padStart(7)}`);
      ctx.log(line('openLink -> AMI client writes Originate (parse, validation, control)', stampDiffs(samples, (s) => [s.startAt, s.clientWriteAt])));
      ctx.log(line('-> Originate at the server socket (loopback TCP, event loop)', stampDiffs(samples, (s) => [s.clientWriteAt, s.serverAt])));
      ctx.log(line('= link -> Originate (total)', totals));
      checkOriginates(samples, from);
      if (wantPad) {
        const sends = await page.evaluate(() => (window as unknown as DialProbeWindow).__sidecallDialBench.sends.length);
        if (sends !== sendsSeen) failures.push(`the page sent ${sends - sendsSeen} calls.dial frames during the link dials`);
      }
    }

    if (server.connections.length !== 1) failures.push(`${server.connections.length} AMI connections were made (expected 1: a reconnect happened during the run)`);
    if (server.errors.length > 0) failures.push(`AMI test server errors: ${server.errors.slice(0, 3).map(String).join('; ')}`);
    reportRunEnd(ctx, { logs, pageErrors, failures, started });
  } finally {
    await closeAll(cleanups, failures);
    clearTimeout(deadline);
  }
  if (failures.length > 0) throw new Error(`dial: ${failures.join('; ')}`);
}

/** `npm run bench -- dial` */
export const benchmark: Benchmark = { ids: IDS, run };
