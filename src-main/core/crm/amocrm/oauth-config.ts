// amoCRM's OAuth 2.0 as Sidecall's OAuth modules need it (../oauth/authorization.ts
// for the browser half, ../oauth/token-client.ts for the token endpoint):
// - authorize page from settings (https://www.amocrm.ru/oauth, Kommo www.kommo.com/oauth)
//   with client_id, state and mode=post_message; amoCRM takes redirect_uri from the
//   integration's settings, so none is sent, and the loopback port must be the one
//   registered there (http://127.0.0.1:{port}/amocrm/callback);
// - token endpoint on the account: POST JSON to {accountUrl}/oauth2/access_token,
//   client_secret required (no PKCE documented), redirect_uri on refreshes too;
// - pasteCode: no loopback listener, the operator pastes the code shown by amoCRM
//   (the exchange still sends the registered redirect URI).
import type { AmoCrmSettings } from '../../../../src-shared/domain/crm-settings';
import { CrmError } from '../errors';
import type { AuthorizationConfig } from '../oauth/authorization';
import type { TokenClientConfig } from '../oauth/token-client';
import { amoAccountUrl, AMOCRM_NAME } from './http-options';

export const AMOCRM_REDIRECT_PATH = '/amocrm/callback';

export interface AmoCrmOAuthConfig {
  /** For startAuthorization(). */
  readonly authorization: AuthorizationConfig;
  /** For createTokenClient(). */
  readonly token: TokenClientConfig & { readonly style: 'json'; readonly clientSecret: string; readonly redirectUri: string };
  /** The redirect URI to register in the amoCRM integration's settings. */
  readonly redirectUri: string;
}

export function amoCrmRedirectUri(redirectPort: number): string {
  return `http://127.0.0.1:${redirectPort}${AMOCRM_REDIRECT_PATH}`;
}

export function amoCrmOAuthConfig(settings: AmoCrmSettings, clientSecret: string, redirectPort: number = settings.redirectPort): AmoCrmOAuthConfig {
  if (settings.clientId.trim() === '') throw new CrmError('config', 'Enter the amoCRM integration ID (client id) in Settings -> CRM');
  if (clientSecret === '') throw new CrmError('config', 'Enter the amoCRM integration secret key in Settings -> CRM');
  // amoCRM compares redirect_uri exactly with the integration's setting: "any free port" cannot work.
  if (!(redirectPort > 0)) throw new CrmError('config', 'Choose a fixed redirect port for amoCRM in Settings -> CRM, and register http://127.0.0.1:<port>/amocrm/callback in the amoCRM integration');
  const redirectUri = amoCrmRedirectUri(redirectPort);
  return {
    authorization: {
      crmName: AMOCRM_NAME,
      authorizeUrl: settings.authorizeUrl,
      clientId: settings.clientId.trim(),
      redirectPort,
      redirectPath: AMOCRM_REDIRECT_PATH,
      sendRedirectUri: false,
      ...(settings.pasteCode ? { fixedRedirectUri: redirectUri } : {}),
      pkce: false,
      extraParams: { mode: 'post_message' },
    },
    token: {
      crmName: AMOCRM_NAME,
      style: 'json',
      tokenUrl: `${amoAccountUrl(settings)}/oauth2/access_token`,
      clientId: settings.clientId.trim(),
      clientSecret,
      redirectUri,
    },
    redirectUri,
  };
}
