// retailCRM, Odoo (19, /json/2) and a generic REST CRM end to end in real
// Chromium against browser mode (a real child process), one after the other in
// the same app and page: each is set up in Settings -> "CRM and reporting" the
// way an operator does it (a wrong retailCRM key first: refused in retailCRM's
// words), then a call from the AMI test server rings with that CRM's contact on
// the card, is answered, recorded and hung up in the UI; the CRM's test server
// holds the log once with its recording link, and History says "Sent to CRM".
// A screenshot of each CRM's settings is kept in a temp folder whose path the
// test prints.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { build } from 'vite';
import { simulateInbound, type AmiServer } from '../support/ami-server';
import { launchChromium } from '../support/browser';
import { AMI_SECRET, AMI_USER, EXTENSION, LINK_TEMPLATE, startPbx } from '../support/core-calls';
import { tempDir } from '../support/core-fixture';
import { KINDS_UNDER_TEST, KNOWN_CALLER, startCrmUnderTest, type CrmKindUnderTest, type CrmUnderTest } from '../support/crm-under-test';
import { REPO, startWebApp, type WebApp } from '../support/web-app';
import { webAppKeychain } from '../support/web-keychain';

const POLL = { timeout: 15_000 } as const;

let browser: Browser;
let page: Page;
let app: WebApp;
let pbx: AmiServer;
let dataDir: string;
let shotsDir: string;
const crms = new Map<CrmKindUnderTest, CrmUnderTest>();
const pageErrors: string[] = [];
let failed = false;

function crmOf(kind: CrmKindUnderTest): CrmUnderTest {
  const crm = crms.get(kind);
  if (!crm) throw new Error(`${kind} test server not started`);
  return crm;
}

