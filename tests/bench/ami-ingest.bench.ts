// AMI ingest benchmark (issue 3): 200,000 recorded-like events (~1% for the
// operator's extension 101) served by a loopback TCP server in this process to one
// client per child process: Sidecall's AmiDecoder with the operator filter and its
// byte prefilter (the product path), the same without the prefilter (every event
// decoded), asterisk-ami-client 1.1.5 and asterisk-manager 0.2.0. Each client logs
// in, sends `Events`, and is timed from that moment until its last event. The
// server answers Login with `Response: Success` and streams the events after the
// `Events` reply, so every client starts on an idle, logged-in session.
import { fork } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';
import { AmiDecoder, encodeMessage, getHeader } from '../../src-main/core/ami/codec';
import type { ClientKind, IngestResult } from './ami-ingest-client';
import { buildIngestStream } from './ami-ingest-stream';
import type { IngestStream } from './ami-ingest-stream';
import { fmt } from './harness';
import type { BenchContext, Benchmark } from './harness';

const EVENTS = 200_000;
const RUN_TIMEOUT_MS = 180_000;
const SIDECALL_RUNS = 3;
const CHILD = path.join(import.meta.dirname, 'ami-ingest-client.ts');

interface Server {
  readonly port: number;
  close(): Promise<void>;
}

