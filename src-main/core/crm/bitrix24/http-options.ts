// How the shared CRM HTTP client talks to one Bitrix24 portal: the REST base
// (`{portal}/rest/` with `?auth=<access token>` for an application, or the
// incoming-webhook URL `{portal}/rest/{user_id}/{code}/` with no token), the
// leaky-bucket limit (50, draining 2 per second, on every plan but Enterprise),
// which 401s mean "refresh the token", and the error mapping.
import { CrmError } from '../errors';
import type { AccessTokenSource, CrmHttpOptions, RateLimitPolicy } from '../http/types';
import { trimBase } from '../url';
import type { Bitrix24Settings } from '../../../../src-shared/domain/crm-settings';
import { isBitrix24TokenRejected, mapBitrix24Error } from './errors';

export type Bitrix24Auth =
  /** A local or market application: OAuth tokens, sent as `auth=`. */
  | { readonly kind: 'oauth'; readonly tokens: AccessTokenSource }
  /** An incoming webhook URL from the keychain (its code is the credential). */
  | { readonly kind: 'webhook'; readonly webhookUrl: string };

export const BITRIX24_NAME = 'Bitrix24';

/** Bitrix24's published limit for non-Enterprise plans (b24restdocs limits.md). */
export const BITRIX24_BUCKET: BucketPolicy = { kind: 'bucket', capacity: 50, drainPerSecond: 2 };
/** Bitrix24 allows a request up to 60 s; register with CRM_CREATE can take a while. */
export const BITRIX24_TIMEOUT_MS = 30_000;

/**
 * The REST base of an incoming webhook, `{portal}/rest/{user_id}/{code}/`, from
 * what the portal shows (it may end in a method name, e.g. `.../profile/` or
 * `.../profile.json`). Throws CrmError('config') when it is not a webhook URL.
 */
export function normalizeWebhookUrl(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url.trim());
  } catch {
    throw new CrmError('config', 'The Bitrix24 webhook address is not a URL: paste the "Webhook to call REST API" address from Bitrix24 in Settings -> CRM');
  }
  const m = /^\/rest\/(\d+)\/([A-Za-z0-9]+)(?:\/|$)/.exec(parsed.pathname);
  const secureOrLocal = parsed.protocol === 'https:' || (parsed.protocol === 'http:' && /^(127\.0\.0\.1|localhost|\[::1\])$/.test(parsed.hostname));
  if (!m || !secureOrLocal) {
    throw new CrmError('config', 'The Bitrix24 webhook address must look like https://<portal>/rest/<user id>/<code>/: copy it again from Bitrix24 into Settings -> CRM');
  }
  return `${parsed.origin}/rest/${m[1]}/${m[2]}/`;
}

/** The portal of a webhook URL (for card links when Settings has no portal address). */
export function portalOfWebhook(url: string): string {
  return new URL(normalizeWebhookUrl(url)).origin;
}

export type BucketPolicy = Extract<RateLimitPolicy, { kind: 'bucket' }>;

/**
 * The client's own bucket for a portal's: the same drain, a few requests below
 * the block level. Bitrix24 counts requests when they arrive; delays on the way
 * (network, a busy event loop) bunch up requests the client spaced out, and the
 * reserve absorbs that instead of a QUERY_LIMIT_EXCEEDED.
 */
export function clientBucket(portal: BucketPolicy): BucketPolicy {
  const reserve = Math.max(2, Math.ceil(portal.capacity * 0.1));
  return { kind: 'bucket', capacity: Math.max(1, portal.capacity - reserve), drainPerSecond: portal.drainPerSecond };
}

export interface Bitrix24HttpOverrides {
  /** The portal's bucket when it is not the default 50 / 2 per s (Enterprise: 250 / 5; tests: a faster one). */
  readonly portalBucket?: BucketPolicy;
  readonly timeoutMs?: number;
}

/** Options for createCrmHttp (../http/crm-http.ts) for this portal and credential. */
export function bitrix24HttpOptions(settings: Bitrix24Settings, auth: Bitrix24Auth, overrides: Bitrix24HttpOverrides = {}): CrmHttpOptions {
  const portal = overrides.portalBucket ?? BITRIX24_BUCKET;
  // After a limit error, wait one drain interval: by then the bucket has room again.
  const drainMs = Math.ceil(1000 / Math.max(portal.drainPerSecond, 0.001));
  const common = {
    crmName: BITRIX24_NAME,
    timeoutMs: overrides.timeoutMs ?? BITRIX24_TIMEOUT_MS,
    rateLimit: clientBucket(portal),
    isTokenRejected: isBitrix24TokenRejected,
    mapError: (res: Parameters<typeof mapBitrix24Error>[0]) => mapBitrix24Error(res, drainMs),
  };
  if (auth.kind === 'webhook') {
    return { ...common, baseUrl: normalizeWebhookUrl(auth.webhookUrl), auth: { kind: 'none' } };
  }
  if (settings.portalUrl.trim() === '') {
    throw new CrmError('config', 'Enter the Bitrix24 portal address (https://<name>.bitrix24.ru) in Settings -> CRM');
  }
  return { ...common, baseUrl: `${trimBase(settings.portalUrl)}/rest/`, auth: { kind: 'queryToken', param: 'auth', tokens: auth.tokens } };
}
