// The shared HTTP client of the CRM connectors, on axios: one axios instance per
// CRM account. Auth (bearer / query token / header / basic), one retry after the
// CRM rejected an expired access token, client-side rate limiting, timeouts on
// the Clock, and the mapping of every failure into a CrmError live here so that
// no connector repeats them. Logs carry method, path and status only: never a
// query string (Bitrix24 puts the token there), a header or a body.
import axios, { type AxiosInstance, type AxiosResponse } from 'axios';
import type { Clock, Logger } from '../../../ports';
import { CrmError } from '../errors';
import { asRecord, clip, textOf } from './body';
import { createRateLimiter, type RateLimiter } from './rate-limiter';
import type { CrmAuth, CrmHttp, CrmHttpOptions, CrmRequest, CrmResponseInfo } from './types';

export const DEFAULT_CRM_TIMEOUT_MS = 20_000;
/** Wait after a 429 that did not say how long. */
export const DEFAULT_RETRY_AFTER_MS = 1_000;
const MAX_RESPONSE_BYTES = 20 * 1024 * 1024;

export type CrmHttpDeps = CrmHttpOptions & {
  readonly clock: Clock;
  readonly log: Logger;
  /** Share one limiter between several clients of the same CRM account (e.g. the token client); default: a new one from `rateLimit`. */
  readonly limiter?: RateLimiter;
};

/** Form body: scalars as text, nested values as JSON text (retailCRM's `calls=[...]`), undefined/null left out. */
export function encodeForm(data: unknown): string {
  const form = new URLSearchParams();
  if (typeof data === 'object' && data !== null) {
    for (const [key, value] of Object.entries(data)) {
      if (value === undefined || value === null) continue;
      form.append(key, typeof value === 'object' ? JSON.stringify(value) : String(value));
    }
  }
  return form.toString();
}

/** Retry-After as seconds or an HTTP date; undefined when absent or unreadable. */
export function parseRetryAfter(value: string | undefined, now: number): number | undefined {
  if (value === undefined || value.trim() === '') return undefined;
  const v = value.trim();
  if (/^\d+(?:\.\d+)?$/.test(v)) return Math.round(Number(v) * 1000);
  const at = Date.parse(v);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/**
 * The CRM's own words from an error body, in the shapes the supported CRMs use:
 * amoCRM `{title, detail, validation-errors}`, Bitrix24 / OAuth `{error, error_description}`,
 * retailCRM `{errorMsg, errors}`, generic `{message}`; a short text body as it is.
 */
export function crmMessageOf(data: unknown): string | undefined {
  if (typeof data === 'string') {
    const t = data.trim();
    return t !== '' && !t.startsWith('<') ? clip(t, 300) : undefined;
  }
  const body = asRecord(data);
  if (!body) return undefined;
  const parts: string[] = [];
  const head =
    textOf(body['error_description']) ??
    textOf(body['errorMsg']) ??
    textOf(body['detail']) ??
    textOf(body['message']) ??
    textOf(asRecord(body['error'])?.['message']) ??
    textOf(body['title']) ??
    textOf(body['error']);
  if (head) parts.push(head);
  const validation = body['validation-errors'];
  if (Array.isArray(validation)) {
    for (const item of validation) {
      const errors = asRecord(item)?.['errors'];
      if (!Array.isArray(errors)) continue;
      for (const e of errors) {
        const r = asRecord(e);
        const d = textOf(r?.['detail']);
        if (d) parts.push(r && textOf(r['path']) ? `${textOf(r['path'])}: ${d}` : d);
      }
    }
  }
  const errors = asRecord(body['errors']);
  if (errors) for (const [k, v] of Object.entries(errors)) if (textOf(v)) parts.push(`${k}: ${textOf(v)}`);
  return parts.length > 0 ? clip(parts.join('; ')) : undefined;
}

/** The default mapping of a non-2xx response. */
export function errorForStatus(crmName: string, res: CrmResponseInfo, now: number): CrmError {
  const { status } = res;
  const crmMessage = crmMessageOf(res.data);
  const said = crmMessage ? `: ${crmMessage}` : '';
  const retryAfterMs = parseRetryAfter(res.headers['retry-after'], now);
  if (status === 429) {
    return new CrmError('rateLimited', `${crmName} asked to slow down (429)${said}`, { status, crmMessage, retryAfterMs: retryAfterMs ?? DEFAULT_RETRY_AFTER_MS });
  }
  if (status === 401) {
    return new CrmError('auth', `${crmName} refused the credentials (401)${said}: sign in again or check the key in Settings -> CRM`, { status, crmMessage });
  }
  if (status === 403) {
    return new CrmError('config', `${crmName} denied access (403)${said}: check the integration's rights in the CRM and Settings -> CRM`, { status, crmMessage });
  }
  if (status >= 500 || status === 408) {
    return new CrmError('unavailable', `${crmName} is having trouble (HTTP ${status})${said}; Sidecall will retry`, { status, crmMessage, retryAfterMs });
  }
  if (status >= 300 && status < 400) {
    const to = /^https?:\/\/[^/?#]+/i.exec(res.headers['location'] ?? '')?.[0];
    return new CrmError('config', `${crmName} redirected the request (HTTP ${status}${to ? ` to ${to}` : ''}): check the CRM address in Settings -> CRM`, { status });
  }
  if (status >= 400) {
    return new CrmError('rejected', `${crmName} refused the request (HTTP ${status})${said}`, { status, crmMessage });
  }
  return new CrmError('unavailable', `${crmName} gave an unexpected answer (HTTP ${status})`, { status });
}

function headersOf(res: AxiosResponse): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(res.headers as Record<string, unknown>)) {
    if (v === undefined || v === null) continue;
    out[k.toLowerCase()] = Array.isArray(v) ? v.join(', ') : String(v);
  }
  return out;
}

