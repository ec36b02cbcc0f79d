// The CRM connector exactly as the core gets it from Settings -> CRM: the
// registered backend (src-main/core/crm/backends) opens a session from settings
// and a keychain holding the credential. For tests that drive the outbox
// without a whole core (delivery guarantees, the kill -9 child process).
import { CRM_SECRET_ACCOUNTS, type CrmKind } from '../../src-shared/domain/crm-settings';
import { SettingsSchema } from '../../src-shared/domain/settings';
import { systemClock } from '../../src-main/core/clock';
import { CRM_BACKENDS } from '../../src-main/core/crm/backends';
import type { CrmConnector } from '../../src-main/core/crm/connector';
import type { CrmSession } from '../../src-main/core/crm/crm-service';
import type { LoggerFactory } from '../../src-main/ports';
import { MemorySecretStore } from './memory-secret-store';

export interface BackendConnector {
  readonly connector: CrmConnector;
  readonly session: CrmSession;
}

/**
 * Opens the backend of `crm.kind` with Settings -> CRM = `crm` (defaults for the
 * rest) and the credential in an in-memory keychain.
 */
export async function openBackendConnector(crm: Readonly<Record<string, unknown>>, credential: string, log: LoggerFactory): Promise<BackendConnector> {
  const settings = SettingsSchema.parse({ crm });
  const kind: CrmKind = settings.crm.kind;
  const backend = CRM_BACKENDS.find((b) => b.kind === kind);
  if (!backend) throw new Error(`no CRM backend for ${kind}`);
  const secrets = new MemorySecretStore();
  await secrets.set(CRM_SECRET_ACCOUNTS.credential(kind), credential);
  const session = await backend.open({
    settings,
    secrets,
    clock: systemClock,
    log: log(`crm/${kind}`),
    browser: { open: () => Promise.reject(new Error('no browser in this test')) },
  });
  return { connector: session.connector, session };
}
