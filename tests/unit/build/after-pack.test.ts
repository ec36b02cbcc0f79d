// build/after-pack.mjs against fake packed apps: an "Electron binary" is any
// file holding @electron/fuses' sentinel followed by a fuse wire (version 1,
// length, one byte per fuse), laid out as in Electron, with Electron's default
// states. The hook must flip exactly the wanted fuses in the file electron-builder
// would hand it on each platform, leave every other byte alone, and fail the
// build when the binary has no wire or too short a one.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { afterEach, describe, expect, it } from 'vitest';
import { FuseV1Options, getCurrentFuseWire } from '@electron/fuses';
import { SIDECALL_FUSES, afterPack, electronBinary, wrongFuses } from '../../../build/after-pack.mjs';

const require = createRequire(import.meta.url);
const { SENTINEL } = require('@electron/fuses/dist/constants') as { SENTINEL: string };
const ROOT = path.resolve(import.meta.dirname, '../../..');

const ON = 0x31;
const OFF = 0x30;
/** Electron's shipped states: RunAsNode, NODE_OPTIONS, --inspect and file:// privileges on; the rest off. */
const ELECTRON_DEFAULTS = [ON, OFF, ON, ON, OFF, OFF, OFF, ON];
const WANTED: Readonly<Record<string, number>> = {
  RunAsNode: OFF,
  EnableCookieEncryption: ON,
  EnableNodeOptionsEnvironmentVariable: OFF,
  EnableNodeCliInspectArguments: OFF,
  EnableEmbeddedAsarIntegrityValidation: ON,
  OnlyLoadAppFromAsar: ON,
  LoadBrowserProcessSpecificV8Snapshot: OFF,
  GrantFileProtocolExtraPrivileges: OFF,
};

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

function wire(states: readonly number[]): Buffer {
  return Buffer.concat([Buffer.from(SENTINEL, 'latin1'), Buffer.from([1, states.length, ...states])]);
}

/** Filler that cannot contain the sentinel, around the wire(s). */
const filler = (n: number, seed: number): Buffer => Buffer.from(Array.from({ length: n }, (_, i) => (i * 7 + seed) % 200));

function fakeBinary(file: string, wires: readonly Buffer[]): Buffer {
  const parts: Buffer[] = [filler(4096, 1)];
  wires.forEach((w, i) => parts.push(w, filler(2048, i + 2)));
  const bytes = Buffer.concat(parts);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, bytes);
  return bytes;
}

interface Context {
  appOutDir: string;
  electronPlatformName: string;
  arch: number;
  packager: { appInfo: { productFilename: string }; executableName: string };
}

function context(platform: string, arch = 1): Context {
  const appOutDir = fs.mkdtempSync(path.join(os.tmpdir(), 'sidecall-afterpack-'));
  dirs.push(appOutDir);
  return { appOutDir, electronPlatformName: platform, arch, packager: { appInfo: { productFilename: 'Sidecall' }, executableName: 'sidecall' } };
}

/** The fuse states after each sentinel in `bytes`, as { name: byte }. */
function statesIn(bytes: Buffer): Record<string, number>[] {
  const found: Record<string, number>[] = [];
  for (let at = bytes.indexOf(SENTINEL, 0, 'latin1'); at >= 0; at = bytes.indexOf(SENTINEL, at + 1, 'latin1')) {
    const start = at + SENTINEL.length;
    const length = bytes[start + 1] ?? 0;
    const states: Record<string, number> = {};
    for (let i = 0; i < length; i++) states[FuseV1Options[i] ?? `fuse${i}`] = bytes[start + 2 + i] ?? -1;
    found.push(states);
  }
  return found;
}

/** Indexes where two equally long buffers differ. */
function differences(a: Buffer, b: Buffer): number[] {
  expect(b.length).toBe(a.length);
  const out: number[] = [];
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) out.push(i);
  return out;
}

