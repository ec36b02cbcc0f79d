// The shared HTTP client of every CRM connector (implemented in ./crm-http.ts on
// axios): one instance per CRM account; auth, refresh-on-expiry, rate limiting,
// timeouts and error mapping live here, not in each connector.
import type { CrmError } from '../errors';

/** An OAuth access token that refreshes itself (../oauth/token-manager.ts). */
export interface AccessTokenSource {
  /** The access token to use now; refreshes first when it is known to be expired. Rejects with CrmError('auth') when sign-in is needed. */
  current(): Promise<string>;
  /**
   * The API refused `stale` as expired/invalid: refresh once (single flight: every
   * request that saw the same stale token waits for the same refresh) and return
   * the new token. Rejects with CrmError('auth') when the refresh token is gone.
   * `crmWords`: what the CRM said when it refused the token (a fixed token has no
   * refresh: its "sign in again" quotes them).
   */
  refreshAfterRejection(stale: string, crmWords?: string): Promise<string>;
}

export type CrmAuth =
  | { readonly kind: 'none' }
  /** `Authorization: Bearer <token>`. */
  | { readonly kind: 'bearer'; readonly tokens: AccessTokenSource }
  /** Token as a query parameter (Bitrix24 `?auth=`). */
  | { readonly kind: 'queryToken'; readonly param: string; readonly tokens: AccessTokenSource }
  /** A fixed header (retailCRM `X-API-KEY`, a generic CRM's API key). */
  | { readonly kind: 'header'; readonly name: string; readonly value: string }
  | { readonly kind: 'basic'; readonly username: string; readonly password: string };

export type RateLimitPolicy =
  /** At most `requests` per `perMs` window (amoCRM: 7 per 1000 ms). */
  | { readonly kind: 'window'; readonly requests: number; readonly perMs: number }
  /** Leaky bucket (Bitrix24): up to `capacity` at once, draining `drainPerSecond`. */
  | { readonly kind: 'bucket'; readonly capacity: number; readonly drainPerSecond: number };

export interface CrmResponseInfo {
  readonly status: number;
  readonly data: unknown;
  readonly headers: Readonly<Record<string, string>>;
}

export interface CrmHttpOptions {
  /** e.g. https://example.amocrm.ru */
  readonly baseUrl: string;
  /** For messages: "amoCRM did not answer within 10 s". */
  readonly crmName: string;
  readonly auth: CrmAuth;
  readonly timeoutMs?: number;
  readonly rateLimit?: RateLimitPolicy;
  /** The response says the access token expired or is invalid (default: status 401). */
  readonly isTokenRejected?: (res: CrmResponseInfo) => boolean;
  /** A CRM-specific error for a response (error bodies, 200 with an error inside); undefined: the default mapping by status. */
  readonly mapError?: (res: CrmResponseInfo) => CrmError | undefined;
}

export interface CrmRequest {
  readonly method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** Relative to baseUrl (or absolute). */
  readonly url: string;
  readonly params?: Readonly<Record<string, string | number | boolean | undefined>>;
  /** JSON body, or form fields when `form` is set. */
  readonly data?: unknown;
  readonly form?: boolean;
  readonly headers?: Readonly<Record<string, string>>;
  readonly signal?: AbortSignal;
}

export interface CrmHttp {
  /** Resolves with 2xx responses (204 has data undefined); rejects with CrmError otherwise. */
  request<T = unknown>(req: CrmRequest): Promise<{ readonly status: number; readonly data: T }>;
}
