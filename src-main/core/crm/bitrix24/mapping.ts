// Pure mapping between Sidecall's call logs and contacts and Bitrix24's
// telephony.externalCall.* parameters and answers (b24restdocs
// api-reference/telephony). No I/O: the connector sends what these build.
import { z } from 'zod';
import type { CallLog, CallLogResult } from '../../../../src-shared/domain/call-log';
import type { Contact } from '../../../../src-shared/domain/contact';
import { trimBase } from '../url';

export type Bitrix24EntityType = 'CONTACT' | 'COMPANY' | 'LEAD';
export type RestParams = Record<string, string | number>;

// Contact ids carry the entity type in Bitrix24's own prefix style (C_, CO_, L_
// as in CRM binding fields), so a card link and the register call need no lookup.
const PREFIX: Readonly<Record<Bitrix24EntityType, string>> = { CONTACT: 'C_', COMPANY: 'CO_', LEAD: 'L_' };
const PATH: Readonly<Record<Bitrix24EntityType, string>> = { CONTACT: 'contact', COMPANY: 'company', LEAD: 'lead' };
/** crm.activity.todo.add ownerTypeId (b24restdocs crm/data-types: 1 lead, 3 contact, 4 company). */
export const OWNER_TYPE_ID: Readonly<Record<Bitrix24EntityType, number>> = { LEAD: 1, CONTACT: 3, COMPANY: 4 };

export function encodeEntityId(type: Bitrix24EntityType, id: number | string): string {
  return `${PREFIX[type]}${id}`;
}

/** `C_651` -> CONTACT 651; a bare number is a contact. */
export function decodeEntityId(id: string): { readonly type: Bitrix24EntityType; readonly id: number } | undefined {
  const m = /^(?:(C|CO|L)_)?(\d+)$/.exec(id.trim());
  if (!m) return undefined;
  const type: Bitrix24EntityType = m[1] === 'CO' ? 'COMPANY' : m[1] === 'L' ? 'LEAD' : 'CONTACT';
  return { type, id: Number(m[2]) };
}

/** The entity's card: `{portal}/crm/contact/details/{id}/` (company, lead alike). */
export function entityUrl(portalUrl: string, type: Bitrix24EntityType, id: number): string {
  return `${trimBase(portalUrl)}/crm/${PATH[type]}/details/${id}/`;
}

/** telephony.externalCall.register TYPE: 1 outgoing, 2 incoming, 3 incoming with redirection. */
export function callType(log: Pick<CallLog, 'direction' | 'transfers'>): 1 | 2 | 3 {
  if (log.direction === 'outbound') return 1;
  return log.transfers.some((t) => t.direction === 'in') ? 3 : 2;
}

/**
 * telephony.externalCall.finish STATUS_CODE. A call a colleague answered is not
 * reported (shouldReport); were it, it is a missed call for this operator (304)
 * with who answered as the reason.
 */
export function statusCode(result: CallLogResult): string {
  switch (result) {
    case 'answered':
      return '200';
    case 'missed':
    case 'answeredElsewhere':
      return '304';
    case 'busy':
      return '486';
    case 'noAnswer':
      return '480';
    case 'rejected':
      return '603';
    case 'cancelled':
      return '603-S';
    case 'failed':
      return 'OTHER';
  }
}

function pad(n: number, width = 2): string {
  return String(Math.trunc(Math.abs(n))).padStart(width, '0');
}

/** ISO-8601 with the zone, as CALL_START_DATE wants: 2026-03-07T10:20:30+03:00. */
export function isoWithOffset(ms: number, offsetMinutes: number): string {
  const d = new Date(ms + offsetMinutes * 60_000);
  const sign = offsetMinutes < 0 ? '-' : '+';
  const off = Math.abs(offsetMinutes);
  return (
    `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}T${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}` +
    `${sign}${pad(Math.floor(off / 60))}:${pad(off % 60)}`
  );
}

/** This computer's zone at a moment (minutes east of UTC). */
export function localOffsetMinutes(ms: number): number {
  return -new Date(ms).getTimezoneOffset();
}

/** The number as Bitrix24 should see it: the CRM form when the number rules made one, else E.164, else digits. */
export function phoneForCrm(log: Pick<CallLog, 'number'>): string {
  const n = log.number;
  return n.crm ?? n.e164 ?? (n.digits !== '' ? n.digits : n.raw);
}

export type UserRef = { readonly USER_ID: number | string } | { readonly USER_PHONE_INNER: string };

