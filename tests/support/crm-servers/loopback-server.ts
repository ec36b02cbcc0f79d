// The plumbing the retailCRM, Odoo and generic CRM test servers share: a real
// node:http server on 127.0.0.1 (port 0), every request recorded with its parsed
// query, JSON and form body, a "down" switch that drops connections like a dead
// CRM, and a close() that leaves no socket behind.
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RecordedRequest {
  readonly method: string;
  /** Path without the query string. */
  readonly path: string;
  readonly query: Readonly<Record<string, string>>;
  /** Lower-cased header names. */
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
  /** The body parsed as JSON, when it is JSON. */
  readonly json?: unknown;
  /** The body's fields, when it is a form (application/x-www-form-urlencoded). */
  readonly form?: Readonly<Record<string, string>>;
}

export interface Reply {
  readonly status: number;
  /** Serialized as JSON unless it is a string and contentType says otherwise. */
  readonly body?: unknown;
  readonly contentType?: string;
  readonly headers?: Readonly<Record<string, string>>;
}

export type RouteHandler = (req: RecordedRequest) => Reply | Promise<Reply>;

export interface LoopbackServer {
  readonly url: string;
  requests(): readonly RecordedRequest[];
  clearRequests(): void;
  /** While down, every connection is destroyed without an answer (the CRM is unreachable). */
  setDown(down: boolean): void;
  close(): Promise<void>;
}

function headersOf(req: http.IncomingMessage): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(req.headers)) if (v !== undefined) out[k.toLowerCase()] = Array.isArray(v) ? v.join(', ') : v;
  return out;
}

function parse(req: http.IncomingMessage, body: string): RecordedRequest {
  const u = new URL(req.url ?? '/', 'http://127.0.0.1');
  const headers = headersOf(req);
  const type = (headers['content-type'] ?? '').toLowerCase();
  let json: unknown;
  let form: Record<string, string> | undefined;
  if (type.includes('application/x-www-form-urlencoded')) {
    form = Object.fromEntries(new URLSearchParams(body));
  } else if (body.trim() !== '') {
    try {
      json = JSON.parse(body) as unknown;
    } catch {
      json = undefined;
    }
  }
  return {
    method: req.method ?? 'GET',
    path: u.pathname,
    query: Object.fromEntries(u.searchParams),
    headers,
    body,
    ...(json === undefined ? {} : { json }),
    ...(form === undefined ? {} : { form }),
  };
}

/** Starts a recording HTTP server on 127.0.0.1 that answers with `handle`. */
export async function startLoopbackServer(handle: RouteHandler): Promise<LoopbackServer> {
  const recorded: RecordedRequest[] = [];
  let down = false;
  const server = http.createServer((req, res) => {
    if (down) {
      req.socket.destroy();
      return;
    }
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const r = parse(req, Buffer.concat(chunks).toString('utf8'));
      recorded.push(r);
      Promise.resolve()
        .then(() => handle(r))
        .catch((e: unknown): Reply => ({ status: 500, body: { message: `test server bug: ${e instanceof Error ? e.message : String(e)}` } }))
        .then((reply) => {
          const text = typeof reply.body === 'string' && reply.contentType !== undefined && !reply.contentType.includes('json') ? reply.body : reply.body === undefined ? '' : JSON.stringify(reply.body);
          res.writeHead(reply.status, { 'Content-Type': reply.contentType ?? 'application/json; charset=utf-8', ...reply.headers });
          res.end(reply.status === 204 ? undefined : text);
        });
    });
  });
  // A refused connection is what a CRM that is down looks like once `down` is set.
  server.on('connection', (socket) => {
    if (down) socket.destroy();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    requests: () => [...recorded],
    clearRequests: () => {
      recorded.length = 0;
    },
    setDown: (d) => {
      down = d;
      if (d) server.closeAllConnections();
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
