// The Electron bundles as Electron will load them: the preload is CommonJS that
// requires nothing but 'electron' (a sandboxed preload can load nothing else)
// and knows every contract channel; main is an ES module whose only imports
// are Node built-ins, electron and the native keytar (bundled CommonJS gets
// a real require from the banner).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { isBuiltin } from 'node:module';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventChannels, requestChannels } from '../../../src-shared/ipc/contract';
import { buildMain, contractChannelNames, type BuiltMain } from '../../../scripts/build-main.mjs';

let outDir: string;
let built: BuiltMain;

beforeAll(async () => {
  outDir = fs.mkdtempSync(path.join(os.tmpdir(), 'sidecall-main-bundle-'));
  built = await buildMain({ outDir, logLevel: 'error' });
});
afterAll(() => fs.rmSync(outDir, { recursive: true, force: true }));

/**
 * Module specifiers a bundle loads: static imports, dynamic imports and
 * require() calls. Comment lines are skipped: bundled libraries' JSDoc names
 * modules in type annotations (`@type {import('./get')}`), which load nothing.
 */
function specifiers(code: string): string[] {
  const found = new Set<string>();
  const lines = code.split('\n').filter((l) => !/^\s*(?:\*|\/\*|\/\/)/.test(l));
  for (const line of lines) {
    for (const m of line.matchAll(/^\s*import\s[^'"]*?from\s*["']([^"']+)["']/g)) found.add(m[1] ?? '');
    for (const m of line.matchAll(/^\s*import\s*["']([^"']+)["']/g)) found.add(m[1] ?? '');
    for (const m of line.matchAll(/\brequire\(\s*["']([^"']+)["']\s*\)/g)) found.add(m[1] ?? '');
    for (const m of line.matchAll(/(?<!\{)\bimport\(\s*["']([^"']+)["']\s*\)/g)) found.add(m[1] ?? '');
  }
  return [...found].sort();
}

describe('preload.cjs', () => {
  it('is CommonJS that requires only electron', () => {
    const code = fs.readFileSync(built.preload, 'utf8');
    expect(specifiers(code)).toEqual(['electron']);
    expect(code).not.toMatch(/^\s*(import|export)\s/m);
  });

  it('carries the channel names of the contract, and not zod', async () => {
    const code = fs.readFileSync(built.preload, 'utf8');
    const names = await contractChannelNames();
    expect(names).toEqual({ request: Object.keys(requestChannels), event: Object.keys(eventChannels) });
    for (const name of [...names.request, ...names.event]) expect(code).toContain(JSON.stringify(name));
    expect(code).not.toMatch(/zod|ZodError/);
    expect(fs.statSync(built.preload).size).toBeLessThan(32 * 1024);
  });
});

describe('main.mjs', () => {
  it('is an ES module loading only Node built-ins, electron and keytar', () => {
    const code = fs.readFileSync(built.main, 'utf8');
    // Bundled ES modules (axios) import built-ins without the node: prefix ("http2"): those are Node's too.
    const external = specifiers(code).filter((s) => !isBuiltin(s));
    expect(external.filter((s) => s !== 'electron' && s !== 'keytar')).toEqual([]);
    expect(external).toContain('electron');
  });

  it("gives bundled CommonJS a real require, so esbuild's 'Dynamic require' fallback is never reached", () => {
    // electron-updater, ws and axios' Node adapter are CommonJS that calls
    // require(); in an ES module esbuild routes those calls through __require,
    // which throws "Dynamic require of ... is not supported" unless a `require`
    // is in scope. The banner of build-main.mjs puts one there, before any of it runs.
    const code = fs.readFileSync(built.main, 'utf8');
    expect(code.startsWith("import { createRequire as __sidecallCreateRequire } from 'node:module'; const require = __sidecallCreateRequire(import.meta.url);")).toBe(true);
    // And what those calls load is Node itself, electron, keytar, or ws' optional native speed-ups (required inside try/catch).
    const optional = ['bufferutil', 'utf-8-validate'];
    const required = [...new Set([...code.matchAll(/__require\(\s*["']([^"']+)["']\s*\)/g)].map((m) => m[1] ?? ''))];
    expect(required.filter((s) => !isBuiltin(s) && s !== 'electron' && s !== 'keytar' && !optional.includes(s))).toEqual([]);
  });

  it('sits next to the tray icons it loads', () => {
    // Every icon in resources/tray is shipped, and nothing else.
    const shipped = fs.readdirSync(path.resolve(import.meta.dirname, '../../../resources/tray')).filter((f) => /\.(png|ico)$/.test(f)).sort();
    expect(shipped).toEqual(expect.arrayContaining(['offline.png', 'offline@2x.png', 'ready.png', 'ringing.png', 'ringing-missed.png']));
    expect(built.trayIcons.map((f) => path.basename(f)).sort()).toEqual(shipped);
    for (const icon of built.trayIcons) expect(path.dirname(icon)).toBe(path.join(path.dirname(built.main), 'tray'));
  });
});
