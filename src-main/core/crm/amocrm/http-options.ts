// How the shared CRM HTTP client talks to amoCRM: the account URL, 7 requests per
// second, 401 = the access token expired or was revoked, and amoCRM's own error
// bodies mapped into CrmErrors (validation-errors -> rejected with the CRM's
// words; 402/403 -> the account is not paid / blocked).
import type { AmoCrmSettings } from '../../../../src-shared/domain/crm-settings';
import { CrmError } from '../errors';
import { asRecord, textOf } from '../http/body';
import type { CrmAuth, CrmHttpOptions, CrmResponseInfo, RateLimitPolicy } from '../http/types';
import { trimBase } from '../url';
import { validationErrorsOf, validationMessage } from './mapping';

export const AMOCRM_NAME = 'amoCRM';
/**
 * amoCRM allows "not more than 7 requests per second" (developers.kommo.com/docs/limitations),
 * counted where the requests arrive. The client's limiter counts when a request is let go, and
 * the time from there to amoCRM varies (token read, connection, TLS). A window of 7 per 1000 ms
 * lets 7 go at once and the next 7 exactly 1 s later, so one slow first request makes the whole
 * next wave land within amoCRM's second: a run of 429s (seen against the test server). Spacing
 * requests evenly, one per 150 ms (6.7/s), leaves 50 ms of slack per 7 and no waves.
 */
export const AMOCRM_RATE_LIMIT: RateLimitPolicy = { kind: 'window', requests: 1, perMs: 150 };

/** The account URL without a trailing slash; CrmError('config') when it is not set. */
export function amoAccountUrl(settings: AmoCrmSettings): string {
  const url = trimBase(settings.accountUrl);
  if (url === '') throw new CrmError('config', 'Enter the amoCRM account address (https://<your account>.amocrm.ru) in Settings -> CRM');
  return url;
}

/** amoCRM-specific errors; undefined leaves the shared client's mapping by status (429, 401, 5xx...). */
export function mapAmoCrmError(res: CrmResponseInfo): CrmError | undefined {
  const body = asRecord(res.data);
  const detail = textOf(body?.['detail']) ?? textOf(body?.['title']);
  if (res.status === 400) {
    const items = validationErrorsOf(res.data);
    if (items) {
      const crmMessage = validationMessage(items, detail);
      return new CrmError('rejected', `amoCRM refused the request: ${crmMessage}`, { status: 400, crmMessage });
    }
    return undefined;
  }
  if (res.status === 402) {
    return new CrmError('config', `The amoCRM account is not paid (402${detail ? `: ${detail}` : ''}): renew the subscription; calls refused meanwhile are kept in the failed list to retry once it is paid`, {
      status: 402,
      crmMessage: detail,
    });
  }
  if (res.status === 403) {
    return new CrmError('config', `amoCRM blocked access to the account (403${detail ? `: ${detail}` : ''}): ask the account administrator to check the integration and the account; calls refused meanwhile are kept in the failed list to retry once it is fixed`, {
      status: 403,
      crmMessage: detail,
    });
  }
  return undefined;
}

/** Options of the CRM HTTP client for one amoCRM account (auth: bearer from the token manager, or the long-lived token as a header). */
export function amoCrmHttpOptions(settings: AmoCrmSettings, auth: CrmAuth): CrmHttpOptions {
  return {
    baseUrl: amoAccountUrl(settings),
    crmName: AMOCRM_NAME,
    auth,
    rateLimit: AMOCRM_RATE_LIMIT,
    isTokenRejected: (res) => res.status === 401,
    mapError: mapAmoCrmError,
  };
}
