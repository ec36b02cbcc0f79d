// `npm start` / `npm run start:web` as an operator runs them: scripts/start.mjs
// builds the UI, starts browser mode (directly with --web, or after failing to
// download Electron) and prints `Sidecall ready at <url>` on stdout. The
// Electron download is made to fail the same way everywhere (an empty
// ELECTRON_OVERRIDE_DIST_PATH, a mirror on a closed local port, an empty cache),
// so this test never downloads Electron, even on a machine that could.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';

const ROOT = path.resolve(import.meta.dirname, '../..');
const READY = /^Sidecall ready at (http:\/\/127\.0\.0\.1:\d+\/\S+)$/m;

interface Run {
  readonly proc: ChildProcess;
  readonly out: () => string;
  readonly err: () => string;
  readonly ready: Promise<string>;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

let tmp: string;
const running = new Set<ChildProcess>();

beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'sidecall-start-'));
});
afterEach(() => {
  // Whatever a failed test left: the whole process group (start.mjs and the app it started).
  for (const proc of running) {
    try {
      if (proc.pid) process.kill(-proc.pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  running.clear();
});
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

function start(args: readonly string[], env: NodeJS.ProcessEnv): Run {
  const proc = spawn(process.execPath, [path.join(ROOT, 'scripts/start.mjs'), ...args], {
    cwd: ROOT,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true, // its own process group, so cleanup can reach the app it starts
  });
  running.add(proc);
  let out = '';
  let err = '';
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => proc.on('exit', (code, signal) => resolve({ code, signal })));
  const ready = new Promise<string>((resolve, reject) => {
    proc.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const m = READY.exec(out);
      if (m?.[1]) resolve(m[1]);
    });
    proc.stderr?.on('data', (chunk: Buffer) => {
      err += chunk.toString();
    });
    void exited.then(({ code, signal }) => reject(new Error(`start.mjs exited (${code ?? signal}) before it was ready.\nstdout:\n${out}\nstderr:\n${err}`)));
  });
  return { proc, out: () => out, err: () => err, ready, exited };
}

function baseEnv(name: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    SIDECALL_RENDERER_DIR: path.join(tmp, name, 'renderer'), // not dist/renderer: other suites may be serving it
    SIDECALL_KEYCHAIN_SERVICE: `sidecall-test-${process.pid}`,
  };
  delete env['ELECTRON_SKIP_BINARY_DOWNLOAD'];
  delete env['ELECTRON_RUN_AS_NODE'];
  return env;
}

/** A local port with nothing listening: connections to it are refused at once. */
async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

async function expectServesUi(url: string): Promise<void> {
  const res = await fetch(url);
  expect(res.status).toBe(200);
  expect(res.headers.get('content-security-policy')).toContain("script-src 'self'");
  expect(await res.text()).toContain('<div id="root"></div>');
}

/** Call after one request was answered: browser mode prints its ready line just before it installs its signal handlers. */
async function stop(run: Run): Promise<void> {
  // Only start.mjs gets the signal: it must pass it on and exit as the app exits.
  run.proc.kill('SIGTERM');
  const { code, signal } = await run.exited;
  expect({ code, signal }).toEqual({ code: 0, signal: null });
  running.delete(run.proc);
}

describe('scripts/start.mjs', () => {
  it('--web builds the UI and starts browser mode', { timeout: 120_000 }, async () => {
    const run = start(['--web', '--data-dir', path.join(tmp, 'web', 'data'), '--port', '0'], baseEnv('web'));
    const url = await run.ready;
    await expectServesUi(url);
    expect(run.out().trim().split('\n')).toEqual([`Sidecall ready at ${url}`]); // stdout carries only the ready line
    expect(run.err()).not.toMatch(/Electron/);
    expect(fs.existsSync(path.join(tmp, 'web', 'renderer', 'index.html'))).toBe(true);
    await stop(run);
  });

  it('without --web: Electron cannot be downloaded, one clear line, then browser mode', { timeout: 120_000 }, async () => {
    const env = {
      ...baseEnv('fallback'),
      ELECTRON_OVERRIDE_DIST_PATH: path.join(tmp, 'fallback', 'no-electron'),
      ELECTRON_MIRROR: `http://127.0.0.1:${await closedPort()}/`,
      electron_config_cache: path.join(tmp, 'fallback', 'electron-cache'),
      SIDECALL_ELECTRON_INSTALL_TIMEOUT_MS: '60000',
    };
    const run = start(['--data-dir', path.join(tmp, 'fallback', 'data'), '--port', '0'], env);
    const url = await run.ready;
    const notes = run.err().split('\n').filter((l) => l.startsWith('Sidecall:'));
    expect(notes).toHaveLength(1);
    expect(notes[0]).toMatch(/^Sidecall: the Electron binary could not be downloaded \(.+\); starting browser mode instead\.$/);
    await expectServesUi(url);
    await stop(run);
  });

  it('without --web and with the download switched off: says why, then browser mode', { timeout: 120_000 }, async () => {
    const env = { ...baseEnv('skip'), ELECTRON_OVERRIDE_DIST_PATH: path.join(tmp, 'skip', 'no-electron'), ELECTRON_SKIP_BINARY_DOWNLOAD: '1' };
    const run = start(['--data-dir', path.join(tmp, 'skip', 'data'), '--port', '0'], env);
    const url = await run.ready;
    expect(run.err()).toContain('Sidecall: the Electron binary could not be downloaded (ELECTRON_SKIP_BINARY_DOWNLOAD is set); starting browser mode instead.');
    await expectServesUi(url);
    await stop(run);
  });
});
