// Serves the renderer bundle on app://sidecall/ with the same CSP and
// security headers as browser mode (core/security/csp.ts). A custom privileged
// scheme instead of file:// gives the pages a real origin ('self' in the CSP,
// a secure context for the microphone later) and keeps them out of the disk.
import fs from 'node:fs/promises';
import path from 'node:path';
import type { Protocol } from 'electron';
import type { Logger } from '../../ports';
import { securityHeaders } from '../../core/security/csp';
import { APP_SCHEME, contentTypeOf, resolveAppAsset } from './app-protocol';
import { urlForLog } from './security-policy';

/** Registers the app:// handler on a session's protocol object (after app ready). */
export function serveAppProtocol(protocol: Protocol, rendererDir: string, log: Logger, connectOrigins: () => readonly string[] = () => []): void {
  const root = path.resolve(rendererDir);
  const text = (status: number, body: string, extra: Readonly<Record<string, string>> = {}): Response =>
    new Response(body, { status, headers: { ...securityHeaders(), 'Content-Type': 'text/plain; charset=utf-8', ...extra } });

  protocol.handle(APP_SCHEME, async (request) => {
    if (request.method !== 'GET' && request.method !== 'HEAD') return text(405, 'Method not allowed\n', { Allow: 'GET, HEAD' });
    const target = resolveAppAsset(root, request.url);
    if (!target.ok) {
      log.warn('refused app:// request', { url: urlForLog(request.url), reason: target.reason });
      return text(target.status, `Refused: ${target.reason}\n`);
    }
    try {
      const body = await fs.readFile(target.file);
      // Per request: the softphone's WebSocket origin follows Settings (a page loaded after a change may connect there).
      const headers = securityHeaders(connectOrigins());
      return new Response(request.method === 'HEAD' ? null : body, { status: 200, headers: { ...headers, 'Content-Type': contentTypeOf(target.file) } });
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'EISDIR') {
        const isEntry = path.basename(target.file) === 'index.html';
        if (isEntry) log.error('renderer bundle missing', { rendererDir: root });
        return text(404, isEntry ? 'The Sidecall UI is not built: run `npm run build` (or `npm start`, which builds it).\n' : 'Not found\n');
      }
      log.error('app:// read failed', { file: target.file, error });
      return text(500, 'Sidecall could not read its UI files; details are in the log.\n');
    }
  });
}
