// Softphone benchmark (issue 8), in the two-page setup against a real SIP
// server: Kamailio (WebSocket registrar + proxy) on 127.0.0.1; page 1 is the
// product (browser mode: the core and web host in this process, the freshly
// built renderer, Settings -> Softphone registered as 101); page 2 is a plain
// caller (the Softphone class as the tests use it, account 201). Both pages in
// one headless Chromium with fake audio devices; media browser to browser.
//
// - softphone.ring.p50: the INVITE arriving on the product page's SIP WebSocket
//   (stamped by a listener put in front of sip.js's own) -> the ringing card's
//   Answer button painted (MutationObserver, then the first task after the next
//   frame's rendering: see support/paint-probe.ts for why that is "painted").
// - softphone.media.p50: the operator's click on Answer (stamped in the task
//   that clicks) -> the first RTP packet counted by the product page's
//   RTCPeerConnection (inbound-rtp packetsReceived > 0, polled every 4 ms in
//   the page): 200 OK, ACK, ICE checks, DTLS handshake and SRTP, both ways.
// - softphone.dropped: calls that did not ring, connect or carry audio within
//   10 s, or ended on their own (target: zero).
// 50 calls one at a time after 3 warm-up calls; medians are nearest-rank. Both
// stamps of each figure come from the same page clock.
import os from 'node:os';
import type { Browser, Page } from 'playwright-core';
import { startWebHost } from '../../src-main/hosts/web/web-host';
import { createLoggerFactory } from '../../src-main/core/log/logger';
import { createCoreFixture } from '../support/core-fixture';
import { startKamailio } from '../support/softphone/kamailio';
import { launchSoftphoneChromium, phoneSettings, PhonePage, startPageServer } from '../support/softphone/phone-page';
import { closeAll, loadAverage, ms, percentile, reportRunEnd, sleep, stageLine, tempRendererBuild, type Cleanup } from './support/bench-util';
import { preciseNow } from './support/crm-test-server';
import { fmt, type BenchContext, type Benchmark } from './harness';

const CALLS = 50;
const WARMUP = 3;
const STEP_TIMEOUT_MS = 10_000;
const DEADLINE_MS = 150_000;
const IDS = ['softphone.ring.p50', 'softphone.media.p50', 'softphone.dropped'] as const;

interface ProbeApi {
  /** How many INVITEs and painted Answer buttons the page has seen. */
  counts(): { invites: number; rings: number };
  /** Stamps of the first INVITE and Answer button painted after `counts()` said (inv, ring), or null after the timeout. */
  ring(inv: number, ring: number, timeoutMs: number): Promise<{ inviteAt: number; paintedAt: number } | null>;
  /** Clicks Answer on the ringing card and waits for the first inbound RTP packet. */
  answer(timeoutMs: number): Promise<{ clickAt: number; mediaAt: number } | { error: string }>;
}
type ProbeWindow = Window & { readonly __softphoneBench: ProbeApi };

