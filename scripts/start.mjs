// What `npm start` runs (and `npm run start:web`, with --web). It builds the UI
// and the Electron bundle, then starts the tray app; where the Electron binary
// is missing it runs Electron's own installer once (with a time limit), and if
// that cannot download it, says so in one line and starts browser mode instead.
// --web skips Electron entirely. Every other argument goes to the app.
// stdout carries only the app's own output (browser mode prints
// `Sidecall ready at <url>` there); build and installer chatter goes to stderr.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { buildMain } from './build-main.mjs';

const ROOT = path.resolve(import.meta.dirname, '..');
const ELECTRON_DIR = path.join(ROOT, 'node_modules/electron');
const INSTALL_TIMEOUT_MS = Number(process.env.SIDECALL_ELECTRON_INSTALL_TIMEOUT_MS) || 60_000;

class StartError extends Error {}

/** `--web` is ours (only before `--`, where options end); everything else is passed on unchanged. */
function splitArgs(argv) {
  const end = argv.indexOf('--');
  const options = end === -1 ? argv : argv.slice(0, end);
  const data = end === -1 ? [] : argv.slice(end);
  return { web: options.includes('--web'), rest: [...options.filter((a) => a !== '--web'), ...data] };
}

function say(line) {
  process.stderr.write(`Sidecall: ${line}\n`);
}

/** Builds the renderer with Vite into `outDir`; an older build is kept and used if this one fails. */
function buildRenderer(outDir) {
  const config = path.join(ROOT, 'src-renderer/vite.config.ts');
  const vite = path.join(ROOT, 'node_modules/vite/bin/vite.js');
  const previous = fs.existsSync(path.join(outDir, 'index.html'));
  const result = fs.existsSync(config)
    ? spawnSync(process.execPath, [vite, 'build', '--config', config, '--outDir', outDir, '--logLevel', 'warn'], { cwd: ROOT, stdio: ['ignore', 2, 2] })
    : { status: 1, error: new Error(`${path.relative(ROOT, config)} is missing`) };
  if (result.status === 0) return;
  const why = result.error ? result.error.message : `vite exited with ${result.status ?? result.signal}`;
  if (previous && fs.existsSync(path.join(outDir, 'index.html'))) {
    say(`the UI build failed (${why}); using the previous build in ${path.relative(ROOT, outDir) || outDir}.`);
    return;
  }
  throw new StartError(`the UI build failed (${why}). Run \`npm run build:renderer\` to see the full error.`);
}

/**
 * The Electron executable if it is installed. Reads what electron/index.js
 * reads (path.txt, ELECTRON_OVERRIDE_DIST_PATH) instead of requiring it,
 * because requiring it downloads a missing binary with no time limit.
 */
function electronBinary() {
  let rel;
  try {
    rel = fs.readFileSync(path.join(ELECTRON_DIR, 'path.txt'), 'utf8').trim();
  } catch {
    rel = undefined;
  }
  const override = process.env.ELECTRON_OVERRIDE_DIST_PATH;
  const candidate = override ? path.join(override, rel || 'electron') : rel ? path.join(ELECTRON_DIR, 'dist', rel) : undefined;
  return candidate && fs.existsSync(candidate) ? candidate : undefined;
}

/** The line of the installer's output that says what went wrong (not the stack). */
export function shortReason(output, fallback) {
  const lines = output.split(/\r?\n/).map((l) => l.trim()).filter((l) => l !== '' && !l.startsWith('at '));
  const error = lines.filter((l) => /error|fail|ENOTFOUND|ECONNREFUSED|ETIMEDOUT|EAI_AGAIN|status code|\b[45]\d\d\b/i.test(l)).at(-1);
  return (error ?? lines.at(-1) ?? fallback).slice(0, 160);
}

