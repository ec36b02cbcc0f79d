// Child process of the AMI ingest benchmark: one client per process, so peak RSS
// and CPU time belong to that client alone and clients cannot disturb each other
// (heap, JIT, GC). Started by ami-ingest.bench.ts with
//   <kind> <port> <events> <operatorEvents> <timeoutMs>
// It connects, logs in, sends `Events` (the server starts streaming on it), counts
// every event and the operator's ones, and reports one IngestResult over IPC.
import { readFileSync } from 'node:fs';
import net from 'node:net';
import { createRequire } from 'node:module';
import { ActionIdGenerator, AmiDecoder, encodeAction, getHeader } from '../../src-main/core/ami/codec';
import type { AmiFrame } from '../../src-main/core/ami/codec';
import { createOperatorFilter, isChannelHeader } from '../../src-main/core/ami/filter';
import { OPERATOR_EXTENSION } from './ami-ingest-stream';

export type ClientKind = 'sidecall' | 'sidecall-decode-all' | 'asterisk-ami-client' | 'asterisk-manager';

export interface IngestResult {
  readonly kind: ClientKind;
  readonly ok: boolean;
  readonly error?: string;
  readonly events: number;
  readonly matched: number;
  readonly seconds: number;
  readonly cpuMicros: number;
  readonly systemMicros: number;
  readonly peakRssMb: number;
  readonly baselineRssMb: number;
}

// The peers' shapes, as far as this benchmark uses them (they ship no types).
type PeerEvent = Readonly<Record<string, unknown>>;
interface AmiClientLike {
  connect(user: string, secret: string, options: { host: string; port: number }): Promise<unknown>;
  action(message: Readonly<Record<string, string>>): unknown;
  on(event: 'event', listener: (e: PeerEvent) => void): unknown;
  disconnect(): unknown;
}
type AmiClientCtor = new (options: Readonly<Record<string, unknown>>) => AmiClientLike;
interface ManagerLike {
  on(event: 'managerevent' | 'response', listener: (e: PeerEvent) => void): unknown;
  on(event: 'error', listener: (e: unknown) => void): unknown;
  action(action: Readonly<Record<string, string>>, callback?: () => void): unknown;
  disconnect(): unknown;
}
type ManagerFactory = (port: number, host: string, user: string, secret: string, events: boolean) => ManagerLike;

const [kindArg, portArg, eventsArg, operatorArg, timeoutArg] = process.argv.slice(2);
const kind = kindArg as ClientKind;
const port = Number(portArg);
const expectedEvents = Number(eventsArg);
const expectedOperator = Number(operatorArg);
const timeoutMs = Number(timeoutArg ?? 120_000);
const baselineRssMb = process.memoryUsage().rss / (1024 * 1024);
const filter = createOperatorFilter({ extension: OPERATOR_EXTENSION });

let events = 0;
let matched = 0;
let startedAt = 0;
let cpuAtStart: NodeJS.CpuUsage = process.cpuUsage();
let finished = false;
let cleanup: () => void = () => undefined;

// Peak RSS of this process. Not resourceUsage().maxRSS: on Linux ru_maxrss survives
// exec, so a forked child reports its parent's peak (the parent holds the 86 MB
// stream). VmHWM belongs to the process image after exec.
function peakRssMb(): number {
  try {
    const hwm = /^VmHWM:\s+(\d+) kB/m.exec(readFileSync('/proc/self/status', 'latin1'));
    if (hwm?.[1] !== undefined) return Number(hwm[1]) / 1024;
  } catch {
    // not Linux: fall through
  }
  return process.resourceUsage().maxRSS / 1024;
}

function start(): void {
  startedAt = performance.now();
  cpuAtStart = process.cpuUsage();
}

function finish(error?: string): void {
  if (finished) return;
  finished = true;
  const seconds = startedAt === 0 ? 0 : (performance.now() - startedAt) / 1000;
  const cpu = process.cpuUsage(cpuAtStart);
  const result: IngestResult = {
    kind,
    ok: error === undefined,
    ...(error === undefined ? {} : { error }),
    events,
    matched,
    seconds,
    cpuMicros: cpu.user + cpu.system,
    systemMicros: cpu.system,
    peakRssMb: peakRssMb(),
    baselineRssMb,
  };
  cleanup();
  process.send?.(result, () => process.exit(0));
}

