// Pure amoCRM mapping: a CallLog or a number becomes the request bodies of the
// amoCRM API v4 (/calls, /leads/unsorted/sip, /tasks, /contacts), and amoCRM's
// answers (checked with zod where they arrive) become Sidecall's Contact and
// CrmUser. No I/O here: the connector (./amocrm-connector.ts) sends what this
// builds. API facts: shared/reference/crm-apis.md section 1.
import { z } from 'zod';
import type { CallLog, CallLogResult } from '../../../../src-shared/domain/call-log';
import type { Contact } from '../../../../src-shared/domain/contact';
import type { CrmUser, PhoneQuery } from '../connector';
import { trimBase } from '../url';

/** The `source` of calls and the `source_name` of unsorted leads: the integration's name as amoCRM shows it. */
export const AMOCRM_SOURCE = 'Sidecall';
/** `service_code` of unsorted sip leads. */
export const AMOCRM_SERVICE_CODE = 'sidecall';
/** amoCRM task type "Call" (1 = call, 2 = meeting). */
export const AMOCRM_TASK_TYPE_CALL = 1;

// ---- amoCRM answers (zod: what crosses the boundary is checked) ----

const Id = z.number().int();

const CustomFieldSchema = z.looseObject({
  field_id: Id.optional(),
  field_code: z.string().nullable().optional(),
  values: z.array(z.looseObject({ value: z.unknown() })).nullable().optional(),
});

export const AmoContactSchema = z.looseObject({
  id: Id,
  name: z.string().nullable().optional(),
  first_name: z.string().nullable().optional(),
  last_name: z.string().nullable().optional(),
  responsible_user_id: Id.nullable().optional(),
  custom_fields_values: z.array(CustomFieldSchema).nullable().optional(),
  _embedded: z
    .looseObject({
      companies: z.array(z.looseObject({ id: Id, name: z.string().optional() })).optional(),
    })
    .optional(),
});
export type AmoContact = z.infer<typeof AmoContactSchema>;

export const AmoContactListSchema = z.looseObject({
  _embedded: z.looseObject({ contacts: z.array(AmoContactSchema) }),
});

export const AmoCompanySchema = z.looseObject({ id: Id, name: z.string() });

export const AmoUserSchema = z.looseObject({ id: Id, name: z.string(), email: z.string().nullable().optional() });
export const AmoUserPageSchema = z.looseObject({
  _page: z.number().int().optional(),
  _page_count: z.number().int().optional(),
  _links: z.looseObject({ next: z.looseObject({ href: z.string() }).optional() }).optional(),
  _embedded: z.looseObject({ users: z.array(AmoUserSchema) }),
});

export const AmoAccountSchema = z.looseObject({ id: Id, name: z.string(), subdomain: z.string() });
export type AmoAccount = z.infer<typeof AmoAccountSchema>;

export const AmoAddedContactsSchema = z.looseObject({ _embedded: z.looseObject({ contacts: z.array(z.looseObject({ id: Id })).min(1) }) });
export const AmoAddedCallsSchema = z.looseObject({
  _embedded: z.looseObject({ calls: z.array(z.looseObject({ id: Id, entity_id: Id.optional(), entity_type: z.string().optional() })) }),
});
export const AmoAddedUnsortedSchema = z.looseObject({
  _embedded: z.looseObject({
    unsorted: z
      .array(
        z.looseObject({
          uid: z.string(),
          _embedded: z
            .looseObject({ leads: z.array(z.looseObject({ id: Id })).optional(), contacts: z.array(z.looseObject({ id: Id })).optional() })
            .optional(),
        }),
      )
      .min(1),
  }),
});
export const AmoAddedTasksSchema = z.looseObject({ _embedded: z.looseObject({ tasks: z.array(z.looseObject({ id: Id })).min(1) }) });

// ---- numbers ----

/** Digits of a number. */
export function digitsOf(value: string): string {
  return value.replace(/\D/g, '');
}