/** Runs in the product page before the app (serialized by Playwright): must not close over anything. */
function pageProbe(): void {
  const now = (): number => performance.timeOrigin + performance.now();
  const invites: number[] = [];
  const rings: number[] = [];
  const pcs: RTCPeerConnection[] = [];
  const NativeWs = window.WebSocket;
  class TappedWebSocket extends NativeWs {
    constructor(url: string | URL, protocols?: string | string[]) {
      super(url, protocols);
      const sip = Array.isArray(protocols) ? protocols.includes('sip') : protocols === 'sip';
      // Registered before sip.js adds its own listener, so it runs first.
      if (sip) this.addEventListener('message', (e: MessageEvent) => {
        if (typeof e.data === 'string' && e.data.startsWith('INVITE ')) invites.push(now());
      });
    }
  }
  window.WebSocket = TappedWebSocket;
  const NativePc = window.RTCPeerConnection;
  class TrackedPc extends NativePc {
    constructor(config?: RTCConfiguration) {
      super(config);
      pcs.push(this);
    }
  }
  window.RTCPeerConnection = TrackedPc;
  const seen = new Set<string>();
  new MutationObserver(() => {
    for (const card of document.querySelectorAll<HTMLElement>('[data-testid=softphone-card][data-state=ringing]')) {
      const id = card.dataset['callId'] ?? '';
      if (seen.has(id) || !card.querySelector('[data-testid=sp-answer]')) continue;
      seen.add(id);
      requestAnimationFrame(() => setTimeout(() => rings.push(now()), 0));
    }
  }).observe(document, { childList: true, subtree: true, attributes: true, attributeFilter: ['data-state'] });
  const waitFor = <T,>(get: () => T | undefined, timeoutMs: number): Promise<T | null> =>
    new Promise((resolve) => {
      const end = now() + timeoutMs;
      const tick = (): void => {
        const v = get();
        if (v !== undefined) resolve(v);
        else if (now() > end) resolve(null);
        else setTimeout(tick, 2);
      };
      tick();
    });
  const api: ProbeApi = {
    counts: () => ({ invites: invites.length, rings: rings.length }),
    ring: (inv, ring, timeoutMs) =>
      waitFor(() => {
        const inviteAt = invites[inv];
        const paintedAt = rings[ring];
        return inviteAt !== undefined && paintedAt !== undefined ? { inviteAt, paintedAt } : undefined;
      }, timeoutMs),
    async answer(timeoutMs) {
      const button = document.querySelector<HTMLButtonElement>('[data-testid=softphone-card][data-state=ringing] [data-testid=sp-answer]');
      if (!button) return { error: 'no Answer button' };
      const before = pcs.length;
      const clickAt = now();
      button.click();
      const end = clickAt + timeoutMs;
      for (;;) {
        const pc = pcs.length > before ? pcs[pcs.length - 1] : undefined;
        if (pc) {
          let received = 0;
          (await pc.getStats()).forEach((r: { type?: string; kind?: string; packetsReceived?: number }) => {
            if (r.type === 'inbound-rtp' && r.kind === 'audio') received = r.packetsReceived ?? 0;
          });
          if (received > 0) return { clickAt, mediaAt: now() };
        }
        if (now() > end) return { error: pc ? 'no RTP arrived' : 'no peer connection was made' };
        await new Promise((r) => setTimeout(r, 4));
      }
    },
  };
  Object.defineProperty(window, '__softphoneBench', { value: api });
}

