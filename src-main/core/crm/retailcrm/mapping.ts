// Pure retailCRM mapping: a CallLog or a call event becomes the bodies of the
// telephony API v5 (calls/upload `calls[]`, call/event `event`), and the answer
// of telephony/manager (checked with zod) becomes Sidecall's Contact. No I/O:
// ./retailcrm-connector.ts sends what this builds. API facts:
// shared/reference/crm-apis.md section 3 (from retailcrm/api-client-php).
import { z } from 'zod';
import type { CallLog, CallLogResult } from '../../../../src-shared/domain/call-log';
import type { Contact } from '../../../../src-shared/domain/contact';
import type { RetailCrmSettings } from '../../../../src-shared/domain/crm-settings';
import type { CrmCallEvent, PhoneQuery } from '../connector';
import { trimBase } from '../url';

// ---- answers ----

const Id = z.union([z.number().int(), z.string().regex(/^\d+$/).transform(Number)]);
const Text = z.string().nullable().optional();

export const RetailManagerSchema = z.looseObject({
  id: Id,
  firstName: Text,
  lastName: Text,
  patronymic: Text,
  email: Text,
  code: Text,
});
export type RetailManager = z.infer<typeof RetailManagerSchema>;

export const RetailCustomerSchema = z.looseObject({
  id: Id,
  externalId: Text,
  firstName: Text,
  lastName: Text,
  patronymic: Text,
  email: Text,
  phones: z.array(z.looseObject({ number: z.string().nullable().optional() })).nullable().optional(),
});
export type RetailCustomer = z.infer<typeof RetailCustomerSchema>;

/** GET /api/v5/telephony/manager (ManagerResponse: manager, customer, links). */
export const RetailManagerResponseSchema = z.looseObject({
  success: z.boolean().optional(),
  manager: RetailManagerSchema.nullable().optional(),
  customer: RetailCustomerSchema.nullable().optional(),
  links: z
    .looseObject({
      newOrderLink: Text,
      lastOrderLink: Text,
      newCustomerLink: Text,
      customerLink: Text,
    })
    .nullable()
    .optional(),
});
export type RetailManagerResponse = z.infer<typeof RetailManagerResponseSchema>;

/** POST /api/v5/telephony/calls/upload (CallsUploadResponse). */
export const RetailUploadResponseSchema = z.looseObject({
  success: z.boolean().optional(),
  processedCallsCount: z.number().int().optional(),
  duplicateCalls: z.array(z.union([z.string(), z.number().transform(String)])).nullable().optional(),
});

/** POST /api/v5/telephony/call/event (CallEventResponse). */
export const RetailEventResponseSchema = z.looseObject({
  success: z.boolean().optional(),
  notExistCodes: z.array(z.union([z.string(), z.number().transform(String)])).nullable().optional(),
  notExistUsers: z.array(z.union([z.string(), z.number().transform(String)])).nullable().optional(),
});

// ---- numbers ----

/** The number retailCRM gets: the CRM form (Settings -> CRM number rules), else E.164, else digits, else as the PBX gave it. */
export function retailPhone(n: { readonly crm?: string; readonly e164?: string; readonly digits: string; readonly raw: string }): string {
  return n.crm ?? n.e164 ?? (n.digits || n.raw);
}

/** telephony/manager's `phone`: E.164 when it parsed (retailCRM matches its own normalized numbers), else digits. */
export function lookupPhone(q: PhoneQuery): string {
  return q.e164 ?? (q.digits || q.raw);
}

// ---- contacts ----

function joinName(parts: readonly (string | null | undefined)[]): string {
  return parts
    .map((p) => p?.trim())
    .filter((p): p is string => !!p)
    .join(' ');
}

/** "Lastname Firstname Patronymic", as retailCRM shows a customer. */
export function customerName(c: RetailCustomer): string {
  return joinName([c.lastName, c.firstName, c.patronymic]) || c.email?.trim() || c.phones?.find((p) => p.number)?.number || `#${c.id}`;
}

export function managerName(m: RetailManager): string {
  return joinName([m.firstName, m.lastName]) || m.email?.trim() || `#${m.id}`;
}

