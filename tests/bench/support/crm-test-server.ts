// A CRM test server for the screen-pop benchmark (not product code): a real
// HTTP server on 127.0.0.1 answering `GET /contacts?phone=<e164>` with a JSON
// contact after a configurable delay (the CRM's think time), and recording when
// each request arrived and when its answer left, so the benchmark can split the
// screen-pop latency into its stages. Every +7 number is a known contact; others
// are 404 (not found).
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Contact } from '../../../src-shared/domain/contact';

/** When one lookup reached the server and when its answer was written (performance.timeOrigin + now, ms). */
export interface CrmRequestTiming {
  readonly phone: string;
  readonly receivedAt: number;
  readonly answeredAt: number;
  readonly status: number;
}

export interface CrmTestServer {
  /** `http://127.0.0.1:<port>` */
  readonly url: string;
  /** Think time before each answer, in ms (changeable between runs). */
  delayMs: number;
  /** The requests answered so far, by phone, the latest one per phone. */
  readonly answered: ReadonlyMap<string, CrmRequestTiming>;
  /** How many requests arrived so far (to check that no lookup was served from a cache). */
  readonly requestCount: number;
  close(): Promise<void>;
}

const E164 = /^\+[1-9][0-9]{7,14}$/;

/** Wall-clock time in ms with sub-ms resolution, on the same base as the page's `performance.timeOrigin + performance.now()`. */
export function preciseNow(): number {
  return performance.timeOrigin + performance.now();
}

/** The contact the server holds for a number (deterministic, so the benchmark knows which name to wait for). */
export function benchContactFor(e164: string): Contact {
  const tail = e164.slice(-7);
  return {
    id: `c-${e164.slice(1)}`,
    name: `Bench Contact ${tail}`,
    company: 'ООО «Тестовый стенд»',
    responsible: { name: 'Анна Смирнова', extension: '102' },
    url: `https://crm.example.test/contacts/c-${e164.slice(1)}`,
    phones: [e164],
  };
}

export async function startCrmTestServer(opts: { readonly delayMs: number }): Promise<CrmTestServer> {
  const answered = new Map<string, CrmRequestTiming>();
  const timers = new Set<ReturnType<typeof setTimeout>>();
  let requestCount = 0;

  const server = http.createServer((req, res) => {
    const receivedAt = preciseNow();
    requestCount += 1;
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const phone = url.searchParams.get('phone') ?? '';
    const reply = (status: number, body: unknown): void => {
      const text = JSON.stringify(body);
      res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': Buffer.byteLength(text) });
      res.end(text);
      answered.set(phone, { phone, receivedAt, answeredAt: preciseNow(), status });
    };
    if (req.method !== 'GET' || url.pathname !== '/contacts') return reply(404, { error: 'no such endpoint' });
    if (!E164.test(phone)) return reply(400, { error: 'phone must be E.164, e.g. +79161234567' });
    const timer = setTimeout(() => {
      timers.delete(timer);
      if (phone.startsWith('+7')) reply(200, benchContactFor(phone));
      else reply(404, { error: 'not found' });
    }, state.delayMs);
    timers.add(timer);
    res.on('close', () => {
      // Closed before the answer was written: the client gave up (AbortSignal), no answer is owed.
      if (!res.writableEnded) {
        clearTimeout(timer);
        timers.delete(timer);
      }
    });
  });
  server.keepAliveTimeout = 30_000;

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;

  const state: CrmTestServer = {
    url: `http://127.0.0.1:${port}`,
    delayMs: opts.delayMs,
    answered,
    get requestCount() {
      return requestCount;
    },
    async close() {
      for (const t of timers) clearTimeout(t);
      timers.clear();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  return state;
}
