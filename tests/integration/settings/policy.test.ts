// Machine policy end to end: a real policy file in a temp folder (the way
// SIDECALL_POLICY_FILE hands it in) under a real core. Locked fields are
// refused through the core's dispatch('settings.update') just as the UI's
// would be; a broken file leaves the app running on the operator's settings
// with a diagnostic naming the file; IT's edit applies without a restart.
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createPolicyProvider, machinePolicyFile, machinePolicyProvider } from '../../../src-main/adapters/policy/policy-provider';
import { parseHostOptions } from '../../../src-main/adapters/host-options';
import { bootstrapCore } from '../../../src-main/adapters/bootstrap';
import { SettingsViewSchema } from '../../../src-shared/ipc/contract';
import { createCoreFixture, tempDir, type CoreFixture } from '../../support/core-fixture';
import { MemorySecretStore } from '../../support/memory-secret-store';
import { AMI_SECRET_ACCOUNT } from '../../../src-main/core/app';
import { CRM_SECRET_ACCOUNTS } from '../../../src-shared/domain/crm-settings';
import { SIP_PASSWORD_ACCOUNT } from '../../../src-shared/domain/softphone-settings';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

function policyFile(content: unknown): string {
  const dir = tempDir('sidecall-policy-');
  cleanups.push(() => fs.rmSync(dir, { recursive: true, force: true }));
  const file = path.join(dir, 'policy.json');
  fs.writeFileSync(file, typeof content === 'string' ? content : JSON.stringify(content, null, 2));
  return file;
}

async function fixture(file: string, userSettings?: unknown): Promise<CoreFixture> {
  const f = await createCoreFixture({ policy: createPolicyProvider({ files: [file] }) });
  cleanups.push(() => f.cleanup());
  if (userSettings !== undefined) fs.writeFileSync(f.settingsFile, JSON.stringify(userSettings));
  return f;
}

async function view(f: CoreFixture) {
  const r = await f.core.dispatch('settings.get', {});
  if (!r.ok) throw new Error(r.error.message);
  return SettingsViewSchema.parse(r.result);
}

const POLICY = {
  values: { 'pbx.host': '127.0.0.1', 'pbx.port': 1, 'pbx.amiUser': 'op101', 'dial.confirmLinks': false, language: 'ru' },
  locked: ['pbx.host', 'pbx.port', 'dial.confirmLinks'],
};