/** Whose call: the mapped Bitrix24 user (CallLog, then the extension map), else the extension as USER_PHONE_INNER. */
export function userRef(log: Pick<CallLog, 'crmUserId' | 'extension'>, users: Readonly<Record<string, string>> = {}): UserRef {
  const id = log.crmUserId ?? users[log.extension];
  if (id !== undefined && id !== '') return { USER_ID: /^\d+$/.test(id) ? Number(id) : id };
  return { USER_PHONE_INNER: log.extension };
}

/**
 * Internal (extension to extension) calls are not CRM events, and a call a
 * colleague answered is reported by the colleague's Sidecall: from here it
 * would add a second, "missed" entry to the contact's timeline.
 */
export function shouldReport(log: Pick<CallLog, 'direction' | 'result'>): boolean {
  return log.direction !== 'internal' && log.result !== 'answeredElsewhere';
}

export interface RegisterOptions {
  readonly users?: Readonly<Record<string, string>>;
  /** Settings -> Bitrix24 outside line; empty: none. */
  readonly lineNumber?: string;
  readonly offsetMinutes: number;
}

/** telephony.externalCall.register: SHOW=0 (Sidecall shows its own card), EXTERNAL_CALL_ID = the outbox key. */
export function registerParams(log: CallLog, opts: RegisterOptions): RestParams {
  const params: RestParams = {
    ...userRef(log, opts.users),
    PHONE_NUMBER: phoneForCrm(log),
    TYPE: callType(log),
    CALL_START_DATE: isoWithOffset(log.startedAt, opts.offsetMinutes),
    CRM_CREATE: log.rules.createUnknown ? 1 : 0,
    SHOW: 0,
    EXTERNAL_CALL_ID: log.id,
  };
  const line = opts.lineNumber?.trim();
  if (line) params['LINE_NUMBER'] = line;
  const entity = log.contactId !== undefined ? decodeEntityId(log.contactId) : undefined;
  if (entity) {
    params['CRM_ENTITY_TYPE'] = entity.type;
    params['CRM_ENTITY_ID'] = entity.id;
  }
  return params;
}

/** telephony.externalCall.finish: result code and talk time. */
export function finishParams(log: CallLog, callId: string, users: Readonly<Record<string, string>> = {}): RestParams {
  const params: RestParams = {
    CALL_ID: callId,
    ...userRef(log, users),
    DURATION: log.talkSeconds,
    STATUS_CODE: statusCode(log.result),
  };
  if (log.result === 'answeredElsewhere' && log.answeredBy) params['FAILED_REASON'] = `Answered by ${log.answeredBy}`;
  return params;
}

export function attachRecordParams(callId: string, recordUrl: string): RestParams {
  return { CALL_ID: callId, RECORD_URL: recordUrl };
}

/** A missed incoming call gets a to-do for the responsible manager when the rule is on. */
export function needsMissedCallTask(log: Pick<CallLog, 'direction' | 'result' | 'rules'>): boolean {
  return log.rules.missedCallTask && log.direction === 'inbound' && log.result === 'missed';
}

export interface TodoOptions {
  readonly entityType: Bitrix24EntityType;
  readonly entityId: number;
  readonly responsibleId?: number;
  readonly offsetMinutes: number;
  /** Due this long after the call ended. Default 1 h. */
  readonly dueAfterMs?: number;
}

/** crm.activity.todo.add for a missed call, on the entity the call was bound to. */
export function missedCallTodoParams(log: CallLog, opts: TodoOptions): RestParams {
  const phone = log.number.e164 ?? phoneForCrm(log);
  const who = log.remoteName ? `${log.remoteName} (${phone})` : phone;
  const params: RestParams = {
    ownerTypeId: OWNER_TYPE_ID[opts.entityType],
    ownerId: opts.entityId,
    deadline: isoWithOffset(log.endedAt + (opts.dueAfterMs ?? 60 * 60_000), opts.offsetMinutes),
    title: `Call back: missed call from ${phone}`,
    description: `Missed call from ${who} at ${isoWithOffset(log.startedAt, opts.offsetMinutes)} to extension ${log.extension} (reported by Sidecall).`,
  };
  if (opts.responsibleId !== undefined) params['responsibleId'] = opts.responsibleId;
  return params;
}

// ---- answers -------------------------------------------------------------------------

const IntLike = z.union([z.number(), z.string().regex(/^\d+$/).transform(Number)]);
const EntityTypeSchema = z.enum(['CONTACT', 'COMPANY', 'LEAD']);

