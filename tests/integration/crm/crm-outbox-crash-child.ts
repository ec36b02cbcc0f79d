// The process crm-delivery-guarantees.test.ts kills (run as `node --import tsx
// <this>`): the outbox child of tests/support/outbox-child.ts, reporting through
// the connector the registered backend opens for Settings -> CRM (retailCRM, Odoo
// or the generic CRM) with the key from an in-memory keychain, over real HTTP
// to that CRM's test server.
// Env: OUTBOX_JOURNAL, CRM_SETTINGS (JSON of Settings -> CRM), CRM_CREDENTIAL, COUNT.
import { openBackendConnector } from '../../support/backend-connector';
import { childEnv, runOutboxChild } from '../../support/outbox-child';

await runOutboxChild(async (logs) => (await openBackendConnector(JSON.parse(childEnv('CRM_SETTINGS')) as Record<string, unknown>, childEnv('CRM_CREDENTIAL'), logs)).connector);
