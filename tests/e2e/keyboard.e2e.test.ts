// Keyboard-only and screen-reader use in real Chromium against browser mode
// (demo PBX): F1 opens Help with every shortcut; an incoming call is announced
// in the assertive live region; Ctrl+Shift+A/R/H answer, record and hang up
// (said in the polite region); Ctrl+Shift+K puts the cursor in the dial pad;
// every control has an accessible name; "Copy diagnostics" copies a report;
// and policy-locked fields are disabled and say "Managed by your organization".
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { launchChromium } from '../support/browser';
import { startWebApp, type WebApp } from '../support/web-app';
import { tempDir } from '../support/core-fixture';

let browser: Browser;
const apps: WebApp[] = [];
const contexts: BrowserContext[] = [];
const dirs: string[] = [];

beforeAll(async () => {
  browser = await launchChromium();
});
afterAll(async () => {
  await browser.close();
});
afterEach(async (ctx) => {
  for (const c of contexts.splice(0)) await c.close();
  for (const app of apps.splice(0)) {
    if (ctx.task.result?.state === 'fail') process.stderr.write(`--- browser mode output ---\n${app.output()}\n`);
    await app.stop();
  }
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

/** Browser mode and a page on it; `demo`: wait until connected to the demo PBX (a policy naming a PBX leaves demo mode). */
async function launch(env: Readonly<Record<string, string>> = {}, keyring = false, demo = true): Promise<{ page: Page; app: WebApp; dataDir: string }> {
  const dataDir = tempDir();
  dirs.push(dataDir);
  const app = await startWebApp({ dataDir, env, keyring });
  apps.push(app);
  const context = await browser.newContext({ locale: 'en-US', viewport: { width: 480, height: 900 } });
  contexts.push(context);
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: new URL(app.url).origin });
  const page = await context.newPage();
  // A missing element fails the step that wanted it, with its name, instead of the whole test timing out.
  page.setDefaultTimeout(10_000);
  await page.goto(app.url);
  if (demo) await expect.poll(() => page.getByTestId('connection-state').getAttribute('data-state'), { timeout: 15_000 }).toBe('ready');
  else await page.getByTestId('connection-state').waitFor();
  return { page, app, dataDir };
}

/** Buttons, fields and selects without an accessible name (label, aria-label(ledby), or text). */
function unnamedControls(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const named = (el: Element): boolean => {
      if (el.getAttribute('aria-label')?.trim()) return true;
      const by = el.getAttribute('aria-labelledby');
      if (by && by.split(/\s+/).some((id) => document.getElementById(id)?.textContent?.trim())) return true;
      if (el.id && document.querySelector(`label[for="${CSS.escape(el.id)}"]`)?.textContent?.trim()) return true;
      if (el.closest('label')?.textContent?.trim()) return true;
      if (el.tagName === 'BUTTON' && el.textContent?.trim()) return true;
      return false;
    };
    return [...document.querySelectorAll('button, input:not([type=hidden]), select, textarea')].filter((el) => !named(el)).map((el) => el.outerHTML.slice(0, 120));
  });
}

