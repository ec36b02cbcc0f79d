// retailCRM in Settings -> CRM: API v5 with an API key from the keychain.
import { CRM_SECRET_ACCOUNTS } from '../../../../src-shared/domain/crm-settings';
import type { CrmBackend } from '../crm-service';
import { createCrmHttp } from '../http/crm-http';
import { createRetailCrmConnector } from '../retailcrm/retailcrm-connector';
import { retailAccountUrl, retailCrmHttpOptions, RETAILCRM_NAME } from '../retailcrm/http-options';
import { openCredentialSession } from '../session';
import { hostOf } from '../url';
import { probeQuery } from './backend-util';

export const retailCrmBackend: CrmBackend = {
  kind: 'retailcrm',
  label: RETAILCRM_NAME,
  displayName: (s) => (s.crm.retailcrm.accountUrl ? `${RETAILCRM_NAME} (${hostOf(s.crm.retailcrm.accountUrl)})` : RETAILCRM_NAME),
  signIn: () => 'credential',
  missing(s, secrets) {
    if (s.crm.retailcrm.accountUrl === '') return { field: 'retailAccountUrl', message: 'Enter your retailCRM account address (https://<name>.retailcrm.ru) in Settings -> CRM.' };
    if (!secrets.credential) return { field: 'apiKey', message: 'Enter a retailCRM API key (with the telephony methods allowed) in Settings -> CRM.' };
    return undefined;
  },
  async open(ctx) {
    const r = ctx.settings.crm.retailcrm;
    const apiKey = (await ctx.secrets.get(CRM_SECRET_ACCOUNTS.credential('retailcrm'))) ?? '';
    return openCredentialSession(ctx, {
      kind: 'retailcrm',
      crmName: RETAILCRM_NAME,
      account: hostOf(retailAccountUrl(r)),
      connector: () => {
        const http = createCrmHttp({ ...retailCrmHttpOptions(r, apiKey), clock: ctx.clock, log: ctx.log });
        const connector = createRetailCrmConnector({ settings: r, http, users: ctx.settings.crm.userMap, log: ctx.log });
        return {
          connector,
          // retailCRM has no "who am I" for API keys: a lookup proves the key and the telephony rights.
          verify: async (signal) => {
            await connector.findContact(probeQuery, { signal });
            return hostOf(retailAccountUrl(r));
          },
        };
      },
    });
  },
};