// The peers' events are objects; apply the same operator rule to them so every
// client does the same work (header names: ours as sent, asterisk-manager's lowercased).
function peerMatches(e: PeerEvent): boolean {
  for (const [name, value] of Object.entries(e)) {
    if (typeof value === 'string' && isChannelHeader(name) && filter.pattern.test(value)) return true;
  }
  return false;
}

function onPeerEvent(e: PeerEvent): void {
  events += 1;
  if (peerMatches(e)) matched += 1;
  if (events === expectedEvents) finish();
}

function runSidecall(prefilter: boolean): void {
  const ids = new ActionIdGenerator('bench-');
  const loginId = ids.next();
  const goId = ids.next();
  const acceptFrame = filter.acceptFrame;
  if (acceptFrame === undefined) throw new Error('the default pattern has a prefilter');
  // Every complete frame passes through acceptFrame, so it is where frames are counted.
  let frames = 0;
  const decoder = new AmiDecoder({
    acceptFrame: prefilter
      ? (buf, s, e) => {
          frames += 1;
          return acceptFrame(buf, s, e);
        }
      : () => {
          frames += 1;
          return true;
        },
  });
  const socket = net.connect({ host: '127.0.0.1', port });
  cleanup = () => socket.destroy();
  const onFrame = (frame: AmiFrame): void => {
    if (frame.type === 'greeting') {
      socket.write(encodeAction('Login', loginId, { Username: 'bench', Secret: 'bench' }));
      return;
    }
    if (frame.type === 'error') {
      finish(`decoder error: ${frame.error.message}`);
      return;
    }
    const m = frame.message;
    if (!filter.accepts(m)) return;
    const event = getHeader(m, 'Event');
    if (event !== undefined) {
      matched += 1;
      return;
    }
    if (getHeader(m, 'ActionID') === loginId) {
      if (getHeader(m, 'Response') !== 'Success') finish('login refused');
      start();
      socket.write(encodeAction('Events', goId, { EventMask: 'on' }));
    }
  };
  socket.on('data', (chunk: Buffer) => {
    decoder.push(chunk, onFrame);
    // Two responses (Login, Events) precede the events.
    events = Math.max(0, frames - 2);
    if (events >= expectedEvents) finish();
  });
  socket.on('error', (error) => finish(error.message));
  socket.on('close', () => finish(events === expectedEvents ? undefined : 'connection closed early'));
}

function runAsteriskAmiClient(): void {
  const require = createRequire(import.meta.url);
  const AmiClient = require('asterisk-ami-client') as AmiClientCtor;
  const client = new AmiClient({ reconnect: false, keepAlive: false });
  cleanup = () => client.disconnect();
  client
    .connect('bench', 'bench', { host: '127.0.0.1', port })
    .then(() => {
      client.on('event', onPeerEvent);
      start();
      client.action({ Action: 'Events', EventMask: 'on' });
    })
    .catch((error: unknown) => finish(String(error)));
}

function runAsteriskManager(): void {
  const require = createRequire(import.meta.url);
  const Manager = require('asterisk-manager') as ManagerFactory;
  // Connects and logs in by itself; the login reply is the first response.
  const ami = Manager(port, '127.0.0.1', 'bench', 'bench', true);
  cleanup = () => ami.disconnect();
  ami.on('error', (error: unknown) => finish(String(error)));
  ami.on('managerevent', onPeerEvent);
  let loggedIn = false;
  ami.on('response', () => {
    if (loggedIn) return;
    loggedIn = true;
    start();
    ami.action({ action: 'Events', eventmask: 'on' });
  });
}

setTimeout(() => finish(`timed out after ${timeoutMs} ms with ${events} of ${expectedEvents} events`), timeoutMs).unref();

if (kind === 'sidecall') runSidecall(true);
else if (kind === 'sidecall-decode-all') runSidecall(false);
else if (kind === 'asterisk-ami-client') runAsteriskAmiClient();
else if (kind === 'asterisk-manager') runAsteriskManager();
else finish(`unknown client kind ${String(kindArg)}`);

// The expected operator count is checked by the parent; keep it visible in errors.
if (!Number.isFinite(expectedOperator)) finish('bad arguments');
