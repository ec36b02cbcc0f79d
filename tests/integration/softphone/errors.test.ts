// What the operator sees when the softphone cannot work, against real peers:
// Kamailio refusing (wrong password, 403, 404), nothing listening at the
// WebSocket URL, a TLS certificate the browser refuses, an HTTP server that
// is not a SIP WebSocket, the chosen microphone missing, microphone access
// denied, no audio device at all. Each ends in a clear code; registration
// retries only where retrying can help (Kamailio's own count of REGISTERs
// proves the others stop), and a retry that can help does succeed once the
// server is there.
import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext } from 'playwright-core';
import { startKamailio, type Kamailio } from '../../support/softphone/kamailio';
import { freePort } from '../../support/loopback';
import { launchSoftphoneChromium, phoneSettings, PhonePage, startPageServer, type PageServer } from '../../support/softphone/phone-page';
import { launchChromium } from '../../support/browser';

const TLS_DIR = path.resolve(import.meta.dirname, '../../support/ami-server/tls');

let kamailio: Kamailio;
let server: PageServer;
let browser: Browser;
let context: BrowserContext;
let page: PhonePage;
const closers: (() => Promise<void>)[] = [];

beforeAll(async () => {
  kamailio = await startKamailio({ users: { '301': 'right-password', '305': 'pw-305' }, forbidden: ['302'] });
  server = await startPageServer();
}, 60_000);

afterAll(async () => {
  await browser?.close();
  for (const c of closers) await c();
  await server?.close();
  await kamailio?.stop();
});

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function listen(srv: http.Server): Promise<number> {
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()));
  closers.push(
    () =>
      new Promise<void>((r) => {
        srv.closeAllConnections();
        srv.close(() => r());
      }),
  );
  const addr = srv.address();
  return typeof addr === 'object' && addr ? addr.port : 0;
}

describe('microphone problems (their own short-lived browsers: the fake-UI answer is browser-wide)', () => {
  it.each([
    ['micDenied', 'microphone access denied', ['--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream=deny']],
    ['noMic', 'no audio device at all', ['--use-fake-ui-for-media-stream']],
  ] as const)('%s (%s): registration stops before any REGISTER', async (code, _what, args) => {
    const b = await launchChromium(args);
    try {
      const p = await PhonePage.open(await b.newContext(), server);
      const user = code === 'micDenied' ? '311' : '312';
      const phone = p.phone(user);
      await phone.create(phoneSettings(kamailio.wsUrl, user, kamailio.domain), 'pw', { audio: false });
      const v = await phone.waitRegistration('failed');
      expect(v.error).toBe(code);
      expect(kamailio.registers(user)).toBe(0);
      expect(p.errors).toEqual([]);
    } finally {
      await b.close();
    }
  });
});

