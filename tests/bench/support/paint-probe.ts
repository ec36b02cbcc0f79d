// The page side of the screen-pop benchmark (not product code). An init script
// installed before the app loads:
// - a MutationObserver that notices, per pop-up card (`[data-testid=pop-card]`,
//   keyed by `data-call-id`), every change of its `call-name` text or lookup
//   status, and when the card goes;
// - a tap on the page's WebSocket that stamps when the `calls.changed` frame
//   carrying a call (and later its found contact) arrived, for the stage split.
// Times are `performance.timeOrigin + performance.now()`: the same wall-clock
// base, with sub-ms resolution, as `preciseNow()` in Node on the same machine.
//
// "Painted": a DOM change is committed by React in some task; the observer runs
// as a microtask right after it. From there we wait for the next
// requestAnimationFrame (which runs at the start of the next rendering update,
// before style, layout and paint) and post a setTimeout(0) from inside it: that
// task runs after the frame's rendering steps, i.e. after the change was painted
// and handed to the compositor. A second rAF would overstate by a whole frame
// (16.7 ms at 60 Hz); a bare rAF would stamp before paint.
//
// Everything stays in the page until asked for: the Node side (`PagePaints`)
// waits with one page.evaluate per step, issued once the core has published the
// change (so the round trip overlaps the page's work instead of delaying the
// core), and fetches a call's whole record when its card has gone.
import type { BrowserContext, Page } from 'playwright-core';
import { z } from 'zod';

const PaintSchema = z.object({ text: z.string(), status: z.string(), at: z.number(), paintedAt: z.number() });
const RecordSchema = z.object({
  paints: z.array(PaintSchema),
  wsRingAt: z.number().nullable(),
  wsFoundAt: z.number().nullable(),
  goneAt: z.number().nullable(),
});

/** One state of a card as painted: its title text and lookup status. */
export type CardPaint = z.infer<typeof PaintSchema>;
/**
 * Everything the page saw of one call: each painted state (`at`: the DOM change
 * observed right after React's commit; `paintedAt`: the frame showing it had
 * been painted), when its first `calls.changed` frame and the one with its
 * contact found arrived on the WebSocket, and when the card went.
 */
export type CardRecord = z.infer<typeof RecordSchema>;

/** What the init script puts on `window` (used inside page.evaluate). */
interface ProbeApi {
  paint(id: string, text: string | null, timeoutMs: number): Promise<boolean>;
  gone(id: string, timeoutMs: number): Promise<unknown>;
}
type ProbeWindow = Window & { readonly __sidecallBench: ProbeApi };

