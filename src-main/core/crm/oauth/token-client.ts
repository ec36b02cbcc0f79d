// The token endpoint of an OAuth 2.0 authorization server: exchanging an
// authorization code and refreshing, in the three request styles Sidecall meets:
// 'form' (RFC 6749 POST form: standard servers), 'json' (amoCRM: POST JSON to
// {account}/oauth2/access_token) and 'query' (Bitrix24: GET
// {oauthServer}/oauth/token/?grant_type=...). Responses are checked with zod and
// become a TokenSet; failures become CrmErrors the token manager acts on.
import { z } from 'zod';
import type { Clock, Logger } from '../../../ports';
import { CrmError } from '../errors';
import { createCrmHttp, crmMessageOf } from '../http/crm-http';
import type { CrmHttp, CrmRequest, CrmResponseInfo } from '../http/types';
import type { TokenSet } from './token-set';

export type TokenRequestStyle = 'form' | 'json' | 'query';

export interface TokenClientConfig {
  /** For messages: "Sign in to amoCRM again". */
  readonly crmName: string;
  readonly style: TokenRequestStyle;
  /** e.g. https://example.amocrm.ru/oauth2/access_token, https://oauth.bitrix.info/oauth/token/ */
  readonly tokenUrl: string;
  readonly clientId: string;
  /** Absent for a public client (PKCE only). */
  readonly clientSecret?: string;
  /** 'form' style: client_secret in the body (default) or HTTP Basic (client_secret_basic). */
  readonly clientAuth?: 'body' | 'basic';
  /** Sent with the code exchange (and, in the 'json' style, with refreshes, as amoCRM wants). */
  readonly redirectUri?: string;
  readonly timeoutMs?: number;
}

export interface ExchangeOptions {
  /** The PKCE code_verifier of the attempt that got the code. */
  readonly codeVerifier?: string;
  /** Overrides cfg.redirectUri (the loopback URI with the port actually used). */
  readonly redirectUri?: string;
}

export interface TokenClient {
  exchangeCode(code: string, options?: ExchangeOptions): Promise<TokenSet>;
  /** Rejects with CrmError('auth') when the refresh token is refused (invalid_grant, 400/401). */
  refresh(refreshToken: string): Promise<TokenSet>;
  /** RFC 6749 4.4: a token for the client itself (no user, no refresh token); 'form' style servers. */
  clientCredentials(scope?: string): Promise<TokenSet>;
}

const Seconds = z.union([z.number().nonnegative(), z.string().regex(/^\d+$/).transform(Number)]);

const TokenResponseSchema = z.looseObject({
  access_token: z.string().min(1),
  token_type: z.string().optional(),
  refresh_token: z.string().min(1).optional(),
  expires_in: Seconds.optional(),
  /** Bitrix24: absolute expiry, unix seconds. */
  expires: Seconds.optional(),
  scope: z.union([z.string(), z.array(z.string()).transform((a) => a.join(' '))]).optional(),
});

const KNOWN = new Set(['access_token', 'token_type', 'refresh_token', 'expires_in', 'expires', 'scope', 'id_token', 'server_time']);
// Never copy anything secret-looking into `extra` (it may be shown, e.g. as the account name).
const SECRET_KEY = /token|secret|password/i;

/** A token endpoint response as a TokenSet; undefined when it is not one. */
export function tokenSetFromResponse(data: unknown, now: number): TokenSet | undefined {
  const parsed = TokenResponseSchema.safeParse(data);
  if (!parsed.success) return undefined;
  const r = parsed.data;
  const extra: Record<string, string> = {};
  for (const [k, v] of Object.entries(r)) {
    if (KNOWN.has(k) || SECRET_KEY.test(k)) continue;
    if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') extra[k] = String(v);
  }
  const expiresAt = r.expires_in !== undefined ? now + r.expires_in * 1000 : r.expires !== undefined ? r.expires * 1000 : undefined;
  return {
    accessToken: r.access_token,
    ...(r.refresh_token !== undefined ? { refreshToken: r.refresh_token } : {}),
    ...(expiresAt !== undefined ? { expiresAt } : {}),
    ...(r.scope !== undefined ? { scope: r.scope } : {}),
    extra,
  };
}

function oauthErrorCode(data: unknown): string | undefined {
  if (typeof data !== 'object' || data === null) return undefined;
  const e = (data as Record<string, unknown>)['error'];
  return typeof e === 'string' && e !== '' ? e : undefined;
}

type Grant = 'code' | 'refresh';

