// The Electron host's update glue (hosts/electron/updater.ts) on a real core
// with file settings and a real machine policy file: it follows the `updates`
// settings as they change, says why updates are off (development run, MSI,
// unknown install, turned off by the operator or locked off by IT), and
// "Restart to update" does nothing without a downloaded update. The plan is
// never `on` here, so electron-updater (which needs Electron) is never loaded.
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createCoreFixture, tempDir, type CoreFixture } from '../../support/core-fixture';
import { createPolicyProvider } from '../../../src-main/adapters/policy/policy-provider';
import { startUpdates, type Updates } from '../../../src-main/hosts/electron/updater';
import type { UpdateStatus } from '../../../src-main/core/updates';
import type { Logger } from '../../../src-main/ports';

const quiet: Logger = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };
const URL = 'https://updates.corp.lan/sidecall/';

const open: { fixture: CoreFixture; updates: Updates }[] = [];
const extraDirs: string[] = [];
afterEach(async () => {
  for (const o of open.splice(0)) {
    o.updates.dispose();
    await o.fixture.cleanup();
  }
  for (const d of extraDirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

async function start(opts: { packaged: boolean; platform: string; policy?: unknown }) {
  let policyFile: string | undefined;
  if (opts.policy !== undefined) {
    const dir = tempDir('sidecall-update-policy-');
    extraDirs.push(dir);
    policyFile = path.join(dir, 'policy.json');
    fs.writeFileSync(policyFile, JSON.stringify(opts.policy));
  }
  const fixture = await createCoreFixture(policyFile ? { policy: createPolicyProvider({ files: [policyFile] }) } : {});
  const notices: { title: string; body: string }[] = [];
  const updates = startUpdates({
    core: fixture.core,
    app: { isPackaged: opts.packaged, getName: () => 'Sidecall' },
    log: quiet,
    notify: (n) => notices.push(n),
    language: () => 'en',
    platform: opts.platform,
  });
  open.push({ fixture, updates });
  return { fixture, updates, notices };
}

/** The first status for which `ok` holds (now or after the next changes). */
function statusWhere(updates: Updates, ok: (s: UpdateStatus) => boolean): Promise<UpdateStatus> {
  return new Promise((resolve) => {
    if (ok(updates.status())) return resolve(updates.status());
    const off = updates.onStatus((s) => {
      if (!ok(s)) return;
      off();
      resolve(s);
    });
  });
}

const offBecause = (reason: string) => (s: UpdateStatus) => s.state === 'off' && s.reason === reason;

describe('startUpdates', () => {
  it('starts off (no update folder) and never checks; a development run stays off with a folder set', async () => {
    const { fixture, updates } = await start({ packaged: false, platform: 'linux' });
    expect(updates.status()).toEqual({ state: 'off', reason: 'no-url' });
    expect(updates.menuItem('en')).toBeNull();
    const reply = await fixture.core.dispatch('settings.update', { patch: { updates: { url: URL } } });
    expect(reply.ok).toBe(true);
    await statusWhere(updates, offBecause('development'));
    expect(updates.describe('en')).toBe('Updates are off in a development run.');
  });

  it('leaves an MSI install (no NSIS uninstaller next to the executable) to IT', async () => {
    const { fixture, updates } = await start({ packaged: true, platform: 'win32' });
    await fixture.core.dispatch('settings.update', { patch: { updates: { url: URL } } });
    await statusWhere(updates, offBecause('managed-install'));
    expect(updates.describe('ru')).toBe('Эту установку обновляет ваш ИТ-отдел или менеджер пакетов.');
  });

  it('does not update a Linux install it cannot identify', async () => {
    const { fixture, updates } = await start({ packaged: true, platform: 'linux' });
    await fixture.core.dispatch('settings.update', { patch: { updates: { url: URL } } });
    await statusWhere(updates, offBecause('unsupported'));
  });

  it('follows the operator turning updates off and on', async () => {
    const { fixture, updates } = await start({ packaged: false, platform: 'linux' });
    await fixture.core.dispatch('settings.update', { patch: { updates: { url: URL, enabled: false } } });
    await statusWhere(updates, offBecause('disabled'));
    await fixture.core.dispatch('settings.update', { patch: { updates: { enabled: true } } });
    await statusWhere(updates, offBecause('development'));
  });

  it('says IT turned updates off when the policy locks them off, and the operator cannot turn them on', async () => {
    const { fixture, updates } = await start({ packaged: true, platform: 'win32', policy: { values: { 'updates.enabled': false, 'updates.url': URL }, locked: ['updates'] } });
    await statusWhere(updates, offBecause('disabled-by-policy'));
    const reply = await fixture.core.dispatch('settings.update', { patch: { updates: { enabled: true } } });
    expect(reply.ok).toBe(false);
    expect(updates.status()).toEqual({ state: 'off', reason: 'disabled-by-policy' });
    expect(updates.describe('en')).toBe('Updates are turned off by your organization.');
  });

  it('does nothing on "Restart to update" without a downloaded update', async () => {
    const { updates, notices } = await start({ packaged: false, platform: 'linux' });
    expect(updates.restartToUpdate()).toBe('nothing-to-install');
    expect(notices).toEqual([]);
  });
});
