// amoCRM / Kommo in Settings -> CRM: an integration's OAuth sign-in in the
// system browser, or a private integration's long-lived token.
import { CRM_SECRET_ACCOUNTS } from '../../../../src-shared/domain/crm-settings';
import type { Settings } from '../../../../src-shared/domain/settings';
import { createAmoCrmConnector } from '../amocrm/amocrm-connector';
import { amoAccountUrl, amoCrmHttpOptions, AMOCRM_NAME } from '../amocrm/http-options';
import { amoCrmOAuthConfig } from '../amocrm/oauth-config';
import type { CrmBackend, CrmBackendContext } from '../crm-service';
import { createCrmHttp } from '../http/crm-http';
import type { TokenManager } from '../oauth/token-manager';
import { openCredentialSession, openOAuthSession, type SessionConnector } from '../session';
import { hostOf } from '../url';

function connectorFor(ctx: CrmBackendContext, tokens: TokenManager): SessionConnector {
  const s = ctx.settings.crm.amocrm;
  const http = createCrmHttp({ ...amoCrmHttpOptions(s, { kind: 'bearer', tokens }), clock: ctx.clock, log: ctx.log });
  const connector = createAmoCrmConnector({ settings: s, http, users: ctx.settings.crm.userMap, clock: ctx.clock, log: ctx.log });
  return {
    connector,
    async verify(signal) {
      const account = await connector.account({ signal });
      return `${account.name} (${account.subdomain})`;
    },
  };
}

export const amoCrmBackend: CrmBackend = {
  kind: 'amocrm',
  label: AMOCRM_NAME,
  displayName: (s: Settings) => (s.crm.amocrm.accountUrl ? `${AMOCRM_NAME} (${hostOf(s.crm.amocrm.accountUrl)})` : AMOCRM_NAME),
  signIn: (s) => (s.crm.amocrm.auth === 'oauth' ? 'oauth' : 'credential'),
  missing(s, secrets) {
    const a = s.crm.amocrm;
    if (a.accountUrl === '') return { field: 'amoAccountUrl', message: 'Enter your amoCRM account address (https://<name>.amocrm.ru) in Settings -> CRM.' };
    if (a.auth === 'longLivedToken') return secrets.credential ? undefined : { field: 'longLivedToken', message: 'Paste the long-lived token of your amoCRM private integration in Settings -> CRM.' };
    if (a.clientId === '') return { field: 'clientId', message: 'Enter the amoCRM integration ID (client_id) in Settings -> CRM.' };
    if (!secrets.clientSecret) return { field: 'clientSecret', message: 'Enter the amoCRM integration secret key in Settings -> CRM.' };
    return undefined;
  },
  async open(ctx) {
    const a = ctx.settings.crm.amocrm;
    if (a.auth === 'longLivedToken') {
      return openCredentialSession(ctx, { kind: 'amocrm', crmName: AMOCRM_NAME, account: hostOf(amoAccountUrl(a)), connector: (tokens) => connectorFor(ctx, tokens) });
    }
    const clientSecret = (await ctx.secrets.get(CRM_SECRET_ACCOUNTS.clientSecret('amocrm'))) ?? '';
    const cfg = amoCrmOAuthConfig(a, clientSecret);
    return openOAuthSession(ctx, {
      kind: 'amocrm',
      crmName: AMOCRM_NAME,
      authorization: cfg.authorization,
      token: cfg.token,
      // amoCRM names the account the user allowed in `referer`.
      accountOf: (params) => params.referer,
      connector: (tokens) => connectorFor(ctx, tokens),
    });
  },
};
