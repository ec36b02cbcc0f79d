// CRM reporting end to end in real Chromium against browser mode (a real child
// process): Settings -> "CRM and reporting" -> amoCRM, sign in (the app opens the
// amoCRM test server's authorize page in a new tab, which approves and redirects
// to the app's loopback listener), "Connected"; a call from the AMI test server
// rings, is answered, recorded and hung up in the UI; the amoCRM test server
// receives it once with its recording link, and History marks it "Sent to CRM".
// Screenshots of the CRM section and of History (light theme) are kept in a temp
// folder whose path the test prints.
//
// The keychain: the real one (gnome-keyring in a private D-Bus session) where
// the optional keytar module is built, as in CI; otherwise browser mode runs
// with an in-memory keychain (tests/support/web-main-memory-keychain.ts) and
// the output says so.
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { launchChromium } from '../support/browser';
import { REPO, startWebApp, type WebApp } from '../support/web-app';
import { tempDir } from '../support/core-fixture';
import { LAB_USERS, simulateInbound, startAmiServer, type AmiServer } from '../support/ami-server';
import { startAmoCrmServer, type AmoCrmServer } from '../support/crm-servers/amocrm-server';
import { freePort } from '../support/loopback';

const EXTENSION = '101';
const CALLER = '79161234567';
const LINK_TEMPLATE = 'https://pbx.example.com/rec/{yyyy}/{mm}/{dd}/{file}';

let browser: Browser;
let context: BrowserContext;
let page: Page;
let app: WebApp;
let srv: AmiServer;
let amo: AmoCrmServer;
let dataDir: string;
let shotsDir: string;
let redirectPort: number;
let failed = false;
const pageErrors: string[] = [];

function keytarBuilt(): boolean {
  try {
    createRequire(import.meta.url)('keytar');
    return true;
  } catch {
    return false;
  }
}