/** How a token endpoint refusal maps: what the user must do differs for a code exchange and a refresh. */
function tokenError(crmName: string, grant: Grant, res: CrmResponseInfo): CrmError | undefined {
  const code = oauthErrorCode(res.data);
  const hasToken = typeof res.data === 'object' && res.data !== null && typeof (res.data as Record<string, unknown>)['access_token'] === 'string';
  const refused = code !== undefined ? !hasToken : res.status === 400 || res.status === 401;
  if (!refused) return undefined;
  if (res.status === 429 || (res.status >= 500 && code === undefined)) return undefined; // default mapping: retry later
  const crmMessage = crmMessageOf(res.data);
  const why = [code, crmMessage && crmMessage !== code ? crmMessage : undefined].filter(Boolean).join(': ');
  const opts = { status: res.status, crmMessage: crmMessage ?? code };
  const clientProblem = code === 'invalid_client' || code === 'unauthorized_client';
  if (grant === 'refresh') {
    const reason = clientProblem
      ? `${crmName} does not accept this app's client id or secret any more (${why}); check Settings -> CRM`
      : `${crmName} no longer accepts the saved sign-in${why ? ` (${why})` : ''}`;
    return new CrmError('auth', `Sign in to ${crmName} again: ${reason}`, opts);
  }
  if (clientProblem || code === 'invalid_request' || code === 'unsupported_grant_type' || code === 'invalid_scope') {
    return new CrmError('config', `${crmName} refused the sign-in request (${why}): check the client id, secret and redirect port in Settings -> CRM`, opts);
  }
  return new CrmError('auth', `${crmName} did not accept the authorization code${why ? ` (${why})` : ''}: sign in again`, opts);
}

function basicAuth(id: string, secret: string): string {
  // RFC 6749 2.3.1: both parts form-urlencoded before base64.
  const enc = (s: string): string => encodeURIComponent(s).replace(/%20/g, '+');
  return `Basic ${Buffer.from(`${enc(id)}:${enc(secret)}`, 'utf8').toString('base64')}`;
}

export function createTokenClient(cfg: TokenClientConfig, deps: { readonly clock: Clock; readonly log: Logger }): TokenClient {
  const httpFor = (grant: Grant): CrmHttp =>
    createCrmHttp({
      baseUrl: cfg.tokenUrl,
      crmName: cfg.crmName,
      auth: { kind: 'none' },
      timeoutMs: cfg.timeoutMs,
      mapError: (res) => tokenError(cfg.crmName, grant, res),
      clock: deps.clock,
      log: deps.log,
    });
  const http: Readonly<Record<Grant, CrmHttp>> = { code: httpFor('code'), refresh: httpFor('refresh') };

  const buildRequest = (fields: Record<string, string | undefined>): CrmRequest => {
    const secret = cfg.clientSecret;
    if (cfg.style === 'query') {
      return { method: 'GET', url: cfg.tokenUrl, params: { ...fields, client_id: cfg.clientId, client_secret: secret } };
    }
    if (cfg.style === 'json') {
      const body: Record<string, string> = { client_id: cfg.clientId };
      if (secret !== undefined) body['client_secret'] = secret;
      for (const [k, v] of Object.entries(fields)) if (v !== undefined) body[k] = v;
      return { method: 'POST', url: cfg.tokenUrl, data: body };
    }
    const basic = cfg.clientAuth === 'basic' && secret !== undefined;
    const form: Record<string, string | undefined> = { ...fields, ...(basic ? {} : { client_id: cfg.clientId, client_secret: secret }) };
    return { method: 'POST', url: cfg.tokenUrl, form: true, data: form, ...(basic ? { headers: { Authorization: basicAuth(cfg.clientId, secret) } } : {}) };
  };

  const call = async (grant: Grant, fields: Record<string, string | undefined>): Promise<TokenSet> => {
    const res = await http[grant].request(buildRequest(fields));
    const tokens = tokenSetFromResponse(res.data, deps.clock.now());
    if (!tokens) {
      deps.log.warn('Token endpoint answered without a usable token', { crm: cfg.crmName, grant, status: res.status });
      throw new CrmError('config', `${cfg.crmName} answered the token request with something that is not a token: check the CRM address in Settings -> CRM`, { status: res.status });
    }
    deps.log.info(grant === 'code' ? 'Signed in: authorization code exchanged' : 'Access token refreshed', {
      crm: cfg.crmName,
      rotated: grant === 'refresh' ? tokens.refreshToken !== undefined : undefined,
      expiresInS: tokens.expiresAt !== undefined ? Math.round((tokens.expiresAt - deps.clock.now()) / 1000) : undefined,
    });
    return tokens;
  };

  return {
    exchangeCode(code, options = {}) {
      const redirectUri = options.redirectUri ?? cfg.redirectUri;
      return call('code', {
        grant_type: 'authorization_code',
        code,
        // Bitrix24 takes the redirect from the app's settings and wants none here.
        redirect_uri: cfg.style === 'query' ? undefined : redirectUri,
        code_verifier: options.codeVerifier,
      });
    },
    refresh(refreshToken) {
      return call('refresh', {
        grant_type: 'refresh_token',
        refresh_token: refreshToken,
        redirect_uri: cfg.style === 'json' ? cfg.redirectUri : undefined,
      });
    },
    clientCredentials(scope) {
      return call('refresh', { grant_type: 'client_credentials', scope: scope === '' ? undefined : scope });
    },
  };
}
