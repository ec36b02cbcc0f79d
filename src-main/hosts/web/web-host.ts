// Browser mode: the core and the renderer bundle behind HTTP + WebSocket on
// 127.0.0.1 only. Every request must carry the per-launch secret in its path and
// a loopback Host (and, where sent, our own Origin); `window.sidecall` is
// implemented over the WebSocket by src-renderer/bridge/web-bridge.ts.
import http from 'node:http';
import fs from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import { WebClientFrameSchema, type WebServerFrame, WEB_SECRET_PREFIX } from '../../../src-shared/ipc/web-protocol';
import type { SidecallCore } from '../../core/app';
import type { Logger } from '../../ports';
import { securityHeaders } from '../../core/security/csp';
import { guardRequest, type GuardContext } from './guards';

export interface WebHostOptions {
  readonly core: SidecallCore;
  /** The built renderer (vite output). */
  readonly rendererDir: string;
  readonly port?: number;
  readonly log: Logger;
  /** Fixed secret for tests; a random one per launch otherwise. */
  readonly secret?: string;
}

export interface WebHost {
  readonly url: string;
  readonly port: number;
  readonly secret: string;
  close(): Promise<void>;
}

const MIME: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.json': 'application/json',
  '.wav': 'audio/wav',
  '.mp3': 'audio/mpeg',
};

const MAX_FRAME_BYTES = 256 * 1024;

export async function startWebHost(opts: WebHostOptions): Promise<WebHost> {
  const secret = opts.secret ?? randomBytes(24).toString('base64url');
  const ctx: { port: number; secret: string } = { port: 0, secret };
  const rendererRoot = path.resolve(opts.rendererDir);
  const sockets = new Set<WebSocket>();

  const server = http.createServer((req, res) => {
    const verdict = guardRequest(req, ctx as GuardContext, { requireOrigin: false });
    if (!verdict.ok) {
      opts.log.warn('refused request', { reason: verdict.reason, url: (req.url ?? '').replace(secret, '<secret>') });
      res.writeHead(verdict.status, { 'Content-Type': 'text/plain; charset=utf-8', ...securityHeaders() });
      res.end(`Refused: ${verdict.reason}\n`);
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { Allow: 'GET, HEAD', ...securityHeaders() });
      res.end();
      return;
    }
    serveStatic(verdict.rest, req.method === 'HEAD', res);
  });

  function serveStatic(rest: string, headOnly: boolean, res: http.ServerResponse): void {
    const rel = rest === '/' ? 'index.html' : decodeURIComponent(rest).replace(/^\/+/, '');
    const file = path.resolve(rendererRoot, rel);
    if (!file.startsWith(rendererRoot + path.sep)) {
      res.writeHead(403, securityHeaders());
      res.end();
      return;
    }
    fs.readFile(file, (err, body) => {
      if (err) {
        res.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8', ...securityHeaders() });
        res.end(rel === 'index.html' ? 'The renderer is not built: run `npm run build:renderer`.\n' : 'Not found\n');
        return;
      }
      // Our own bridge, and the softphone's SIP WebSocket when Settings name one.
      const wsOrigins = [`ws://127.0.0.1:${ctx.port}`, `ws://localhost:${ctx.port}`, ...opts.core.connectOrigins()];
      res.writeHead(200, { 'Content-Type': MIME[path.extname(file)] ?? 'application/octet-stream', ...securityHeaders(wsOrigins) });
      res.end(headOnly ? undefined : body);
    });
  }

  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_FRAME_BYTES });
  server.on('upgrade', (req, socket, head) => {
    const verdict = guardRequest(req, ctx as GuardContext, { requireOrigin: true });
    if (!verdict.ok || verdict.rest !== '/ws') {
      const status = verdict.ok ? 404 : verdict.status;
      opts.log.warn('refused websocket', { reason: verdict.ok ? 'wrong path' : verdict.reason });
      socket.end(`HTTP/1.1 ${status} ${http.STATUS_CODES[status] ?? 'Refused'}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => attach(ws));
  });

  const offCore = opts.core.subscribe((channel, payload) => {
    const frame: WebServerFrame = { type: 'event', channel, payload };
    const text = JSON.stringify(frame);
    for (const ws of sockets) if (ws.readyState === ws.OPEN) ws.send(text);
  });

  function attach(ws: WebSocket): void {
    sockets.add(ws);
    ws.on('close', () => sockets.delete(ws));
    ws.on('message', (data, isBinary) => {
      void handleFrame(ws, isBinary ? null : data.toString());
    });
  }

  async function handleFrame(ws: WebSocket, text: string | null): Promise<void> {
    let raw: unknown;
    try {
      raw = text === null ? undefined : JSON.parse(text);
    } catch {
      raw = undefined;
    }
    const frame = WebClientFrameSchema.safeParse(raw);
    if (!frame.success) {
      const id = typeof raw === 'object' && raw !== null && typeof (raw as { id?: unknown }).id === 'number' ? (raw as { id: number }).id : -1;
      send(ws, { type: 'reply', id, reply: { ok: false, error: { code: 'ipc.invalidRequest', message: 'Malformed request frame.' } } });
      return;
    }
    const reply = await opts.core.dispatch(frame.data.channel, frame.data.payload);
    send(ws, { type: 'reply', id: frame.data.id, reply });
  }

  function send(ws: WebSocket, frame: WebServerFrame): void {
    if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(frame));
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, '127.0.0.1', () => resolve());
  });
  ctx.port = (server.address() as AddressInfo).port;

  return {
    url: `http://127.0.0.1:${ctx.port}${WEB_SECRET_PREFIX}${secret}/`,
    port: ctx.port,
    secret,
    async close() {
      offCore();
      for (const ws of sockets) ws.terminate();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