/** The customer card: links.customerLink, else {account}/customers/{id}. */
export function customerUrl(res: RetailManagerResponse, accountUrl: string): string | undefined {
  const link = res.links?.customerLink?.trim();
  if (link && /^https?:\/\//i.test(link)) return link;
  return res.customer ? `${trimBase(accountUrl)}/customers/${res.customer.id}` : undefined;
}

export interface RetailContactContext {
  readonly accountUrl: string;
  /** retailCRM user id -> operator extension (the inverse of Settings -> CRM user map). */
  readonly userExtensions: ReadonlyMap<string, string>;
}

/** The screen-pop contact of a telephony/manager answer; null when retailCRM knows no customer with the number. */
export function contactFromManagerResponse(res: RetailManagerResponse, ctx: RetailContactContext): Contact | null {
  const c = res.customer;
  if (!c) return null;
  const m = res.manager ?? undefined;
  const extension = m ? (m.code?.trim() || ctx.userExtensions.get(String(m.id))) : undefined;
  const url = customerUrl(res, ctx.accountUrl);
  return {
    id: String(c.id),
    name: customerName(c),
    ...(m ? { responsible: { name: managerName(m), ...(extension ? { extension } : {}) } } : {}),
    ...(url ? { url } : {}),
    phones: (c.phones ?? []).map((p) => p.number?.trim() ?? '').filter((p) => p !== ''),
  };
}

// ---- dates ----

const pad = (n: number): string => String(n).padStart(2, '0');

/**
 * "Y-m-d H:i:s" as calls/upload wants it: wall-clock time without a zone, so in the
 * account's time zone (an IANA name), or this computer's when none is set.
 * Throws RangeError for an unknown time zone.
 */
export function retailDate(ms: number, timeZone: string): string {
  if (timeZone === '') {
    const d = new Date(ms);
    return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
  }
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
    hourCycle: 'h23',
  }).formatToParts(ms);
  const get = (type: Intl.DateTimeFormatPartTypes): string => parts.find((p) => p.type === type)?.value ?? '00';
  return `${get('year')}-${get('month')}-${get('day')} ${get('hour')}:${get('minute')}:${get('second')}`;
}

// ---- call logs ----

/** calls/upload `result` (CallResult): note "no answer" here, unlike the event's "no answered". */
export type RetailCallResult = 'answered' | 'busy' | 'failed' | 'no answer' | 'not allowed' | 'unknown';
/** call/event `hangupStatus` (CallEventHangupStatus). */
export type RetailHangupStatus = 'answered' | 'busy' | 'cancel' | 'failed' | 'no answered';

export function retailCallResult(result: CallLogResult): RetailCallResult {
  switch (result) {
    case 'answered':
    case 'answeredElsewhere':
      return 'answered';
    case 'busy':
    case 'rejected':
      return 'busy';
    case 'failed':
      return 'failed';
    case 'missed':
    case 'noAnswer':
    case 'cancelled':
      return 'no answer';
  }
}

export function retailHangupStatus(result: CallLogResult): RetailHangupStatus {
  switch (result) {
    case 'answered':
    case 'answeredElsewhere':
      return 'answered';
    case 'busy':
    case 'rejected':
      return 'busy';
    case 'failed':
      return 'failed';
    case 'cancelled':
      return 'cancel';
    case 'missed':
    case 'noAnswer':
      return 'no answered';
  }
}

/** A retailCRM user id (integer) from Settings -> CRM user map; undefined when it is not one. */
export function retailUserId(id: string | undefined): number | undefined {
  if (id === undefined || !/^\d{1,12}$/.test(id.trim())) return undefined;
  const n = Number(id.trim());
  return n > 0 ? n : undefined;
}

/** Whether a call log goes to retailCRM: internal calls have no customer. */
export function isReportable(log: CallLog): boolean {
  return log.direction !== 'internal';
}

/** One item of calls/upload `calls[]` (retailcrm Call.php). externalId = the call log id, so retailCRM's duplicate check backs up ours. */
export function uploadCall(log: CallLog, settings: RetailCrmSettings): Record<string, unknown> {
  const userId = retailUserId(log.crmUserId);
  // A colleague's desk took it: the call was answered, at that extension.
  const code = log.result === 'answeredElsewhere' && log.answeredBy && /^\d{2,10}$/.test(log.answeredBy) ? log.answeredBy : log.extension;
  return {
    date: retailDate(log.startedAt, settings.timeZone),
    type: log.direction === 'outbound' ? 'out' : 'in',
    phone: retailPhone(log.number),
    code,
    ...(userId !== undefined && code === log.extension ? { userId } : {}),
    result: retailCallResult(log.result),
    duration: log.talkSeconds,
    durationWaiting: log.waitSeconds,
    externalId: log.id,
    ...(log.recording.url ? { recordUrl: log.recording.url } : {}),
    ...(settings.site ? { site: settings.site } : {}),
    ...(settings.externalPhone ? { externalPhone: settings.externalPhone } : {}),
  };
}

/** The call/event `event` for a ringing / outgoing / hangup notification (retailcrm CallEvent.php). */
export function callEventBody(event: CrmCallEvent, settings: RetailCrmSettings, userId: number | undefined): Record<string, unknown> {
  const type = event.type === 'ringing' ? 'in' : event.type === 'outgoing' ? 'out' : 'hangup';
  return {
    phone: event.number.e164 ?? (event.number.digits || event.number.raw),
    type,
    codes: [event.extension],
    ...(userId !== undefined ? { userIds: [userId] } : {}),
    ...(type === 'hangup' && event.hangupResult ? { hangupStatus: retailHangupStatus(event.hangupResult) } : {}),
    callExternalId: event.callId,
    ...(settings.site ? { site: settings.site } : {}),
    ...(settings.externalPhone ? { externalPhone: settings.externalPhone } : {}),
  };
}
