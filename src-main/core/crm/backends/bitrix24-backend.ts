// Bitrix24 in Settings -> CRM: a local or market application's OAuth sign-in
// in the system browser, or a per-user incoming webhook URL (keychain).
import { CRM_SECRET_ACCOUNTS } from '../../../../src-shared/domain/crm-settings';
import { createBitrix24Connector } from '../bitrix24/connector';
import { BITRIX24_NAME, bitrix24HttpOptions, portalOfWebhook } from '../bitrix24/http-options';
import { bitrix24OAuthConfig } from '../bitrix24/oauth-config';
import type { CrmBackend, CrmBackendContext } from '../crm-service';
import { createCrmHttp } from '../http/crm-http';
import type { CrmHttpOptions } from '../http/types';
import { openCredentialSession, openOAuthSession, type SessionConnector } from '../session';
import { hostOf } from '../url';

function connectorFor(ctx: CrmBackendContext, options: CrmHttpOptions, portalUrl?: string): SessionConnector {
  const s = ctx.settings.crm.bitrix24;
  const http = createCrmHttp({ ...options, clock: ctx.clock, log: ctx.log });
  const connector = createBitrix24Connector({ settings: s, http, users: ctx.settings.crm.userMap, clock: ctx.clock, log: ctx.log, ...(portalUrl ? { portalUrl } : {}) });
  return { connector, verify: (signal) => connector.connectedAs({ signal }) };
}

export const bitrix24Backend: CrmBackend = {
  kind: 'bitrix24',
  label: BITRIX24_NAME,
  displayName: (s) => (s.crm.bitrix24.portalUrl ? `${BITRIX24_NAME} (${hostOf(s.crm.bitrix24.portalUrl)})` : BITRIX24_NAME),
  signIn: (s) => (s.crm.bitrix24.auth === 'oauth' ? 'oauth' : 'credential'),
  missing(s, secrets) {
    const b = s.crm.bitrix24;
    if (b.auth === 'webhook') return secrets.credential ? undefined : { field: 'webhookUrl', message: 'Paste your Bitrix24 incoming webhook URL (with the crm, user and telephony scopes) in Settings -> CRM.' };
    if (b.portalUrl === '') return { field: 'portalUrl', message: 'Enter your Bitrix24 portal address (https://<name>.bitrix24.ru) in Settings -> CRM.' };
    if (b.clientId === '') return { field: 'clientId', message: 'Enter the Bitrix24 application’s client ID (client_id) in Settings -> CRM.' };
    if (!secrets.clientSecret) return { field: 'clientSecret', message: 'Enter the Bitrix24 application’s client secret in Settings -> CRM.' };
    return undefined;
  },
  async open(ctx) {
    const b = ctx.settings.crm.bitrix24;
    if (b.auth === 'webhook') {
      const webhookUrl = (await ctx.secrets.get(CRM_SECRET_ACCOUNTS.credential('bitrix24'))) ?? '';
      const portalUrl = portalOfWebhook(webhookUrl);
      return openCredentialSession(ctx, {
        kind: 'bitrix24',
        crmName: BITRIX24_NAME,
        account: hostOf(portalUrl),
        connector: () => connectorFor(ctx, bitrix24HttpOptions(b, { kind: 'webhook', webhookUrl }), portalUrl),
      });
    }
    const clientSecret = (await ctx.secrets.get(CRM_SECRET_ACCOUNTS.clientSecret('bitrix24'))) ?? '';
    const cfg = bitrix24OAuthConfig(b, clientSecret);
    return openOAuthSession(ctx, {
      kind: 'bitrix24',
      crmName: BITRIX24_NAME,
      authorization: cfg.authorization,
      token: cfg.token,
      // The redirect names the portal in `domain`; the token response's `domain` is the OAuth server's.
      accountOf: (params) => params.domain ?? hostOf(b.portalUrl),
      connector: (tokens) => connectorFor(ctx, bitrix24HttpOptions(b, { kind: 'oauth', tokens })),
    });
  },
};