/**
 * What to put in `?query=` for a phone: its last 10 digits. amoCRM places calls by the
 * last 10 digits, and whether its search matches other prefixes (+7 / 7 / 8) is not
 * documented, so the common tail finds the contact however the number was typed in.
 */
export function phoneSearchQuery(q: PhoneQuery): string {
  const digits = digitsOf(q.e164 ?? '') || q.digits || digitsOf(q.raw);
  return digits.slice(-10);
}

/** Same number for amoCRM: equal last 10 digits (or equal digits when shorter). */
export function samePhone(a: string, b: string): boolean {
  const x = digitsOf(a);
  const y = digitsOf(b);
  if (x === '' || y === '') return false;
  return x.length >= 10 && y.length >= 10 ? x.slice(-10) === y.slice(-10) : x === y;
}

/** The number as sent to amoCRM: the CRM form, else E.164, else digits, else as the PBX gave it. */
export function callPhone(log: CallLog): string {
  return log.number.crm ?? log.number.e164 ?? (log.number.digits || log.number.raw);
}

/** The PHONE values of a contact. */
export function phonesOf(contact: AmoContact): string[] {
  const out: string[] = [];
  for (const field of contact.custom_fields_values ?? []) {
    if (field.field_code !== 'PHONE') continue;
    for (const v of field.values ?? []) if (typeof v.value === 'string' && v.value.trim() !== '') out.push(v.value.trim());
  }
  return out;
}

/** The first contact that really has this number (the search may match names or other fields too). */
export function pickContact(contacts: readonly AmoContact[], q: PhoneQuery): AmoContact | undefined {
  const wanted = q.e164 ?? q.digits;
  return contacts.find((c) => phonesOf(c).some((p) => samePhone(p, wanted)));
}

// ---- contacts ----

export function amoContactUrl(accountUrl: string, id: string | number): string {
  return `${trimBase(accountUrl)}/contacts/detail/${id}`;
}

export interface ContactContext {
  readonly accountUrl: string;
  /** CRM user id -> name (from the cached user list). */
  readonly userNames: ReadonlyMap<number, string>;
  /** CRM user id -> operator extension (the inverse of Settings -> CRM user map). */
  readonly userExtensions: ReadonlyMap<number, string>;
  /** Name of the contact's company, when known (amoCRM embeds only the company id in a contact). */
  readonly companyName?: string;
}

export function contactName(c: AmoContact): string {
  const name = c.name?.trim();
  if (name) return name;
  const parts = [c.first_name, c.last_name].map((p) => p?.trim()).filter((p): p is string => !!p);
  return parts.length > 0 ? parts.join(' ') : (phonesOf(c)[0] ?? `#${c.id}`);
}

/** The id of the contact's first company, if any. */
export function companyIdOf(c: AmoContact): number | undefined {
  return c._embedded?.companies?.[0]?.id;
}

export function contactFromAmo(c: AmoContact, ctx: ContactContext): Contact {
  const responsibleId = c.responsible_user_id ?? undefined;
  const responsibleName = responsibleId !== undefined ? ctx.userNames.get(responsibleId) : undefined;
  const responsibleExt = responsibleId !== undefined ? ctx.userExtensions.get(responsibleId) : undefined;
  const company = ctx.companyName ?? c._embedded?.companies?.[0]?.name;
  return {
    id: String(c.id),
    name: contactName(c),
    ...(company ? { company } : {}),
    ...(responsibleName ? { responsible: { name: responsibleName, ...(responsibleExt ? { extension: responsibleExt } : {}) } } : {}),
    url: amoContactUrl(ctx.accountUrl, c.id),
    phones: phonesOf(c),
  };
}

function phoneField(phone: string) {
  return [{ field_code: 'PHONE', values: [{ value: phone, enum_code: 'WORK' }] }];
}

