// Sidecall's updater configuration against the real electron-updater (its
// NsisUpdater, run in Node with an app adapter for a packaged 1.0.0) and a real
// HTTP update folder on 127.0.0.1 serving latest.yml and an installer:
// - staged rollout: `stagingPercentage` in latest.yml is honoured for this
//   desk's id (.updaterId), both ways;
// - a downloaded installer whose SHA-512 or signature check fails never
//   becomes "ready";
// - one that passes does, through the status reducer of core/updates;
// - nothing is installed when the download ends (install waits for the operator).
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { NsisUpdater } from 'electron-updater';
import type { AppAdapter } from 'electron-updater/out/AppAdapter';
import { INITIAL_STATUS, reduceUpdate, type UpdateEvent, type UpdateFeed, type UpdateStatus } from '../../../src-main/core/updates';
import { checkOnce, configureUpdater, recordsPublisher, watchUpdater } from '../../../src-main/hosts/electron/updater-feed';
import type { Logger } from '../../../src-main/ports';

const require = createRequire(import.meta.url);

interface DownloadOptions {
  readonly headers?: Record<string, string> | null;
  readonly cancellationToken: { createPromise<T>(fn: (resolve: (v: T) => void, reject: (e: Error) => void, onCancel: (cb: () => void) => void) => void): Promise<T> };
}
interface NodeExecutor {
  doDownload(requestOptions: Record<string, unknown>, options: Record<string, unknown>, redirectCount: number): void;
}
// electron-builder's Node HTTP client; electron-updater's own client needs Electron's net module.
const { NodeHttpExecutor } = require('builder-util/out/nodeHttpExecutor') as { NodeHttpExecutor: new () => NodeExecutor };
const runtime = require('builder-util-runtime') as { configureRequestUrl(url: URL, options: Record<string, unknown>): void; configureRequestOptions(options: Record<string, unknown>): void };

/**
 * NodeHttpExecutor plus the download() that electron-updater's Electron client
 * has, written the same way: the library's own doDownload, which checks the
 * SHA-512 from latest.yml while writing the file.
 */
class NodeDownloadExecutor extends NodeHttpExecutor {
  download(url: URL, destination: string, options: DownloadOptions): Promise<string> {
    return options.cancellationToken.createPromise<string>((resolve, reject, onCancel) => {
      const requestOptions: Record<string, unknown> = { headers: options.headers ?? undefined };
      runtime.configureRequestUrl(url, requestOptions);
      runtime.configureRequestOptions(requestOptions);
      this.doDownload(requestOptions, { destination, options, onCancel, callback: (error: Error | null) => (error == null ? resolve(destination) : reject(error)), responseHandler: null }, 0);
    });
  }
}

const INSTALLER = 'Sidecall-Setup-1.1.0.exe';
const payload = crypto.randomBytes(64 * 1024);
const sha512 = crypto.createHash('sha512').update(payload).digest('base64');

let server: http.Server;
let base: string;
let stagingPercentage: number | undefined;
/** Serve other bytes than latest.yml announces (a tampered or truncated installer). */
let tampered = false;
const requests: string[] = [];

function latestYml(): string {
  return [
    'version: 1.1.0',
    'files:',
    `  - url: ${INSTALLER}`,
    `    sha512: ${sha512}`,
    `    size: ${payload.length}`,
    `path: ${INSTALLER}`,
    `sha512: ${sha512}`,
    "releaseDate: '2026-01-05T10:00:00.000Z'",
    ...(stagingPercentage === undefined ? [] : [`stagingPercentage: ${stagingPercentage}`]),
    '',
  ].join('\n');
}

