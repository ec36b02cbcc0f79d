// OAuth 2.0 client credentials (RFC 6749 4.4) for in-house CRMs that issue
// tokens to an application rather than a user: nothing to sign in to and no
// refresh token; a new access token is requested when the old one expired or
// the API refused it, one request at a time however many calls wait. The
// client secret stays in the keychain; the access token only in memory.
import type { Clock, Logger } from '../../../ports';
import { CrmError } from '../errors';
import type { TokenClient } from './token-client';
import type { TokenManager, TokenStatus } from './token-manager';

export interface ClientCredentialsOptions {
  readonly crmName: string;
  readonly client: TokenClient;
  readonly scope?: string;
  readonly clock: Clock;
  readonly log: Logger;
  /** Request a new token this long before expiry. Default 30 s (at most half the lifetime). */
  readonly skewMs?: number;
}

export function createClientCredentialsManager(options: ClientCredentialsOptions): TokenManager {
  const { crmName, client, clock, log } = options;
  let token: { readonly value: string; readonly expiresAt?: number; readonly skew: number } | undefined;
  let inflight: Promise<string> | undefined;
  let status: TokenStatus = 'connected';
  const listeners = new Set<(s: TokenStatus) => void>();

  function setStatus(next: TokenStatus): void {
    if (next === status) return;
    status = next;
    for (const l of [...listeners]) l(next);
  }

  function fetchToken(): Promise<string> {
    inflight ??= client
      .clientCredentials(options.scope)
      .then(
        (set) => {
          const now = clock.now();
          const life = set.expiresAt === undefined ? undefined : set.expiresAt - now;
          token = { value: set.accessToken, ...(set.expiresAt !== undefined ? { expiresAt: set.expiresAt } : {}), skew: Math.min(options.skewMs ?? 30_000, life === undefined ? 0 : life / 2) };
          setStatus('connected');
          return set.accessToken;
        },
        (error: unknown) => {
          // invalid_client: the id or secret in Settings is wrong; the operator (or IT) must fix it.
          if (error instanceof CrmError && error.kind === 'auth') {
            setStatus('needsSignIn');
            throw new CrmError('auth', `${crmName} refused Sidecall's client id or secret: check them in Settings -> CRM`, { status: error.status, crmMessage: error.crmMessage });
          }
          throw error;
        },
      )
      .finally(() => {
        inflight = undefined;
      });
    return inflight;
  }

  const fresh = (): boolean => token !== undefined && (token.expiresAt === undefined || clock.now() < token.expiresAt - token.skew);

  return {
    load: () => Promise.resolve(),
    status: () => status,
    account: () => undefined,
    onStatus(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    current() {
      if (token && fresh()) return Promise.resolve(token.value);
      return fetchToken();
    },
    refreshAfterRejection(stale) {
      if (token && token.value !== stale && fresh()) return Promise.resolve(token.value);
      token = undefined;
      log.info('access token refused: requesting a new one', { crm: crmName });
      return fetchToken();
    },
    signIn: () => Promise.resolve(),
    signOut() {
      token = undefined;
      return Promise.resolve();
    },
  };
}
