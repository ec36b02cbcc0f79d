// How the shared CRM HTTP client talks to retailCRM: the account URL, the API key
// in X-API-KEY, about 10 requests per second (the official client sleeps 100 ms
// between calls and retries on 503), and retailCRM's `{success:false, errorMsg,
// errors}` bodies mapped into CrmErrors that quote retailCRM's own words.
// Messages: retailcrm/api-client-php ApiExceptionFactory.
import type { RetailCrmSettings } from '../../../../src-shared/domain/crm-settings';
import { CrmError, type CrmErrorOptions } from '../errors';
import { asRecord, textOf } from '../http/body';
import { parseRetryAfter } from '../http/crm-http';
import type { CrmHttpOptions, CrmResponseInfo, RateLimitPolicy } from '../http/types';
import { trimBase } from '../url';

export const RETAILCRM_NAME = 'retailCRM';
/** "10 requests per second" (the official client's pause); the official figure is not published. */
export const RETAILCRM_RATE_LIMIT: RateLimitPolicy = { kind: 'window', requests: 10, perMs: 1000 };
/** After a 503 without Retry-After. */
export const RETAILCRM_RETRY_MS = 1_000;

/** A retailCRM error that keeps the externalIds the CRM reported as already uploaded. */
export class RetailCrmError extends CrmError {
  readonly duplicateCalls: readonly string[];
  constructor(kind: CrmError['kind'], message: string, duplicateCalls: readonly string[], options: CrmErrorOptions = {}) {
    super(kind, message, options);
    this.duplicateCalls = duplicateCalls;
  }
}

function duplicatesOf(data: unknown): string[] {
  const list = asRecord(data)?.['duplicateCalls'];
  return Array.isArray(list) ? list.filter((v) => typeof v === 'string' || typeof v === 'number').map(String) : [];
}

/** The account URL without a trailing slash; CrmError('config') when it is not set. */
export function retailAccountUrl(settings: RetailCrmSettings): string {
  const url = trimBase(settings.accountUrl);
  if (url === '') throw new CrmError('config', 'Enter the retailCRM account address (https://<your account>.retailcrm.ru) in Settings -> CRM');
  return url;
}

/** retailCRM's errorMsg with its field errors (object or list) of a failed answer; undefined when the answer is not a retailCRM error. */
export function retailErrorMessage(data: unknown): string | undefined {
  const body = asRecord(data);
  if (!body || body['success'] !== false) return undefined;
  const parts: string[] = [];
  const head = textOf(body['errorMsg']);
  if (head) parts.push(head);
  const errors = body['errors'];
  if (Array.isArray(errors)) for (const e of errors) if (textOf(e)) parts.push(textOf(e) as string);
  const fields = asRecord(errors);
  if (fields) for (const [k, v] of Object.entries(fields)) if (textOf(v)) parts.push(`${k}: ${textOf(v) as string}`);
  if (parts.length === 0) return undefined;
  const all = parts.join('; ');
  return all.length > 500 ? `${all.slice(0, 499)}…` : all;
}

/** retailCRM answers as CrmErrors; undefined for a success (the shared client maps the rest by status). */
export function mapRetailCrmError(res: CrmResponseInfo): CrmError | undefined {
  const { status } = res;
  const failed = asRecord(res.data)?.['success'] === false;
  if (status < 400 && !failed) return undefined;
  const crmMessage = retailErrorMessage(res.data);
  const said = crmMessage ? `: ${crmMessage}` : '';
  const opts = { status, crmMessage };
  if (status === 503 || status === 429) {
    // The official client treats 503 as "too many requests" and retries after a pause.
    const retryAfterMs = parseRetryAfter(res.headers['retry-after'], Date.now()) ?? RETAILCRM_RETRY_MS;
    return new CrmError('rateLimited', `retailCRM is busy or limiting requests (HTTP ${status})${said}; Sidecall will retry`, { ...opts, retryAfterMs });
  }
  if (crmMessage && /apiKey/i.test(crmMessage)) {
    return new CrmError('auth', `retailCRM refused the API key${said} Check the API key in Settings -> CRM.`, opts);
  }
  if (crmMessage?.startsWith('Account does not exist') || (status === 405 && !asRecord(res.data))) {
    // retailCRM's nginx answers 405 with an HTML page for an unknown account (api-client-php ErrorTest).
    const words = crmMessage ?? 'Account does not exist.';
    return new CrmError('config', `retailCRM: ${words} Check the account address in Settings -> CRM.`, { status, crmMessage: words });
  }
  if (crmMessage?.startsWith('Access denied') || status === 403) {
    return new CrmError('config', `retailCRM denied access${said} Allow this API key the telephony methods in retailCRM (Settings -> Integration -> API keys).`, opts);
  }
  if (status >= 500) return new CrmError('unavailable', `retailCRM is having trouble (HTTP ${status})${said}; Sidecall will retry`, opts);
  if (status === 401) return new CrmError('auth', `retailCRM refused the API key${said} Check the API key in Settings -> CRM.`, opts);
  return new RetailCrmError('rejected', `retailCRM refused the request${said}`, duplicatesOf(res.data), opts);
}

/** Options of the CRM HTTP client for one retailCRM account with its API key (from the keychain). */
export function retailCrmHttpOptions(settings: RetailCrmSettings, apiKey: string): CrmHttpOptions {
  if (apiKey.trim() === '') throw new CrmError('config', 'Enter the retailCRM API key in Settings -> CRM');
  return {
    baseUrl: retailAccountUrl(settings),
    crmName: RETAILCRM_NAME,
    auth: { kind: 'header', name: 'X-API-KEY', value: apiKey.trim() },
    rateLimit: RETAILCRM_RATE_LIMIT,
    isTokenRejected: () => false,
    mapError: mapRetailCrmError,
  };
}