beforeAll(async () => {
  server = http.createServer((req, res) => {
    // electron-updater adds ?noCache=<random> to the channel file.
    const file = (req.url ?? '').split('?')[0] ?? '';
    requests.push(file);
    // One request per connection: no keep-alive socket collecting the client's per-request listeners.
    res.setHeader('connection', 'close');
    if (file === '/sidecall/latest.yml') {
      res.writeHead(200, { 'content-type': 'text/yaml' }).end(latestYml());
    } else if (file === `/sidecall/${INSTALLER}`) {
      const body = tampered ? Buffer.concat([payload.subarray(0, payload.length - 1), Buffer.from([(payload.at(-1) ?? 0) ^ 1])]) : payload;
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': String(body.length) }).end(body);
    } else {
      res.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  base = `http://127.0.0.1:${address.port}/sidecall/`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
  requests.length = 0;
  stagingPercentage = undefined;
  tampered = false;
});

const quiet: Logger = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };

interface Desk {
  readonly updater: NsisUpdater;
  readonly statuses: UpdateStatus[];
  readonly userData: string;
  installs: number;
  status(): UpdateStatus;
}

/** A packaged Sidecall 1.0.0 with its own user data (and so its own rollout id), configured by configureUpdater. */
function desk(opts: { stagingId?: string; signature: string | null }): Desk {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'sidecall-update-'));
  dirs.push(root);
  const userData = path.join(root, 'user');
  fs.mkdirSync(userData);
  if (opts.stagingId) fs.writeFileSync(path.join(userData, '.updaterId'), opts.stagingId);
  // What electron-builder writes into resources/ when `publish` is configured and the build is signed.
  const appUpdateYml = path.join(root, 'app-update.yml');
  fs.writeFileSync(appUpdateYml, 'provider: generic\nurl: https://updates.invalid/sidecall/\nupdaterCacheDirName: sidecall-updater\npublisherName:\n  - Sidecall Test Publisher\n');
  const adapter: AppAdapter = {
    version: '1.0.0',
    name: 'Sidecall',
    isPackaged: true,
    appUpdateConfigPath: appUpdateYml,
    userDataPath: userData,
    baseCachePath: path.join(root, 'cache'),
    whenReady: () => Promise.resolve(),
    relaunch: () => undefined,
    quit: () => undefined,
    onQuit: () => undefined,
  };
  const updater = new NsisUpdater(null, adapter);
  (updater as unknown as { httpExecutor: unknown }).httpExecutor = new NodeDownloadExecutor();
  // electron-updater's switch for tests: read the Windows channel file (latest.yml) on this Linux runner,
  // and download whole files (no blockmap of a previous version exists here).
  (updater as unknown as { _testOnlyOptions: unknown })._testOnlyOptions = { platform: 'win32', isUseDifferentialDownload: false };
  // electron-updater's own hook: on Windows it runs Get-AuthenticodeSignature against the publisher names; here it answers as told.
  updater.verifyUpdateCodeSignature = (publishers: string[]) => {
    expect(publishers).toEqual(['Sidecall Test Publisher']);
    return Promise.resolve(opts.signature);
  };
  const feed: UpdateFeed = { provider: 'generic', url: base, channel: 'latest' };
  configureUpdater(updater, feed, quiet);
  let status: UpdateStatus = reduceUpdate(INITIAL_STATUS, { type: 'plan', plan: { kind: 'on', feed } });
  const d: Desk = { updater, statuses: [], userData, installs: 0, status: () => status };
  watchUpdater(updater, (e: UpdateEvent) => {
    status = reduceUpdate(status, e);
    d.statuses.push(status);
  }, () => Date.now());
  // Installing would spawn the installer: count instead (it must not happen by itself).
  (updater as unknown as { doInstall: () => boolean }).doInstall = () => {
    d.installs += 1;
    return true;
  };
  return d;
}

describe('staged rollout (stagingPercentage in latest.yml)', () => {
  // electron-updater places a desk at (last 4 bytes of its .updaterId) / 0xffffffff.
  const LOW = '5d2f6a1e-3b1c-4c3e-9f6a-000000000001'; // ~0 %
  const AT_30 = '5d2f6a1e-3b1c-4c3e-9f6a-00004ccccccc'; // just under 30 %
  const HIGH = '5d2f6a1e-3b1c-4c3e-9f6a-0000ffffffff'; // 100 %

  it('offers the update to desks inside the percentage and not to the others', async () => {
    stagingPercentage = 30;
    const inside = desk({ stagingId: LOW, signature: null });
    await checkOnce(inside.updater);
    expect(inside.status()).toEqual({ state: 'ready', version: '1.1.0' });
    const edge = desk({ stagingId: AT_30, signature: null });
    await checkOnce(edge.updater);
    expect(edge.status()).toEqual({ state: 'ready', version: '1.1.0' });

    const outside = desk({ stagingId: HIGH, signature: null });
    await checkOnce(outside.updater);
    expect(outside.status()).toMatchObject({ state: 'idle', lastCheck: { outcome: 'up-to-date' } });
    expect(outside.statuses.map((s) => s.state)).toEqual(['checking', 'idle']);
  });

  it('reaches everyone at 100 % and when the field is absent, and the id persists per desk', async () => {
    stagingPercentage = 100;
    const last = desk({ stagingId: '5d2f6a1e-3b1c-4c3e-9f6a-0000fffffffe', signature: null });
    await checkOnce(last.updater);
    expect(last.status().state).toBe('ready');

    stagingPercentage = undefined;
    const fresh = desk({ signature: null });
    await checkOnce(fresh.updater);
    expect(fresh.status().state).toBe('ready');
    // A desk without an id gets one, kept for the next check (the same desk stays in or out).
    expect(fs.readFileSync(path.join(fresh.userData, '.updaterId'), 'utf8')).toMatch(/^[0-9a-f-]{36}$/);
  });
});