describe('afterPack', () => {
  it('wants RunAsNode, NODE_OPTIONS, --inspect and file:// privileges off; cookie encryption, ASAR integrity and ASAR-only on', () => {
    expect(Object.fromEntries(Object.entries(SIDECALL_FUSES).map(([i, on]) => [FuseV1Options[Number(i)], on ? ON : OFF]))).toEqual(WANTED);
  });

  it('flips the Linux executable and nothing but the six changed fuse bytes', async () => {
    const ctx = context('linux');
    const file = path.join(ctx.appOutDir, 'sidecall');
    expect(electronBinary(ctx)).toBe(file);
    const before = fakeBinary(file, [wire(ELECTRON_DEFAULTS)]);
    await afterPack(ctx);
    const after = fs.readFileSync(file);
    expect(statesIn(after)).toEqual([WANTED]);
    const wireStart = before.indexOf(SENTINEL, 0, 'latin1') + SENTINEL.length + 2;
    // RunAsNode, cookies, NODE_OPTIONS, --inspect, ASAR integrity, ASAR only, file:// privileges differ from Electron's defaults.
    expect(differences(before, after)).toEqual([0, 1, 2, 3, 4, 5, 7].map((i) => wireStart + i));
    expect(wrongFuses(await getCurrentFuseWire(file))).toEqual([]);
  });

  it('flips Sidecall.exe on Windows', async () => {
    const ctx = context('win32');
    const file = path.join(ctx.appOutDir, 'Sidecall.exe');
    expect(electronBinary(ctx)).toBe(file);
    fakeBinary(file, [wire(ELECTRON_DEFAULTS)]);
    await afterPack(ctx);
    expect(statesIn(fs.readFileSync(file))).toEqual([WANTED]);
  });

  it('flips the Electron Framework inside the macOS app, in both slices of a universal binary', async () => {
    const ctx = context('darwin');
    expect(electronBinary(ctx)).toBe(path.join(ctx.appOutDir, 'Sidecall.app'));
    const framework = path.join(ctx.appOutDir, 'Sidecall.app/Contents/Frameworks/Electron Framework.framework/Electron Framework');
    fakeBinary(framework, [wire(ELECTRON_DEFAULTS), wire(ELECTRON_DEFAULTS)]);
    await afterPack(ctx);
    expect(statesIn(fs.readFileSync(framework))).toEqual([WANTED, WANTED]);
  });

  it('fails the build for a binary without a fuse wire', async () => {
    const ctx = context('linux');
    fs.writeFileSync(path.join(ctx.appOutDir, 'sidecall'), filler(8192, 3));
    await expect(afterPack(ctx)).rejects.toThrow(/sentinel/);
  });

  it('fails the build for an Electron whose wire lacks fuses we set', async () => {
    const ctx = context('linux');
    const file = path.join(ctx.appOutDir, 'sidecall');
    // An old Electron with only four fuses: ASAR integrity and ASAR-only could not be set.
    fakeBinary(file, [wire([ON, OFF, ON, ON])]);
    await expect(afterPack(ctx)).rejects.toThrow(/not long enough/);
  });

  it('reports a fuse that is not as wanted by name', () => {
    const good = { version: '1', ...Object.fromEntries(Object.values(WANTED).map((v, i) => [i, v])) };
    expect(wrongFuses(good)).toEqual([]);
    expect(wrongFuses({ ...good, 0: ON, 4: OFF })).toEqual(['RunAsNode', 'EnableEmbeddedAsarIntegrityValidation']);
    // A fuse Electron removed (r) is not "off".
    expect(wrongFuses({ ...good, 2: 0x72 })).toEqual(['EnableNodeOptionsEnvironmentVariable']);
  });

  it('refuses a platform it does not know', () => {
    expect(() => electronBinary(context('freebsd'))).toThrow(/no fuses for platform/);
  });

  it("is the afterPack electron-builder loads from electron-builder.yml", async () => {
    const { resolveFunction } = require('app-builder-lib/out/util/resolve') as { resolveFunction(type: string | undefined, executor: unknown, name: string, root: string): Promise<unknown> };
    const yml = fs.readFileSync(path.join(ROOT, 'electron-builder.yml'), 'utf8');
    const hook = /^afterPack: (.+)$/m.exec(yml)?.[1]?.trim();
    expect(hook).toBe('./build/after-pack.mjs');
    const cwd = process.cwd();
    process.chdir(ROOT);
    let loaded: unknown;
    try {
      loaded = await resolveFunction('module', hook, 'afterPack', ROOT);
    } finally {
      process.chdir(cwd);
    }
    // Node's own loader gives electron-builder another instance of the module than vitest's: run that one.
    expect(loaded).toBeTypeOf('function');
    const ctx = context('linux');
    fakeBinary(path.join(ctx.appOutDir, 'sidecall'), [wire(ELECTRON_DEFAULTS)]);
    await (loaded as (c: Context) => Promise<void>)(ctx);
    expect(statesIn(fs.readFileSync(path.join(ctx.appOutDir, 'sidecall')))).toEqual([WANTED]);
  });
});
