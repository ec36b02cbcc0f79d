// The browser half of OAuth 2.0 for a desktop app (RFC 8252): build the
// authorization URL (state, PKCE S256), listen on a loopback port of 127.0.0.1
// for the redirect, open the URL in the operator's system browser, and hand back
// the code with every query parameter the CRM sent (amoCRM adds `referer`, its
// account domain; Bitrix24 `domain`, `member_id`). Where the CRM shows the code
// instead of redirecting, the operator pastes it (or the whole address).
// The loopback server closes on every outcome: success, refusal, state
// mismatch, timeout, cancel.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Clock, ExternalBrowser, Logger, TimerHandle } from '../../../ports';
import { CrmError, messageOf } from '../errors';
import { createPkcePair } from './pkce';
import { createState, stateMatches } from './state';

export const DEFAULT_AUTHORIZATION_TIMEOUT_MS = 5 * 60_000;
export const DEFAULT_REDIRECT_PATH = '/callback';

export interface AuthorizationConfig {
  /** For messages and the result page: "amoCRM". */
  readonly crmName: string;
  /** The CRM's page that asks the user to allow the app. */
  readonly authorizeUrl: string;
  readonly clientId: string;
  /** Loopback port of the redirect; 0 = any free port (only where the server allows any, RFC 8252 7.3). */
  readonly redirectPort: number;
  /** Default /callback. */
  readonly redirectPath?: string;
  /** false: the server takes redirect_uri from the app's settings (Bitrix24) and none is sent. Default true. */
  readonly sendRedirectUri?: boolean;
  /**
   * A redirect URI that is not ours (a page of the CRM that shows the code): no
   * loopback server, the operator pastes the code. Default: the loopback URI.
   */
  readonly fixedRedirectUri?: string;
  /** Send a PKCE S256 challenge (the verifier comes back in the result). */
  readonly pkce?: boolean;
  readonly scope?: string;
  /** e.g. amoCRM `mode=post_message`, OIDC `prompt=consent`. */
  readonly extraParams?: Readonly<Record<string, string>>;
  readonly timeoutMs?: number;
}

export interface AuthorizationDeps {
  readonly browser: ExternalBrowser;
  readonly clock: Clock;
  readonly log: Logger;
}

export interface AuthorizationResult {
  readonly code: string;
  /** Every query parameter of the redirect (code and state included); for a pasted bare code only `code`. */
  readonly params: Readonly<Record<string, string>>;
  /** The redirect_uri to send with the code exchange. */
  readonly redirectUri: string;
  /** The PKCE verifier to send with the code exchange, when cfg.pkce. */
  readonly codeVerifier?: string;
  readonly via: 'redirect' | 'paste';
}

export interface PendingAuthorization {
  /** The authorization URL (opened in the browser; the UI may offer it to copy). */
  readonly url: string;
  readonly redirectUri: string;
  /** Resolves with the code; rejects with CrmError on refusal, state mismatch ('auth'), timeout, cancel. */
  readonly result: Promise<AuthorizationResult>;
  /** The code (or the whole redirect address) the operator pasted; throws CrmError when it is not one. */
  submitPastedCode(text: string): void;
  /** Ends the attempt: the result rejects with CrmError('auth', '... cancelled'). */
  cancel(): void;
}

const BARE_CODE = /^[A-Za-z0-9._~+/=:%-]{4,4096}$/;