async function run(ctx: BenchContext): Promise<void> {
  const started = preciseNow();
  const cleanups: Cleanup[] = [];
  const failures: string[] = [];
  const deadline = setTimeout(() => {
    process.stderr.write(`softphone bench: over ${DEADLINE_MS / 1000} s, giving up\n`);
    process.exit(1);
  }, DEADLINE_MS);
  try {
    const { rendererDir, buildMs } = await tempRendererBuild('sidecall-softphone-bench-', cleanups);
    const kamailio = await startKamailio({ users: { '101': 'operator-pw', '201': 'caller-pw' } });
    cleanups.push({ what: 'kamailio', fn: () => kamailio.stop() });
    const fx = await createCoreFixture();
    cleanups.push({ what: 'core', fn: () => fx.cleanup() });
    const saved = await fx.core.dispatch('settings.update', {
      patch: { softphone: { enabled: true, wsUrl: kamailio.wsUrl, sipUri: `sip:101@${kamailio.domain}` } },
      sipPassword: 'operator-pw',
    });
    if (!saved.ok) throw new Error(`settings.update failed: ${JSON.stringify(saved.error)}`);
    const host = await startWebHost({ core: fx.core, rendererDir, log: createLoggerFactory(fx.logs)('web/host') });
    cleanups.push({ what: 'web host', fn: () => host.close() });
    const server = await startPageServer();
    cleanups.push({ what: 'caller page server', fn: () => server.close() });
    const browser: Browser = await launchSoftphoneChromium();
    cleanups.push({ what: 'browser', fn: () => browser.close() });
    const context = await browser.newContext({ viewport: { width: 520, height: 900 } });
    await context.addInitScript({ content: `globalThis.__name ??= (f) => f;\n(${pageProbe.toString()})();` });
    const page: Page = await context.newPage();
    const pageErrors: string[] = [];
    page.on('pageerror', (e) => pageErrors.push(e.message));
    await page.goto(host.url);
    await page.locator('[data-testid=softphone-state][data-state=registered]').waitFor({ timeout: 20_000 });
    // The caller in a context of its own: a second page in the same window would put the product page in the background (rAF paused, timers throttled).
    const callerPage = await PhonePage.open(await browser.newContext(), server);
    const visibility = await page.evaluate(() => document.visibilityState);
    if (visibility !== 'visible') throw new Error(`the product page is ${visibility}: its frames would be throttled`);
    const caller = callerPage.phone('201');
    await caller.create(phoneSettings(kamailio.wsUrl, '201', kamailio.domain), 'caller-pw', { audio: false });
    await caller.waitRegistration('registered');

    ctx.log(
      `softphone: renderer built in ${fmt(buildMs / 1000, 1)} s; Chromium ${browser.version()} headless with fake audio; Kamailio ${kamailio.wsUrl}; ` +
        `core + web host in this Node process; ${os.cpus().length} CPUs, load average ${loadAverage()}`,
    );

    const ring: number[] = [];
    const media: number[] = [];
    const dropped: string[] = [];
    for (let i = 0; i < WARMUP + CALLS; i++) {
      const counted = i >= WARMUP;
      const n = i + 1;
      let outId: string | undefined;
      try {
        const before = await page.evaluate(() => (window as unknown as ProbeWindow).__softphoneBench.counts());
        outId = await caller.invoke('call', '101');
        const r = await page.evaluate(([inv, rng, t]) => (window as unknown as ProbeWindow).__softphoneBench.ring(inv, rng, t), [before.invites, before.rings, STEP_TIMEOUT_MS] as const);
        if (!r) throw new Error('did not ring');
        const a = await page.evaluate((t) => (window as unknown as ProbeWindow).__softphoneBench.answer(t), STEP_TIMEOUT_MS);
        if ('error' in a) throw new Error(a.error);
        const id = outId;
        await caller.waitCall((c) => c.id === id && c.state === 'connected', 'connected at the caller', STEP_TIMEOUT_MS);
        if (counted) {
          ring.push(r.paintedAt - r.inviteAt);
          media.push(a.mediaAt - a.clickAt);
        }
      } catch (error) {
        if (counted) dropped.push(`call ${n - WARMUP}: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}`);
      }
      if (outId) await caller.invoke('hangup', outId).catch(() => undefined);
      const id = outId;
      await caller.waitCall((c) => c.id === id && c.state === 'ended', 'ended', STEP_TIMEOUT_MS).catch(() => undefined);
      await page.locator('[data-testid=softphone-card][data-state=connected], [data-testid=softphone-card][data-state=ringing]').first().waitFor({ state: 'detached', timeout: STEP_TIMEOUT_MS }).catch(() => undefined);
      await sleep(50);
    }

    ctx.log(`  ${CALLS} calls one at a time after ${WARMUP} warm-up calls; dropped: ${dropped.length}${dropped.length ? ` (${dropped.slice(0, 3).join('; ')})` : ''}`);
    ctx.log(`    ${'stage (ms)'.padEnd(58)} ${'median'.padStart(7)} ${'p99'.padStart(7)} ${'max'.padStart(7)}`);
    if (ring.length > 0) ctx.log(stageLine('INVITE at the page -> ringing card with Answer painted', ring, 58));
    if (media.length > 0) ctx.log(stageLine('click on Answer -> first RTP packet at the page', media, 58));
    ctx.report('softphone.ring.p50', Number(ms(percentile(ring, 50))), 'ms');
    ctx.report('softphone.media.p50', Number(ms(percentile(media, 50))), 'ms');
    ctx.report('softphone.dropped', dropped.length, 'calls');
    if (ring.length === 0 || media.length === 0) failures.push('no call completed');
    reportRunEnd(ctx, { logs: fx.logs, pageErrors: [...pageErrors, ...callerPage.errors], failures, started });
  } finally {
    await closeAll(cleanups, failures);
    clearTimeout(deadline);
  }
  if (failures.length > 0) throw new Error(`softphone: ${failures.join('; ')}`);
}

/** `npm run bench -- softphone` */
export const benchmark: Benchmark = { ids: IDS, run };
