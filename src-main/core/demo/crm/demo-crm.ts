// The demo CRM: answers lookups from a contact list (resources/demo/contacts.json
// by default) so a fresh install shows a real screen pop without any CRM. It
// stays as the CRM of the demo mode once real connectors exist.
import { z } from 'zod';
import { ContactSchema, type Contact } from '../../../../src-shared/domain/contact';
import type { CallLog } from '../../../../src-shared/domain/call-log';
import type { CrmCapability, CrmCallOptions, CrmConnector, DeliveryContext, PhoneQuery } from '../../crm/connector';

export const DemoContactsSchema = z.array(ContactSchema);

export interface DemoCrmOptions {
  readonly contacts: readonly Contact[];
  /** Artificial answer time, to show the card filling in (and for tests of slow CRMs). */
  readonly latencyMs?: number;
  readonly wait?: (ms: number, signal: AbortSignal) => Promise<void>;
}

function defaultWait(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (ms <= 0) return resolve();
    const t = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => {
      clearTimeout(t);
      reject(new Error('aborted'));
    });
  });
}

export class DemoCrm implements CrmConnector {
  readonly id = 'demo';
  readonly displayName = 'Demo CRM';
  readonly capabilities: ReadonlySet<CrmCapability> = new Set<CrmCapability>(['findContact', 'createContact', 'logCall']);
  private readonly contacts: Contact[];
  private readonly latencyMs: number;
  private readonly wait: (ms: number, signal: AbortSignal) => Promise<void>;
  private created = 0;
  private readonly logged = new Map<string, CallLog>();

  constructor(opts: DemoCrmOptions) {
    this.contacts = [...opts.contacts];
    this.latencyMs = opts.latencyMs ?? 0;
    this.wait = opts.wait ?? defaultWait;
  }

  /** All contacts, for "Simulate incoming call" (a random demo caller). */
  list(): readonly Contact[] {
    return this.contacts;
  }

  async findContact(q: PhoneQuery, { signal }: CrmCallOptions): Promise<Contact | null> {
    await this.wait(this.latencyMs, signal);
    const want = q.e164 ?? q.digits;
    return this.contacts.find((c) => c.phones.some((p) => p === want || p.replace(/\D/g, '') === q.digits)) ?? null;
  }

  async createContact(q: PhoneQuery, { signal }: CrmCallOptions): Promise<Contact> {
    await this.wait(this.latencyMs, signal);
    this.created += 1;
    const contact: Contact = { id: `new-${this.created}`, name: q.e164 ?? q.raw, phones: [q.e164 ?? q.digits] };
    this.contacts.push(contact);
    return contact;
  }

  /** Demo reporting: the call log is kept in memory (History shows "sent to CRM"). */
  async logCall(log: CallLog, { signal }: DeliveryContext): Promise<void> {
    await this.wait(this.latencyMs, signal);
    this.logged.set(log.id, log);
  }

  /** Call logs the demo CRM received, oldest first. */
  calls(): readonly CallLog[] {
    return [...this.logged.values()];
  }
}