/** A pasted authorization code: the bare code, or the redirect address (or its query) the browser showed. */
export function parsePastedCode(text: string): { code: string; params: Record<string, string> } | undefined {
  const t = text.trim().replace(/^["'<]+|["'>]+$/g, '');
  if (t === '') return undefined;
  if (/[?&#]|^code=|:\/\//.test(t)) {
    const q = t.indexOf('?');
    const hash = t.indexOf('#');
    const query = q >= 0 ? t.slice(q + 1, hash > q ? hash : undefined) : /^code=|&/.test(t) ? t : '';
    for (const part of [query, hash >= 0 ? t.slice(hash + 1) : '']) {
      const params = Object.fromEntries(new URLSearchParams(part));
      const code = params['code'];
      if (code !== undefined && code !== '') return { code, params };
    }
    return undefined;
  }
  return BARE_CODE.test(t) ? { code: t, params: { code: t } } : undefined;
}

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string);
}

/** The small self-contained page the browser shows after the redirect: no scripts, no remote content. */
export function resultPage(ok: boolean, crmName: string, detail?: string): string {
  const crm = escapeHtml(crmName);
  const en = ok ? `Signed in to ${crm}. You can close this tab and return to Sidecall.` : `Sign-in to ${crm} did not complete. Return to Sidecall and try again.`;
  const ru = ok ? `Вход в ${crm} выполнен. Эту вкладку можно закрыть и вернуться в Sidecall.` : `Вход в ${crm} не выполнен. Вернитесь в Sidecall и попробуйте ещё раз.`;
  const extra = detail ? `<p class="d">${escapeHtml(detail.slice(0, 200))}</p>` : '';
  return `<!doctype html><html><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>Sidecall</title>
<style>body{font:16px/1.5 system-ui,sans-serif;margin:0;display:flex;min-height:100vh;align-items:center;justify-content:center;background:#f4f5f7;color:#1d2330}
main{max-width:32rem;padding:2rem;background:#fff;border-radius:12px;box-shadow:0 2px 12px rgba(0,0,0,.08)}h1{font-size:1.25rem;margin:0 0 1rem;color:${ok ? '#1a7f37' : '#b42318'}}p{margin:.5rem 0}.d{color:#667085;font-size:.875rem}</style></head>
<body><main><h1>Sidecall</h1><p lang="en">${en}</p><p lang="ru">${ru}</p>${extra}</main></body></html>`;
}

function listen(server: http.Server, port: number, crmName: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (e: NodeJS.ErrnoException): void => {
      server.off('listening', onListening);
      if (e.code === 'EADDRINUSE') {
        reject(
          new CrmError(
            'config',
            `Port ${port} is in use: close the other program or change the redirect port in Settings -> CRM; the ${crmName} app's redirect URL must match`,
          ),
        );
      } else if (e.code === 'EACCES') {
        reject(new CrmError('config', `Port ${port} may not be used by Sidecall: choose a port above 1024 in Settings -> CRM; the ${crmName} app's redirect URL must match`));
      } else {
        reject(new CrmError('config', `Could not listen on 127.0.0.1:${port} for the ${crmName} sign-in (${e.code ?? e.message})`));
      }
    };
    const onListening = (): void => {
      server.off('error', onError);
      resolve((server.address() as AddressInfo).port);
    };
    server.once('error', onError);
    server.once('listening', onListening);
    server.listen({ port, host: '127.0.0.1', exclusive: true });
  });
}

/**
 * Starts one sign-in attempt: listens on the loopback port (rejects with
 * CrmError('config') when it is taken), opens the authorization URL in the
 * system browser, and returns the attempt to await or cancel.
 */