/** Runs in the page (serialized by Playwright): must not close over anything. */
function pageProbe(): void {
  interface Paint {
    text: string;
    status: string;
    at: number;
    paintedAt: number | null;
  }
  interface Rec {
    paints: Paint[];
    wsRingAt: number | null;
    wsFoundAt: number | null;
    goneAt: number | null;
  }
  const now = (): number => performance.timeOrigin + performance.now();
  const records = new Map<string, Rec>();
  const waiters = new Set<() => void>();
  const notify = (): void => {
    for (const w of [...waiters]) w();
  };
  const recordOf = (id: string): Rec => {
    let r = records.get(id);
    if (!r) {
      r = { paints: [], wsRingAt: null, wsFoundAt: null, goneAt: null };
      records.set(id, r);
    }
    return r;
  };
  const until = <T>(get: () => T | undefined, timeoutMs: number): Promise<T | null> =>
    new Promise((resolve) => {
      const check = (): void => {
        const v = get();
        if (v === undefined) return;
        waiters.delete(check);
        clearTimeout(timer);
        resolve(v);
      };
      const timer = setTimeout(() => {
        waiters.delete(check);
        resolve(null);
      }, timeoutMs);
      waiters.add(check);
      check();
    });

  const Native = window.WebSocket;
  class TappedWebSocket extends Native {
    constructor(url: string | URL, protocols?: string | string[]) {
      super(url, protocols);
      this.addEventListener('message', (ev: MessageEvent) => {
        const at = now();
        if (typeof ev.data !== 'string' || !ev.data.includes('"calls.changed"')) return;
        try {
          const frame = JSON.parse(ev.data) as { payload?: { live?: { call?: { id?: string }; lookup?: { status?: string } }[] } };
          for (const v of frame.payload?.live ?? []) {
            const id = v.call?.id;
            if (id === undefined) continue;
            const r = recordOf(id);
            r.wsRingAt ??= at;
            if (v.lookup?.status === 'found') r.wsFoundAt ??= at;
          }
        } catch {
          // not a frame of ours
        }
      });
    }
  }
  window.WebSocket = TappedWebSocket;

  const seen = new Map<string, string>();
  const scan = (): void => {
    const at = now();
    const present = new Set<string>();
    for (const card of document.querySelectorAll<HTMLElement>('[data-testid=pop-card]')) {
      const id = card.dataset['callId'] ?? '';
      present.add(id);
      const text = card.querySelector('[data-testid=call-name]')?.textContent ?? '';
      const status = card.querySelector<HTMLElement>('[data-testid=lookup]')?.dataset['status'] ?? '';
      const key = `${status}\n${text}`;
      if (seen.get(id) === key) continue;
      seen.set(id, key);
      const paint: Paint = { text, status, at, paintedAt: null };
      recordOf(id).paints.push(paint);
      requestAnimationFrame(() =>
        setTimeout(() => {
          paint.paintedAt = now();
          notify();
        }, 0),
      );
    }
    for (const id of [...seen.keys()]) {
      if (present.has(id)) continue;
      seen.delete(id);
      recordOf(id).goneAt = at;
      notify();
    }
  };
  new MutationObserver(scan).observe(document, { subtree: true, childList: true, characterData: true, attributes: true, attributeFilter: ['data-status', 'data-call-id'] });

  const api: ProbeApi = {
    async paint(id, text, timeoutMs) {
      const hit = await until(() => records.get(id)?.paints.find((p) => p.paintedAt !== null && (text === null || p.text === text)), timeoutMs);
      return hit !== null;
    },
    async gone(id, timeoutMs) {
      // Resolves once the card went and its last paint was stamped; hands the record over and forgets it.
      const r = await until(() => {
        const rec = records.get(id);
        return rec && rec.goneAt !== null && rec.paints.every((p) => p.paintedAt !== null) ? rec : undefined;
      }, timeoutMs);
      records.delete(id);
      return r;
    },
  };
  Object.defineProperty(window, '__sidecallBench', { value: api });
}

/** Node side: installs the probe and waits on it. */
export class PagePaints {
  #page: Page | undefined;

  /** Installs the probe in every page of the context (before any app script runs). */
  async install(context: BrowserContext): Promise<void> {
    // tsx (esbuild keepNames) wraps local functions in `__name(...)`; the page has no such helper.
    await context.addInitScript({ content: `globalThis.__name ??= (f) => f;\n(${pageProbe.toString()})();` });
  }

  attach(page: Page): void {
    this.#page = page;
  }

  #requirePage(): Page {
    if (!this.#page) throw new Error('PagePaints: no page attached');
    return this.#page;
  }

  /** Resolves once the card of call `id` has been painted (showing `text`, or anything when null). */
  async waitForPaint(id: string, text: string | null, timeoutMs: number): Promise<void> {
    const ok = await this.#requirePage().evaluate(([i, t, ms]) => (window as unknown as ProbeWindow).__sidecallBench.paint(i, t, ms), [id, text, timeoutMs] as const);
    if (!ok) throw new Error(`timed out after ${timeoutMs} ms waiting for the card of ${id} to show ${text === null ? 'anything' : JSON.stringify(text)}`);
  }

  /** Resolves with everything the page recorded for the call once its card has gone. */
  async waitGone(id: string, timeoutMs: number): Promise<CardRecord> {
    const raw = await this.#requirePage().evaluate(([i, ms]) => (window as unknown as ProbeWindow).__sidecallBench.gone(i, ms), [id, timeoutMs] as const);
    if (raw === null) throw new Error(`timed out after ${timeoutMs} ms waiting for the card of ${id} to close`);
    return RecordSchema.parse(raw);
  }
}

/** Page time minus Node time, from the page.evaluate round trip with the smallest RTT (a sanity check of the shared time base). */
export async function measureClockOffset(page: Page, now: () => number, samples = 50): Promise<{ readonly offsetMs: number; readonly rttMs: number }> {
  let best: { offsetMs: number; rttMs: number } | undefined;
  for (let i = 0; i < samples; i++) {
    const before = now();
    const pageNow = await page.evaluate(() => performance.timeOrigin + performance.now());
    const after = now();
    const rtt = after - before;
    if (!best || rtt < best.rttMs) best = { offsetMs: pageNow - (before + after) / 2, rttMs: rtt };
  }
  if (!best) throw new Error('no clock sample');
  return best;
}
