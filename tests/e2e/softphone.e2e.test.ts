// The softphone end to end through the real app in browser mode (the core and
// the browser-mode web host in this process, serving the built renderer; the
// keychain is the in-memory SecretStore, so the test runs where keytar is not
// built) in Chromium with fake audio devices: the
// operator sets up Settings -> Softphone (password to the keychain), it
// registers to Kamailio (WebSocket registrar + proxy), a second page with a
// plain sip.js user agent calls, the card rings with Answer, the call connects
// with audio flowing to the caller (RTP counters), hangs up; then the dial pad
// places a call straight through the softphone (main routes click-to-call
// there while it is registered) and the other page answers it.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { build } from 'vite';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { startWebHost, type WebHost } from '../../src-main/hosts/web/web-host';
import { createLoggerFactory } from '../../src-main/core/log/logger';
import { createCoreFixture, type CoreFixture } from '../support/core-fixture';
import { REPO } from '../support/web-app';
import { startKamailio, type Kamailio } from '../support/softphone/kamailio';
import { launchSoftphoneChromium, phoneSettings, PhonePage, startPageServer, until, type PageServer, type Phone } from '../support/softphone/phone-page';

let kamailio: Kamailio;
let server: PageServer;
let browser: Browser;
let fx: CoreFixture;
let host: WebHost;
let page: Page;
let caller: Phone;
const pageErrors: string[] = [];
const consoleLines: string[] = [];
/** A renderer build of its own: dist/renderer may be rebuilt by another test run meanwhile. */
const rendererDir = fs.mkdtempSync(path.join(os.tmpdir(), 'sidecall-softphone-e2e-'));

beforeAll(async () => {
  kamailio = await startKamailio({ users: { '101': 'operator-pw', '201': 'caller-pw' } });
  server = await startPageServer();
  await build({ configFile: path.join(REPO, 'src-renderer/vite.config.ts'), logLevel: 'warn', build: { outDir: rendererDir, emptyOutDir: true } });
  fx = await createCoreFixture({ demo: true });
  host = await startWebHost({ core: fx.core, rendererDir, log: createLoggerFactory(fx.logs)('web/host') });
  browser = await launchSoftphoneChromium();
  const context = await browser.newContext({ viewport: { width: 520, height: 900 } });
  page = await context.newPage();
  page.on('pageerror', (e) => pageErrors.push(e.message));
  page.on('console', (m) => {
    if (m.type() === 'error' || m.type() === 'warning') consoleLines.push(`${m.type()}: ${m.text()}`);
  });
  await page.goto(host.url);
  const other = await PhonePage.open(context, server);
  caller = other.phone('201');
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await host?.close();
  await fx?.cleanup();
  await server?.close();
  await kamailio?.stop();
  fs.rmSync(rendererDir, { recursive: true, force: true });
});

afterEach(async (ctx) => {
  if (ctx.task.result?.state !== 'fail') return;
  const text = await page.locator('body').innerText().catch(() => '(no page)');
  const core = fx.logs.records.filter((r) => r.level !== 'debug').slice(-20).map((r) => `${r.scope}: ${r.message} ${JSON.stringify(r.fields ?? {})}`);
  process.stderr.write(`--- page ---\n${text}\n--- console ---\n${consoleLines.join('\n')}\n--- core ---\n${core.join('\n')}\n`);
});

/** Waits for the caller's call to have RTP coming in (the operator's fake microphone, through the app's softphone). */
async function callerHearsOperator(callId: string): Promise<void> {
  const first = await until(() => caller.invoke('stats', callId), 'caller stats');
  await until(async () => {
    const s = await caller.invoke('stats', callId);
    return s && s.packetsReceived > first.packetsReceived + 25 ? s : undefined;
  }, 'RTP from the operator at the caller');
}

