// End to end in real Chromium against browser mode (a real child process with
// a real keychain): connection state, Settings edit and validation, reload
// keeps them, the Russian UI, and IT-managed fields.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { launchChromium } from '../support/browser';
import { startWebApp, type WebApp } from '../support/web-app';
import { tempDir } from '../support/core-fixture';

let browser: Browser;
const apps: WebApp[] = [];
const dirs: string[] = [];

beforeAll(async () => {
  browser = await launchChromium();
});
afterAll(async () => {
  await browser.close();
});
afterEach(async (ctx) => {
  for (const app of apps.splice(0)) {
    if (ctx.task.result?.state === 'fail') process.stderr.write(`--- browser mode output ---\n${app.output()}\n`);
    await app.stop();
  }
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

async function open(app: WebApp, locale = 'en-US'): Promise<Page> {
  const context = await browser.newContext({ locale, viewport: { width: 480, height: 800 } });
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });
  await page.goto(app.url);
  (page as Page & { errors?: string[] }).errors = errors;
  return page;
}

/** Browser mode in a fresh data folder, and a page on it; both cleaned up after the test. */
async function launch(opts: Omit<Parameters<typeof startWebApp>[0], 'dataDir'> = {}, dataDir: string = tempDir()): Promise<{ page: Page; app: WebApp; dataDir: string }> {
  dirs.push(dataDir);
  const app = await startWebApp({ dataDir, ...opts });
  apps.push(app);
  return { page: await open(app), app, dataDir };
}

async function shoot(page: Page, name: string): Promise<void> {
  const dir = path.resolve(import.meta.dirname, '../../test-results');
  fs.mkdirSync(dir, { recursive: true });
  await page.screenshot({ path: path.join(dir, `${name}.png`), fullPage: true });
}