/** Runs node_modules/electron/install.js once; resolves to the binary, or to the reason it is not there. */
function installElectron() {
  if (process.env.ELECTRON_SKIP_BINARY_DOWNLOAD) return Promise.resolve({ reason: 'ELECTRON_SKIP_BINARY_DOWNLOAD is set' });
  const installer = path.join(ELECTRON_DIR, 'install.js');
  if (!fs.existsSync(installer)) return Promise.resolve({ reason: 'the electron package is not installed; run npm install' });
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [installer], { cwd: ELECTRON_DIR, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ELECTRON_GET_NO_PROGRESS: '1' } });
    let output = '';
    const keep = (chunk) => {
      output = (output + chunk.toString()).slice(-16_384);
    };
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    // Silent when it fails fast (the usual offline case); a slow download gets one progress line.
    const slow = setTimeout(() => say(`downloading the Electron binary (up to ${Math.round(INSTALL_TIMEOUT_MS / 1000)} s)...`), 3000);
    let timedOut = false;
    const limit = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, INSTALL_TIMEOUT_MS);
    child.on('error', (error) => {
      clearTimeout(slow);
      clearTimeout(limit);
      resolve({ reason: error.message });
    });
    child.on('close', (code, signal) => {
      clearTimeout(slow);
      clearTimeout(limit);
      const binary = electronBinary();
      if (code === 0 && binary) resolve({ binary });
      else if (timedOut) resolve({ reason: `no download within ${Math.round(INSTALL_TIMEOUT_MS / 1000)} s` });
      else resolve({ reason: shortReason(output, `installer exited with ${code ?? signal}`) });
    });
  });
}

/** Runs the app as a child: signals we get are passed on, and we exit as it exits. */
function run(command, args, env) {
  const child = spawn(command, args, { stdio: 'inherit', env });
  const forward = (signal) => child.kill(signal);
  const signals = ['SIGINT', 'SIGTERM', 'SIGHUP'];
  for (const s of signals) process.on(s, forward);
  child.on('error', (error) => {
    say(`could not start ${path.basename(command)} (${error.message}).`);
    process.exit(1);
  });
  child.on('exit', (code, signal) => {
    for (const s of signals) process.off(s, forward);
    if (signal) process.kill(process.pid, signal); // end the same way, for whoever started us
    else process.exit(code ?? 1);
  });
}

function startBrowserMode(rest, rendererDir) {
  const tsx = import.meta.resolve('tsx');
  run(process.execPath, ['--import', tsx, path.join(ROOT, 'src-main/hosts/web/main.ts'), ...rest], { ...process.env, SIDECALL_RENDERER_DIR: rendererDir });
}

async function main() {
  const { web, rest } = splitArgs(process.argv.slice(2));
  const defaultRenderer = path.join(ROOT, 'dist/renderer');
  // Browser mode may serve another folder (tests build into a temp dir); the Electron bundle always loads dist/renderer.
  const webRenderer = process.env.SIDECALL_RENDERER_DIR ? path.resolve(process.env.SIDECALL_RENDERER_DIR) : defaultRenderer;

  if (web) {
    buildRenderer(webRenderer);
    startBrowserMode(rest, webRenderer);
    return;
  }

  let binary = electronBinary();
  if (!binary) {
    const installed = await installElectron();
    if (!installed.binary) {
      say(`the Electron binary could not be downloaded (${installed.reason}); starting browser mode instead.`);
      buildRenderer(webRenderer);
      startBrowserMode(rest, webRenderer);
      return;
    }
    binary = installed.binary;
  }
  buildRenderer(defaultRenderer);
  await buildMain();
  const env = { ...process.env };
  delete env.ELECTRON_RUN_AS_NODE; // would make Electron a plain Node and ignore the app
  run(binary, [ROOT, ...rest], env);
}

if (process.argv[1] && path.resolve(process.argv[1]) === path.resolve(import.meta.filename)) {
  main().catch((error) => {
    say(error instanceof StartError ? error.message : `could not start: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    process.exit(1);
  });
}
