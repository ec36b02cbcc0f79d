// How a CRM request failed, in the terms the outbox and the UI act on. Every
// connector and the shared HTTP client map the CRM's own errors into these.
export type CrmErrorKind =
  /** Token expired beyond refresh, revoked, or credential wrong: the operator must sign in again. Outbox pauses. */
  | 'auth'
  /** 429 / QUERY_LIMIT_EXCEEDED / 503 limit: retry after `retryAfterMs`. */
  | 'rateLimited'
  /** Network error, 5xx, CRM down: retry with backoff. */
  | 'unavailable'
  | 'timeout'
  /** The CRM refused this request for good (validation, no such entity): goes to the failed list with the CRM's words. */
  | 'rejected'
  /** Our configuration is incomplete or wrong (no account URL, no client id, forbidden scope): the user must change Settings. */
  | 'config';

export interface CrmErrorOptions {
  readonly status?: number;
  /** The CRM's own message, shown to the user as the reason. */
  readonly crmMessage?: string;
  readonly retryAfterMs?: number;
  readonly cause?: unknown;
}

export class CrmError extends Error {
  readonly kind: CrmErrorKind;
  readonly status: number | undefined;
  readonly crmMessage: string | undefined;
  readonly retryAfterMs: number | undefined;
  constructor(kind: CrmErrorKind, message: string, options: CrmErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'CrmError';
    this.kind = kind;
    this.status = options.status;
    this.crmMessage = options.crmMessage;
    this.retryAfterMs = options.retryAfterMs;
  }
  /** Worth trying again later without the user doing anything. */
  get retryable(): boolean {
    return this.kind === 'rateLimited' || this.kind === 'unavailable' || this.kind === 'timeout';
  }
}

export function isCrmError(e: unknown): e is CrmError {
  return e instanceof CrmError;
}

/** The message of anything thrown, for logs and status lines. */
export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
