// The access token of one CRM account, as the CRM HTTP client asks for it
// (AccessTokenSource), plus the sign-in state the UI shows. Rules:
// - refresh only when the access token is known to be expired or the CRM just
//   refused it, never on a timer (Bitrix24 blocks apps that refresh needlessly);
// - one refresh at a time: every caller waiting meanwhile gets its result;
// - a rotated refresh token is in the keychain before the new access token is
//   handed to anyone; tokens that could not be saved are not used;
// - a refused refresh token means "needs sign-in" (kept across restarts), and
//   every waiter gets CrmError('auth', 'Sign in to <CRM> again: ...').
// The static variant serves long-lived tokens (amoCRM private integration) that
// cannot be refreshed: a rejection only turns the status to "needs sign-in".
import type { Clock, Logger, SecretStore } from '../../../ports';
import { CrmError, messageOf } from '../errors';
import type { AccessTokenSource } from '../http/types';
import type { TokenSet } from './token-set';
import type { StoredTokens, TokenVault } from './token-vault';

export type TokenStatus = 'connected' | 'needsSignIn' | 'signedOut';

export interface TokenManager extends AccessTokenSource {
  /** Reads the keychain once; `current()` waits for it too, so calling it is optional but makes `status()` right early. */
  load(): Promise<void>;
  status(): TokenStatus;
  /** "connected as ..." when known (amoCRM account domain, Bitrix24 portal). */
  account(): string | undefined;
  /** Called on every status change; returns the unsubscribe function. */
  onStatus(listener: (status: TokenStatus) => void): () => void;
  /** Stores a fresh sign-in (in the keychain first), then the status is 'connected'. */
  signIn(tokens: TokenSet, account?: string): Promise<void>;
  /** Forgets the tokens (keychain included). */
  signOut(): Promise<void>;
}

export interface TokenManagerOptions {
  /** "amoCRM", for "Sign in to amoCRM again". */
  readonly crmName: string;
  readonly vault: TokenVault;
  /** The token endpoint's refresh (TokenClient.refresh fits); rejects with CrmError('auth') when the refresh token is refused. */
  readonly refresh: (refreshToken: string, current: TokenSet) => Promise<TokenSet>;
  readonly clock: Clock;
  readonly log: Logger;
  /** Refresh this long before expiresAt (clock skew, request time). Default 60 s. */
  readonly skewMs?: number;
}

export const DEFAULT_EXPIRY_SKEW_MS = 60_000;

function signInAgain(crmName: string, reason: string, cause?: CrmError): CrmError {
  return new CrmError('auth', `Sign in to ${crmName} again: ${reason}`, { status: cause?.status, crmMessage: cause?.crmMessage });
}

function keychainError(crmName: string, e: unknown): CrmError {
  const why = messageOf(e);
  return new CrmError('unavailable', `Could not read the ${crmName} sign-in from the keychain (${why}); Sidecall will try again`);
}