describe('registration refused or impossible', () => {
  beforeAll(async () => {
    browser = await launchSoftphoneChromium();
    context = await browser.newContext();
    page = await PhonePage.open(context, server);
  }, 60_000);

  it('wrong password: failed, said so, and no more REGISTERs; the right password then registers', async () => {
    const phone = page.phone('301');
    await phone.create(phoneSettings(kamailio.wsUrl, '301', kamailio.domain), 'wrong-password', { audio: false });
    const v = await phone.waitRegistration('failed');
    expect(v.error).toBe('wrongPassword');
    expect(v.errorDetail).toMatch(/^401/);
    expect(v.lastReport?.error?.message).toMatch(/refused the SIP password/);
    const sent = kamailio.registers('301');
    expect(sent).toBe(2); // the first try and the answer to the challenge
    await sleep(3000);
    expect(kamailio.registers('301')).toBe(sent);
    expect((await phone.view()).registration).toBe('failed');
    await phone.create(phoneSettings(kamailio.wsUrl, '301', kamailio.domain), 'right-password', { audio: false });
    await phone.waitRegistration('registered');
    await page.invoke('dispose', '301');
  });

  it.each([
    ['302', 'forbidden', /^403/],
    ['399', 'notFound', /^404/],
  ] as const)('user %s: %s (%s), no retry', async (user, code, detail) => {
    const phone = page.phone(user);
    await phone.create(phoneSettings(kamailio.wsUrl, user, kamailio.domain), 'whatever', { audio: false });
    const v = await phone.waitRegistration('failed');
    expect(v.error).toBe(code);
    expect(v.errorDetail).toMatch(detail);
    const sent = kamailio.registers(user);
    await sleep(2500);
    expect(kamailio.registers(user)).toBe(sent);
    await page.invoke('dispose', user);
  });

  it('no stored password: says so and sends nothing', async () => {
    const phone = page.phone('303');
    await phone.create(phoneSettings(kamailio.wsUrl, '303', kamailio.domain), null, { audio: false });
    expect((await phone.waitRegistration('failed')).error).toBe('noPassword');
    expect(kamailio.registers('303')).toBe(0);
    await page.invoke('dispose', '303');
  });

  it('the chosen microphone is not connected: deviceGone', async () => {
    const phone = page.phone('304');
    await phone.create(phoneSettings(kamailio.wsUrl, '304', kamailio.domain, { microphoneId: 'a-headset-that-was-unplugged' }), 'pw', { audio: false });
    expect((await phone.waitRegistration('failed')).error).toBe('deviceGone');
    await page.invoke('dispose', '304');
  });

  it('nothing listening: unreachable, retried with backoff, and registered once a server appears there', async () => {
    const port = await freePort();
    const url = `ws://127.0.0.1:${port}/ws`;
    const phone = page.phone('305');
    await phone.create(phoneSettings(url, '305', kamailio.domain), 'pw-305', { audio: false });
    const v = await phone.waitRegistration('retrying');
    expect(v.error).toBe('unreachable');
    expect(v.errorDetail).toMatch(/ECONNREFUSED/);
    expect(v.lastReport?.retryAt).toBeGreaterThan(Date.now() - 1000);
    // It keeps trying: a second attempt happens.
    await phone.waitFor((x) => (x.logs.filter((l) => l.includes('"to":"connecting","event":"retryDue"')).length >= 2 ? true : undefined), 'a second retry');
    const late = await startKamailio({ users: { '305': 'pw-305' }, port });
    closers.push(() => late.stop());
    await phone.waitRegistration('registered', 30_000);
    await page.invoke('dispose', '305');
  });

  it('TLS certificate the browser does not trust: tls, with the reason from the probe; no retry', async () => {
    const srv = https.createServer({ cert: fs.readFileSync(path.join(TLS_DIR, 'test-cert.pem')), key: fs.readFileSync(path.join(TLS_DIR, 'test-key.pem')) });
    const port = await listen(srv);
    const phone = page.phone('306');
    await phone.create(phoneSettings(`wss://127.0.0.1:${port}/ws`, '306', kamailio.domain), 'pw', { audio: false });
    const v = await phone.waitRegistration('failed');
    expect(v.error).toBe('tls');
    expect(v.errorDetail).toMatch(/certificate/i);
    await page.invoke('dispose', '306');
  });

  it("the page's Content-Security-Policy does not allow the WebSocket yet: blocked (a reload helps), nothing sent", async () => {
    const strict = await startPageServer({ csp: "default-src 'self'; connect-src 'self'" });
    closers.push(() => strict.close());
    const p = await PhonePage.open(context, strict);
    const phone = p.phone('308');
    await phone.create(phoneSettings(kamailio.wsUrl, '308', kamailio.domain), 'pw', { audio: false });
    const v = await phone.waitRegistration('failed');
    expect(v.error).toBe('blocked');
    expect(kamailio.registers('308')).toBe(0);
    await p.page.close();
  });

  it('an HTTP server that refuses the WebSocket upgrade: the HTTP status, no retry', async () => {
    const srv = http.createServer((_req, res) => {
      res.writeHead(404);
      res.end();
    });
    srv.on('upgrade', (_req, socket) => socket.end('HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n'));
    const port = await listen(srv);
    const phone = page.phone('307');
    await phone.create(phoneSettings(`ws://127.0.0.1:${port}/wrong-path`, '307', kamailio.domain), 'pw', { audio: false });
    const v = await phone.waitRegistration('failed');
    expect(v.error).toBe('rejected');
    expect(v.lastReport?.error?.message).toMatch(/HTTP 404/);
    await page.invoke('dispose', '307');
    expect(page.errors).toEqual([]);
  });
});
