// Call-report latency benchmark (issue 6): from the moment the AMI test server
// writes the operator channel's `Event: Hangup` to Sidecall's AMI socket
// (stamped by wrapping that socket's write) to the moment the amoCRM test server
// receives the `POST /api/v4/calls` carrying the call (its own request record,
// which it answers at once: no latency, no rate limit), through the product
// path: AMI codec -> tracker -> History -> reporting (CallLog, recording link)
// -> outbox (enqueue journaled with fsync in the real file journal, the `contact`
// step journaled) -> amoCRM connector -> CRM HTTP client (token from the token
// manager, the client's own spacing of amoCRM requests) -> loopback HTTP.
// Both ends stamp Date.now() (the test server's clock), so figures have 1 ms
// resolution.
//
// Each call: an outside number rings extension 101 through the trunk, the screen
// pop finds the caller in amoCRM, the phone answers, talks 160 ms and hangs up;
// the next call starts once the outbox is empty again and 160 ms have passed.
// The client spaces amoCRM requests one per 150 ms (amoCRM's 7/s); real calls
// and the gaps between them are far longer than that, so the pauses keep the
// spacing out of the figure (back to back, each report would wait for the
// lookup of the call before it: ~70 ms more, measured while writing this).
// 200 calls, after 5 warm-up calls that are not counted. Percentiles are
// nearest-rank. The stages say where the time went.
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { CallsView } from '../../src-shared/domain/calls-view';
import type { ConnectionStatus } from '../../src-shared/domain/connection';
import type { CrmStatus, OutboxStatusView } from '../../src-shared/domain/crm-status';
import { AmoCrmSettingsSchema } from '../../src-shared/domain/crm-settings';
import { createCore } from '../../src-main/core/app';
import { createAmiConnectionSource } from '../../src-main/core/ami/ami-connection-source';
import { netTransport } from '../../src-main/core/ami/connection/net-transport';
import { systemClock } from '../../src-main/core/clock';
import { CRM_BACKENDS } from '../../src-main/core/crm/backends';
import { simulateInbound } from '../../src-main/core/demo/pbx/calls';
import { startAmiServer, type AmiConnection } from '../../src-main/core/demo/pbx/server';
import { createLoggerFactory, memorySink } from '../../src-main/core/log/logger';
import { FileSettingsStore } from '../../src-main/adapters/settings/file-settings-store';
import { JsonlHistoryStore } from '../../src-main/adapters/history/jsonl-history-store';
import { fileOutbox } from '../../src-main/adapters/outbox/file-outbox';
import { startAmoCrmServer, type RecordedRequest } from '../support/crm-servers/amocrm-server';
import { MemorySecretStore } from '../support/memory-secret-store';
import { closeAll, ms, percentile, reportRunEnd, sleep, stageLine, stampDiffs, withTimeout, type Cleanup } from './support/bench-util';
import { preciseNow } from './support/crm-test-server';
import type { BenchContext, Benchmark } from './harness';
import { freePort } from '../support/loopback';

const CALLS = 200;
const WARMUP_CALLS = 5;
/** Longer than the client's spacing of amoCRM requests (150 ms), after the lookup and after the report. */
const TALK_MS = 160;
const GAP_MS = 160;
const STEP_TIMEOUT_MS = 10_000;
/** The whole benchmark (servers, sign-in, ~205 calls of ~0.4 s) must finish well within this. */
const DEADLINE_MS = 200_000;
const EXTENSION = '101';
const HANGUP = 'Event: Hangup\r\n';
const IDS = ['report.latency.p50', 'report.latency.p99'] as const;

/** Everything stamped for one call (Date.now(), ms). */
interface Sample {
  readonly id: string;
  /** The AMI test server wrote `Event: Hangup` to Sidecall's socket: the start of the latency. */
  readonly hangupAt: number;
  /** The core filed the call in History (history.changed). */
  readonly endedAt: number | undefined;
  /** The outbox first said the call waits (outbox.changed, journaled). */
  readonly queuedAt: number | undefined;
  /** The amoCRM test server received the call log: the end of the latency. */
  readonly acceptedAt: number;
}

