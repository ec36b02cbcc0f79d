// Odoo 14-19 in Settings -> CRM: the operator's API key (keychain), over
// /jsonrpc or, from Odoo 19, the /json/2 API.
import { CRM_SECRET_ACCOUNTS } from '../../../../src-shared/domain/crm-settings';
import type { CrmBackend } from '../crm-service';
import { createCrmHttp } from '../http/crm-http';
import { createOdooConnector } from '../odoo/odoo-connector';
import { ODOO_NAME, odooHttpOptions } from '../odoo/http-options';
import { openCredentialSession } from '../session';
import { hostOf } from '../url';

export const odooBackend: CrmBackend = {
  kind: 'odoo',
  label: ODOO_NAME,
  displayName: (s) => (s.crm.odoo.url ? `${ODOO_NAME} (${hostOf(s.crm.odoo.url)})` : ODOO_NAME),
  signIn: () => 'credential',
  missing(s, secrets) {
    const o = s.crm.odoo;
    if (o.url === '') return { field: 'odooUrl', message: 'Enter your Odoo address (https://<name>.odoo.com) in Settings -> CRM.' };
    if (o.api !== 'json2' && o.login === '') return { field: 'login', message: 'Enter your Odoo login (e-mail) in Settings -> CRM: the API key belongs to it.' };
    if (!secrets.credential) return { field: 'apiKey', message: 'Enter an Odoo API key (Preferences -> Account Security -> New API Key) in Settings -> CRM.' };
    return undefined;
  },
  async open(ctx) {
    const o = ctx.settings.crm.odoo;
    const apiKey = (await ctx.secrets.get(CRM_SECRET_ACCOUNTS.credential('odoo'))) ?? '';
    return openCredentialSession(ctx, {
      kind: 'odoo',
      crmName: ODOO_NAME,
      account: o.login ? `${o.login} @ ${hostOf(o.url)}` : hostOf(o.url),
      connector: () => {
        const http = createCrmHttp({ ...odooHttpOptions(o), clock: ctx.clock, log: ctx.log });
        const connector = createOdooConnector({ settings: o, http, apiKey, log: ctx.log });
        return {
          connector,
          verify: async (signal) => {
            const session = await connector.session({ signal });
            const who = o.login ? `${o.login} @ ` : '';
            return `${who}${hostOf(o.url)} (Odoo ${session.version.label}, ${session.database})`;
          },
        };
      },
    });
  },
};