export async function startAuthorization(cfg: AuthorizationConfig, deps: AuthorizationDeps): Promise<PendingAuthorization> {
  const { crmName } = cfg;
  const { clock, log } = deps;
  const path = cfg.redirectPath ?? DEFAULT_REDIRECT_PATH;
  const state = createState();
  const pkce = cfg.pkce ? createPkcePair() : undefined;
  const timeoutMs = cfg.timeoutMs ?? DEFAULT_AUTHORIZATION_TIMEOUT_MS;

  let server: http.Server | undefined;
  let redirectUri: string;
  let settled = false;
  let resolveResult!: (r: AuthorizationResult) => void;
  let rejectResult!: (e: CrmError) => void;
  const result = new Promise<AuthorizationResult>((resolve, reject) => {
    resolveResult = resolve;
    rejectResult = reject;
  });
  // A caller that cancels without awaiting must not cause an unhandled rejection.
  result.catch(() => undefined);

  if (cfg.fixedRedirectUri !== undefined) {
    redirectUri = cfg.fixedRedirectUri;
  } else {
    server = http.createServer();
    const port = await listen(server, cfg.redirectPort, crmName);
    redirectUri = `http://127.0.0.1:${port}${path}`;
  }

  let timer: TimerHandle | undefined;
  const closeServer = (): void => {
    if (!server) return;
    const s = server;
    server = undefined;
    s.close();
    // Browsers keep connections alive; the page was already written by then.
    s.closeAllConnections();
  };
  const finish = (outcome: { ok: AuthorizationResult } | { error: CrmError }): void => {
    if (settled) return;
    settled = true;
    if (timer !== undefined) clock.clearTimeout(timer);
    if ('ok' in outcome) {
      log.info('Authorization code received', { crm: crmName, via: outcome.ok.via, params: Object.keys(outcome.ok.params) });
      resolveResult(outcome.ok);
    } else {
      log.warn('Sign-in attempt ended without a code', { crm: crmName, kind: outcome.error.kind, reason: outcome.error.message });
      rejectResult(outcome.error);
    }
  };
  const succeed = (code: string, params: Record<string, string>, via: 'redirect' | 'paste'): void =>
    finish({ ok: { code, params, redirectUri, ...(pkce ? { codeVerifier: pkce.verifier } : {}), via } });

  const stateError = (): CrmError =>
    new CrmError('auth', `The ${crmName} sign-in answer does not belong to this attempt (state mismatch): start the sign-in again from Sidecall`);

  server?.on('request', (req: http.IncomingMessage, res: http.ServerResponse) => {
    const reply = (status: number, body: string, after?: () => void): void => {
      res.writeHead(status, {
        'Content-Type': 'text/html; charset=utf-8',
        'Cache-Control': 'no-store',
        'Content-Security-Policy': "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
        'Referrer-Policy': 'no-referrer',
        'X-Content-Type-Options': 'nosniff',
        Connection: 'close',
      });
      res.end(body, after);
    };
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    if (req.method !== 'GET' || url.pathname !== path) {
      reply(404, resultPage(false, crmName, 'Not found'));
      return;
    }
    if (settled) {
      reply(410, resultPage(false, crmName, 'This sign-in attempt has already ended.'));
      return;
    }
    const params = Object.fromEntries(url.searchParams);
    const end = (outcome: Parameters<typeof finish>[0], status: number, page: string): void => {
      finish(outcome);
      reply(status, page, closeServer);
    };
    if (!stateMatches(state, params['state'])) {
      end({ error: stateError() }, 400, resultPage(false, crmName, 'The answer does not belong to this sign-in attempt (state mismatch).'));
      return;
    }
    const error = params['error'];
    if (error !== undefined) {
      const description = params['error_description'];
      const err = new CrmError('auth', `${crmName} did not allow the sign-in (${error}${description ? `: ${description}` : ''}): try again, and allow access on the ${crmName} page`, {
        crmMessage: description ?? error,
      });
      end({ error: err }, 200, resultPage(false, crmName, error));
      return;
    }
    const code = params['code'];
    if (code === undefined || code === '') {
      end({ error: new CrmError('auth', `${crmName} redirected back without an authorization code: start the sign-in again`) }, 400, resultPage(false, crmName));
      return;
    }
    succeed(code, params, 'redirect');
    reply(200, resultPage(true, crmName), closeServer);
  });

  timer = clock.setTimeout(() => {
    timer = undefined;
    finish({ error: new CrmError('timeout', `Sign-in to ${crmName} was not completed within ${Math.round(timeoutMs / 60_000)} min: start it again`) });
    closeServer();
  }, timeoutMs);

  const authUrl = new URL(cfg.authorizeUrl);
  const q = authUrl.searchParams;
  q.set('client_id', cfg.clientId);
  q.set('response_type', 'code');
  if (cfg.sendRedirectUri ?? true) q.set('redirect_uri', redirectUri);
  q.set('state', state);
  if (cfg.scope) q.set('scope', cfg.scope);
  if (pkce) {
    q.set('code_challenge', pkce.challenge);
    q.set('code_challenge_method', pkce.method);
  }
  for (const [k, v] of Object.entries(cfg.extraParams ?? {})) q.set(k, v);
  const url = authUrl.toString();

  log.info('Sign-in started', { crm: crmName, redirectUri, pkce: pkce !== undefined, loopback: cfg.fixedRedirectUri === undefined });
  deps.browser.open(url).catch((e: unknown) => {
    // The UI still shows the link to copy; the loopback server keeps waiting.
    log.warn('Could not open the system browser for sign-in', { crm: crmName, error: messageOf(e) });
  });

  return {
    url,
    redirectUri,
    result,
    submitPastedCode(text) {
      if (settled) throw new CrmError('auth', `This ${crmName} sign-in attempt has already ended: start it again`);
      const parsed = parsePastedCode(text);
      if (!parsed) throw new CrmError('rejected', `That is not an authorization code: paste the code ${crmName} showed, or the whole address from the browser`);
      // A pasted address carries the state; a bare code cannot be checked (PKCE still binds it to this attempt).
      if (parsed.params['state'] !== undefined && !stateMatches(state, parsed.params['state'])) throw stateError();
      succeed(parsed.code, parsed.params, 'paste');
      closeServer();
    },
    cancel() {
      finish({ error: new CrmError('auth', `Sign-in to ${crmName} was cancelled`) });
      closeServer();
    },
  };
}