/** A minimal AMI server: greeting, Login -> Success, Events -> Success + the stream, then close. */
async function startServer(stream: IngestStream): Promise<Server> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => socket.destroy());
    const decoder = new AmiDecoder({ greeting: false });
    socket.write('Asterisk Call Manager/11.0.0\r\n');
    socket.on('data', (chunk: Buffer) => {
      decoder.push(chunk, (frame) => {
        if (frame.type !== 'message') return;
        const action = getHeader(frame.message, 'Action')?.toLowerCase();
        const id = getHeader(frame.message, 'ActionID') ?? '';
        if (action === 'login') {
          socket.write(encodeMessage([['Response', 'Success'], ['ActionID', id], ['Message', 'Authentication accepted']]));
        } else if (action === 'events') {
          socket.write(encodeMessage([['Response', 'Success'], ['ActionID', id], ['Events', 'On']]));
          socket.end(stream.bytes);
        } else {
          socket.write(encodeMessage([['Response', 'Success'], ['ActionID', id]]));
        }
      });
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no TCP address');
  return {
    port: address.port,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

/** Runs one client in a child process; a hung child is killed after the run timeout. */
function runClient(kind: ClientKind, port: number, stream: IngestStream): Promise<IngestResult> {
  return new Promise((resolve) => {
    const child = fork(CHILD, [kind, String(port), String(stream.events), String(stream.operatorEvents), String(RUN_TIMEOUT_MS)], {
      execArgv: ['--import', 'tsx'],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    let result: IngestResult | undefined;
    const failed = (error: string): IngestResult => ({ kind, ok: false, error, events: 0, matched: 0, seconds: 0, cpuMicros: 0, systemMicros: 0, peakRssMb: 0, baselineRssMb: 0 });
    const killer = setTimeout(() => child.kill('SIGKILL'), RUN_TIMEOUT_MS + 15_000);
    child.on('message', (message) => {
      result = message as IngestResult;
    });
    child.on('exit', (code, signal) => {
      clearTimeout(killer);
      resolve(result ?? failed(`child exited (${signal ?? code ?? '?'}) without a result`));
    });
  });
}

function rate(r: IngestResult): number {
  return r.ok && r.seconds > 0 ? r.events / r.seconds : 0;
}

function describe(label: string, r: IngestResult, stream: IngestStream): string {
  if (!r.ok) return `  ${label.padEnd(34)} FAILED: ${r.error ?? '?'}`;
  const check = r.matched === stream.operatorEvents ? 'ok' : `MISMATCH (expected ${fmt(stream.operatorEvents)})`;
  return (
    `  ${label.padEnd(34)} ${fmt(rate(r)).padStart(11)} ev/s  ${(r.cpuMicros / r.events).toFixed(2).padStart(6)} us CPU/ev ` +
    `(${((100 * r.systemMicros) / Math.max(1, r.cpuMicros)).toFixed(0)}% kernel)` +
    `  peak RSS ${fmt(r.peakRssMb).padStart(4)} MB (idle ${fmt(r.baselineRssMb)} MB)  101 events ${fmt(r.matched)} ${check}`
  );
}

const PEERS: readonly (readonly [ClientKind, string])[] = [
  ['asterisk-ami-client', 'asterisk-ami-client 1.1.5'],
  ['asterisk-manager', 'asterisk-manager 0.2.0'],
];

const IDS = [
  'ami.ingest.sidecall',
  'ami.ingest.sidecall-decode-all',
  'ami.ingest.asterisk-ami-client',
  'ami.ingest.asterisk-manager',
  'ami.ingest.ratio.asterisk-ami-client',
  'ami.ingest.ratio.asterisk-manager',
  'ami.ingest.rss',
  'ami.ingest.cpu',
  'ami.ingest.cpu.asterisk-ami-client',
  'ami.ingest.cpu.asterisk-manager',
] as const;

async function run(ctx: BenchContext): Promise<void> {
  const wantRatio = (peer: string): boolean => ctx.wants(`ami.ingest.ratio.${peer}`);
  const runOurs = ['ami.ingest.sidecall', 'ami.ingest.rss', 'ami.ingest.cpu'].some((id) => ctx.wants(id)) || PEERS.some(([p]) => wantRatio(p));
  const runDecodeAll = ctx.wants('ami.ingest.sidecall-decode-all');
  const peers = PEERS.filter(([p]) => ctx.wants(`ami.ingest.${p}`) || ctx.wants(`ami.ingest.cpu.${p}`) || wantRatio(p));

  const built = performance.now();
  const stream = buildIngestStream(EVENTS);
  ctx.log(
    `ami.ingest: ${fmt(stream.events)} events, ${fmt(stream.bytes.length / 1e6, 1)} MB (${fmt(stream.bytes.length / stream.events)} B/event, ` +
      `${stream.templates} templates from the traces), ${fmt(stream.operatorEvents)} for PJSIP/101 (${((100 * stream.operatorEvents) / stream.events).toFixed(2)}%), ` +
      `built in ${fmt(performance.now() - built)} ms; loopback TCP, one child process per client`,
  );
  const server = await startServer(stream);
  const failures: string[] = [];
  try {
    let ours: IngestResult | undefined;
    if (runOurs) {
      const runs: IngestResult[] = [];
      for (let i = 0; i < SIDECALL_RUNS; i++) runs.push(await runClient('sidecall', server.port, stream));
      for (const r of runs) ctx.log(describe('sidecall (prefilter + filter)', r, stream));
      const good = runs.filter((r) => r.ok).sort((a, b) => rate(a) - rate(b));
      ours = good[Math.floor(good.length / 2)];
      for (const r of runs) {
        if (!r.ok) failures.push(`sidecall: ${r.error ?? '?'}`);
        else if (r.matched !== stream.operatorEvents) failures.push(`sidecall matched ${r.matched}, expected ${stream.operatorEvents}`);
      }
      if (ours !== undefined) {
        ctx.log(`  -> median of ${good.length}: ${fmt(rate(ours))} ev/s`);
        ctx.report('ami.ingest.sidecall', Math.round(rate(ours)), 'ev/s');
        ctx.report('ami.ingest.cpu', ours.cpuMicros / ours.events, 'us/ev');
        ctx.report('ami.ingest.rss', Math.round(Math.max(...good.map((r) => r.peakRssMb))), 'MB');
      }
    }
    if (runDecodeAll) {
      const r = await runClient('sidecall-decode-all', server.port, stream);
      ctx.log(describe('sidecall (decode all + filter)', r, stream));
      if (!r.ok) failures.push(`sidecall-decode-all: ${r.error ?? '?'}`);
      else if (r.matched !== stream.operatorEvents) failures.push(`sidecall-decode-all matched ${r.matched}, expected ${stream.operatorEvents}`);
      else ctx.report('ami.ingest.sidecall-decode-all', Math.round(rate(r)), 'ev/s');
    }
    for (const [peer, label] of peers) {
      const r = await runClient(peer, server.port, stream);
      ctx.log(describe(label, r, stream));
      if (!r.ok) {
        ctx.log(`  (${peer} did not finish; its figure is left out)`);
        continue;
      }
      ctx.report(`ami.ingest.${peer}`, Math.round(rate(r)), 'ev/s');
      ctx.report(`ami.ingest.cpu.${peer}`, r.cpuMicros / r.events, 'us/ev');
      if (ours !== undefined && rate(r) > 0) {
        const ratio = rate(ours) / rate(r);
        const target = peer === 'asterisk-ami-client' ? 20 : 5;
        const cpuRatio = r.cpuMicros / r.events / (ours.cpuMicros / ours.events);
        ctx.log(`  ratio sidecall / ${peer}: ${ratio.toFixed(1)}x events/s (target >= ${target}x: ${ratio >= target ? 'met' : 'NOT met'}), ${cpuRatio.toFixed(1)}x less CPU per event`);
        ctx.report(`ami.ingest.ratio.${peer}`, ratio, 'x');
      }
    }
  } finally {
    await server.close();
  }
  if (failures.length > 0) throw new Error(`ami.ingest correctness: ${failures.join('; ')}`);
}

/** `npm run bench -- ami.ingest` */
export const benchmark: Benchmark = { ids: IDS, run };