/** Path of a URL without its query: safe to log. */
function pathOf(url: string): string {
  const q = url.search(/[?#]/);
  return q >= 0 ? url.slice(0, q) : url;
}

function tokenSourceOf(auth: CrmAuth) {
  return auth.kind === 'bearer' || auth.kind === 'queryToken' ? auth.tokens : undefined;
}

function isAbort(e: unknown): boolean {
  return axios.isCancel(e) || (e instanceof Error && (e.name === 'AbortError' || e.name === 'CanceledError'));
}

const NETWORK_HINTS: Readonly<Record<string, string>> = {
  ENOTFOUND: 'the address does not resolve',
  EAI_AGAIN: 'the address does not resolve',
  ECONNREFUSED: 'the connection was refused',
  ECONNRESET: 'the connection was reset',
  EHOSTUNREACH: 'the host is unreachable',
  ENETUNREACH: 'the network is unreachable',
  CERT_HAS_EXPIRED: "the CRM's certificate has expired",
  DEPTH_ZERO_SELF_SIGNED_CERT: "the CRM's certificate is not trusted",
  SELF_SIGNED_CERT_IN_CHAIN: "the CRM's certificate is not trusted",
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: "the CRM's certificate is not trusted",
};

export function createCrmHttp(options: CrmHttpDeps): CrmHttp {
  const { crmName, auth, clock, log } = options;
  const timeoutMs = options.timeoutMs ?? DEFAULT_CRM_TIMEOUT_MS;
  const limiter = options.limiter ?? createRateLimiter(options.rateLimit, clock);
  const isTokenRejected = options.isTokenRejected ?? ((res: CrmResponseInfo) => res.status === 401);
  const tokens = tokenSourceOf(auth);

  const instance: AxiosInstance = axios.create({
    baseURL: options.baseUrl,
    // Status handling is ours (mapping below), and redirects must not carry our headers elsewhere.
    validateStatus: () => true,
    maxRedirects: 0,
    maxContentLength: MAX_RESPONSE_BYTES,
    maxBodyLength: MAX_RESPONSE_BYTES,
    headers: { Accept: 'application/json', 'User-Agent': 'Sidecall' },
    ...(auth.kind === 'basic' ? { auth: { username: auth.username, password: auth.password } } : {}),
  });

  /** One HTTP exchange, bounded by the timeout; maps network failures and timeouts. */
  const send = async (req: CrmRequest, token: string | undefined): Promise<CrmResponseInfo> => {
    const controller = new AbortController();
    let timedOut = false;
    const timer = clock.setTimeout(() => {
      timedOut = true;
      controller.abort();
    }, timeoutMs);
    const onCallerAbort = (): void => controller.abort();
    req.signal?.addEventListener('abort', onCallerAbort, { once: true });

    const headers: Record<string, string> = { ...req.headers };
    const params: Record<string, string | number | boolean> = {};
    for (const [k, v] of Object.entries(req.params ?? {})) if (v !== undefined) params[k] = v;
    if (auth.kind === 'bearer' && token !== undefined) headers['Authorization'] = `Bearer ${token}`;
    if (auth.kind === 'queryToken' && token !== undefined) params[auth.param] = token;
    if (auth.kind === 'header') headers[auth.name] = auth.value;
    let data = req.data;
    if (req.form) {
      data = encodeForm(req.data);
      headers['Content-Type'] = 'application/x-www-form-urlencoded;charset=utf-8';
    }

    const started = clock.now();
    const path = pathOf(req.url);
    try {
      const res = await instance.request({ method: req.method, url: req.url, params, data, headers, signal: controller.signal });
      log.debug('CRM answered', { crm: crmName, method: req.method, path, status: res.status, ms: clock.now() - started });
      return { status: res.status, data: res.status === 204 || res.data === '' ? undefined : (res.data as unknown), headers: headersOf(res) };
    } catch (e) {
      if (timedOut) {
        const secs = Math.round(timeoutMs / 100) / 10;
        log.warn('CRM request timed out', { crm: crmName, method: req.method, path, timeoutMs });
        throw new CrmError('timeout', `${crmName} did not answer within ${secs} s: check the network; Sidecall will retry`);
      }
      if (req.signal?.aborted) throw req.signal.reason ?? e;
      if (isAbort(e)) throw e;
      // Never keep the axios error itself: its config holds the Authorization header and the full URL.
      const code = axios.isAxiosError(e) ? (e.code ?? '') : '';
      const hint = NETWORK_HINTS[code] ?? (code ? `network error ${code}` : 'network error');
      log.warn('CRM not reachable', { crm: crmName, method: req.method, path, code });
      throw new CrmError('unavailable', `${crmName} is not reachable (${hint}): check the network and the CRM address in Settings -> CRM`, {
        cause: new Error(code || 'network error'),
      });
    } finally {
      clock.clearTimeout(timer);
      req.signal?.removeEventListener('abort', onCallerAbort);
    }
  };

  const fail = (err: CrmError, req: CrmRequest, status: number): never => {
    if (err.kind === 'rateLimited') limiter.pause(err.retryAfterMs ?? DEFAULT_RETRY_AFTER_MS);
    log.warn('CRM request failed', { crm: crmName, method: req.method, path: pathOf(req.url), status, kind: err.kind });
    throw err;
  };

  return {
    async request<T = unknown>(req: CrmRequest): Promise<{ readonly status: number; readonly data: T }> {
      await limiter.acquire(req.signal);
      let token = tokens ? await tokens.current() : undefined;
      let res = await send(req, token);
      if (tokens && token !== undefined && isTokenRejected(res)) {
        log.info('CRM rejected the access token; refreshing', { crm: crmName, path: pathOf(req.url), status: res.status });
        token = await tokens.refreshAfterRejection(token, crmMessageOf(res.data));
        await limiter.acquire(req.signal);
        res = await send(req, token);
        if (isTokenRejected(res)) {
          const crmMessage = crmMessageOf(res.data);
          fail(
            new CrmError('auth', `${crmName} refused a freshly refreshed access token${crmMessage ? ` (${crmMessage})` : ''}: sign in to ${crmName} again`, {
              status: res.status,
              crmMessage,
            }),
            req,
            res.status,
          );
        }
      }
      const mapped = options.mapError?.(res);
      if (mapped) fail(mapped, req, res.status);
      if (res.status >= 200 && res.status < 300) return { status: res.status, data: res.data as T };
      return fail(errorForStatus(crmName, res, clock.now()), req, res.status);
    },
  };
}
