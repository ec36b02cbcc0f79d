// The seam between Sidecall and a CRM. One implementation per CRM (amoCRM,
// Bitrix24, retailCRM, Odoo, generic REST, and the demo CRM); the UI offers
// only what `capabilities` lists. Connectors throw CrmError (./errors.ts).
import type { CallLog } from '../../../src-shared/domain/call-log';
import type { Contact } from '../../../src-shared/domain/contact';

export type CrmCapability = 'findContact' | 'createContact' | 'logCall' | 'attachRecording' | 'listUsers' | 'missedCallTask' | 'callEvents';

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

/**
 * What the outbox hands a delivery. A delivery with several requests (Bitrix24:
 * register -> finish -> attachRecord) saves each step's result with `saveStep`
 * before it makes the next request; after a crash the outbox calls `logCall`
 * again with the saved `steps`, and the connector skips what is done, so a call
 * is never registered twice.
 */
export interface DeliveryContext {
  readonly signal: AbortSignal;
  /** Results of the steps already done for this call log (empty on the first try). */
  readonly steps: Readonly<Record<string, unknown>>;
  /** Persists (fsync) a step's result; resolves once it is on disk. */
  saveStep(name: string, result: unknown): Promise<void>;
}

/** A CRM user, for mapping extensions to users. */
export interface CrmUser {
  readonly id: string;
  readonly name: string;
  readonly email?: string;
  /** Internal phone number the CRM knows for this user (Bitrix24 UF_PHONE_INNER), when it has one. */
  readonly extension?: string;
}

/** Ringing / answered / hangup notifications for CRMs with their own call pop-ups (retailCRM). */
export interface CrmCallEvent {
  readonly type: 'ringing' | 'outgoing' | 'hangup';
  readonly callId: string;
  readonly number: PhoneQuery;
  readonly extension: string;
  readonly hangupResult?: CallLog['result'];
}

export interface CrmConnector {
  readonly id: string;
  /** Shown to the user, e.g. "amoCRM (example.amocrm.ru)". */
  readonly displayName: string;
  readonly capabilities: ReadonlySet<CrmCapability>;
  /** The contact with this number, or null when there is none. Rejects with a CrmError the user can act on. */
  findContact(query: PhoneQuery, options: CrmCallOptions): Promise<Contact | null>;
  /** "Open in CRM" link of a contact this connector returned. */
  contactUrl?(contact: Contact): string | undefined;
  createContact?(query: PhoneQuery, options: CrmCallOptions): Promise<Contact>;
  /**
   * Reports a finished call with its result, durations and recording link; for an
   * unknown caller creates a contact/lead when `log.rules.createUnknown`, for a
   * missed call a task when `log.rules.missedCallTask`. Resolves only when the CRM
   * confirmed; must be safe to call again with the saved steps (see DeliveryContext).
   */
  logCall?(log: CallLog, ctx: DeliveryContext): Promise<void>;
  listUsers?(options: CrmCallOptions): Promise<readonly CrmUser[]>;
  /** Best effort, not queued: a lost ringing event only means no pop-up in the CRM's own UI. */
  callEvent?(event: CrmCallEvent, options: CrmCallOptions): Promise<void>;
}