// Each test starts browser mode (one with its own D-Bus and keyring): a busy machine needs more than the default backstop.
describe('keyboard and screen reader', { timeout: 60_000 }, () => {
  it('shortcuts drive a call, the live regions say what happens, and Help lists every shortcut', async () => {
    const { page } = await launch();
    const polite = page.getByTestId('live-polite');
    const incoming = page.getByTestId('live-incoming');

    // F1 anywhere: Help, with all eight shortcuts as this platform writes them.
    await page.keyboard.press('F1');
    await page.getByRole('heading', { name: 'Help' }).waitFor();
    expect(await page.getByTestId('shortcut-table').locator('tbody tr').count()).toBe(8);
    expect(await page.getByTestId('shortcut-hangUp').textContent()).toContain('Ctrl+Shift+H');
    expect(await unnamedControls(page)).toEqual([]);

    // Ctrl+Shift+K: back to Calls with the cursor in the number field.
    await page.keyboard.press('Control+Shift+KeyK');
    await expect.poll(() => page.evaluate(() => document.activeElement?.getAttribute('data-testid'))).toBe('dial-input');
    expect(await unnamedControls(page)).toEqual([]);

    // A call rings: announced at once, wherever the focus is.
    await page.getByTestId('demo-simulate').click();
    await expect.poll(() => incoming.textContent(), { timeout: 15_000 }).toMatch(/^Incoming call from \S/);
    // Nothing to hold yet: said, not silently ignored.
    await page.keyboard.press('Control+Shift+KeyP');
    await expect.poll(() => polite.textContent()).toBe('No call to do that with.');

    await page.keyboard.press('Control+Shift+KeyA');
    // The answered call stays up as the pop card (Settings -> Screen pop) or as a row of current calls.
    const row = page.locator('[data-testid=pop-card], [data-testid=call-row]').first();
    await expect.poll(() => row.getAttribute('data-state'), { timeout: 15_000 }).toBe('connected');
    await expect.poll(() => polite.textContent()).toBe('Answered.');

    await page.keyboard.press('Control+Shift+KeyR');
    await expect.poll(() => polite.textContent()).toBe('Recording started.');
    await expect.poll(() => row.textContent()).toContain('Recording');

    // Transfer: the field of the current call gets the cursor.
    await page.keyboard.press('Control+Shift+KeyX');
    await expect.poll(() => page.evaluate(() => document.activeElement?.getAttribute('data-testid'))).toBe('transfer-target');

    await page.keyboard.press('Control+Shift+KeyH');
    await expect.poll(() => polite.textContent()).toBe('Hung up.');
    await expect.poll(() => page.locator('[data-testid=pop-card], [data-testid=call-row]').count()).toBe(0);
    expect(await unnamedControls(page)).toEqual([]);
  });

  it('"Copy diagnostics" puts the report on the clipboard, without the AMI secret', async () => {
    // A real keychain (gnome-keyring in its own D-Bus session): the secret must be stored to be leaked.
    const { page } = await launch({}, true);
    await page.getByTestId('nav-settings').click();
    expect(await unnamedControls(page)).toEqual([]);
    await page.getByLabel('AMI secret').fill('e2e-Secret-4711');
    await page.getByTestId('settings-save').click();
    await page.getByTestId('settings-saved').waitFor();
    await page.getByTestId('nav-help').click();
    await page.getByTestId('copy-diagnostics').click();
    await page.getByTestId('diagnostics-copied').waitFor();
    const copied = await page.evaluate(() => navigator.clipboard.readText());
    expect(copied).toMatch(/^Sidecall diagnostics, /);
    expect(copied).toContain('"version": ');
    expect(copied).toContain('## Last ');
    expect(copied).not.toContain('e2e-Secret-4711');
  });

  it('a machine policy greys out what it locks, with "Managed by your organization", and the rest stays editable', async () => {
    const dir = tempDir();
    dirs.push(dir);
    const policy = path.join(dir, 'policy.json');
    fs.writeFileSync(policy, JSON.stringify({ values: { 'pbx.host': 'pbx.corp.local', 'pbx.tls': true, 'shell.startAtLogin': true }, locked: ['pbx.host', 'pbx.tls', 'shell.startAtLogin'] }));
    const { page } = await launch({ SIDECALL_POLICY_FILE: policy }, false, false);
    await page.getByTestId('nav-settings').click();
    const host = page.getByLabel('PBX address');
    expect(await host.inputValue()).toBe('pbx.corp.local');
    expect(await host.isDisabled()).toBe(true);
    expect(await page.getByLabel('Your extension').isDisabled()).toBe(false);
    expect(await page.getByText('Managed by your organization', { exact: true }).count()).toBe(2);
    expect(await page.getByTestId('settings-managed-summary').textContent()).toBe('Settings managed by your organization: 3.');
    await page.getByTestId('settings-section-desktop').click();
    const login = page.getByLabel('Start Sidecall when I log in (in the tray, without a window)');
    expect(await login.isChecked()).toBe(true);
    expect(await login.isDisabled()).toBe(true);
    expect(await login.getAttribute('aria-describedby')).toBe('shell.startAtLogin-managed');
    expect(await page.getByText('Managed by your organization', { exact: true }).count()).toBe(1);
    // The rest of the section stays the operator's.
    expect(await page.getByLabel('Show a notification for each missed call').isDisabled()).toBe(false);
  });
});
