// The seam between Sidecall and a CRM. One implementation per CRM (amoCRM,
// Bitrix24, retailCRM, Odoo, generic REST, and the demo CRM); the UI offers
// only what `capabilities` lists.
import type { Contact } from '../../../src-shared/domain/contact';

export type CrmCapability = 'findContact' | 'createContact' | 'logCall' | 'attachRecording' | 'listUsers';

/** A number to look up, in the forms CRMs search by. */
export interface PhoneQuery {
  /** +79161234567 when the number could be parsed. */
  readonly e164?: string;
  /** Digits only, as a fallback for CRMs that store numbers loosely. */
  readonly digits: string;
  /** What the PBX sent. */
  readonly raw: string;
}

export interface CrmCallOptions {
  readonly signal: AbortSignal;
}

export interface CrmConnector {
  readonly id: string;
  /** Shown to the user, e.g. "amoCRM (example.amocrm.ru)". */
  readonly displayName: string;
  readonly capabilities: ReadonlySet<CrmCapability>;
  /** The contact with this number, or null when there is none. Rejects with a CrmError the user can act on. */
  findContact(query: PhoneQuery, options: CrmCallOptions): Promise<Contact | null>;
  createContact?(query: PhoneQuery, options: CrmCallOptions): Promise<Contact>;
}