describe('download and signature', () => {
  it('turns a failed signature check into a failed check, never "ready"', async () => {
    const d = desk({ stagingId: '5d2f6a1e-3b1c-4c3e-9f6a-000000000001', signature: 'The signer is not Sidecall Test Publisher' });
    await checkOnce(d.updater);
    expect(d.statuses.some((s) => s.state === 'ready')).toBe(false);
    expect(d.status()).toMatchObject({ state: 'idle', lastCheck: { outcome: 'failed', error: expect.stringContaining('not signed by the application owner') } });
    expect(requests).toContain(`/sidecall/${INSTALLER}`);
  });

  it('refuses an installer whose bytes do not match the SHA-512 in latest.yml', async () => {
    tampered = true;
    let signatureChecked = false;
    const d = desk({ stagingId: '5d2f6a1e-3b1c-4c3e-9f6a-000000000001', signature: null });
    d.updater.verifyUpdateCodeSignature = () => {
      signatureChecked = true;
      return Promise.resolve(null);
    };
    await checkOnce(d.updater);
    expect(d.statuses.some((s) => s.state === 'ready')).toBe(false);
    expect(d.status()).toMatchObject({ state: 'idle', lastCheck: { outcome: 'failed', error: expect.stringContaining('sha512 checksum mismatch') } });
    expect(signatureChecked).toBe(false);
  });

  it('downloads a verified installer to ready and leaves installing to the operator', async () => {
    const d = desk({ stagingId: '5d2f6a1e-3b1c-4c3e-9f6a-000000000001', signature: null });
    await checkOnce(d.updater);
    expect(d.statuses.map((s) => s.state), JSON.stringify(d.status())).toEqual(expect.arrayContaining(['checking', 'downloading', 'ready']));
    expect(d.status()).toEqual({ state: 'ready', version: '1.1.0' });
    expect(d.updater.autoInstallOnAppQuit).toBe(false);
    expect(d.installs).toBe(0);
    // The folder was asked for latest.yml (the channel) under the configured path, and nothing outside it.
    expect(requests[0]).toBe('/sidecall/latest.yml');
    expect(requests.every((r) => r.startsWith('/sidecall/'))).toBe(true);
  });

  it('fails a check cleanly when the folder has no latest.yml', async () => {
    const d = desk({ signature: null });
    configureUpdater(d.updater, { provider: 'generic', url: base.replace('/sidecall/', '/nothing-here/'), channel: 'latest' }, quiet);
    await checkOnce(d.updater);
    expect(d.status()).toMatchObject({ state: 'idle', lastCheck: { outcome: 'failed' } });
  });
});

describe('recordsPublisher (app-update.yml)', () => {
  it('is true only when a signing publisher is named', () => {
    expect(recordsPublisher('provider: generic\nurl: https://u/\npublisherName:\n  - ACME Ltd\n')).toBe(true);
    expect(recordsPublisher('provider: generic\npublisherName: ACME Ltd\n')).toBe(true);
    expect(recordsPublisher('provider: generic\nurl: https://u/\nupdaterCacheDirName: sidecall-updater\n')).toBe(false);
    expect(recordsPublisher('publisherName: []\n')).toBe(false);
    expect(recordsPublisher("publisherName: ['']\n")).toBe(false);
    expect(recordsPublisher('publisherName: [\n')).toBe(false);
    expect(recordsPublisher('')).toBe(false);
  });
});
