// The softphone test rig on the Node side: bundles page-entry.ts (the product's
// Softphone class) with esbuild, serves it from a loopback HTTP server (a secure
// context, so getUserMedia works), opens pages in one Chromium with fake audio
// devices, and drives the phones through `window.sidecallTest`. Main's
// WebSocket probe is exposed to the pages as `sidecallProbe`.
import http from 'node:http';
import path from 'node:path';
import { build } from 'esbuild';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import type { SoftphoneSettings } from '../../../src-shared/domain/softphone-settings';
import { SoftphoneSettingsSchema } from '../../../src-shared/domain/softphone-settings';
import type { PhoneCall } from '../../../src-shared/softphone/calls';
import { probeWebSocket } from '../../../src-main/core/softphone/probe';
import { CHROMIUM_ARGS, launchChromium, WEBRTC_ARGS } from '../browser';
import type { PhoneView, TestApi } from './page-entry';

/** Fake microphone and camera, no permission prompt, audio may autoplay; media over loopback, no mDNS host names. */
export const SOFTPHONE_CHROMIUM_ARGS: readonly string[] = [
  ...WEBRTC_ARGS,
  '--allow-loopback-in-peer-connection',
  // One --disable-features wins over another: repeat the defaults of browser.ts.
  `${CHROMIUM_ARGS.find((a) => a.startsWith('--disable-features=')) ?? '--disable-features=OptimizationHints,MediaRouter'},WebRtcHideLocalIpsWithMdns`,
];

export function launchSoftphoneChromium(): Promise<Browser> {
  return launchChromium(SOFTPHONE_CHROMIUM_ARGS);
}

export interface PageServer {
  readonly url: string;
  close(): Promise<void>;
}

let bundle: Promise<string> | undefined;
function pageBundle(): Promise<string> {
  bundle ??= build({
    entryPoints: [path.join(import.meta.dirname, 'page-entry.ts')],
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'chrome120',
    write: false,
    logLevel: 'silent',
  }).then((r) => r.outputFiles[0]?.text ?? '');
  return bundle;
}

/** `csp`: a Content-Security-Policy header for the page (the app's pages have one; the 'blocked' error comes from it). */
export async function startPageServer(opts: { readonly csp?: string } = {}): Promise<PageServer> {
  const js = await pageBundle();
  const html = '<!doctype html><html><head><meta charset="utf-8"><title>softphone test</title></head><body><script type="module" src="/phone.js"></script></body></html>';
  const server = http.createServer((req, res) => {
    if (req.url === '/phone.js') {
      res.writeHead(200, { 'Content-Type': 'text/javascript; charset=utf-8' });
      res.end(js);
    } else {
      res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8', ...(opts.csp ? { 'Content-Security-Policy': opts.csp } : {}) });
      res.end(html);
    }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const addr = server.address();
  const port = typeof addr === 'object' && addr ? addr.port : 0;
  return {
    url: `http://127.0.0.1:${port}/`,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

/** Softphone settings for a test account (everything else at its default). */
export function phoneSettings(wsUrl: string, user: string, domain: string, extra: Partial<SoftphoneSettings> = {}): SoftphoneSettings {
  return SoftphoneSettingsSchema.parse({ enabled: true, wsUrl, sipUri: `sip:${user}@${domain}`, ...extra });
}

type Api = Omit<TestApi, 'create' | 'view'>;
type Method = keyof Api;

/** One page with the test API loaded; several phones may live in it. */
export class PhonePage {
  readonly errors: string[] = [];
  private constructor(readonly page: Page) {}

  static async open(context: BrowserContext, server: PageServer): Promise<PhonePage> {
    const page = await context.newPage();
    const pp = new PhonePage(page);
    page.on('pageerror', (e) => pp.errors.push(e.message));
    await page.exposeFunction('sidecallProbe', (url: string) => probeWebSocket(url, 3000));
    await page.goto(server.url);
    await page.waitForFunction(() => typeof window.sidecallTest === 'object');
    return pp;
  }

  phone(name: string): Phone {
    return new Phone(this, name);
  }

  async invoke<M extends Method>(method: M, ...args: Parameters<Api[M]>): Promise<Awaited<ReturnType<Api[M]>>> {
    return this.page.evaluate(([m, a]) => (window.sidecallTest[m] as (...x: unknown[]) => unknown)(...a), [method, args] as const) as Promise<Awaited<ReturnType<Api[M]>>>;
  }
}

/** Polls `probe` until it returns a value (not undefined), or fails with `what` and the last value seen. */
export async function until<T>(probe: () => Promise<T | undefined>, what: string, timeoutMs = 15_000, describe?: () => Promise<string>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${describe ? `; ${await describe()}` : ''}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export class Phone {
  constructor(
    readonly host: PhonePage,
    readonly name: string,
  ) {}

  async create(settings: SoftphoneSettings, password: string | null, opts?: { readonly audio?: boolean; readonly traceSip?: boolean }): Promise<this> {
    await this.host.page.evaluate(([n, s, p, o]) => window.sidecallTest.create(n, s, p, o), [this.name, settings, password, opts ?? {}] as const);
    return this;
  }

  view(): Promise<PhoneView> {
    return this.host.page.evaluate((n) => window.sidecallTest.view(n), this.name);
  }

  private describe = async (): Promise<string> => {
    const v = await this.view();
    return `${this.name}: ${v.registration}${v.error ? ` (${v.error}: ${v.errorDetail ?? ''})` : ''}, calls ${JSON.stringify(v.calls.map((c) => ({ id: c.id, state: c.state, end: c.end, held: c.held, transfer: c.transfer })))}${v.actionError ? `, action error ${v.actionError}` : ''}\n  log: ${v.logs.slice(-12).join('\n  log: ')}`;
  };

  waitRegistration(phase: string, timeoutMs = 15_000): Promise<PhoneView> {
    return until(async () => {
      const v = await this.view();
      return v.registration === phase ? v : undefined;
    }, `${this.name} to be ${phase}`, timeoutMs, this.describe);
  }

  /** Waits for a call matching `pred` and returns it. */
  waitCall(pred: (c: PhoneCall) => boolean, what: string, timeoutMs = 15_000): Promise<PhoneCall> {
    return until(async () => (await this.view()).calls.find(pred), `${this.name}: ${what}`, timeoutMs, this.describe);
  }

  waitFor<T>(probe: (v: PhoneView) => T | undefined, what: string, timeoutMs = 15_000): Promise<T> {
    return until(async () => probe(await this.view()), `${this.name}: ${what}`, timeoutMs, this.describe);
  }

  invoke<M extends Method>(method: M, ...rest: Parameters<Api[M]> extends [string, ...infer R] ? R : never): Promise<Awaited<ReturnType<Api[M]>>> {
    return this.host.invoke(method, ...([this.name, ...rest] as unknown as Parameters<Api[M]>));
  }
}
