// electron-builder.yml is valid for the electron-builder we ship with (its own
// JSON schema, and its own validator), and says what the installers must do:
// the tel:/callto:/sip: protocols (the Linux .desktop files as electron-
// builder's own code writes them; macOS CFBundleURLTypes from the same list),
// the targets per OS, per-machine Windows installs, the hardened macOS runtime,
// the fuses hook, updates through a generic folder, and signing from the
// environment with no secret in the file. The NSIS/MSI additions and the
// fuses hook have their own tests (installers.test.ts, after-pack.test.ts).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { afterEach, describe, expect, it } from 'vitest';
import Ajv from 'ajv';
import yaml from 'js-yaml';

const ROOT = path.resolve(import.meta.dirname, '../../..');
const require = createRequire(import.meta.url);

type Json = { readonly [key: string]: unknown };

// electron-builder's own validator, loader and Linux targets are internal API (app-builder-lib/out/...), typed here by what we call.
const ebConfig = require('app-builder-lib/out/util/config/config') as {
  validateConfiguration(config: unknown, logger: unknown): Promise<void>;
  /** Reads the YAML, loads its `extends` parent and merges them, as `npm run dist` does. */
  getConfig(projectDir: string, configPath: string | null, configFromOptions: unknown): Promise<Json>;
};
const builderUtil = require('builder-util') as { DebugLogger: new (enabled: boolean) => unknown };
const { LinuxTargetHelper } = require('app-builder-lib/out/targets/LinuxTargetHelper') as {
  LinuxTargetHelper: new (packager: unknown) => { computeDesktopEntry(options: unknown): Promise<string> };
};
const AppImageTarget = (
  require('app-builder-lib/out/targets/appimage/AppImageTarget') as { default: new (ignored: null, packager: unknown, helper: unknown, outDir: string) => { desktopEntry: { value: Promise<string> } } }
).default;

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

  it('registers tel:, callto: and sip: (macOS CFBundleURLTypes come from this list)', () => {
    const protocols = config['protocols'] as { name: string; schemes: string[] }[];
    expect(protocols.flatMap((p) => p.schemes)).toEqual(['tel', 'callto', 'sip']);
    // electron-builder writes CFBundleURLTypes from `protocols` (electron/electronMac.js); extendInfo must not replace it.
    const macBuilder = fs.readFileSync(require.resolve('app-builder-lib/out/electron/electronMac.js'), 'utf8');
    expect(macBuilder).toMatch(/appPlist\.CFBundleURLTypes = protocols\.map\(/);
    expect(macBuilder).toContain('CFBundleURLSchemes: schemes.slice()');
    expect(Object.keys(section('mac')['extendInfo'] as Json)).not.toContain('CFBundleURLTypes');
  });

  it('writes .desktop files declaring x-scheme-handler/tel, callto and sip, with -- before the link', async () => {
    const linux = section('linux');
    const packager = {
      appInfo: { productName: 'Sidecall', sanitizedProductName: 'Sidecall', description: 'Sidecall', buildVersion: '0.1.0' },
      executableName: linux['executableName'],
      config,
      platformSpecificBuildOptions: linux,
      fileAssociations: [],
      info: { metadata: { desktopName: 'sidecall.desktop' } },
    };
    const helper = new LinuxTargetHelper(packager);
    const keys = (entry: string): Record<string, string> =>
      Object.fromEntries(
        entry
          .split('\n')
          .filter((l) => l.includes('='))
          .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
      );
    // deb and rpm
    const fpm = keys(await helper.computeDesktopEntry(linux));
    expect(fpm['MimeType']).toBe('x-scheme-handler/tel;x-scheme-handler/callto;x-scheme-handler/sip;');
    expect(fpm['Exec']).toBe('/opt/Sidecall/sidecall -- %U');
    expect(fpm['Categories']).toBe('Office;');
    // AppImage
    const appImage = keys(await new AppImageTarget(null, packager, helper, os.tmpdir()).desktopEntry.value);
    expect(appImage['MimeType']).toBe(fpm['MimeType']);
    expect(appImage['Exec']).toBe('AppRun -- %U');
  });

  it('builds AppImage/deb/rpm, NSIS/MSI per machine, and DMG/PKG (+ zip for updates) with the hardened runtime', () => {
    expect(section('linux')['target']).toEqual(expect.arrayContaining(['AppImage', 'deb', 'rpm']));
    expect(section('linux')['category']).toBe('Office');
    expect(section('win')['target']).toEqual(expect.arrayContaining(['nsis', 'msi']));
    expect(section('nsis')).toMatchObject({ perMachine: true, oneClick: false, allowToChangeInstallationDirectory: true, include: 'build/installer.nsh' });
    expect(fs.existsSync(path.join(ROOT, 'build/installer.nsh'))).toBe(true);
    expect(section('msi')).toMatchObject({ perMachine: true });
    expect(section('msi')['upgradeCode']).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    expect(config['msiProjectCreated']).toBe('./build/msi-project.mjs');
    expect(section('mac')['target']).toEqual(expect.arrayContaining(['dmg', 'pkg', 'zip']));
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
    // Nor in the signing module it extends: every value there comes from process.env.
    expect(config['extends']).toBe('build/signing-from-env.mjs');
    const signing = fs.readFileSync(path.join(ROOT, 'build/signing-from-env.mjs'), 'utf8');
    expect(signing).not.toMatch(/-----BEGIN|\.p12\b|\.pfx\b|[A-Za-z0-9+/]{40,}={0,2}/);
  });

  it('flips the Electron fuses after packing (build/after-pack.mjs), not through a second mechanism', () => {
    expect(config['afterPack']).toBe('./build/after-pack.mjs');
    expect(config).not.toHaveProperty('electronFuses');
  });

  it('publishes update metadata for a generic folder, with Windows signature checks and macOS notarization left on', () => {
    expect(config['publish']).toEqual({ provider: 'generic', url: 'https://updates.invalid/sidecall/', channel: 'latest' });
    expect(section('win')['verifyUpdateCodeSignature']).not.toBe(false);
    expect(section('mac')['notarize']).not.toBe(false);
    expect(config['forceCodeSigning']).toBeUndefined();
  });
});

