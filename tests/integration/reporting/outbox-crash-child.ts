// The process the outbox crash test kills (run as `node --import tsx <this>`):
// the outbox child of tests/support/outbox-child.ts, reporting to the amoCRM
// test server through the real amoCRM connector and CRM HTTP client.
// Env: OUTBOX_JOURNAL, CRM_URL, CRM_TOKEN, COUNT.
import { AmoCrmSettingsSchema } from '../../../src-shared/domain/crm-settings';
import { systemClock } from '../../../src-main/core/clock';
import { createAmoCrmConnector } from '../../../src-main/core/crm/amocrm/amocrm-connector';
import { amoCrmHttpOptions } from '../../../src-main/core/crm/amocrm/http-options';
import { createCrmHttp } from '../../../src-main/core/crm/http/crm-http';
import { childEnv, runOutboxChild } from '../../support/outbox-child';

await runOutboxChild((logs) => {
  const settings = AmoCrmSettingsSchema.parse({ accountUrl: childEnv('CRM_URL'), auth: 'longLivedToken' });
  // No client-side rate limit: the test server has none either, and 500 calls at amoCRM's 7/s would take minutes.
  const http = createCrmHttp({
    ...amoCrmHttpOptions(settings, { kind: 'header', name: 'Authorization', value: `Bearer ${childEnv('CRM_TOKEN')}` }),
    rateLimit: undefined,
    timeoutMs: 5_000,
    clock: systemClock,
    log: logs('crm/http'),
  });
  return createAmoCrmConnector({ settings, http, users: {}, clock: systemClock, log: logs('crm/amocrm') });
});
