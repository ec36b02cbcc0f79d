// Bitrix24's OAuth 2.0 as the generic OAuth modules (../oauth/) need it: the
// browser goes to `{portal}/oauth/authorize/?client_id&state` with NO
// redirect_uri (the portal redirects to the one registered in the application,
// which must be http://127.0.0.1:<redirectPort>/bitrix24/callback), and the
// code (valid 30 s) is exchanged at `{oauthServer}/oauth/token/` by GET with
// the parameters in the query. PKCE is not documented by Bitrix24, so none is
// sent. An application registered without a redirect shows the code on the
// portal: then the operator pastes it and no loopback server is opened.
import { CrmError } from '../errors';
import type { AuthorizationConfig } from '../oauth/authorization';
import type { TokenClientConfig } from '../oauth/token-client';
import { trimBase } from '../url';
import { BITRIX24_NAME } from './http-options';
import type { Bitrix24Settings } from '../../../../src-shared/domain/crm-settings';

export const BITRIX24_REDIRECT_PATH = '/bitrix24/callback';

export interface Bitrix24OAuthConfig {
  readonly authorization: AuthorizationConfig;
  readonly token: TokenClientConfig;
}

/** The redirect URI to register in the Bitrix24 application for these settings. */
export function bitrix24RedirectUri(settings: Bitrix24Settings): string {
  return `http://127.0.0.1:${settings.redirectPort}${BITRIX24_REDIRECT_PATH}`;
}

export function bitrix24OAuthConfig(settings: Bitrix24Settings, clientSecret: string): Bitrix24OAuthConfig {
  const portal = trimBase(settings.portalUrl);
  if (portal === '') throw new CrmError('config', 'Enter the Bitrix24 portal address (https://<name>.bitrix24.ru) in Settings -> CRM');
  if (settings.clientId === '') throw new CrmError('config', 'Enter the Bitrix24 application\'s client ID (client_id) in Settings -> CRM');
  if (clientSecret === '') throw new CrmError('config', 'Enter the Bitrix24 application\'s client secret in Settings -> CRM');
  if (!settings.pasteCode && settings.redirectPort === 0) {
    throw new CrmError('config', `Bitrix24 redirects only to the address registered in the application: set a fixed redirect port in Settings -> CRM and register ${bitrix24RedirectUri(settings)}`);
  }
  const authorization: AuthorizationConfig = {
    crmName: BITRIX24_NAME,
    authorizeUrl: `${portal}/oauth/authorize/`,
    clientId: settings.clientId,
    redirectPort: settings.redirectPort,
    redirectPath: BITRIX24_REDIRECT_PATH,
    sendRedirectUri: false,
    pkce: false,
    // Paste mode: nothing listens and nothing is sent as redirect_uri (Bitrix24 never wants one);
    // the portal's address only fills the field.
    ...(settings.pasteCode ? { fixedRedirectUri: `${portal}/` } : {}),
  };
  const token: TokenClientConfig = {
    crmName: BITRIX24_NAME,
    style: 'query',
    tokenUrl: `${trimBase(settings.oauthServerUrl) || 'https://oauth.bitrix.info'}/oauth/token/`,
    clientId: settings.clientId,
    clientSecret,
  };
  return { authorization, token };
}