// Generous per-test limits: these run beside other browser tests on two cores.
describe('softphone in browser mode', { timeout: 90_000 }, () => {
  it('is set up in Settings and registers (password in the keychain, state in the header)', async () => {
    await page.locator('[data-testid=nav-settings]').click();
    await page.locator('[data-testid=settings-section-softphone]').click();
    const form = page.locator('[data-testid=softphone-settings]');
    await form.locator('#softphone\\.wsUrl').fill('not a url');
    await form.locator('[data-testid=softphone-save]').click();
    await expect.poll(() => form.locator('[data-testid="softphone.wsUrl-error"]').textContent()).toContain('ws://');
    await form.locator('#softphone\\.enabled').check();
    await form.locator('#softphone\\.wsUrl').fill(kamailio.wsUrl);
    await form.locator('#softphone\\.sipUri').fill(`sip:101@${kamailio.domain}`);
    await form.locator('#softphone\\.password').fill('operator-pw');
    await form.locator('[data-testid=softphone-save]').click();
    await form.locator('[data-testid=softphone-saved]').waitFor();
    // The page loaded before the WebSocket URL was set, so its CSP does not allow it yet: the softphone says so and offers the reload.
    await page.locator('[data-testid=softphone-status][data-error=blocked]').waitFor({ timeout: 20_000 });
    await page.locator('[data-testid=softphone-reload]').click();
    await page.locator('[data-testid=softphone-state][data-state=registered]').waitFor({ timeout: 20_000 });
    await page.locator('[data-testid=nav-settings]').click();
    await page.locator('[data-testid=settings-section-softphone]').click();
    await page.locator('[data-testid=softphone-status][data-state=registered]').waitFor();
    expect(fs.readFileSync(fx.settingsFile, 'utf8')).not.toContain('operator-pw');
    expect(await fx.secrets.get('softphone/password')).toBe('operator-pw');
    expect(kamailio.registers('101')).toBeGreaterThanOrEqual(2);
  });

  it('an incoming call rings with Answer, connects with audio, and hangs up', async () => {
    await caller.create(phoneSettings(kamailio.wsUrl, '201', kamailio.domain), 'caller-pw', { audio: false });
    await caller.waitRegistration('registered');
    const out = await caller.invoke('call', '101');
    const card = page.locator('[data-testid=softphone-card]');
    await card.locator('[data-testid=sp-answer]').waitFor();
    expect(await card.getAttribute('data-state')).toBe('ringing');
    expect(await card.locator('[data-testid=softphone-call-name]').textContent()).toBe('201');
    await card.locator('[data-testid=sp-answer]').click();
    await page.locator('[data-testid=softphone-card][data-state=connected]').waitFor();
    await caller.waitCall((c) => c.id === out && c.state === 'connected', 'connected');
    await callerHearsOperator(out);
    // Keypad: the digit goes out (RFC 4733 in the call) and the card says so.
    await card.locator('[data-testid=sp-keypad]').click();
    await card.locator('[data-testid=sp-key-7]').click();
    await expect.poll(() => card.locator('[data-testid=sp-dtmf-sent]').textContent()).toContain('7');
    await card.locator('[data-testid=sp-hangup]').click();
    expect((await caller.waitCall((c) => c.id === out && c.state === 'ended', 'ended')).end?.reason).toBe('remote');
  });

  it('the dial pad calls straight through the softphone', async () => {
    await page.locator('[data-testid=nav-home]').click();
    await page.locator('[data-testid=dial-input]').fill('201');
    await page.locator('[data-testid=dial-call]').click();
    const ringing = await caller.waitCall((c) => c.direction === 'inbound' && c.state === 'ringing', 'the softphone call ringing');
    expect(ringing.remoteUser).toBe('101');
    await caller.invoke('answer', ringing.id);
    await page.locator('[data-testid=softphone-card][data-state=connected]').waitFor();
    await callerHearsOperator(ringing.id);
    await page.locator('[data-testid=softphone-card] [data-testid=sp-hangup]').click();
    await caller.waitCall((c) => c.id === ringing.id && c.state === 'ended', 'ended');
    expect(pageErrors).toEqual([]);
  });
});
