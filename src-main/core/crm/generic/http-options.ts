// How the shared CRM HTTP client talks to a generic REST CRM: the base URL of
// Settings, and the auth Settings names with the credential from the keychain
// (or the OAuth token manager): bearer, API key header, or basic auth.
import type { GenericCrmSettings } from '../../../../src-shared/domain/crm-settings';
import { CrmError } from '../errors';
import type { AccessTokenSource, CrmAuth, CrmHttpOptions } from '../http/types';
import { trimBase } from '../url';

export type GenericCrmCredential =
  /** The static bearer token, the API key or the basic-auth password (keychain: CRM_SECRET_ACCOUNTS.credential('generic')). */
  | { readonly kind: 'secret'; readonly secret: string }
  /** OAuth (client credentials or authorization code): the token manager; or a static bearer token that turns "needs sign-in" when refused. */
  | { readonly kind: 'tokens'; readonly tokens: AccessTokenSource };

/** The name shown in messages: Settings' name, or "CRM". */
export function genericCrmName(settings: GenericCrmSettings): string {
  return settings.name.trim() || 'CRM';
}

/** The CrmAuth of Settings' auth kind with this credential; CrmError('config') when they do not fit. */
export function genericCrmAuth(settings: GenericCrmSettings, credential: GenericCrmCredential): CrmAuth {
  const name = genericCrmName(settings);
  const secret = credential.kind === 'secret' ? credential.secret.trim() : undefined;
  const needSecret = (what: string): string => {
    if (secret === undefined || secret === '') throw new CrmError('config', `Enter the ${name} ${what} in Settings -> CRM`);
    return secret;
  };
  switch (settings.auth) {
    case 'bearer':
      return credential.kind === 'tokens' ? { kind: 'bearer', tokens: credential.tokens } : { kind: 'header', name: 'Authorization', value: `Bearer ${needSecret('API token')}` };
    case 'apiKey':
      return { kind: 'header', name: settings.apiKeyHeader, value: needSecret('API key') };
    case 'basic':
      if (settings.basicUsername === '') throw new CrmError('config', `Enter the ${name} user name in Settings -> CRM`);
      return { kind: 'basic', username: settings.basicUsername, password: needSecret('password') };
    case 'oauthClientCredentials':
    case 'oauthAuthorizationCode':
      if (credential.kind !== 'tokens') throw new CrmError('auth', `Sign in to ${name} in Settings -> CRM`);
      return { kind: 'bearer', tokens: credential.tokens };
  }
}

/** Options of the CRM HTTP client for a generic REST CRM. */
export function genericCrmHttpOptions(settings: GenericCrmSettings, credential: GenericCrmCredential): CrmHttpOptions {
  const baseUrl = trimBase(settings.baseUrl);
  if (baseUrl === '') throw new CrmError('config', `Enter the ${genericCrmName(settings)} API address in Settings -> CRM`);
  return { baseUrl, crmName: genericCrmName(settings), auth: genericCrmAuth(settings, credential) };
}
