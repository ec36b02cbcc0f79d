// The update plan: never a check without an update folder, off by the
// operator or locked off by IT, never for installs IT or a package manager
// owns, never for a Windows build whose installers cannot be signature-checked.
import { describe, expect, it } from 'vitest';
import { installKind, isLocked, samePlan, updatePlan, type InstallKind, type PlanInput } from '../../../src-main/core/updates';
import { UpdateSettingsSchema } from '../../../src-shared/domain/update-settings';
import { SettingsSchema, SettingsPatchSchema, defaultSettings } from '../../../src-shared/domain/settings';

const URL = 'https://updates.example.lan/sidecall';
const input = (over: Partial<PlanInput> & { url?: string; enabled?: boolean } = {}): PlanInput => ({
  settings: UpdateSettingsSchema.parse({ url: over.url ?? URL, enabled: over.enabled ?? true }),
  locked: over.locked ?? [],
  install: over.install ?? 'nsis',
  signatureChecked: over.signatureChecked ?? true,
});

describe('update settings', () => {
  it('default to on but with no update folder, so a fresh install never checks', () => {
    expect(defaultSettings().updates).toEqual({ enabled: true, url: '' });
    expect(updatePlan({ ...input(), settings: defaultSettings().updates })).toEqual({ kind: 'off', reason: 'no-url' });
  });

  it('take an https folder and refuse anything else', () => {
    for (const ok of ['https://updates.example.lan/sidecall/', 'https://10.0.0.5:8443/', 'https://[fd00::5]/sidecall', 'https://host']) {
      expect(UpdateSettingsSchema.safeParse({ url: ok }).success, ok).toBe(true);
    }
    for (const bad of ['http://updates.example.lan/', 'ftp://host/', 'https://user:pw@host/', 'https://host/?x=1', 'https://host/#a', 'file:///c:/updates', 'https://ho st/', 'updates.example.lan']) {
      expect(UpdateSettingsSchema.safeParse({ url: bad }).success, bad).toBe(false);
    }
  });

  it('are part of the settings document and of a patch', () => {
    expect(SettingsSchema.parse({ updates: { url: URL } }).updates).toEqual({ enabled: true, url: URL });
    expect(SettingsPatchSchema.safeParse({ updates: { enabled: false } }).success).toBe(true);
    expect(SettingsPatchSchema.safeParse({ updates: { url: 'http://plain/' } }).success).toBe(false);
    expect(SettingsPatchSchema.safeParse({ updates: { server: URL } }).success).toBe(false);
  });
});

describe('installKind', () => {
  const facts = { platform: 'win32', packaged: true, nsisUninstaller: false, appImage: false };
  it('tells NSIS from MSI by the uninstaller, and development from everything', () => {
    expect(installKind({ ...facts, nsisUninstaller: true })).toBe('nsis');
    expect(installKind(facts)).toBe('msi');
    expect(installKind({ ...facts, packaged: false, nsisUninstaller: true })).toBe('development');
  });
  it('knows the macOS app, the AppImage and the Linux packages', () => {
    expect(installKind({ ...facts, platform: 'darwin' })).toBe('mac');
    expect(installKind({ ...facts, platform: 'linux', appImage: true, packageType: 'deb' })).toBe('appimage');
    expect(installKind({ ...facts, platform: 'linux', packageType: 'deb\n' })).toBe('deb');
    expect(installKind({ ...facts, platform: 'linux', packageType: 'rpm' })).toBe('rpm');
    expect(installKind({ ...facts, platform: 'linux', packageType: 'pacman' })).toBe('pacman');
    expect(installKind({ ...facts, platform: 'linux', packageType: 'snap' })).toBe('unknown');
    expect(installKind({ ...facts, platform: 'linux' })).toBe('unknown');
    expect(installKind({ ...facts, platform: 'freebsd' })).toBe('unknown');
  });
});

describe('updatePlan', () => {
  it('is on for NSIS, macOS and the AppImage with a folder, the URL always ending in /', () => {
    for (const install of ['nsis', 'mac', 'appimage'] as const) {
      expect(updatePlan(input({ install }))).toEqual({ kind: 'on', feed: { provider: 'generic', url: `${URL}/`, channel: 'latest' } });
    }
    expect(updatePlan(input({ url: `${URL}/` }))).toMatchObject({ feed: { url: `${URL}/` } });
  });

  it('says whether the operator or IT turned updates off', () => {
    expect(updatePlan(input({ enabled: false }))).toEqual({ kind: 'off', reason: 'disabled' });
    expect(updatePlan(input({ enabled: false, locked: ['updates.enabled'] }))).toEqual({ kind: 'off', reason: 'disabled-by-policy' });
    // A lock on the whole section locks the field too.
    expect(updatePlan(input({ enabled: false, locked: ['updates'] }))).toEqual({ kind: 'off', reason: 'disabled-by-policy' });
    // A locked URL with updates on is simply on.
    expect(updatePlan(input({ locked: ['updates.url'] })).kind).toBe('on');
  });

  it('leaves MSI, deb, rpm and pacman installs to IT and unknown installs alone', () => {
    for (const install of ['msi', 'deb', 'rpm', 'pacman'] as InstallKind[]) expect(updatePlan(input({ install }))).toEqual({ kind: 'off', reason: 'managed-install' });
    expect(updatePlan(input({ install: 'unknown' }))).toEqual({ kind: 'off', reason: 'unsupported' });
    expect(updatePlan(input({ install: 'development' }))).toEqual({ kind: 'off', reason: 'development' });
  });

  it('refuses a Windows build that cannot check the installer signature, and only that', () => {
    expect(updatePlan(input({ install: 'nsis', signatureChecked: false }))).toEqual({ kind: 'off', reason: 'unsigned' });
    expect(updatePlan(input({ install: 'mac', signatureChecked: false })).kind).toBe('on');
  });

  it('reports "off" reasons in order of what the user can act on', () => {
    // Disabled wins over a missing URL; a missing URL over the install kind.
    expect(updatePlan(input({ enabled: false, url: '', install: 'msi' }))).toEqual({ kind: 'off', reason: 'disabled' });
    expect(updatePlan(input({ url: '', install: 'msi' }))).toEqual({ kind: 'off', reason: 'no-url' });
  });
});

describe('isLocked and samePlan', () => {
  it('matches a path and its parents only', () => {
    expect(isLocked(['updates'], 'updates.enabled')).toBe(true);
    expect(isLocked(['updates.enabled'], 'updates.enabled')).toBe(true);
    expect(isLocked(['update'], 'updates.enabled')).toBe(false);
    expect(isLocked(['updates.url'], 'updates.enabled')).toBe(false);
  });
  it('compares what configures the updater', () => {
    const on = updatePlan(input());
    expect(samePlan(on, updatePlan(input()))).toBe(true);
    expect(samePlan(on, updatePlan(input({ url: 'https://other/' })))).toBe(false);
    expect(samePlan(on, { kind: 'off', reason: 'disabled' })).toBe(false);
    expect(samePlan({ kind: 'off', reason: 'disabled' }, on)).toBe(false);
    expect(samePlan({ kind: 'off', reason: 'disabled' }, { kind: 'off', reason: 'disabled' })).toBe(true);
    expect(samePlan({ kind: 'off', reason: 'disabled' }, { kind: 'off', reason: 'no-url' })).toBe(false);
  });
});