describe('browser mode end to end', () => {
  it('shows the connection state, saves Settings with the secret in the keychain, and keeps them after a reload', async () => {
    const { page, dataDir } = await launch({ keyring: true });

    // No PBX configured: demo mode, connected to the embedded demo PBX.
    await expect.poll(() => page.getByTestId('connection-state').getAttribute('data-state'), { timeout: 15_000 }).toBe('ready');
    await page.getByTestId('demo-panel').waitFor();
    await expect.poll(() => page.getByTestId('app-version').textContent()).toMatch(/^Version \d+\.\d+\.\d+/);

    await page.getByTestId('nav-settings').click();
    await page.getByLabel('PBX address').fill('bad host!');
    await page.getByLabel('AMI port').fill('70000');
    await page.getByLabel('Your extension').fill('10a');
    await page.getByTestId('settings-save').click();
    await expect.poll(() => page.getByTestId('pbx.host-error').textContent()).toContain('host name or IP address');
    await expect.poll(() => page.getByTestId('pbx.port-error').textContent()).toContain('1 to 65535');
    await expect.poll(() => page.getByTestId('pbx.extension-error').textContent()).toContain('2 to 10 digits');
    await shoot(page, 'settings-invalid');
    expect(fs.existsSync(path.join(dataDir, 'settings.json'))).toBe(false);

    // Loopback with a closed port: a real connection attempt that fails at once, nothing leaves the machine.
    await page.getByLabel('PBX address').fill('127.0.0.1');
    await page.getByLabel('AMI port').fill('9');
    await page.getByLabel('Use TLS').check();
    await page.getByLabel('AMI user').fill('op101');
    await page.getByLabel('AMI secret').fill('op101secret');
    await page.getByLabel('Your extension').fill('101');
    await page.getByTestId('settings-save').click();
    await page.getByTestId('settings-saved').waitFor();
    expect(await page.getByText('Stored in the OS keychain').count()).toBe(1);

    const onDisk = fs.readFileSync(path.join(dataDir, 'settings.json'), 'utf8');
    expect(JSON.parse(onDisk)).toMatchObject({ pbx: { host: '127.0.0.1', port: 9, tls: true, amiUser: 'op101', extension: '101' } });
    expect(onDisk).not.toContain('op101secret');
    expect(fs.readFileSync(path.join(dataDir, 'logs', 'sidecall.log'), 'utf8')).not.toContain('op101secret');

    await page.reload();
    await page.getByTestId('nav-settings').click();
    expect(await page.getByLabel('PBX address').inputValue()).toBe('127.0.0.1');
    expect(await page.getByLabel('AMI port').inputValue()).toBe('9');
    expect(await page.getByLabel('Use TLS').isChecked()).toBe(true);
    expect(await page.getByLabel('Your extension').inputValue()).toBe('101');
    expect(await page.getByLabel('AMI secret').inputValue()).toBe('');
    expect(await page.getByText('Stored in the OS keychain').count()).toBe(1);
    await page.getByTestId('nav-home').click();
    // A configured PBX that refuses the connection: Sidecall keeps trying, and demo mode is off.
    await expect.poll(() => page.getByTestId('connection-state').getAttribute('data-state')).toMatch(/^(connecting|reconnecting)$/);
    expect(await page.getByTestId('demo-panel').count()).toBe(0);
    await shoot(page, 'home-configured');
    expect((page as Page & { errors?: string[] }).errors).toEqual([]);
  });

  it('edits the screen-pop settings and rewrite rules, refusing a broken rule next to it', async () => {
    const { page, dataDir } = await launch();
    await page.getByTestId('nav-settings').click();
    await page.getByLabel('Show the caller card').selectOption('answer');
    await page.getByLabel('Only for outside callers').check();
    await page.getByLabel('Home country').fill('kz');
    await page.getByTestId('rule-add').click();
    await page.getByLabel('Rule 1 pattern').fill('^9(\\d{10})$');
    await page.getByLabel('Rule 1 replacement').fill('8$1');
    await page.getByTestId('rule-add').click();
    await page.getByLabel('Rule 2 pattern').fill('(unclosed');
    await page.getByTestId('settings-save').click();
    await expect.poll(() => page.getByTestId('rule-error-1').textContent()).toContain('not a valid regular expression');
    expect(fs.existsSync(path.join(dataDir, 'settings.json'))).toBe(false);
    await shoot(page, 'settings-rule-error');
    await page.getByLabel('Remove rule 2').click();
    // Call settings: a context with a space is refused next to the field; a prefix and the recording mode are saved.
    await page.getByLabel('Dialplan context', { exact: true }).fill('from internal');
    await page.getByLabel('Outside-line prefix').fill('9');
    await page.getByTestId('recording-mode').selectOption('dialplan');
    await page.getByTestId('settings-save').click();
    await expect.poll(() => page.getByTestId('dial.context-error').textContent()).toContain('dialplan context name');
    await page.getByLabel('Dialplan context', { exact: true }).fill('from-internal');
    await page.getByTestId('settings-save').click();
    await page.getByTestId('settings-saved').waitFor();
    expect(JSON.parse(fs.readFileSync(path.join(dataDir, 'settings.json'), 'utf8'))).toMatchObject({
      screenPop: { when: 'answer', externalOnly: true },
      numbers: { defaultRegion: 'KZ', rewriteRules: [{ pattern: '^9(\\d{10})$', replacement: '8$1' }] },
      dial: { outboundPrefix: '9', context: 'from-internal' },
      recording: { mode: 'dialplan' },
    });
  });

  it('shows the Russian UI when Russian is chosen, and switching back works', async () => {
    const { page } = await launch();
    await page.getByTestId('nav-settings').click();
    await page.getByLabel('Language').selectOption('ru');
    await page.getByTestId('settings-save').click();
    await expect.poll(() => page.getByTestId('nav-settings').textContent()).toBe('Настройки');
    expect(await page.getByText('Адрес АТС').count()).toBe(1);
    expect(await page.locator('html').getAttribute('lang')).toBe('ru');
    await page.reload();
    await expect.poll(() => page.getByTestId('nav-home').textContent()).toBe('Звонки');
    expect(await page.getByText('Подключение к АТС').count()).toBe(1);
    await shoot(page, 'home-ru');
  });

  it('follows the OS language for "system" and greys out fields managed by IT (--config)', async () => {
    const dataDir = tempDir();
    const cfg = path.join(dataDir, 'it.json');
    fs.writeFileSync(cfg, JSON.stringify({ theme: 'dark', pbx: { host: 'pbx.corp.local', port: 5038 } }));
    const { page } = await launch({ configFile: cfg, env: { LANG: 'ru_RU.UTF-8' } }, dataDir);
    await expect.poll(() => page.getByTestId('nav-settings').textContent()).toBe('Настройки');
    expect(await page.locator('html').getAttribute('data-theme')).toBe('dark');
    await page.getByTestId('nav-settings').click();
    const host = page.getByLabel('Адрес АТС');
    expect(await host.inputValue()).toBe('pbx.corp.local');
    expect(await host.isDisabled()).toBe(true);
    expect(await page.getByText('Задано вашей организацией').count()).toBeGreaterThanOrEqual(3);
    await shoot(page, 'settings-managed-dark-ru');
  });
});