/** The number a new contact is saved with: E.164 when it parsed, else as the PBX gave it. */
export function newContactPhone(q: PhoneQuery): string {
  return q.e164 ?? (q.raw.trim() || q.digits);
}

export function createContactBody(q: PhoneQuery, responsibleUserId?: number): unknown[] {
  const phone = newContactPhone(q);
  return [{ name: phone, custom_fields_values: phoneField(phone), ...(responsibleUserId !== undefined ? { responsible_user_id: responsibleUserId } : {}) }];
}

export function userFromAmo(u: z.infer<typeof AmoUserSchema>): CrmUser {
  return { id: String(u.id), name: u.name, ...(u.email ? { email: u.email } : {}) };
}

/** A CRM user id as amoCRM wants it (an integer); undefined when the mapped id is not one. */
export function amoUserId(id: string | undefined): number | undefined {
  if (id === undefined || !/^\d{1,15}$/.test(id.trim())) return undefined;
  const n = Number(id.trim());
  return n > 0 ? n : undefined;
}

// ---- call logs ----

/**
 * amoCRM call_status: 1 left a message, 2 call back later, 3 not available, 4 talked,
 * 5 wrong number, 6 no connection (did not get through), 7 busy.
 */
export function callStatusFor(result: CallLogResult): number {
  switch (result) {
    case 'answered':
    case 'answeredElsewhere':
      return 4;
    case 'busy':
      return 7;
    case 'failed':
      return 5;
    case 'missed':
    case 'noAnswer':
    case 'rejected':
    case 'cancelled':
      return 6;
  }
}

const RESULT_TEXT: Readonly<Record<CallLogResult, string>> = {
  answered: 'Answered',
  missed: 'Missed',
  rejected: 'Declined',
  answeredElsewhere: 'Answered by a colleague',
  busy: 'Busy',
  noAnswer: 'No answer',
  cancelled: 'Cancelled before answer',
  failed: 'Failed',
};

/** Free-text call_result: how it went, who took it, where it was transferred. */
export function callResultText(log: CallLog): string {
  const parts = [`${RESULT_TEXT[log.result]}, ext. ${log.extension}`];
  if (log.result === 'answeredElsewhere' && log.answeredBy) parts[0] = `Answered by ${log.answeredBy}`;
  const out = log.transfers.filter((t) => t.direction === 'out' && t.to).map((t) => t.to as string);
  if (out.length > 0) parts.push(`transferred to ${out.join(', ')}`);
  return parts.join('; ');
}

/** Whether this call log is sent to amoCRM at all. */
export function isReportable(log: CallLog): boolean {
  // Internal calls have no customer; a call a colleague answered is reported by the colleague's desk
  // (both would log one conversation twice on the contact otherwise).
  return log.direction !== 'internal' && log.result !== 'answeredElsewhere';
}

/** A missed inbound call that asks for a call-back task. */
export function wantsMissedCallTask(log: CallLog): boolean {
  return log.rules.missedCallTask && log.direction === 'inbound' && (log.result === 'missed' || log.result === 'rejected');
}

const unix = (ms: number): number => Math.floor(ms / 1000);

/** One item of `POST /api/v4/calls`. */
export function callBody(log: CallLog, userId: number | undefined): Record<string, unknown> {
  return {
    direction: log.direction === 'outbound' ? 'outbound' : 'inbound',
    uniq: log.id,
    duration: log.talkSeconds,
    source: AMOCRM_SOURCE,
    ...(log.recording.url ? { link: log.recording.url } : {}),
    phone: callPhone(log),
    call_status: callStatusFor(log.result),
    call_result: callResultText(log),
    ...(userId !== undefined ? { responsible_user_id: userId, created_by: userId } : {}),
    created_at: unix(log.startedAt),
    request_id: log.id,
  };
}