/** One call being watched for. */
interface Armed {
  id: string;
  hangupAt: number | undefined;
  endedAt: number | undefined;
  queuedAt: number | undefined;
}

const callerOf = (n: number): string => `7985${String(1_000_000 + n).padStart(7, '0')}`;

/** Stamps every chunk the AMI test server writes to this client that carries a Hangup event. */
function tapServerWrites(conn: AmiConnection, onHangup: () => void): boolean {
  const socket: unknown = Reflect.get(conn, 'socket');
  if (!(socket instanceof net.Socket)) return false;
  const write = socket.write.bind(socket) as (...args: unknown[]) => boolean;
  Object.defineProperty(socket, 'write', {
    configurable: true,
    writable: true,
    value: (...args: unknown[]): boolean => {
      const chunk = args[0];
      if ((Buffer.isBuffer(chunk) && chunk.includes(HANGUP)) || (typeof chunk === 'string' && chunk.includes(HANGUP))) onHangup();
      return write(...args);
    },
  });
  return true;
}

async function run(ctx: BenchContext): Promise<void> {
  const started = preciseNow();
  const cleanups: Cleanup[] = [];
  const failures: string[] = [];
  const deadline = setTimeout(() => {
    console.error(`# report: still running after ${DEADLINE_MS / 1000} s; giving up`);
    process.exit(1);
  }, DEADLINE_MS);
  deadline.unref();
  const logs = memorySink();
  try {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sidecall-bench-report-'));
    cleanups.push({ what: 'temp dir', fn: () => fs.rmSync(dir, { recursive: true, force: true }) });

    const redirectPort = await freePort();
    const amo = await startAmoCrmServer({ redirectUri: `http://127.0.0.1:${redirectPort}/amocrm/callback`, rateLimit: false, latencyMs: 0 });
    cleanups.push({ what: 'amoCRM test server', fn: () => amo.close() });
    for (let n = 0; n < CALLS + WARMUP_CALLS; n++) amo.addContact({ name: `Клиент ${n}`, phones: [`+${callerOf(n)}`] });

    const pbx = await startAmiServer({ host: '127.0.0.1', port: 0, config: { rtcpIntervalMs: 0 }, loginFailureDelayMs: 0 });
    cleanups.push({ what: 'AMI server', fn: () => pbx.close() });
    pbx.pbx.setPhone(EXTENSION, { answer: 'manual' });

    let armed: Armed | undefined;
    const wakers = new Set<() => void>();
    const wake = (): void => {
      for (const w of [...wakers]) w();
    };
    /** Resolves once `done()` holds, re-checked on every event; rejects naming `what` after the step timeout. */
    const until = (done: () => boolean, what: string): Promise<void> => {
      if (done()) return Promise.resolve();
      let waker: () => void = () => undefined;
      const p = new Promise<void>((resolve) => {
        waker = () => {
          if (done()) resolve();
        };
        wakers.add(waker);
      });
      return withTimeout(p, STEP_TIMEOUT_MS, what).finally(() => wakers.delete(waker));
    };

    let tapped = 0;
    const tapNext = (): void => {
      void pbx.nextConnection().then((conn) => {
        if (
          tapServerWrites(conn, () => {
            if (armed && armed.hangupAt === undefined) armed.hangupAt = Date.now();
          })
        )
          tapped += 1;
        tapNext();
      });
    };
    tapNext();

    // The system browser for the one sign-in: loads amoCRM's page and follows its redirect to the loopback.
    const browser = { open: async (url: string): Promise<void> => void (await (await fetch(url)).text()) };
    const log = createLoggerFactory(logs, 'warn');
    const core = createCore({
      settings: new FileSettingsStore({ userFile: path.join(dir, 'settings.json') }),
      secrets: new MemorySecretStore(),
      clock: systemClock,
      log,
      info: { name: 'Sidecall', version: '0.0.0-bench', host: 'web', platform: process.platform, systemLanguage: 'en' },
      connection: () => createAmiConnectionSource({ transport: netTransport, clock: systemClock, log }),
      history: new JsonlHistoryStore(path.join(dir, 'history.jsonl'), log('history')),
      crmBackends: CRM_BACKENDS,
      browser,
      outbox: fileOutbox(path.join(dir, 'outbox.journal'), systemClock, log),
    });
    cleanups.push({ what: 'core', fn: () => core.dispose() });
    await core.start();

    let connection = '';
    let crm = '';
    let view: CallsView = { live: [], missed: 0, demo: false };
    let outbox: OutboxStatusView = { sending: false, waiting: 0, failed: [] };
    core.subscribe((channel, payload) => {
      if (channel === 'connection.status') connection = (payload as ConnectionStatus).state;
      if (channel === 'crm.status') crm = (payload as CrmStatus).state;
      if (channel === 'calls.changed') view = payload as CallsView;
      if (channel === 'outbox.changed') {
        outbox = payload as OutboxStatusView;
        if (armed && armed.endedAt !== undefined && armed.queuedAt === undefined && outbox.waiting > 0) armed.queuedAt = Date.now();
      }
      if (channel === 'history.changed' && armed && (payload as { callId: string }).callId === armed.id) armed.endedAt ??= Date.now();
      wake();
    });
    // amoCRM's answer arrives outside the core's events: look at the server's records every millisecond while waiting.
    const poller = setInterval(wake, 1);
    cleanups.push({ what: 'poller', fn: () => clearInterval(poller) });

    const update = async (payload: unknown): Promise<void> => {
      const reply = await core.dispatch('settings.update', payload);
      if (!reply.ok) throw new Error(`settings.update failed: ${reply.error.message}`);
    };
    await update({
      patch: {
        pbx: { host: '127.0.0.1', port: pbx.port, amiUser: 'op101', extension: EXTENSION },
        reporting: { which: 'external', recordingLink: { urlTemplate: 'https://pbx.example.com/rec/{yyyy}/{mm}/{dd}/{linkedid}.wav', signed: false, expiresHours: 0 } },
        crm: { kind: 'amocrm', amocrm: AmoCrmSettingsSchema.parse({ accountUrl: amo.url, clientId: amo.clientId, authorizeUrl: `${amo.url}/oauth`, redirectPort }) },
      },
      amiSecret: 'op101secret',
      crmSecrets: { clientSecret: amo.clientSecret },
    });
    await until(() => connection === 'ready', 'the AMI connection to become ready');
    const connected = await core.dispatch('crm.connect', {});
    if (!connected.ok) throw new Error(`crm.connect failed: ${connected.error.message}`);
    await until(() => crm === 'connected', 'the amoCRM sign-in');
    if (tapped === 0) throw new Error("the AMI test server's socket was not reachable: hangups cannot be stamped");

    const acceptedOf = (id: string): RecordedRequest | undefined =>
      amo.requests.find((r) => r.path === '/api/v4/calls' && r.method === 'POST' && r.status === 200 && Array.isArray(r.body) && (r.body[0] as Record<string, unknown> | undefined)?.['uniq'] === id);

    const oneCall = async (n: number): Promise<Sample> => {
      const from = callerOf(n);
      simulateInbound(pbx.pbx, { from, to: EXTENSION, via: 'trunk', answer: false, talkMs: 600_000 });
      const ringing = (): string | undefined => view.live.find((l) => l.call.remoteNumber === from && l.call.state === 'ringing')?.call.id;
      await until(() => ringing() !== undefined, `call ${n} to ring`);
      const id = ringing() ?? '';
      await until(() => view.live.some((l) => l.call.id === id && l.lookup.status === 'found'), `call ${n}: the screen pop to find the caller`);
      pbx.pbx.answerPhone(EXTENSION);
      await until(() => view.live.some((l) => l.call.id === id && l.call.state === 'connected'), `call ${n} to be answered`);
      await sleep(TALK_MS);
      const a: Armed = { id, hangupAt: undefined, endedAt: undefined, queuedAt: undefined };
      armed = a;
      pbx.pbx.hangupPhone(EXTENSION);
      await until(() => acceptedOf(id) !== undefined, `call ${n} to reach amoCRM`);
      const accepted = acceptedOf(id);
      // The outbox journals 'done' after the answer: wait for it before the next call.
      await until(() => outbox.waiting === 0 && !outbox.sending && view.live.length === 0, `call ${n} to leave the outbox`);
      armed = undefined;
      if (a.hangupAt === undefined || !accepted) throw new Error(`call ${n}: the hangup or the CRM's receipt was not seen`);
      return { id, hangupAt: a.hangupAt, endedAt: a.endedAt, queuedAt: a.queuedAt, acceptedAt: accepted.at };
    };

    for (let n = 0; n < WARMUP_CALLS; n++) {
      await oneCall(CALLS + n);
      await sleep(GAP_MS);
    }
    const samples: Sample[] = [];
    for (let n = 0; n < CALLS; n++) {
      samples.push(await oneCall(n));
      await sleep(GAP_MS);
    }

    // Correctness: every call once at amoCRM, nothing left or failed in the outbox.
    const posted = amo.requests.filter((r) => r.path === '/api/v4/calls' && r.method === 'POST' && r.status === 200);
    if (posted.length !== CALLS + WARMUP_CALLS) failures.push(`amoCRM received ${posted.length} call logs for ${CALLS + WARMUP_CALLS} calls`);
    if (amo.calls.length !== CALLS + WARMUP_CALLS) failures.push(`amoCRM stored ${amo.calls.length} calls for ${CALLS + WARMUP_CALLS}`);
    if (outbox.failed.length > 0) failures.push(`${outbox.failed.length} call logs failed: ${outbox.failed[0]?.reason ?? ''}`);

    const totals = samples.map((s) => s.acceptedAt - s.hangupAt);
    const p50 = percentile(totals, 50);
    const p99 = percentile(totals, 99);
    ctx.log(`  hangup written by the AMI test server -> call log received by the amoCRM test server (Date.now(), 1 ms resolution)`);
    ctx.log(`  ${samples.length} calls: median ${ms(p50)} ms, p99 ${ms(p99)} ms, max ${ms(Math.max(...totals))} ms`);
    const width = 56;
    ctx.log(`    ${'stage'.padEnd(width)}  median     p99     max`);
    ctx.log(stageLine('hangup written -> call filed in History (AMI, tracker)', stampDiffs(samples, (s) => [s.hangupAt, s.endedAt]), width));
    ctx.log(stageLine('filed -> queued in the outbox (call log, fsync)', stampDiffs(samples, (s) => [s.endedAt, s.queuedAt]), width));
    ctx.log(stageLine('queued -> received by amoCRM (step fsync, HTTP)', stampDiffs(samples, (s) => [s.queuedAt, s.acceptedAt]), width));
    ctx.log(stageLine('total', totals, width));
    ctx.log(`  ${amo.counters.requests} requests to amoCRM (${amo.counters.tokenRefreshes} refreshes, ${amo.counters.unauthorized} refused); journal ${fmtBytes(fs.statSync(path.join(dir, 'outbox.journal')).size)}`);
    ctx.report(IDS[0], p50, 'ms');
    ctx.report(IDS[1], p99, 'ms');
  } finally {
    clearTimeout(deadline);
    await closeAll(cleanups, failures);
  }
  reportRunEnd(ctx, { logs, pageErrors: [], failures, started });
  if (failures.length > 0) throw new Error(`report benchmark: ${failures.join('; ')}`);
}

function fmtBytes(n: number): string {
  return n >= 1024 ? `${(n / 1024).toFixed(1)} KiB` : `${n} B`;
}

export const benchmark: Benchmark = { ids: [...IDS], run };