export const SearchEntitySchema = z.looseObject({
  CRM_ENTITY_TYPE: z.string(),
  CRM_ENTITY_ID: IntLike,
  ASSIGNED_BY_ID: IntLike.nullish(),
  NAME: z.string().nullish(),
  ASSIGNED_BY: z.looseObject({ ID: IntLike.nullish(), USER_PHONE_INNER: z.string().nullish() }).nullish(),
});
export type SearchEntity = z.infer<typeof SearchEntitySchema>;
export const SearchResultSchema = z.array(SearchEntitySchema);

export const RegisterResultSchema = z.looseObject({
  CALL_ID: z.string().min(1),
  CRM_CREATED_LEAD: IntLike.nullish(),
  CRM_ENTITY_TYPE: z.string().nullish(),
  CRM_ENTITY_ID: IntLike.nullish(),
  LEAD_CREATION_ERROR: z.string().nullish(),
});
export type RegisterResult = z.infer<typeof RegisterResultSchema>;

export const FinishResultSchema = z.looseObject({ CRM_ACTIVITY_ID: IntLike.nullish(), ID: IntLike.nullish() });
export const AttachResultSchema = z.looseObject({ FILE_ID: IntLike.nullish() });
export const TodoResultSchema = z.looseObject({ id: IntLike });

export const UserSchema = z.looseObject({
  ID: z.union([z.string(), z.number()]).transform(String),
  NAME: z.string().nullish(),
  LAST_NAME: z.string().nullish(),
  EMAIL: z.string().nullish(),
  UF_PHONE_INNER: z.union([z.string(), z.number()]).nullish(),
  ACTIVE: z.union([z.boolean(), z.string()]).nullish(),
});
export type Bitrix24UserRecord = z.infer<typeof UserSchema>;

/** "Name Last name", else the e-mail, else the id. */
export function userDisplayName(u: Pick<Bitrix24UserRecord, 'ID' | 'NAME' | 'LAST_NAME' | 'EMAIL'>): string {
  const name = [u.NAME, u.LAST_NAME].filter((p) => p && p.trim() !== '').join(' ').trim();
  return name || u.EMAIL || `User ${u.ID}`;
}

export function entityTypeOf(v: string | null | undefined): Bitrix24EntityType | undefined {
  const parsed = EntityTypeSchema.safeParse((v ?? '').toUpperCase());
  return parsed.success ? parsed.data : undefined;
}

/** The caller's card: a contact first, else a company, else a lead. */
export function pickEntity(results: readonly SearchEntity[]): (SearchEntity & { readonly type: Bitrix24EntityType }) | undefined {
  for (const type of ['CONTACT', 'COMPANY', 'LEAD'] as const) {
    const hit = results.find((r) => entityTypeOf(r.CRM_ENTITY_TYPE) === type);
    if (hit) return { ...hit, type };
  }
  return undefined;
}

export interface ContactInput {
  readonly portalUrl: string;
  /** The number that was searched, shown as the contact's phone. */
  readonly phone: string;
  /** Name of the responsible user, when known. */
  readonly responsibleName?: string;
}

/** A searchCrmEntities answer as the screen pop's contact; null when nothing matched. */
export function contactFromSearch(results: readonly SearchEntity[], input: ContactInput): Contact | null {
  const hit = pickEntity(results);
  if (!hit) return null;
  const company = hit.type === 'CONTACT' ? results.find((r) => entityTypeOf(r.CRM_ENTITY_TYPE) === 'COMPANY')?.NAME ?? undefined : undefined;
  const assigned = hit.ASSIGNED_BY_ID ?? hit.ASSIGNED_BY?.ID ?? undefined;
  const extension = hit.ASSIGNED_BY?.USER_PHONE_INNER?.trim() || undefined;
  const responsible =
    assigned !== undefined && assigned !== null
      ? { name: input.responsibleName ?? `User ${assigned}`, ...(extension ? { extension } : {}) }
      : undefined;
  const url = input.portalUrl.trim() !== '' ? entityUrl(input.portalUrl, hit.type, hit.CRM_ENTITY_ID) : undefined;
  return {
    id: encodeEntityId(hit.type, hit.CRM_ENTITY_ID),
    name: hit.NAME?.trim() || input.phone,
    ...(company ? { company } : {}),
    ...(responsible ? { responsible } : {}),
    ...(url ? { url } : {}),
    phones: [input.phone],
  };
}
