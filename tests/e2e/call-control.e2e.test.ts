// Call control end to end in browser mode against the demo PBX (the real AMI
// path): dial from the pad, record / pause / resume / stop, blind transfer,
// hang up, and a tel: link through the confirm card — each visible in the UI
// only once the PBX reports it.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Locator, Page } from 'playwright-core';
import { launchChromium } from '../support/browser';
import { startWebApp, type WebApp } from '../support/web-app';
import { tempDir } from '../support/core-fixture';

let browser: Browser;
let app: WebApp;
let page: Page;
let dataDir: string;
let failed = false;
const pageErrors: string[] = [];

beforeAll(async () => {
  dataDir = tempDir();
  browser = await launchChromium();
  app = await startWebApp({ dataDir });
  const context = await browser.newContext({ viewport: { width: 480, height: 900 } });
  page = await context.newPage();
  page.on('pageerror', (e) => pageErrors.push(e.message));
  await page.goto(app.url);
  await page.locator('[data-testid=connection-state][data-state=ready]').waitFor({ timeout: 15_000 });
});
afterEach(({ task }) => {
  if (task.result?.state === 'fail') failed = true;
});
afterAll(async () => {
  if (failed) {
    const dir = path.resolve(import.meta.dirname, '../../test-results');
    fs.mkdirSync(dir, { recursive: true });
    await page.screenshot({ path: path.join(dir, 'call-control-failure.png'), fullPage: true });
    process.stderr.write(`--- browser mode output ---\n${app.output()}\n`);
  }
  await browser.close();
  await app.stop();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

/** Dials from the pad, answers the demo operator's phone, and waits until the far end has answered. */
async function placeCall(number: string): Promise<Locator> {
  await page.getByTestId('dial-input').fill(number);
  await page.getByTestId('dial-call').click();
  const card = page.getByTestId('call-row').first();
  await card.waitFor();
  await expect.poll(() => card.getAttribute('data-state')).toBe('dialing');
  await card.getByTestId('demo-answer').click();
  await expect.poll(() => card.getAttribute('data-state'), { timeout: 15_000 }).toBe('connected');
  return card;
}

describe('call control in demo mode', () => {
  it('dials from the pad, records, pauses, resumes, stops, and hangs up', async () => {
    const card = await placeCall('+7 916 123-45-67');
    await expect.poll(() => card.getByTestId('call-name').textContent()).toBe('Иван Петров');
    await card.getByTestId('ctl-record').click();
    await expect.poll(() => card.textContent()).toContain('Recording');
    await card.getByTestId('ctl-pause').click();
    await expect.poll(() => card.textContent()).toContain('Recording paused');
    await card.getByTestId('ctl-pause').click();
    await expect.poll(() => card.locator('.rec').textContent()).toMatch(/^\s*Recording$/);
    await card.getByTestId('ctl-stop').click();
    await expect.poll(() => card.locator('.rec').count()).toBe(0);
    const dir = path.resolve(import.meta.dirname, '../../test-results');
    fs.mkdirSync(dir, { recursive: true });
    await page.screenshot({ path: path.join(dir, 'call-control-connected.png'), fullPage: true });
    await card.getByTestId('ctl-hangup').click();
    await expect.poll(() => page.getByTestId('call-row').count()).toBe(0);
    await page.getByTestId('nav-history').click();
    const row = page.getByTestId('history-row').first();
    await expect.poll(() => row.getAttribute('data-result')).toBe('answered');
    expect(await row.textContent()).toContain('Иван Петров');
    await page.getByTestId('nav-home').click();
  });

  it('refuses a number main cannot dial with its reason, and places nothing', async () => {
    // The pad keeps only what a number can hold ([0-9+*#]); what is left is still checked in main.
    await page.getByTestId('dial-input').fill('++7916123');
    await page.getByTestId('dial-call').click();
    await expect.poll(() => page.getByTestId('dial-status').getAttribute('role')).toBe('alert');
    expect(await page.getByTestId('dial-status').textContent()).toMatch(/\+/);
    expect(await page.getByTestId('call-row').count()).toBe(0);
    await page.getByTestId('dial-input').fill('');
  });

  it('transfers a call blind to extension 102: the call leaves my desk', async () => {
    const card = await placeCall('84951234567');
    await card.getByTestId('ctl-transfer').click();
    await card.getByTestId('transfer-target').fill('102');
    await card.getByTestId('transfer-go').click();
    await expect.poll(() => page.getByTestId('call-row').count(), { timeout: 15_000 }).toBe(0);
  });

  it('a tel: link opens a confirm card; Call places it, Cancel does not', async () => {
    const base = new URL(app.url);
    await page.goto(`${base.origin}${base.pathname}?link=${encodeURIComponent('tel:+7-812-666-77-88')}`);
    const confirm = page.getByTestId('link-confirm');
    await confirm.waitFor();
    expect(await confirm.getByTestId('link-number').textContent()).toBe('8 (812) 666-77-88');
    expect(await page.evaluate(() => document.activeElement?.getAttribute('data-testid'))).toBe('link-call');
    expect(page.url()).not.toContain('link=');
    await confirm.getByTestId('link-call').click();
    const card = page.getByTestId('call-row').first();
    await card.waitFor();
    expect(await card.getAttribute('data-state')).toBe('dialing');
    await expect.poll(() => card.getByTestId('call-name').textContent()).toBe('Дмитрий Соколов');
    await card.getByTestId('ctl-hangup').click();
    await expect.poll(() => page.getByTestId('call-row').count()).toBe(0);

    await page.goto(`${base.origin}${base.pathname}?link=${encodeURIComponent('tel:123%0d%0aChannel: Local/666@evil')}`);
    await expect.poll(() => page.getByTestId('link-error').textContent()).toContain('cannot be called');
    expect(await page.getByTestId('link-confirm').count()).toBe(0);
    expect(pageErrors).toEqual([]);
  });
});
