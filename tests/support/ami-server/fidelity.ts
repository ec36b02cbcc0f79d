// Drives the test server through a recorded scenario: the same actions as the
// trace's .sent file, at the same moments of a fake clock as its timeline,
// with the same phone behaviour (answer mode, hang-ups) as its NOTE lines.
// Channel names inside actions (Hangup Channel: Local/...-00000004;1) are
// translated from the trace's numbering to the server's.
import { Buffer } from 'node:buffer';
import type { AmiMessage } from '../../../src-main/core/ami/codec';
import { startAmiServer, type AmiConnection, type AmiServer } from '../../../src-main/core/demo/pbx/server';
import { FakeClock } from '../fake-clock';
import { CHANNEL_NAME, buildIdMaps } from './compare';
import { RawAmiClient } from './raw-client';
import { loadTrace, type Trace } from './traces';

export interface ScenarioRun {
  readonly trace: Trace;
  /** What the server sent, decoded (greeting excluded). */
  readonly actual: readonly AmiMessage[];
  readonly greeting: string | undefined;
  readonly server: AmiServer;
  readonly connection: AmiConnection;
}

export interface ScenarioOptions {
  readonly tls?: { readonly key: string; readonly cert: string };
  /** What happened outside AMI at a NOTE line (e.g. SIPp starting a call on the trunk). */
  readonly onNote?: (text: string, server: AmiServer) => void;
}

async function tick(): Promise<void> {
  await new Promise((r) => setImmediate(r));
}

/** Waits until the server has read what the client wrote and the client has read what the server wrote. */
async function settle(client: RawAmiClient, conn: AmiConnection, written: number): Promise<void> {
  for (let i = 0; i < 2000; i++) {
    await tick();
    if (conn.received.length >= written && client.byteLength >= conn.sent.length && (i > 2 || conn.closed)) return;
  }
  throw new Error(`did not settle: server read ${conn.received.length}/${written}, client read ${client.byteLength}/${conn.sent.length}`);
}

/** Translates channel names in an action from the trace's numbering to the server's. */
function translate(bytes: Buffer, trace: Trace, seen: readonly AmiMessage[]): Buffer {
  const traceMaps = buildIdMaps(trace.messages);
  const ours = buildIdMaps(seen);
  const byPlaceholder = new Map<string, string>();
  for (const [key, placeholder] of ours.channels) byPlaceholder.set(placeholder, key);
  const text = bytes.toString('utf8').replace(CHANNEL_NAME, (whole: string, tech: string, res: string, hex: string) => {
    const placeholder = traceMaps.channels.get(`${tech}-${hex}`);
    const key = placeholder ? byPlaceholder.get(placeholder) : undefined;
    return key ? `${tech}/${res}-${key.slice(tech.length + 1)}` : whole;
  });
  return Buffer.from(text, 'utf8');
}

/** Runs scenario `letter`; the caller closes `server`. */
export async function runScenario(letter: string, opts: ScenarioOptions = {}): Promise<ScenarioRun> {
  const trace = loadTrace(letter);
  const start = trace.steps[0]?.at ?? Date.now();
  // The recorded lab had been up a few seconds when the session started.
  const clock = new FakeClock(start - 9000);
  const server = await startAmiServer({ clock, loginFailureDelayMs: 0, ...(opts.tls ? { tls: opts.tls } : {}) });
  clock.advance(9000);
  const accepted = server.nextConnection();
  const client = await RawAmiClient.connect(server.port, opts.tls ? { tls: true, ca: opts.tls.cert } : {});
  const conn = await accepted;
  await client.until(() => client.greeting, 2000, 'greeting');
  let written = 0;
  for (const step of trace.steps) {
    if (step.at > clock.now()) clock.advance(step.at - clock.now());
    await settle(client, conn, written);
    if (step.kind === 'send') {
      const bytes = translate(step.bytes, trace, client.messages);
      client.write(bytes);
      written += bytes.length;
    } else if (step.kind === 'note') {
      opts.onNote?.(step.text, server);
    } else if (step.command.startsWith('/answermode ')) {
      server.pbx.setPhone(step.phone, { answer: step.command.endsWith('manual') ? 'manual' : 'auto' });
    } else if (step.command === '/hangup') {
      server.pbx.hangupPhone(step.phone);
    }
    await settle(client, conn, written);
  }
  await client.waitClosed(5000);
  return { trace, actual: client.messages, greeting: client.greeting, server, connection: conn };
}