async function shoot(name: string): Promise<void> {
  const file = path.join(shotsDir, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  console.log(`crm-connectors e2e screenshot: ${file}`);
}

beforeAll(async () => {
  dataDir = tempDir('sidecall-crm-connectors-e2e-');
  shotsDir = tempDir('sidecall-crm-connectors-e2e-shots-');
  // A renderer build of its own: dist/renderer may be rebuilt (emptied) by another test run meanwhile.
  const rendererDir = path.join(dataDir, 'renderer');
  await build({ configFile: path.join(REPO, 'src-renderer/vite.config.ts'), logLevel: 'warn', build: { outDir: rendererDir, emptyOutDir: true } });
  pbx = await startPbx();
  for (const kind of KINDS_UNDER_TEST) crms.set(kind, await startCrmUnderTest(kind, { odooVersion: 19 }));
  // IT's part (--config): where the PBX is and who this desk is; the rest is done in the UI.
  const configFile = path.join(dataDir, 'it-config.json');
  fs.writeFileSync(configFile, JSON.stringify({ pbx: { host: '127.0.0.1', port: pbx.port, amiUser: AMI_USER, extension: EXTENSION }, theme: 'light' }));
  const keychain = webAppKeychain();
  console.log(`crm-connectors e2e: keychain = ${keychain.description}`);
  app = await startWebApp({ dataDir, configFile, ...keychain.options, env: { SIDECALL_RENDERER_DIR: rendererDir } });
  browser = await launchChromium();
  const context = await browser.newContext({ viewport: { width: 520, height: 900 }, colorScheme: 'light', locale: 'en-US' });
  page = await context.newPage();
  page.on('pageerror', (e) => pageErrors.push(e.message));
  await page.goto(app.url);
}, 120_000);
afterEach(({ task }) => {
  if (task.result?.state === 'fail') failed = true;
});
afterAll(async () => {
  if (failed && page) {
    const file = path.join(shotsDir, 'failure.png');
    await page.screenshot({ path: file, fullPage: true }).catch(() => undefined);
    console.log(`crm-connectors e2e failure screenshot: ${file}`);
    process.stderr.write(`--- browser mode output ---\n${app?.output() ?? ''}\n`);
  }
  await browser?.close();
  await app?.stop();
  await pbx?.close();
  for (const crm of crms.values()) await crm.close();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

/** Settings -> CRM and reporting with `kind` chosen and its fields filled in (the key: `key`). */
async function fillCrmSettings(crm: CrmUnderTest, key: string): Promise<void> {
  await page.getByTestId('nav-settings').click();
  await page.getByTestId('settings-section-crm').click();
  await page.getByTestId('crm-kind').selectOption(crm.kind);
  for (const f of crm.form()) {
    const input = page.getByTestId(f.testId);
    if (f.how === 'select') await input.selectOption(f.value);
    else await input.fill(f.testId.endsWith('-secret-credential') ? key : f.value);
  }
  await page.getByTestId('reporting-link').fill(LINK_TEMPLATE);
}

async function save(): Promise<void> {
  await page.getByTestId('crm-save').click();
  await page.getByTestId('crm-saved').waitFor(POLL);
}

describe('retailCRM, Odoo and a REST CRM in browser mode', () => {
  it('connects to the PBX once the AMI secret is saved', async () => {
    await page.getByTestId('nav-settings').click();
    await page.getByLabel('AMI secret').fill(AMI_SECRET);
    await page.getByTestId('settings-save').click();
    await page.getByTestId('settings-saved').waitFor();
    await page.getByTestId('nav-home').click();
    await expect.poll(() => page.getByTestId('connection-state').getAttribute('data-state', { timeout: 1000 }), POLL).toBe('ready');
  });

  it.each(KINDS_UNDER_TEST)('%s: set up in Settings, a call pops its contact, the log arrives once, History says Sent to CRM', async (kind) => {
    const crm = crmOf(kind);
    const state = page.getByTestId('crm-state');
    if (kind === 'retailcrm') {
      // A wrong key: refused on Save, in retailCRM's words, and Reconnect is offered.
      await fillCrmSettings(crm, crm.wrongCredential);
      await save();
      await expect.poll(() => state.getAttribute('data-state'), POLL).toBe('needsSignIn');
      await expect.poll(() => page.getByTestId('crm-message').textContent(), POLL).toMatch(crm.refusal);
      // Connect checks the same key again: the same words; the key is what must change, not a browser sign-in.
      const connect = page.getByTestId('crm-connect');
      expect(await connect.textContent()).toBe('Connect');
      const checks = crm.requests().length;
      await connect.click();
      await expect.poll(() => crm.requests().length, POLL).toBeGreaterThan(checks);
      await expect.poll(() => state.getAttribute('data-state'), POLL).toBe('needsSignIn');
      expect(await page.getByTestId('crm-message').textContent()).toMatch(crm.refusal);
      expect(await page.getByTestId('crm-card').textContent()).toContain('Enter the right key above and save');
      await shoot('crm-retailcrm-wrong-key');
    }
    await fillCrmSettings(crm, crm.credential);
    await save();
    // A key is checked as it is saved: connected, as the account.
    await expect.poll(() => state.getAttribute('data-state'), POLL).toBe('connected');
    expect(await page.getByTestId('crm-account').textContent()).toMatch(/127\.0\.0\.1:\d+/);
    await shoot(`crm-${kind}-settings`);

    await page.getByTestId('nav-home').click();
    const eventsBefore = crm.events().length;
    simulateInbound(pbx.pbx, { from: KNOWN_CALLER, to: EXTENSION, via: 'trunk', answer: false, talkMs: 600_000 });
    const card = page.getByTestId('pop-card');
    await card.waitFor(POLL);
    await expect.poll(() => card.getByTestId('call-name').textContent(), POLL).toBe(crm.contact.name);
    const lookup = card.getByTestId('lookup');
    expect(await lookup.getAttribute('data-status')).toBe('found');
    expect(await lookup.locator('a').getAttribute('href')).toBe(crm.contact.url);
    if (crm.contact.company) expect(await lookup.textContent()).toContain(crm.contact.company);
    if (crm.contact.responsible) expect(await lookup.textContent()).toContain(crm.contact.responsible);
    const callId = (await card.getAttribute('data-call-id')) ?? '';
    expect(callId).not.toBe('');
    if (kind === 'retailcrm') await expect.poll(() => crm.events().slice(eventsBefore).map((e) => e['type']), POLL).toEqual(['in']);

    expect(pbx.pbx.answerPhone(EXTENSION)).toBe(true);
    await expect.poll(() => card.getAttribute('data-state'), POLL).toBe('connected');
    await card.getByTestId('ctl-record').click();
    await expect.poll(() => card.locator('.rec').textContent(), POLL).toMatch(/Recording/);
    await new Promise((r) => setTimeout(r, 1_100));
    await card.getByTestId('ctl-hangup').click();
    await expect.poll(() => page.getByTestId('pop-card').count(), POLL).toBe(0);

    // The CRM holds the call once, with its duration, result and recording link.
    await expect.poll(() => crm.logsPerCall().get(callId) ?? 0, POLL).toBe(1);
    const held = crm.logOf(callId);
    expect(held?.result).toBe('answered');
    expect(held?.talkSeconds).toBeGreaterThanOrEqual(1);
    expect(held?.recordingUrl).toMatch(/^https:\/\/pbx\.example\.com\/rec\/\d{4}\/\d{2}\/\d{2}\/[^/]+\.wav$/);
    expect(crm.sendsPerCall().get(callId)).toBe(1);
    if (kind === 'retailcrm') await expect.poll(() => crm.events().slice(eventsBefore).map((e) => `${String(e['type'])}:${String(e['hangupStatus'] ?? '')}`), POLL).toEqual(['in:', 'hangup:answered']);

    await page.getByTestId('nav-history').click();
    const row = page.getByTestId('history-row').first();
    await expect.poll(() => row.getAttribute('data-result'), POLL).toBe('answered');
    expect(await row.textContent()).toContain(crm.contact.name);
    const mark = row.getByTestId('history-report');
    await expect.poll(() => mark.getAttribute('data-report', { timeout: 1000 }), POLL).toBe('sent');
    expect(await mark.getAttribute('title')).toBe('Sent to CRM');
    await page.getByTestId('nav-home').click();
  });

  it('three CRMs, three calls, each in its own CRM; no page errors', () => {
    for (const crm of crms.values()) expect([...crm.logsPerCall().values()]).toEqual([1]);
    expect(pageErrors).toEqual([]);
  });
});
