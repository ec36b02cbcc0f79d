// Bitrix24's error bodies (`{"error","error_description"}`, also inside a 200)
// as CrmErrors: which ones mean "refresh the token", "sign in again", "slow
// down", "change Settings" (with the permission the app lacks) or "the CRM
// refused this call log". Codes and statuses: b24restdocs _includes/system-errors.md,
// settings/oauth/error-codes.md and the telephony method pages.
import { CrmError, type CrmErrorOptions } from '../errors';
import { asRecord } from '../http/body';
import type { CrmResponseInfo } from '../http/types';

/** A CrmError that keeps Bitrix24's own error code, so the connector can add what it knows (the method, its scope). */
export class Bitrix24Error extends CrmError {
  readonly code: string;
  constructor(kind: CrmError['kind'], message: string, code: string, options: CrmErrorOptions = {}) {
    super(kind, message, options);
    this.code = code;
  }
}

export interface Bitrix24ErrorBody {
  readonly error: string;
  readonly description: string;
}

/** The `{error, error_description}` of a response; undefined when the body is not a Bitrix24 error. */
export function bitrix24ErrorOf(data: unknown): Bitrix24ErrorBody | undefined {
  const body = asRecord(data);
  if (!body) return undefined;
  if (!('error' in body) || 'result' in body) return undefined;
  const error = typeof body['error'] === 'string' ? body['error'] : typeof body['error'] === 'number' ? String(body['error']) : undefined;
  if (error === undefined) return undefined;
  const description = typeof body['error_description'] === 'string' ? body['error_description'] : '';
  return { error, description };
}

/** The access token was refused as expired or invalid: refresh it once and retry. */
export function isBitrix24TokenRejected(res: CrmResponseInfo): boolean {
  if (res.status !== 401) return false;
  const e = bitrix24ErrorOf(res.data)?.error.toLowerCase();
  // invalid_token: a token replaced by a refresh elsewhere, or revoked (then the refresh fails and says so).
  return e === 'expired_token' || e === 'invalid_token';
}

/** What the Sidecall app needs granted, for messages. */
export const BITRIX24_SCOPES = ['telephony', 'crm', 'user'] as const;

const PERMISSIONS_HINT = 'in Bitrix24 (Developer resources -> the Sidecall application or webhook -> Permissions), then reconnect in Settings -> CRM';

/** Bucket drain interval (2 per second): the natural wait after QUERY_LIMIT_EXCEEDED. */
export const DEFAULT_LIMIT_RETRY_MS = 500;
/** OPERATION_TIME_LIMIT and OVERLOAD_LIMIT clear on Bitrix24's schedule, not the bucket's: wait longer. */
export const SLOW_LIMIT_RETRY_MS = 10_000;

/**
 * A Bitrix24 error body as a CrmError; undefined for a success or a response
 * that is not a Bitrix24 error (the client's mapping by status applies).
 */
export function mapBitrix24Error(res: CrmResponseInfo, limitRetryMs: number = DEFAULT_LIMIT_RETRY_MS): CrmError | undefined {
  const body = bitrix24ErrorOf(res.data);
  if (!body) return undefined;
  const { status } = res;
  const code = body.error;
  const key = code.toUpperCase();
  const crmMessage = body.description || code || undefined;
  const said = crmMessage ? ` (${crmMessage})` : '';
  const opts = { status, crmMessage };
  switch (key) {
    case 'QUERY_LIMIT_EXCEEDED':
      return new Bitrix24Error('rateLimited', `Bitrix24 asked to slow down${said}; Sidecall will retry`, code, { ...opts, retryAfterMs: limitRetryMs });
    case 'OPERATION_TIME_LIMIT':
    case 'OVERLOAD_LIMIT':
      return new Bitrix24Error('rateLimited', `Bitrix24 is limiting this application${said}; Sidecall will retry`, code, { ...opts, retryAfterMs: Math.max(limitRetryMs, SLOW_LIMIT_RETRY_MS) });
    case 'EXPIRED_TOKEN':
    case 'INVALID_TOKEN':
    case 'NO_AUTH_FOUND':
    case 'INVALID_GRANT':
    case 'USER_ACCESS_ERROR':
      return new Bitrix24Error('auth', `Sign in to Bitrix24 again: the portal no longer accepts Sidecall's sign-in${said}`, code, opts);
    case 'INVALID_CREDENTIALS':
      // Only webhooks get this: no active webhook with that user id and code.
      return new Bitrix24Error('auth', `Bitrix24 does not accept the incoming webhook address any more${said}: copy the webhook address from Bitrix24 again into Settings -> CRM`, code, opts);
    case 'INSUFFICIENT_SCOPE':
    case 'ERROR_METHOD_NOT_FOUND':
      return new Bitrix24Error('config', `Bitrix24 refused the request${said}: the application needs the ${BITRIX24_SCOPES.join(', ')} permissions; grant them ${PERMISSIONS_HINT}`, code, opts);
    case 'WRONG_AUTH_TYPE':
      return new Bitrix24Error(
        'config',
        `Bitrix24 accepts call reporting only from an application, not from an incoming webhook${said}: choose "Application (OAuth)" in Settings -> CRM -> Bitrix24`,
        code,
        opts,
      );
    case 'ACCESS_DENIED':
      return new Bitrix24Error('config', `Bitrix24 denied access${said}: check the plan of the portal and the user's rights in Bitrix24`, code, opts);
    case 'INVALID_CLIENT':
    case 'PAYMENT_REQUIRED':
    case 'PORTAL_DELETED':
    case 'INVALID_REQUEST':
      return new Bitrix24Error('config', `Bitrix24 refused the application${said}: check the portal address and the application in Settings -> CRM`, code, opts);
    case 'INTERNAL_SERVER_ERROR':
    case 'ERROR_UNEXPECTED_ANSWER':
      return new Bitrix24Error('unavailable', `Bitrix24 is having trouble${said}; Sidecall will retry`, code, opts);
    default:
      if (status >= 500) return new Bitrix24Error('unavailable', `Bitrix24 is having trouble (HTTP ${status})${said}; Sidecall will retry`, code, opts);
      return new Bitrix24Error('rejected', `Bitrix24 refused the request${said}`, code, opts);
  }
}
