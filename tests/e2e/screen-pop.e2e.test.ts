// The moment that sells Sidecall, end to end: browser mode in demo mode (the
// embedded demo PBX reached through the real AMI path, the demo CRM), real
// Chromium. A call rings -> the card shows the number at once -> the CRM name
// fills in -> answer -> hang up -> History has it; a missed call is missed and
// badged; never a duplicate card.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { launchChromium } from '../support/browser';
import { startWebApp, type WebApp } from '../support/web-app';
import { tempDir } from '../support/core-fixture';

let browser: Browser;
let app: WebApp;
let page: Page;
let dataDir: string;
const pageErrors: string[] = [];
let failed = false;
afterEach(({ task }) => {
  if (task.result?.state === 'fail') failed = true;
});

beforeAll(async () => {
  dataDir = tempDir();
  browser = await launchChromium();
  app = await startWebApp({ dataDir });
  const context = await browser.newContext({ viewport: { width: 480, height: 860 } });
  page = await context.newPage();
  page.on('pageerror', (e) => pageErrors.push(e.message));
  await page.goto(app.url);
});
afterAll(async () => {
  if (failed) {
    const dir = path.resolve(import.meta.dirname, '../../test-results');
    fs.mkdirSync(dir, { recursive: true });
    await page.screenshot({ path: path.join(dir, 'screen-pop-failure.png'), fullPage: true });
    process.stderr.write(`--- browser mode output ---\n${app.output()}\n`);
  }
  await browser.close();
  await app.stop();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

/** Card texts observed on every animation frame from the moment of the call until `until` holds. */
async function watchCards(): Promise<void> {
  await page.evaluate(() => {
    const w = window as unknown as { __cards: string[][] };
    w.__cards = [];
    const tick = (): void => {
      w.__cards.push([...document.querySelectorAll('[data-testid=pop-card]')].map((c) => `${c.getAttribute('data-call-id')}|${c.querySelector('[data-testid=call-name]')?.textContent ?? ''}`));
      requestAnimationFrame(tick);
    };
    requestAnimationFrame(tick);
  });
}
async function seenCards(): Promise<string[][]> {
  return page.evaluate(() => (window as unknown as { __cards: string[][] }).__cards);
}

describe('screen pop in demo mode', () => {
  it('starts in demo mode, connected to the demo PBX', async () => {
    await expect.poll(() => page.getByTestId('connection-state').getAttribute('data-state'), { timeout: 15_000 }).toBe('ready');
    await page.getByTestId('demo-panel').waitFor();
  });

  it('rings: number at once, then the CRM contact; answer; hang up; History has it', async () => {
    await watchCards();
    await page.getByLabel('Caller number (optional)').fill('+7 916 123-45-67');
    await page.getByTestId('demo-simulate').click();
    const card = page.getByTestId('pop-card');
    await card.waitFor();
    expect(await card.getAttribute('data-state')).toBe('ringing');

    // The demo CRM answers after a delay: the number must have been on screen before the name.
    await expect.poll(() => card.getByTestId('call-name').textContent()).toBe('Иван Петров');
    const frames = await seenCards();
    const names = frames.flat().map((f) => f.split('|')[1]);
    expect(names[0]).toBe('8 (916) 123-45-67');
    expect(names).toContain('Иван Петров');
    expect(await card.getByTestId('lookup').getAttribute('data-status')).toBe('found');
    expect(await card.textContent()).toContain('ООО «Северный ветер»');
    expect(await card.textContent()).toContain('Анна Смирнова');

    await card.getByTestId('demo-answer').click();
    await expect.poll(() => card.getAttribute('data-state')).toBe('connected');
    // Connected: the card now carries the call controls; hang up through AMI.
    await card.getByTestId('ctl-hangup').click();
    await expect.poll(() => page.getByTestId('pop-card').count()).toBe(0);

    // Never more than one card for the call, in any frame.
    const all = await seenCards();
    expect(Math.max(...all.map((f) => f.length))).toBe(1);
    expect(new Set(all.flat().map((f) => f.split('|')[0])).size).toBe(1);

    await page.getByTestId('nav-history').click();
    const row = page.getByTestId('history-row').first();
    await expect.poll(() => row.getAttribute('data-result')).toBe('answered');
    expect(await row.textContent()).toContain('Иван Петров');
    expect(await page.getByTestId('history-row').count()).toBe(1);
  });

  it('a call nobody answers is missed: badge, red in History, in the Missed filter', async () => {
    await page.getByTestId('nav-home').click();
    await page.getByLabel('Caller number (optional)').fill('84950001122');
    await page.getByTestId('demo-simulate').click();
    const card = page.getByTestId('pop-card');
    await card.waitFor();
    await expect.poll(() => card.getByTestId('lookup').getAttribute('data-status')).toBe('notFound');
    expect(await card.getByTestId('call-name').textContent()).toBe('8 (495) 000-11-22');
    expect(await card.getByTestId('create-contact').count()).toBe(1);
    await card.getByTestId('demo-caller-hangup').click();
    await expect.poll(() => page.getByTestId('pop-card').count()).toBe(0);
    await expect.poll(() => page.getByTestId('missed-badge').textContent()).toBe('1');

    await page.getByTestId('nav-history').click();
    await expect.poll(() => page.getByTestId('missed-badge').count()).toBe(0);
    await expect.poll(() => page.getByTestId('history-row').count()).toBe(2);
    const first = page.getByTestId('history-row').first();
    expect(await first.getAttribute('data-result')).toBe('missed');
    expect(await first.getAttribute('class')).toContain('history-missed');
    await page.getByTestId('history-filter-missed').click();
    await expect.poll(() => page.getByTestId('history-row').count()).toBe(1);
    const dir = path.resolve(import.meta.dirname, '../../test-results');
    fs.mkdirSync(dir, { recursive: true });
    await page.screenshot({ path: path.join(dir, 'history-missed.png'), fullPage: true });
    expect(pageErrors).toEqual([]);
  });

  it('History survives a restart of Sidecall', async () => {
    await app.stop();
    app = await startWebApp({ dataDir });
    await page.goto(app.url);
    await page.getByTestId('nav-history').click();
    await expect.poll(() => page.getByTestId('history-row').count()).toBe(2);
  });
});
