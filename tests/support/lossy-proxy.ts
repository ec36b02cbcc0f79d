// An HTTP proxy on 127.0.0.1 in front of a CRM test server that can lose the
// CRM's answer: a chosen request is forwarded, the CRM acts on it and answers,
// and the proxy then drops the client's connection instead of passing the
// answer on — the "lost confirmation" (a timeout or a reset after the CRM
// committed) that makes a client send the same thing again.
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ProxiedRequest {
  readonly method: string;
  readonly path: string;
  readonly body: string;
}

export interface LossyProxy {
  readonly url: string;
  /** The next `count` requests that match lose their answer (after the CRM handled them). */
  loseAnswers(match: (req: ProxiedRequest) => boolean, count: number): void;
  /** Answers lost so far. */
  lost(): readonly ProxiedRequest[];
  close(): Promise<void>;
}

/** Starts a proxy that forwards everything to `target` (http://127.0.0.1:port). */
export async function startLossyProxy(target: string): Promise<LossyProxy> {
  const upstream = new URL(target);
  const rules: { match: (req: ProxiedRequest) => boolean; left: number }[] = [];
  const lost: ProxiedRequest[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const seen: ProxiedRequest = { method: req.method ?? 'GET', path: new URL(req.url ?? '/', 'http://x').pathname, body: body.toString('utf8') };
      const rule = rules.find((r) => r.left > 0 && r.match(seen));
      if (rule) rule.left -= 1;
      const headers = { ...req.headers, host: upstream.host, 'content-length': String(body.length) };
      const out = http.request({ host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers }, (answer) => {
        const parts: Buffer[] = [];
        answer.on('data', (c: Buffer) => parts.push(c));
        answer.on('end', () => {
          if (rule) {
            // The CRM has done it; the client never hears so.
            lost.push(seen);
            req.socket.destroy();
            return;
          }
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          res.end(Buffer.concat(parts));
        });
      });
      // The CRM is down: the client sees its connection dropped, as without the proxy.
      out.on('error', () => req.socket.destroy());
      out.end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    loseAnswers(match, count) {
      rules.push({ match, left: count });
    },
    lost: () => [...lost],
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
