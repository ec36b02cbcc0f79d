// electron-builder.yml is valid for the electron-builder we ship with (its own
// JSON schema, and its own validator), and says what the installers must do:
// the tel:/callto:/sip: protocols, the targets per OS, per-machine Windows
// installs, the hardened macOS runtime, and no signing secrets in the file.
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import Ajv from 'ajv';
import yaml from 'js-yaml';

const ROOT = path.resolve(import.meta.dirname, '../../..');
const require = createRequire(import.meta.url);

// electron-builder's own validator is internal API (app-builder-lib/out/...), typed here by what we call.
const ebConfig = require('app-builder-lib/out/util/config/config') as { validateConfiguration(config: unknown, logger: unknown): Promise<void> };
const builderUtil = require('builder-util') as { DebugLogger: new (enabled: boolean) => unknown };

type Json = { readonly [key: string]: unknown };
const text = fs.readFileSync(path.join(ROOT, 'electron-builder.yml'), 'utf8');
const config = (yaml.load(text) ?? {}) as Json;
const section = (name: string): Json => (config[name] ?? {}) as Json;

describe('electron-builder.yml', () => {
  it("validates against electron-builder's JSON schema (app-builder-lib/scheme.json)", () => {
    const schema = JSON.parse(fs.readFileSync(require.resolve('app-builder-lib/scheme.json'), 'utf8')) as Record<string, unknown>;
    const validate = new Ajv({ allErrors: true, strict: false }).compile(schema);
    const valid = validate(config);
    expect(valid ? [] : (validate.errors ?? []).map((e) => `${e.instancePath} ${e.message ?? ''}`)).toEqual([]);
    // The schema really is strict: a misspelt key fails.
    expect(validate({ ...config, nsis: { ...section('nsis'), perMachin: true } })).toBe(false);
  });

  it("passes electron-builder's own configuration check", async () => {
    await expect(ebConfig.validateConfiguration(config, new builderUtil.DebugLogger(false))).resolves.toBeUndefined();
  });

  it('names the app and packs the bundles', () => {
    expect(config['appId']).toBe('com.sidecall.desktop');
    expect(config['productName']).toBe('Sidecall');
    expect(config['asar']).toBe(true);
    expect(section('directories')['buildResources']).toBe('build');
    expect(config['files']).toEqual(expect.arrayContaining(['dist/**', 'package.json']));
    const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { main: string };
    expect(pkg.main).toBe('dist/main/main.mjs');
  });

  it('registers tel:, callto: and sip:', () => {
    const schemes = (config['protocols'] as { schemes: string[] }[]).flatMap((p) => p.schemes);
    expect(schemes).toEqual(expect.arrayContaining(['tel', 'callto', 'sip']));
    expect(section('linux')['mimeTypes']).toEqual(expect.arrayContaining(['x-scheme-handler/tel', 'x-scheme-handler/callto', 'x-scheme-handler/sip']));
  });

  it('builds AppImage/deb/rpm, NSIS/MSI per machine, and DMG/PKG with the hardened runtime', () => {
    expect(section('linux')['target']).toEqual(expect.arrayContaining(['AppImage', 'deb', 'rpm']));
    expect(section('linux')['category']).toBe('Office');
    expect(section('win')['target']).toEqual(expect.arrayContaining(['nsis', 'msi']));
    expect(section('nsis')).toMatchObject({ perMachine: true, oneClick: false });
    expect(section('msi')).toMatchObject({ perMachine: true });
    expect(section('mac')['target']).toEqual(expect.arrayContaining(['dmg', 'pkg']));
    expect(section('mac')).toMatchObject({ hardenedRuntime: true, entitlements: 'build/entitlements.mac.plist' });
    expect((section('mac')['extendInfo'] as Json)['NSMicrophoneUsageDescription']).toEqual(expect.any(String));
  });

  it('entitles the macOS app to the microphone and the network, and to nothing that weakens the runtime', () => {
    const plist = fs.readFileSync(path.join(ROOT, 'build/entitlements.mac.plist'), 'utf8');
    const keys = [...plist.matchAll(/<key>([^<]+)<\/key>\s*<true\/>/g)].map((m) => m[1]);
    expect(keys).toEqual(expect.arrayContaining(['com.apple.security.cs.allow-jit', 'com.apple.security.device.audio-input', 'com.apple.security.network.client']));
    expect(keys).not.toContain('com.apple.security.cs.disable-library-validation');
    expect(keys).not.toContain('com.apple.security.cs.allow-dyld-environment-variables');
    expect(keys).not.toContain('com.apple.security.cs.allow-unsigned-executable-memory');
  });

  it('keeps signing secrets out of the file (they come from the environment)', () => {
    const keys: string[] = [];
    const walk = (v: unknown): void => {
      if (Array.isArray(v)) v.forEach(walk);
      else if (typeof v === 'object' && v !== null) {
        for (const [k, child] of Object.entries(v)) {
          keys.push(k);
          walk(child);
        }
      }
    };
    walk(config);
    expect(keys.filter((k) => /csc|password|certificate|apple(id|apikey)|secret|token/i.test(k))).toEqual([]);
  });
});