/** Status bookkeeping shared by both variants. */
function statusHub(log: Logger, crmName: string) {
  let status: TokenStatus = 'signedOut';
  const listeners = new Set<(s: TokenStatus) => void>();
  return {
    get: () => status,
    set(next: TokenStatus) {
      if (next === status) return;
      status = next;
      log.info('CRM sign-in status', { crm: crmName, status });
      for (const l of [...listeners]) {
        try {
          l(next);
        } catch (e) {
          log.error('A CRM status listener threw', { crm: crmName, error: messageOf(e) });
        }
      }
    },
    on(listener: (s: TokenStatus) => void): () => void {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}

export function createTokenManager(options: TokenManagerOptions): TokenManager {
  const { crmName, vault, clock, log } = options;
  const skewMs = options.skewMs ?? DEFAULT_EXPIRY_SKEW_MS;
  const hub = statusHub(log, crmName);
  let record: StoredTokens | null = null;
  let loading: Promise<void> | undefined;
  let inflight: Promise<string> | undefined;
  // Bumped by signIn/signOut: a refresh that started before must not overwrite what came after.
  let generation = 0;

  const statusOf = (r: StoredTokens | null): TokenStatus => (r === null ? 'signedOut' : r.needsSignIn ? 'needsSignIn' : 'connected');
  const adopt = (r: StoredTokens | null): void => {
    record = r;
    hub.set(statusOf(r));
  };

  const load = (): Promise<void> => {
    loading ??= vault.load().then(
      (r) => {
        if (generation === 0) adopt(r);
      },
      (e: unknown) => {
        loading = undefined; // a keychain that failed now may answer later
        throw keychainError(crmName, e);
      },
    );
    return loading;
  };

  // The skew never exceeds half the token's lifetime: a short-lived token must not look expired the moment it arrives.
  const expired = (r: StoredTokens): boolean => {
    const at = r.tokens.expiresAt;
    if (at === undefined) return false;
    const skew = Math.min(skewMs, Math.max(0, (at - r.savedAt) / 2));
    return clock.now() >= at - skew;
  };

  const needsSignInError = (): CrmError =>
    record === null ? new CrmError('auth', `Not signed in to ${crmName}: connect it in Settings -> CRM`) : signInAgain(crmName, 'the saved sign-in is no longer accepted');

  /** Marks the account as needing sign-in, in the keychain too (so a restart does not pretend to be connected). */
  const markNeedsSignIn = async (gen: number): Promise<void> => {
    if (gen !== generation || record === null) return;
    const { refreshToken: _dropped, ...rest } = record.tokens;
    void _dropped;
    const next: StoredTokens = { ...record, tokens: rest, needsSignIn: true, savedAt: clock.now() };
    record = next;
    hub.set('needsSignIn');
    try {
      await vault.save(next);
    } catch (e) {
      log.warn('Could not mark the CRM sign-in as expired in the keychain', { crm: crmName, error: messageOf(e) });
    }
  };

  const doRefresh = async (): Promise<string> => {
    const gen = generation;
    const before = record;
    if (before === null) throw needsSignInError();
    const refreshToken = before.tokens.refreshToken;
    if (refreshToken === undefined) {
      await markNeedsSignIn(gen);
      throw signInAgain(crmName, 'the access token expired and there is no refresh token');
    }
    let fresh: TokenSet;
    try {
      fresh = await options.refresh(refreshToken, before.tokens);
    } catch (e) {
      if (e instanceof CrmError && e.kind === 'auth') {
        log.warn('CRM refused the refresh token; sign-in needed', { crm: crmName, status: e.status });
        await markNeedsSignIn(gen);
        throw e.message.startsWith('Sign in to') ? e : signInAgain(crmName, e.message, e);
      }
      throw e; // down, timeout, rate limit: the tokens stay as they are, the next request tries again
    }
    if (gen !== generation) throw needsSignInError(); // signed out or in again meanwhile: this result belongs to nobody
    const rotated = fresh.refreshToken !== undefined && fresh.refreshToken !== refreshToken;
    const next: StoredTokens = {
      version: 1,
      tokens: { ...fresh, refreshToken: fresh.refreshToken ?? refreshToken, extra: { ...before.tokens.extra, ...fresh.extra } },
      ...(before.account !== undefined ? { account: before.account } : {}),
      needsSignIn: false,
      savedAt: clock.now(),
    };
    try {
      await vault.save(next);
    } catch (e) {
      const why = messageOf(e);
      log.error('Could not save refreshed CRM tokens to the keychain', { crm: crmName, rotated, error: why });
      if (rotated) {
        // The CRM has already retired the old refresh token, and the new one is not safe anywhere.
        await markNeedsSignIn(gen);
        throw signInAgain(crmName, `the renewed sign-in could not be saved in the keychain (${why})`);
      }
      throw new CrmError('unavailable', `The renewed ${crmName} token could not be saved in the keychain (${why}); Sidecall will try again`);
    }
    if (gen !== generation) throw needsSignInError();
    record = next;
    hub.set('connected');
    return next.tokens.accessToken;
  };

  const refreshOnce = (): Promise<string> => {
    if (inflight) return inflight;
    const p: Promise<string> = doRefresh().finally(() => {
      if (inflight === p) inflight = undefined;
    });
    inflight = p;
    return p;
  };

  return {
    load,
    status: () => hub.get(),
    account: () => record?.account ?? record?.tokens.extra['domain'],
    onStatus: (listener) => hub.on(listener),

    async current() {
      await load();
      if (inflight) return inflight;
      if (record === null || record.needsSignIn) throw needsSignInError();
      if (expired(record)) return refreshOnce();
      return record.tokens.accessToken;
    },

    async refreshAfterRejection(stale) {
      await load();
      if (inflight) return inflight;
      if (record === null || record.needsSignIn) throw needsSignInError();
      // Someone already refreshed since this request was sent: use the newer token.
      if (record.tokens.accessToken !== stale) return record.tokens.accessToken;
      return refreshOnce();
    },

    async signIn(tokens, account) {
      generation++;
      const gen = generation;
      const next: StoredTokens = { version: 1, tokens, ...(account !== undefined ? { account } : {}), needsSignIn: false, savedAt: clock.now() };
      await vault.save(next);
      if (gen !== generation) return;
      inflight = undefined;
      loading = Promise.resolve();
      adopt(next);
    },

    async signOut() {
      generation++;
      inflight = undefined;
      loading = Promise.resolve();
      adopt(null);
      await vault.clear();
    },
  };
}

export interface StaticTokenManagerOptions {
  readonly crmName: string;
  readonly secrets: SecretStore;
  /** Keychain account holding the token (CRM_SECRET_ACCOUNTS.credential(kind)). */
  readonly secretAccount: string;
  /** Shown as "connected as ..." (e.g. the account domain from settings). */
  readonly account?: string;
  readonly log: Logger;
}

/**
 * A long-lived token (amoCRM private integration) or another fixed credential
 * (Bitrix24 incoming webhook URL): no refresh; when the CRM refuses it the
 * status becomes 'needsSignIn' until a new one is stored with signIn().
 */
export function createStaticTokenManager(options: StaticTokenManagerOptions): TokenManager {
  const { crmName, secrets, secretAccount, log } = options;
  const hub = statusHub(log, crmName);
  let token: string | null = null;
  let rejected: string | undefined;
  /** What the CRM said when it refused the token, for every "sign in again" until a new one is saved. */
  let rejectedWords: string | undefined;
  let loading: Promise<void> | undefined;

  const load = (): Promise<void> => {
    loading ??= secrets.get(secretAccount).then(
      (t) => {
        token = t === '' ? null : t;
        hub.set(token === null ? 'signedOut' : 'connected');
      },
      (e: unknown) => {
        loading = undefined;
        throw keychainError(crmName, e);
      },
    );
    return loading;
  };
  const unusable = (): CrmError =>
    token === null
      ? new CrmError('auth', `No ${crmName} token is saved: enter it in Settings -> CRM`)
      : new CrmError('auth', `Sign in to ${crmName} again: it no longer accepts the saved token${rejectedWords ? ` (${crmName} said: ${rejectedWords})` : ''}; enter a new one in Settings -> CRM`, {
          ...(rejectedWords ? { crmMessage: rejectedWords } : {}),
        });

  return {
    load,
    status: () => hub.get(),
    account: () => options.account,
    onStatus: (listener) => hub.on(listener),
    async current() {
      await load();
      if (token === null || rejected === token) throw unusable();
      return token;
    },
    async refreshAfterRejection(stale, crmWords) {
      await load();
      if (token !== null && token !== stale && rejected !== token) return token;
      rejected = stale;
      rejectedWords = crmWords ?? rejectedWords;
      if (token === stale) {
        log.warn('CRM refused the saved long-lived token; sign-in needed', { crm: crmName });
        hub.set('needsSignIn');
      }
      throw unusable();
    },
    async signIn(tokens) {
      await secrets.set(secretAccount, tokens.accessToken);
      token = tokens.accessToken;
      rejected = undefined;
      rejectedWords = undefined;
      loading = Promise.resolve();
      hub.set('connected');
    },
    async signOut() {
      token = null;
      rejected = undefined;
      rejectedWords = undefined;
      loading = Promise.resolve();
      hub.set('signedOut');
      await secrets.delete(secretAccount);
    },
  };
}
