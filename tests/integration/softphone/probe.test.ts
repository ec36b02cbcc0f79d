// Main's WebSocket probe (why the browser's WebSocket failed) against real
// servers: a SIP WebSocket that opens, nothing listening, a name that does not
// resolve, a self-signed certificate, an HTTP error to the upgrade, silence.
import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocketServer } from 'ws';
import { probeWebSocket } from '../../../src-main/core/softphone/probe';
import { freePort } from '../../support/loopback';

const TLS_DIR = path.resolve(import.meta.dirname, '../../support/ami-server/tls');
const closers: (() => void)[] = [];
afterEach(() => {
  for (const c of closers.splice(0)) c();
});

async function portOf(srv: http.Server | net.Server): Promise<number> {
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()));
  closers.push(() => srv.close());
  const a = srv.address();
  return typeof a === 'object' && a ? a.port : 0;
}

describe('probeWebSocket', () => {
  it('ok: a WebSocket server speaking the sip subprotocol', async () => {
    const srv = http.createServer();
    const wss = new WebSocketServer({ server: srv, handleProtocols: (p) => (p.has('sip') ? 'sip' : false) });
    closers.push(() => wss.close());
    const port = await portOf(srv);
    expect(await probeWebSocket(`ws://127.0.0.1:${port}/ws`)).toEqual({ result: 'ok', detail: 'The WebSocket opened (subprotocol sip).' });
  });

  it('refused: nothing listens', async () => {
    expect(await probeWebSocket(`ws://127.0.0.1:${await freePort()}/ws`)).toMatchObject({ result: 'refused', detail: expect.stringContaining('ECONNREFUSED') });
  });

  it('dns: the name does not resolve', async () => {
    expect((await probeWebSocket('wss://pbx.sidecall-test.invalid/ws')).result).toBe('dns');
  });

  it('tls: a self-signed certificate', async () => {
    const srv = https.createServer({ cert: fs.readFileSync(path.join(TLS_DIR, 'test-cert.pem')), key: fs.readFileSync(path.join(TLS_DIR, 'test-key.pem')) });
    const port = await portOf(srv);
    expect(await probeWebSocket(`wss://127.0.0.1:${port}/ws`)).toMatchObject({ result: 'tls', detail: expect.stringMatching(/certificate/i) });
  });

  it('http: the upgrade answered with an HTTP error', async () => {
    const srv = http.createServer();
    srv.on('upgrade', (_req, socket) => socket.end('HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n'));
    const port = await portOf(srv);
    expect(await probeWebSocket(`ws://127.0.0.1:${port}/ws`)).toMatchObject({ result: 'http', detail: expect.stringContaining('HTTP 403') });
  });

  it('timeout: a server that accepts and never answers', async () => {
    const sockets: net.Socket[] = [];
    const srv = net.createServer((s) => sockets.push(s));
    closers.push(() => sockets.forEach((s) => s.destroy()));
    const port = await portOf(srv);
    expect((await probeWebSocket(`ws://127.0.0.1:${port}/ws`, 500)).result).toBe('timeout');
  });
});