/**
 * One item of `POST /api/v4/leads/unsorted/sip` for a caller amoCRM does not know.
 * source_uid is the call's id: amoCRM refuses a second unsorted lead with the same
 * source_uid, so a repeated delivery cannot create a second lead.
 * Metadata: amoCRM's table calls `phone` "who called" and `from` is free text in its
 * examples, while the reference reads them as caller/called; the client's number
 * goes in both, and `call_responsible` names the operator.
 */
export function unsortedSipBody(log: CallLog, opts: { readonly pipelineId: number; readonly userId: number | undefined }): Record<string, unknown> {
  const phone = callPhone(log);
  const name = log.remoteName?.trim() || phone;
  return {
    source_uid: log.id,
    source_name: AMOCRM_SOURCE,
    ...(opts.pipelineId > 0 ? { pipeline_id: opts.pipelineId } : {}),
    created_at: unix(log.startedAt),
    request_id: log.id,
    metadata: {
      uniq: log.id,
      from: phone,
      phone,
      called_at: unix(log.startedAt),
      duration: log.talkSeconds,
      ...(log.recording.url ? { link: log.recording.url } : {}),
      service_code: AMOCRM_SERVICE_CODE,
      is_call_event_needed: true,
      ...(opts.userId !== undefined ? { call_responsible: opts.userId } : {}),
    },
    _embedded: {
      leads: [{ name: `${log.direction === 'outbound' ? 'Call to' : 'Call from'} ${phone}` }],
      contacts: [{ name, custom_fields_values: phoneField(phone) }],
    },
  };
}

export interface TaskTarget {
  readonly entityId?: number;
  readonly entityType?: 'contacts' | 'leads';
  readonly responsibleUserId?: number;
  /** Due after the call ended, minutes. */
  readonly dueMinutes: number;
}

/** One item of `POST /api/v4/tasks`: call back a missed caller. */
export function missedCallTaskBody(log: CallLog, target: TaskTarget): Record<string, unknown> {
  const phone = callPhone(log);
  const who = log.remoteName?.trim() ? `${phone} (${log.remoteName.trim()})` : phone;
  return {
    task_type_id: AMOCRM_TASK_TYPE_CALL,
    text: `Missed call from ${who} to ext. ${log.extension}: call back`,
    complete_till: unix(log.endedAt) + target.dueMinutes * 60,
    ...(target.entityId !== undefined && target.entityType !== undefined ? { entity_id: target.entityId, entity_type: target.entityType } : {}),
    ...(target.responsibleUserId !== undefined ? { responsible_user_id: target.responsibleUserId } : {}),
    request_id: log.id,
  };
}

// ---- errors ----

interface ValidationItem {
  readonly path?: string;
  readonly detail?: string;
  readonly code?: string;
}

const ValidationBodySchema = z.looseObject({
  'validation-errors': z.array(
    z.looseObject({
      request_id: z.union([z.string(), z.number()]).optional(),
      errors: z.array(z.looseObject({ code: z.string().optional(), path: z.string().optional(), detail: z.string().optional() })).optional(),
    }),
  ),
});

/** The items of amoCRM's `validation-errors` body; undefined when the body is not one. */
export function validationErrorsOf(body: unknown): ValidationItem[] | undefined {
  const parsed = ValidationBodySchema.safeParse(body);
  if (!parsed.success) return undefined;
  return parsed.data['validation-errors'].flatMap((item) => item.errors ?? []);
}

/** The CRM's words for a validation failure: "path: detail; path: detail". */
export function validationMessage(items: readonly ValidationItem[], fallback: string | undefined): string {
  const text = items
    .map((e) => [e.path, e.detail ?? e.code].filter((p) => p !== undefined && p !== '').join(': '))
    .filter((t) => t !== '')
    .join('; ');
  return text || fallback || 'Request validation failed';
}

/** The refusal of an unsorted lead whose source_uid amoCRM already has (a repeated delivery). */
export function isDuplicateUnsorted(crmMessage: string | undefined): boolean {
  return crmMessage !== undefined && /source_uid|identical|duplicate|already exist/i.test(crmMessage);
}
