// Browser mode's gatekeeping over real loopback HTTP and WebSocket: no secret,
// a wrong Host (DNS rebinding) or a foreign Origin is refused; the right ones work.
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { startWebHost, type WebHost } from '../../../src-main/hosts/web/web-host';
import { createLoggerFactory, memorySink } from '../../../src-main/core/log/logger';
import { createCoreFixture, type CoreFixture } from '../../support/core-fixture';

let fx: CoreFixture;
let host: WebHost;

beforeAll(async () => {
  fx = await createCoreFixture();
  const rendererDir = path.join(fx.dir, 'renderer');
  fs.mkdirSync(path.join(rendererDir, 'assets'), { recursive: true });
  fs.writeFileSync(path.join(rendererDir, 'index.html'), '<!doctype html><title>Sidecall</title>');
  fs.writeFileSync(path.join(rendererDir, 'assets', 'app.js'), 'console.log(1)');
  fs.writeFileSync(path.join(fx.dir, 'outside.txt'), 'secret file');
  host = await startWebHost({ core: fx.core, rendererDir, log: createLoggerFactory(memorySink())('web') });
});
afterAll(async () => {
  await host.close();
  await fx.cleanup();
});

function get(p: string, headers: Record<string, string> = {}): Promise<{ status: number; body: string; headers: http.IncomingHttpHeaders }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port: host.port, path: p, headers: { Host: `127.0.0.1:${host.port}`, ...headers } }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, headers: res.headers }));
    });
    req.on('error', reject);
    req.end();
  });
}

function openSocket(url: string, headers: Record<string, string>): Promise<{ ws: WebSocket } | { status: number }> {
  return new Promise((resolve) => {
    const ws = new WebSocket(url, { headers });
    ws.once('open', () => resolve({ ws }));
    ws.once('unexpected-response', (_req, res) => {
      resolve({ status: res.statusCode ?? 0 });
      ws.terminate();
    });
    ws.once('error', () => resolve({ status: -1 }));
  });
}

const prefix = (): string => `/s/${host.secret}`;
const origin = (): string => `http://127.0.0.1:${host.port}`;
const wsUrl = (): string => `ws://127.0.0.1:${host.port}${prefix()}/ws`;

describe('web host', () => {
  it('listens on 127.0.0.1 only and puts the secret in the URL', () => {
    expect(host.url).toBe(`http://127.0.0.1:${host.port}/s/${host.secret}/`);
    expect(host.secret.length).toBeGreaterThanOrEqual(32);
  });

  it('serves the app with the secret, a strict CSP and no referrer', async () => {
    const r = await get(`${prefix()}/`);
    expect(r.status).toBe(200);
    expect(r.body).toContain('<title>Sidecall</title>');
    expect(r.headers['content-security-policy']).toMatch(/default-src 'none'; script-src 'self'/);
    expect(r.headers['content-security-policy']).not.toContain('unsafe-inline');
    expect(r.headers['referrer-policy']).toBe('no-referrer');
    expect((await get(`${prefix()}/assets/app.js`)).status).toBe(200);
  });

  it('refuses requests without or with a wrong secret', async () => {
    expect((await get('/')).status).toBe(403);
    expect((await get('/assets/app.js')).status).toBe(403);
    expect((await get(`/s/${host.secret.slice(0, -1)}${host.secret.endsWith('x') ? 'y' : 'x'}/`)).status).toBe(403);
    expect((await get('/s//')).status).toBe(403);
  });

  it('refuses a wrong Host header (DNS rebinding)', async () => {
    expect((await get(`${prefix()}/`, { Host: `evil.example:${host.port}` })).status).toBe(421);
    expect((await get(`${prefix()}/`, { Host: '127.0.0.1:1' })).status).toBe(421);
  });

  it('refuses a foreign Origin', async () => {
    expect((await get(`${prefix()}/`, { Origin: 'https://evil.example' })).status).toBe(403);
  });

  it('does not serve files outside the renderer folder', async () => {
    const r = await get(`${prefix()}/..%2Foutside.txt`);
    expect(r.status).not.toBe(200);
    expect(r.body).not.toContain('secret file');
  });

  it('refuses WebSocket upgrades without the secret, with a wrong Host, a foreign or missing Origin', async () => {
    expect(await openSocket(`ws://127.0.0.1:${host.port}/ws`, { Origin: origin() })).toEqual({ status: 403 });
    expect(await openSocket(wsUrl(), { Origin: 'https://evil.example' })).toEqual({ status: 403 });
    expect(await openSocket(wsUrl(), { Origin: 'null' })).toEqual({ status: 403 });
    expect(await openSocket(wsUrl(), {})).toEqual({ status: 403 });
    expect(await openSocket(wsUrl(), { Origin: origin(), Host: `rebind.example:${host.port}` })).toEqual({ status: 421 });
  });

  it('answers requests and pushes events over an accepted WebSocket', async () => {
    const r = await openSocket(wsUrl(), { Origin: origin() });
    if (!('ws' in r)) throw new Error(`socket refused: ${r.status}`);
    const frames: unknown[] = [];
    r.ws.on('message', (d: Buffer) => frames.push(JSON.parse(d.toString())));
    const waitFor = async (pred: (f: unknown) => boolean): Promise<unknown> => {
      for (let i = 0; i < 200; i++) {
        const f = frames.find(pred);
        if (f) return f;
        await new Promise((res) => setTimeout(res, 10));
      }
      throw new Error(`no frame matched; got ${JSON.stringify(frames)}`);
    };
    r.ws.send(JSON.stringify({ type: 'request', id: 7, channel: 'diagnostics.ping', payload: { nonce: 'n1' } }));
    expect(await waitFor((f) => (f as { id?: number }).id === 7)).toMatchObject({ type: 'reply', id: 7, reply: { ok: true, result: { nonce: 'n1' } } });

    r.ws.send('not json');
    expect(await waitFor((f) => (f as { id?: number }).id === -1)).toMatchObject({ reply: { ok: false, error: { code: 'ipc.invalidRequest' } } });

    r.ws.send(JSON.stringify({ type: 'request', id: 8, channel: 'settings.update', payload: { patch: { pbx: { port: -1 } } } }));
    expect(await waitFor((f) => (f as { id?: number }).id === 8)).toMatchObject({ reply: { ok: false, error: { code: 'ipc.invalidRequest' } } });

    r.ws.send(JSON.stringify({ type: 'request', id: 9, channel: 'settings.update', payload: { patch: { pbx: { host: 'pbx.local' } } } }));
    expect(await waitFor((f) => (f as { channel?: string }).channel === 'connection.status')).toMatchObject({
      type: 'event',
      payload: { state: 'error', target: 'pbx.local:5038', reason: 'Enter the AMI user, the AMI secret and your extension in Settings -> PBX' },
    });
    r.ws.close();
  });
});