describe('signing from the environment (electron-builder.yml extends build/signing-from-env.mjs)', () => {
  const AZURE = {
    AZURE_TRUSTED_SIGNING_ENDPOINT: 'https://weu.codesigning.azure.net/',
    AZURE_TRUSTED_SIGNING_ACCOUNT: 'sidecall-signing',
    AZURE_TRUSTED_SIGNING_PROFILE: 'sidecall-public',
    AZURE_TRUSTED_SIGNING_PUBLISHER: 'Sidecall Ltd',
  };
  const touched = [...Object.keys(AZURE), 'SIDECALL_REQUIRE_SIGNING'];
  const saved = Object.fromEntries(touched.map((k) => [k, process.env[k]]));
  afterEach(() => {
    for (const k of touched) {
      if (saved[k] === undefined) Reflect.deleteProperty(process.env, k);
      else process.env[k] = saved[k];
    }
  });
  /** The configuration electron-builder builds from the YAML under these variables. */
  const load = (env: Record<string, string>): Promise<Json> => {
    for (const k of touched) Reflect.deleteProperty(process.env, k);
    Object.assign(process.env, env);
    return ebConfig.getConfig(ROOT, 'electron-builder.yml', null);
  };

  it('adds nothing without signing variables (a certificate file via CSC_LINK needs no configuration)', async () => {
    const merged = await load({});
    expect(merged['win']).toEqual(section('win'));
    expect(merged['forceCodeSigning']).toBeUndefined();
  });

  it('turns the Azure Trusted Signing variables into win.azureSignOptions, which electron-builder accepts', async () => {
    const merged = await load(AZURE);
    expect((merged['win'] as Json)['azureSignOptions']).toEqual({
      endpoint: 'https://weu.codesigning.azure.net/',
      codeSigningAccountName: 'sidecall-signing',
      certificateProfileName: 'sidecall-public',
      publisherName: 'Sidecall Ltd',
    });
    // The YAML's own win settings stay.
    expect(merged['win']).toMatchObject(section('win'));
    await expect(ebConfig.validateConfiguration(merged, new builderUtil.DebugLogger(false))).resolves.toBeUndefined();
  });

  it('refuses half an Azure configuration instead of building unsigned', async () => {
    await expect(load({ AZURE_TRUSTED_SIGNING_ENDPOINT: AZURE.AZURE_TRUSTED_SIGNING_ENDPOINT })).rejects.toThrow(
      /AZURE_TRUSTED_SIGNING_ACCOUNT, AZURE_TRUSTED_SIGNING_PROFILE, AZURE_TRUSTED_SIGNING_PUBLISHER/,
    );
    await expect(load({ ...AZURE, AZURE_TRUSTED_SIGNING_ENDPOINT: 'weu.codesigning.azure.net' })).rejects.toThrow(/https endpoint/);
  });

  it('forces signing for release builds with SIDECALL_REQUIRE_SIGNING=1', async () => {
    expect((await load({ SIDECALL_REQUIRE_SIGNING: '1' }))['forceCodeSigning']).toBe(true);
  });
});