async function shoot(name: string): Promise<string> {
  const file = path.join(shotsDir, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  console.log(`crm-reporting e2e screenshot: ${file}`);
  return file;
}

beforeAll(async () => {
  dataDir = tempDir('sidecall-crm-e2e-');
  shotsDir = tempDir('sidecall-crm-e2e-shots-');
  redirectPort = await freePort();
  amo = await startAmoCrmServer({ redirectUri: `http://127.0.0.1:${redirectPort}/amocrm/callback`, rateLimit: false });
  amo.addContact({ name: 'Иван Петров', phones: ['+7 916 123-45-67'] });
  // The operator's AMI user may start MixMonitor (the `system` write permission).
  srv = await startAmiServer({
    loginFailureDelayMs: 0,
    config: { rtcpIntervalMs: 0 },
    users: { ...LAB_USERS, op101: { secret: 'op101secret', read: 'call,cdr,reporting,agent,dialplan', write: 'call,originate,reporting,system' } },
  });
  srv.pbx.setPhone(EXTENSION, { answer: 'manual' });
  // IT's part (--config): where the PBX is and who this desk is; the rest is done in the UI.
  const configFile = path.join(dataDir, 'it-config.json');
  fs.writeFileSync(configFile, JSON.stringify({ pbx: { host: '127.0.0.1', port: srv.port, amiUser: 'op101', extension: EXTENSION }, theme: 'light' }));
  const real = keytarBuilt();
  console.log(`crm-reporting e2e: keychain = ${real ? 'real (gnome-keyring over D-Bus, keytar)' : 'in-memory (keytar is not built on this machine)'}`);
  app = await startWebApp({ dataDir, configFile, ...(real ? { keyring: true } : { entry: path.join(REPO, 'tests/support/web-main-memory-keychain.ts') }) });
  browser = await launchChromium();
  context = await browser.newContext({ viewport: { width: 520, height: 900 }, colorScheme: 'light', locale: 'en-US' });
  page = await context.newPage();
  page.on('pageerror', (e) => pageErrors.push(e.message));
  await page.goto(app.url);
});
afterEach(({ task }) => {
  if (task.result?.state === 'fail') failed = true;
});
afterAll(async () => {
  if (failed) {
    await page.screenshot({ path: path.join(shotsDir, 'failure.png'), fullPage: true }).catch(() => undefined);
    console.log(`crm-reporting e2e failure screenshot: ${path.join(shotsDir, 'failure.png')}`);
    process.stderr.write(`--- browser mode output ---\n${app.output()}\n`);
  }
  await browser.close();
  await app.stop();
  await srv.close();
  await amo.close();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

describe('CRM reporting in browser mode', () => {
  it('connects to the PBX once the AMI secret is saved', async () => {
    await page.getByTestId('nav-settings').click();
    await page.getByLabel('AMI secret').fill('op101secret');
    await page.getByTestId('settings-save').click();
    await page.getByTestId('settings-saved').waitFor();
    await page.getByTestId('nav-home').click();
    await expect.poll(() => page.getByTestId('connection-state').getAttribute('data-state', { timeout: 1000 }), { timeout: 15_000 }).toBe('ready');
  });

  it('sets up amoCRM in Settings -> CRM and reporting, signs in through a browser tab: Connected', async () => {
    await page.getByTestId('nav-settings').click();
    await page.getByTestId('settings-section-crm').click();
    await page.getByTestId('crm-kind').selectOption('amocrm');
    await page.getByTestId('crm-amocrm-accountUrl').fill(amo.url);
    await page.getByTestId('crm-amocrm-clientId').fill(amo.clientId);
    await page.getByTestId('crm-amocrm-secret-clientSecret').fill(amo.clientSecret);
    await page.getByTestId('crm-amocrm-redirectPort').fill(String(redirectPort));
    await page.getByTestId('crm-amocrm-authorizeUrl').fill(`${amo.url}/oauth`);
    await page.getByTestId('reporting-link').fill(LINK_TEMPLATE);
    await page.getByTestId('crm-save').click();
    await page.getByTestId('crm-saved').waitFor();
    await expect.poll(() => page.getByTestId('crm-state').getAttribute('data-state')).toBe('signedOut');

    const opened = context.waitForEvent('page');
    await page.getByTestId('crm-connect').click();
    const tab = await opened;
    // amoCRM's page approves at once and sends the tab to the app's loopback listener.
    await tab.waitForURL(new RegExp(`^http://127\\.0\\.0\\.1:${redirectPort}/amocrm/callback\\?`), { timeout: 15_000 });
    await expect.poll(() => page.getByTestId('crm-state').getAttribute('data-state'), { timeout: 15_000 }).toBe('connected');
    expect(await page.getByTestId('crm-account').textContent()).toContain(amo.accountName);
    // The tab loaded amoCRM's authorize page with this integration's id (and no redirect_uri: amoCRM takes the registered one).
    const authorize = amo.requestsTo('/oauth', 'GET');
    expect(authorize).toHaveLength(1);
    expect(authorize[0]?.query).toMatchObject({ client_id: amo.clientId, mode: 'post_message' });
    expect(authorize[0]?.query['redirect_uri']).toBeUndefined();
    expect(amo.counters.codeExchanges).toBe(1);
    await tab.close();
    await shoot('crm-settings-connected');
  });

  it('a call taken, recorded and hung up arrives at amoCRM once with its recording link; History: Sent to CRM', async () => {
    await page.getByTestId('nav-home').click();
    simulateInbound(srv.pbx, { from: CALLER, to: EXTENSION, via: 'trunk', answer: false, talkMs: 600_000 });
    const card = page.getByTestId('pop-card');
    await card.waitFor({ timeout: 15_000 });
    await expect.poll(() => card.getByTestId('call-name').textContent(), { timeout: 15_000 }).toBe('Иван Петров');
    srv.pbx.answerPhone(EXTENSION);
    await expect.poll(() => card.getAttribute('data-state'), { timeout: 15_000 }).toBe('connected');
    await card.getByTestId('ctl-record').click();
    await expect.poll(() => card.locator('.rec').textContent(), { timeout: 15_000 }).toMatch(/Recording/);
    await new Promise((r) => setTimeout(r, 1100));
    // amoCRM answers slowly now: History is open before it confirms, and must update by itself.
    amo.configure({ latencyMs: 3000 });
    await card.getByTestId('ctl-hangup').click();
    await expect.poll(() => page.getByTestId('pop-card').count(), { timeout: 15_000 }).toBe(0);

    await page.getByTestId('nav-history').click();
    const row = page.getByTestId('history-row').first();
    await expect.poll(() => row.getAttribute('data-result'), { timeout: 15_000 }).toBe('answered');
    await expect.poll(() => row.getByTestId('history-report').getAttribute('data-report', { timeout: 1000 }), { timeout: 15_000 }).toBe('waiting');
    await expect.poll(() => row.getByTestId('history-report').getAttribute('data-report'), { timeout: 15_000 }).toBe('sent');
    amo.configure({ latencyMs: 0 });
    expect(await row.getByTestId('history-report').getAttribute('title')).toBe('Sent to CRM');

    const posts = amo.requestsTo('/api/v4/calls', 'POST');
    expect(posts).toHaveLength(1);
    const item = (posts[0]?.body as Record<string, unknown>[])[0];
    expect(item).toMatchObject({ direction: 'inbound', phone: `+${CALLER}`, call_status: 4 });
    expect(String(item?.['link'])).toMatch(/^https:\/\/pbx\.example\.com\/rec\/\d{4}\/\d{2}\/\d{2}\/[^/]+\.wav$/);
    expect(item?.['duration']).toBeGreaterThanOrEqual(1);
    expect(amo.calls).toHaveLength(1);
    await shoot('history-sent-to-crm');
    expect(pageErrors).toEqual([]);
  });

  it("an unpaid amoCRM account (402): the call lands in the failed list with amoCRM's words; once paid, 'Retry all' sends it once", async () => {
    amo.configure({ accountBlocked: 402 });
    await page.getByTestId('nav-home').click();
    simulateInbound(srv.pbx, { from: CALLER, to: EXTENSION, via: 'trunk', answer: false, talkMs: 600_000 });
    const card = page.getByTestId('pop-card');
    await card.waitFor({ timeout: 15_000 });
    srv.pbx.answerPhone(EXTENSION);
    await expect.poll(() => card.getAttribute('data-state'), { timeout: 15_000 }).toBe('connected');
    await card.getByTestId('ctl-hangup').click();
    await expect.poll(() => page.getByTestId('pop-card').count(), { timeout: 15_000 }).toBe(0);

    const outbox = page.getByTestId('outbox-card');
    await expect.poll(() => outbox.getByTestId('outbox-failed').textContent({ timeout: 1000 }).catch(() => ''), { timeout: 15_000 }).toContain('Account is not paid');
    expect(amo.calls).toHaveLength(1);
    await shoot('outbox-failed-retry-all');

    amo.configure({ accountBlocked: false });
    await outbox.getByTestId('outbox-retry-all').click({ timeout: 10_000 });
    await expect.poll(() => amo.calls.length, { timeout: 15_000 }).toBe(2);
    // Nothing waits or failed any more: the card goes away.
    await expect.poll(() => page.getByTestId('outbox-card').count(), { timeout: 15_000 }).toBe(0);
    expect(amo.requestsTo('/api/v4/calls', 'POST').filter((r) => r.status < 300)).toHaveLength(2);
    expect(pageErrors).toEqual([]);
  });
});
