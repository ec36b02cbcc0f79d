// Who may talk to the browser-mode host. It listens on 127.0.0.1 only, but any
// web page the operator opens can still reach loopback: a foreign Origin, a
// rebinding DNS name in Host, or a request without the per-launch secret is
// refused before it touches the core.
import { timingSafeEqual } from 'node:crypto';
import { WEB_SECRET_PREFIX } from '../../../src-shared/ipc/web-protocol';

export interface GuardContext {
  readonly port: number;
  readonly secret: string;
}

export type GuardResult = { readonly ok: true; readonly rest: string } | { readonly ok: false; readonly status: number; readonly reason: string };

function allowedHosts(port: number): string[] {
  return [`127.0.0.1:${port}`, `localhost:${port}`];
}

/** Host must name loopback with our port: anything else is DNS rebinding or a proxy. */
export function checkHost(host: string | undefined, ctx: GuardContext): boolean {
  return host !== undefined && allowedHosts(ctx.port).includes(host.toLowerCase());
}

/** Origin, when sent, must be our own page; `requireOrigin` for WebSocket upgrades, which browsers always label. */
export function checkOrigin(origin: string | undefined, ctx: GuardContext, requireOrigin: boolean): boolean {
  if (origin === undefined) return !requireOrigin;
  return allowedHosts(ctx.port).some((h) => origin.toLowerCase() === `http://${h}`);
}

function secretsEqual(a: string, b: string): boolean {
  const ab = Buffer.from(a);
  const bb = Buffer.from(b);
  return ab.length === bb.length && timingSafeEqual(ab, bb);
}

/** Checks the secret path prefix `/s/<secret>/`; returns the rest of the path. */
export function checkSecretPath(urlPath: string, ctx: GuardContext): GuardResult {
  if (!urlPath.startsWith(WEB_SECRET_PREFIX)) return { ok: false, status: 403, reason: 'missing secret' };
  const afterPrefix = urlPath.slice(WEB_SECRET_PREFIX.length);
  const slash = afterPrefix.indexOf('/');
  const given = slash === -1 ? afterPrefix : afterPrefix.slice(0, slash);
  if (!secretsEqual(given, ctx.secret)) return { ok: false, status: 403, reason: 'wrong secret' };
  return { ok: true, rest: slash === -1 ? '/' : afterPrefix.slice(slash) };
}

export function guardRequest(
  req: { readonly url?: string | undefined; readonly headers: { readonly host?: string | undefined; readonly origin?: string | undefined } },
  ctx: GuardContext,
  opts: { readonly requireOrigin: boolean },
): GuardResult {
  if (!checkHost(req.headers.host, ctx)) return { ok: false, status: 421, reason: 'wrong Host' };
  if (!checkOrigin(req.headers.origin, ctx, opts.requireOrigin)) return { ok: false, status: 403, reason: 'foreign Origin' };
  let pathname: string;
  try {
    pathname = new URL(req.url ?? '/', 'http://127.0.0.1').pathname;
  } catch {
    return { ok: false, status: 400, reason: 'bad URL' };
  }
  return checkSecretPath(pathname, ctx);
}
