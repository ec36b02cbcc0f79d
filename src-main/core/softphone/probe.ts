// Why did the softphone's WebSocket fail? A browser's WebSocket reports only
// "closed (1006)" whether the name does not resolve, nothing listens, the TLS
// certificate is refused or the server answered the upgrade with an HTTP
// error. Main connects to the same URL from Node (the `ws` client, the SIP
// subprotocol, system CAs) and names the reason, for the operator's message.
import WebSocket from 'ws';
import type { SoftphoneProbe } from '../../../src-shared/softphone/status';

const TLS_CODES = /CERT|SELF_SIGNED|UNABLE_TO_(?:GET|VERIFY)|ERR_TLS|ERR_SSL|EPROTO|HOSTNAME|ALTNAME|SSL/i;

/** One connection attempt, closed at once when it succeeds; never rejects. */
export function probeWebSocket(url: string, timeoutMs = 5000): Promise<SoftphoneProbe> {
  return new Promise((resolve) => {
    let settled = false;
    const done = (p: SoftphoneProbe): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(p);
    };
    let ws: WebSocket;
    try {
      ws = new WebSocket(url, 'sip', { handshakeTimeout: timeoutMs, followRedirects: false });
    } catch (error) {
      resolve({ result: 'other', detail: short(error) });
      return;
    }
    const timer = setTimeout(() => {
      done({ result: 'timeout', detail: `No answer from ${hostOf(url)} within ${timeoutMs / 1000} s.` });
      ws.terminate();
    }, timeoutMs + 500);
    ws.on('open', () => {
      done({ result: 'ok', detail: `The WebSocket opened (subprotocol ${ws.protocol || 'none'}).` });
      ws.close();
    });
    ws.on('unexpected-response', (_req, res) => {
      done({ result: 'http', detail: `The server answered the WebSocket upgrade with HTTP ${res.statusCode ?? '?'} ${res.statusMessage ?? ''}`.trim() });
      res.resume();
      ws.terminate();
    });
    ws.on('error', (error: NodeJS.ErrnoException) => {
      const code = error.code ?? '';
      if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') done({ result: 'dns', detail: `${hostOf(url)} does not resolve (${code}).` });
      else if (code === 'ECONNREFUSED') done({ result: 'refused', detail: `Nothing accepts connections at ${hostOf(url)} (ECONNREFUSED).` });
      else if (code === 'ETIMEDOUT' || /timed? ?out/i.test(error.message)) done({ result: 'timeout', detail: `No answer from ${hostOf(url)} (${code || 'timeout'}).` });
      else if (TLS_CODES.test(code) || TLS_CODES.test(error.message)) done({ result: 'tls', detail: `TLS: ${short(error)}` });
      else done({ result: 'other', detail: short(error) });
    });
  });
}

function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return url.slice(0, 80);
  }
}

function short(error: unknown): string {
  const e = error as { code?: unknown; message?: unknown };
  const text = `${typeof e.code === 'string' ? `${e.code}: ` : ''}${typeof e.message === 'string' ? e.message : String(error)}`;
  return text.slice(0, 280);
}
