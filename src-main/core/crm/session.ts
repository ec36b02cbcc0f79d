// The two ways a CRM session signs in, shared by every backend: OAuth 2.0 in
// the system browser (authorization code, tokens in the keychain, refresh on
// expiry) and a stored credential (long-lived token, webhook URL, API key)
// that is checked against the CRM. A backend only says which endpoints and
// which connector; the sign-in plumbing lives here once.
import type { CrmKind } from '../../../src-shared/domain/crm-settings';
import type { CrmBackendContext, CrmSession, SignInFlow } from './crm-service';
import type { CrmConnector } from './connector';
import { startAuthorization, type AuthorizationConfig } from './oauth/authorization';
import { createTokenClient, type TokenClientConfig } from './oauth/token-client';
import { createStaticTokenManager, createTokenManager, type TokenManager } from './oauth/token-manager';
import type { TokenSet } from './oauth/token-set';
import { createTokenVault } from './oauth/token-vault';
import { CRM_SECRET_ACCOUNTS } from '../../../src-shared/domain/crm-settings';

export interface SessionConnector {
  readonly connector: CrmConnector;
  /** Asks the CRM who we are: the account or user name to show; rejects with CrmError('auth') when the credential is refused. */
  verify(signal: AbortSignal): Promise<string | undefined>;
}

export interface OAuthSessionSpec {
  readonly kind: CrmKind;
  readonly crmName: string;
  readonly authorization: AuthorizationConfig;
  readonly token: TokenClientConfig;
  /** "connected as ..." from the redirect's parameters or the token response (amoCRM `referer`, Bitrix24 `domain`). */
  readonly accountOf?: (params: Readonly<Record<string, string>>, tokens: TokenSet) => string | undefined;
  readonly connector: (tokens: TokenManager) => SessionConnector;
}

export function sessionOf(tokens: TokenManager, made: SessionConnector, startSignIn?: () => Promise<SignInFlow>): CrmSession {
  return {
    connector: made.connector,
    authState: () => tokens.status(),
    onAuthState: (listener) => tokens.onStatus(listener),
    async verify(signal) {
      // The CRM's own name for the account wins over what the sign-in said.
      return (await made.verify(signal)) ?? tokens.account();
    },
    ...(startSignIn ? { startSignIn } : {}),
    signOut: () => tokens.signOut(),
    dispose: () => undefined,
  };
}

export async function openOAuthSession(ctx: CrmBackendContext, spec: OAuthSessionSpec): Promise<CrmSession> {
  const log = ctx.log;
  const client = createTokenClient(spec.token, { clock: ctx.clock, log });
  const tokens = createTokenManager({
    crmName: spec.crmName,
    vault: createTokenVault(ctx.secrets, spec.kind, log),
    refresh: (refreshToken) => client.refresh(refreshToken),
    clock: ctx.clock,
    log,
  });
  await tokens.load();
  const made = spec.connector(tokens);

  async function startSignIn(): Promise<SignInFlow> {
    const pending = await startAuthorization(spec.authorization, { browser: ctx.browser, clock: ctx.clock, log });
    const done = pending.result.then(async (result) => {
      const set = await client.exchangeCode(result.code, { redirectUri: result.redirectUri, ...(result.codeVerifier ? { codeVerifier: result.codeVerifier } : {}) });
      await tokens.signIn(set, spec.accountOf?.(result.params, set));
    });
    // Nobody may be listening yet when the attempt fails (cancel): keep it from being an unhandled rejection.
    done.catch(() => undefined);
    return {
      authorizeUrl: pending.url,
      waitingFor: spec.authorization.fixedRedirectUri ? 'paste' : 'redirect',
      done,
      submitPastedCode: (text) => pending.submitPastedCode(text),
      cancel: () => pending.cancel(),
    };
  }
  return sessionOf(tokens, made, startSignIn);
}

export interface CredentialSessionSpec {
  readonly kind: CrmKind;
  readonly crmName: string;
  /** Shown as "connected as ..." until the CRM says better (e.g. the account address). */
  readonly account?: string;
  readonly connector: (tokens: TokenManager) => SessionConnector;
}

/** A credential kept in the keychain (CRM_SECRET_ACCOUNTS.credential): checked on connect, "sign in again" when refused. */
export async function openCredentialSession(ctx: CrmBackendContext, spec: CredentialSessionSpec): Promise<CrmSession> {
  const tokens = createStaticTokenManager({
    crmName: spec.crmName,
    secrets: ctx.secrets,
    secretAccount: CRM_SECRET_ACCOUNTS.credential(spec.kind),
    ...(spec.account ? { account: spec.account } : {}),
    log: ctx.log,
  });
  await tokens.load();
  return sessionOf(tokens, spec.connector(tokens));
}