describe('a policy file', () => {
  it('a settings.update touching a locked field is refused before any keychain write: the old secrets stay', async () => {
    const secrets = new MemorySecretStore();
    await secrets.set(AMI_SECRET_ACCOUNT, 'old-ami-secret');
    await secrets.set(SIP_PASSWORD_ACCOUNT, 'old-sip-password');
    await secrets.set(CRM_SECRET_ACCOUNTS.recordingLinkSecret, 'old-link-secret');
    const f = await createCoreFixture({ policy: createPolicyProvider({ files: [policyFile(POLICY)] }), secrets });
    cleanups.push(() => f.cleanup());

    const refused = await f.core.dispatch('settings.update', {
      patch: { pbx: { host: 'elsewhere.local' } },
      amiSecret: 'new-ami-secret',
      sipPassword: 'new-sip-password',
      crmSecrets: { recordingLinkSecret: null },
    });
    expect(refused).toMatchObject({ ok: false, error: { code: 'settings.locked', issues: [{ path: 'pbx.host', message: 'settings.error.locked' }] } });
    if (!refused.ok) expect(refused.error.message).toMatch(/^Managed by your organization: pbx\.host/);
    expect(await secrets.get(AMI_SECRET_ACCOUNT)).toBe('old-ami-secret');
    expect(await secrets.get(SIP_PASSWORD_ACCOUNT)).toBe('old-sip-password');
    expect(await secrets.get(CRM_SECRET_ACCOUNTS.recordingLinkSecret)).toBe('old-link-secret');

    // The same secret with an unlocked field is saved.
    const saved = await f.core.dispatch('settings.update', { patch: { pbx: { extension: '101' } }, amiSecret: 'new-ami-secret' });
    expect(saved.ok).toBe(true);
    expect(await secrets.get(AMI_SECRET_ACCOUNT)).toBe('new-ami-secret');
  });

  it('sets and locks fields; settings.update touching a locked one is refused with settings.locked and changes nothing', async () => {
    const f = await fixture(policyFile(POLICY));
    const before = await view(f);
    expect(before.settings.pbx).toMatchObject({ host: '127.0.0.1', port: 1, amiUser: 'op101' });
    expect(before.settings.dial.confirmLinks).toBe(false);
    expect(before.settings.language).toBe('ru');
    expect([...before.locked].sort()).toEqual(['dial.confirmLinks', 'pbx.host', 'pbx.port']);

    const refused = await f.core.dispatch('settings.update', { patch: { pbx: { host: 'elsewhere.local', extension: '101' } } });
    expect(refused).toMatchObject({ ok: false, error: { code: 'settings.locked', issues: [{ path: 'pbx.host', message: 'settings.error.locked' }] } });
    if (!refused.ok) expect(refused.error.message).toMatch(/^Managed by your organization: pbx\.host/);
    const nested = await f.core.dispatch('settings.update', { patch: { dial: { confirmLinks: true } } });
    expect(nested).toMatchObject({ ok: false, error: { code: 'settings.locked' } });
    // Nothing was written: neither the locked field nor the unlocked one sent with it.
    expect(fs.existsSync(f.settingsFile)).toBe(false);
    expect((await view(f)).settings.pbx.extension).toBe('');

    // Unlocked fields, including ones the policy gave a value, stay the operator's.
    const ok = await f.core.dispatch('settings.update', { patch: { language: 'en', pbx: { extension: '101', amiUser: 'op102' } } });
    expect(ok.ok).toBe(true);
    const after = await view(f);
    expect(after.settings.language).toBe('en');
    expect(after.settings.pbx).toMatchObject({ host: '127.0.0.1', extension: '101', amiUser: 'op102' });
  });

  it('wins over what the operator had saved before the policy arrived, and the saved file is left as it was', async () => {
    const file = policyFile(POLICY);
    const f = await fixture(file, { pbx: { host: 'mine.local', port: 5038, extension: '101' } });
    const text = fs.readFileSync(f.settingsFile, 'utf8');
    expect((await view(f)).settings.pbx).toMatchObject({ host: '127.0.0.1', port: 1, extension: '101' });
    expect(fs.readFileSync(f.settingsFile, 'utf8')).toBe(text);
  });

  it("IT's edit applies without a restart, and removing the file unlocks", async () => {
    const file = policyFile(POLICY);
    const f = await fixture(file);
    expect((await view(f)).locked).toContain('pbx.host');
    fs.writeFileSync(file, JSON.stringify({ values: { theme: 'dark' }, locked: ['theme'] }));
    const edited = await view(f);
    expect(edited.locked).toEqual(['theme']);
    expect(edited.settings.theme).toBe('dark');
    expect(edited.settings.pbx.host).toBe('');
    fs.rmSync(file);
    const gone = await view(f);
    expect(gone.locked).toEqual([]);
    expect((await f.core.dispatch('settings.update', { patch: { theme: 'light' } })).ok).toBe(true);
  });

  it.each([
    ['not JSON', '{"values": {"pbx.host": "pbx.corp"', /could not be read and is not applied: not valid JSON/],
    ['the wrong shape', { pbx: { host: 'pbx.corp' } }, /is not applied: it must be an object like/],
    ['Notepad UTF-8 with a byte order mark and a bad field', '\uFEFF{"values": {"pbx.port": "five", "theme": "dark"}}', /^settings\.error|expected number/],
  ])('a broken policy (%s): the app runs on the operator\'s settings and says what is wrong', async (_what, content, problem) => {
    const file = policyFile(content);
    const f = await fixture(file, { pbx: { port: 6000, extension: '101' }, language: 'en' });
    const v = await view(f);
    expect(v.settings.pbx).toMatchObject({ port: 6000, extension: '101' });
    expect(v.settings.language).toBe('en');
    expect(v.problems.filter((p) => p.source === file)).toEqual([expect.objectContaining({ message: expect.stringMatching(problem) })]);
    // The core started and logged it; requests work; nothing is locked by a broken document.
    expect(f.logs.records.some((r) => r.message === 'settings problem' && r.fields?.['source'] === file)).toBe(true);
    expect(v.locked).toEqual([]);
    expect((await f.core.dispatch('settings.update', { patch: { theme: 'light' } })).ok).toBe(true);
    expect((await f.core.dispatch('diagnostics.ping', { nonce: 'alive' })).ok).toBe(true);
  });
});

describe('the host path: SIDECALL_POLICY_FILE', () => {
  it('is read after the machine file, by the core both hosts build', async () => {
    const file = policyFile(POLICY);
    const options = parseHostOptions([], { SIDECALL_POLICY_FILE: file });
    expect(options.policyFile).toBe(file);
    const dataDir = tempDir('sidecall-policy-data-');
    const { core } = bootstrapCore({ host: 'web', dataDir, options, secrets: new MemorySecretStore(), systemLanguage: 'en' });
    cleanups.push(async () => {
      await core.dispose();
      fs.rmSync(dataDir, { recursive: true, force: true });
    });
    await core.start();
    const refused = await core.dispatch('settings.update', { patch: { pbx: { port: 5038 } } });
    expect(refused).toMatchObject({ ok: false, error: { code: 'settings.locked' } });
    const r = await core.dispatch('settings.get', {});
    expect(r.ok && SettingsViewSchema.parse(r.result).locked).toEqual(expect.arrayContaining(['pbx.host', 'pbx.port']));
  });

  it('names the machine file of each OS', () => {
    // Windows: the folder comes from the registry (windows-paths.ts), never from the ProgramData variable.
    expect(machinePolicyFile('win32', 'D:\\PD')).toBe('D:\\PD\\Sidecall\\policy.json');
    expect(machinePolicyFile('win32')).toBe('C:\\ProgramData\\Sidecall\\policy.json');
    expect(machinePolicyFile('darwin')).toBe('/Library/Application Support/Sidecall/policy.json');
    expect(machinePolicyFile('linux')).toBe('/etc/sidecall/policy.json');
    // The extra file can add locks but the machine file comes first.
    const provider = machinePolicyProvider('linux', {}, policyFile({ values: { theme: 'dark' }, locked: ['theme'] }));
    expect(provider.load().locked.get('theme')).toMatch(/policy\.json$/);
  });
});
