// Pure Odoo mapping: the server version (common.version) decides the API
// (/jsonrpc up to 18, /json/2 from 19) and the card link form; a number becomes
// a res.partner search domain (phone_mobile_search where phone_validation is
// installed, else the last digits on phone/mobile); res.partner rows (checked
// with zod) become Contacts; a CallLog becomes a chatter note or OCA
// crm.phonecall values. No I/O. API facts: shared/reference/crm-apis.md §4.
import { z } from 'zod';
import type { CallLog, CallLogResult } from '../../../../src-shared/domain/call-log';
import type { Contact } from '../../../../src-shared/domain/contact';
import type { OdooSettings } from '../../../../src-shared/domain/crm-settings';
import type { PhoneQuery } from '../connector';
import { trimBase } from '../url';

// ---- versions and APIs ----

export interface OdooVersion {
  readonly major: number;
  readonly minor: number;
  /** As the server says it, e.g. "17.0", "saas~17.2+e". */
  readonly label: string;
}

export const OdooVersionInfoSchema = z.looseObject({
  server_version: z.string(),
  server_serie: z.string().optional(),
  server_version_info: z.array(z.unknown()).optional(),
});

/** "17.0", "saas~17.2+e", "19.0+e" -> major/minor; undefined when the answer has no version. */
export function parseOdooVersion(info: unknown): OdooVersion | undefined {
  const parsed = OdooVersionInfoSchema.safeParse(info);
  if (!parsed.success) return undefined;
  const label = parsed.data.server_version;
  const m = /(\d+)\.(\d+)/.exec(label) ?? /(\d+)\.(\d+)/.exec(parsed.data.server_serie ?? '');
  if (!m) return undefined;
  return { major: Number(m[1]), minor: Number(m[2]), label };
}

export type OdooApi = 'jsonrpc' | 'json2';

/** /json/2 from Odoo 19 (where /jsonrpc is deprecated; removal planned for 20), /jsonrpc before; Settings may force one. */
export function chooseOdooApi(setting: OdooSettings['api'], version: OdooVersion | undefined): OdooApi {
  if (setting !== 'auto') return setting;
  return version === undefined || version.major >= 19 ? 'json2' : 'jsonrpc';
}

/** Whether the web client uses the /odoo/... routes (17.2 and later) rather than /web#... */
export function usesOdooRoutes(version: OdooVersion): boolean {
  return version.major > 17 || (version.major === 17 && version.minor >= 2);
}

/** The partner's form: /web#id=..&model=res.partner&view_type=form up to 17.0, /odoo/contacts/{id} after. */
export function odooPartnerUrl(baseUrl: string, id: number, version: OdooVersion): string {
  const base = trimBase(baseUrl);
  return usesOdooRoutes(version) ? `${base}/odoo/contacts/${id}` : `${base}/web#id=${id}&model=res.partner&view_type=form`;
}

// ---- phone search ----

export const PARTNER_PHONE_FIELDS = ['phone', 'mobile', 'phone_mobile_search'] as const;

/** What res.partner.fields_get said about the phone fields. */
export interface PartnerPhoneFields {
  /** phone_validation (via sms / crm) installed: the phone_mobile_search search field. */
  readonly phoneMobileSearch: boolean;
  readonly phone: boolean;
  /** Present up to 17 (later versions: not confirmed). */
  readonly mobile: boolean;
}

export function partnerPhoneFields(fieldsGet: unknown): PartnerPhoneFields {
  const f = typeof fieldsGet === 'object' && fieldsGet !== null ? (fieldsGet as Record<string, unknown>) : {};
  return { phoneMobileSearch: 'phone_mobile_search' in f, phone: 'phone' in f, mobile: 'mobile' in f };
}

/** Digits of a number. */
export function digitsOf(v: string): string {
  return v.replace(/\D/g, '');
}

/** The tail searched for: the last 10 digits (the national number in RU/KZ), or all when shorter. */
export function phoneTail(q: PhoneQuery): string {
  const digits = digitsOf(q.e164 ?? '') || q.digits || digitsOf(q.raw);
  return digits.slice(-10);
}

/** `9%1%6%1...`: ilike with a wildcard between digits matches however the number was typed ("+7 (916) 123-45-67"). */
function spread(digits: string): string {
  return digits.split('').join('%');
}

/**
 * The res.partner domain for a number: `phone_mobile_search ilike <tail>` where the
 * phone modules are installed; else, on each of phone/mobile that exists, OCA
 * base_phone's `=like '%<tail>'` (numbers stored normalized) or ilike with the
 * digits spread (numbers stored as typed). Candidates are checked by `hasNumber`.
 */
export function partnerPhoneDomain(tail: string, fields: PartnerPhoneFields): unknown[] {
  if (fields.phoneMobileSearch) return [['phone_mobile_search', 'ilike', tail]];
  const leaves: unknown[] = [];
  for (const f of ['phone', 'mobile'] as const) {
    if (!fields[f]) continue;
    leaves.push([f, '=like', `%${tail}`], [f, 'ilike', spread(tail)]);
  }
  return [...Array<string>(Math.max(0, leaves.length - 1)).fill('|'), ...leaves];
}

const Many2one = z.union([z.tuple([z.number().int(), z.string()]), z.literal(false)]);
const OptText = z.union([z.string(), z.literal(false)]).optional();

export const OdooPartnerSchema = z.looseObject({
  id: z.number().int(),
  name: OptText,
  display_name: OptText,
  phone: OptText,
  mobile: OptText,
  parent_id: Many2one.optional(),
  user_id: Many2one.optional(),
});
export type OdooPartner = z.infer<typeof OdooPartnerSchema>;

export function partnerReadFields(fields: PartnerPhoneFields): string[] {
  return ['name', 'display_name', 'phone', ...(fields.mobile ? ['mobile'] : []), 'parent_id', 'user_id'];
}

/** The partner's numbers. */
export function partnerPhones(p: OdooPartner): string[] {
  return [p.phone, p.mobile].filter((v): v is string => typeof v === 'string' && v.trim() !== '').map((v) => v.trim());
}

/** The search may match loosely (ilike): keep partners whose number really ends with the tail. */
export function hasNumber(p: OdooPartner, tail: string): boolean {
  return partnerPhones(p).some((n) => digitsOf(n).endsWith(tail));
}

export function contactFromPartner(p: OdooPartner, baseUrl: string, version: OdooVersion): Contact {
  const name = (typeof p.name === 'string' && p.name.trim()) || (typeof p.display_name === 'string' && p.display_name.trim()) || partnerPhones(p)[0] || `#${p.id}`;
  const company = p.parent_id ? p.parent_id[1] : undefined;
  const responsible = p.user_id ? p.user_id[1] : undefined;
  return {
    id: String(p.id),
    name,
    ...(company ? { company } : {}),
    ...(responsible ? { responsible: { name: responsible } } : {}),
    url: odooPartnerUrl(baseUrl, p.id, version),
    phones: partnerPhones(p),
  };
}

/** A partner id from the screen pop's contact id; undefined when it is not one. */
export function partnerIdOf(contactId: string | undefined): number | undefined {
  return contactId !== undefined && /^\d{1,12}$/.test(contactId) && Number(contactId) > 0 ? Number(contactId) : undefined;
}

/** The number a partner created for an unknown caller gets. */
export function newPartnerPhone(log: CallLog): string {
  return log.number.e164 ?? (log.number.crm ?? (log.number.raw.trim() || log.number.digits));
}

// ---- call logs ----

const RESULT_TEXT: Readonly<Record<CallLogResult, string>> = {
  answered: 'answered',
  missed: 'missed',
  rejected: 'declined',
  answeredElsewhere: 'answered by a colleague',
  busy: 'busy',
  noAnswer: 'no answer',
  cancelled: 'cancelled before answer',
  failed: 'failed',
};

/** 125 -> "2:05", 3725 -> "1:02:05". */
export function clockDuration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const pad = (n: number) => String(n).padStart(2, '0');
  return h > 0 ? `${h}:${pad(m)}:${pad(s % 60)}` : `${m}:${pad(s % 60)}`;
}

/** The line that identifies a call log in Odoo: the resumed delivery searches for it before posting again. */
export function callMarker(log: CallLog): string {
  return `Sidecall call ${log.id}`;
}

function callNumber(log: CallLog): string {
  return log.number.e164 ?? (log.number.crm ?? (log.number.raw || log.number.digits));
}

/** Summary: "Inbound call, answered". */
export function callSummary(log: CallLog): string {
  const dir = log.direction === 'outbound' ? 'Outbound call' : log.direction === 'internal' ? 'Internal call' : 'Inbound call';
  const who = log.result === 'answeredElsewhere' && log.answeredBy ? `answered by ${log.answeredBy}` : RESULT_TEXT[log.result];
  return `${dir}, ${who}`;
}

/**
 * The chatter note: plain text lines (Odoo 16+ escapes a str body; earlier ones
 * take it as HTML, where plain text is still plain text).
 */
export function noteBody(log: CallLog): string {
  const lines = [
    `${callSummary(log)} (${log.direction === 'outbound' ? 'to' : 'from'} ${callNumber(log)}, extension ${log.extension}).`,
    `Duration ${clockDuration(log.talkSeconds)}, waited ${clockDuration(log.waitSeconds)}.`,
  ];
  const out = log.transfers.filter((t) => t.direction === 'out' && t.to).map((t) => t.to as string);
  if (out.length > 0) lines.push(`Transferred to ${out.join(', ')}.`);
  if (log.recording.url) lines.push(`Recording: ${log.recording.url}`);
  lines.push(`${callMarker(log)}.`);
  return lines.join('\n');
}

/** message_post keyword arguments of the note. */
export function notePostKwargs(log: CallLog): Record<string, unknown> {
  return { body: noteBody(log), message_type: 'comment', subtype_xmlid: 'mail.mt_note' };
}

/** Odoo datetime: "YYYY-MM-DD HH:MM:SS" in UTC. */
export function odooDatetime(ms: number): string {
  return new Date(ms).toISOString().slice(0, 19).replace('T', ' ');
}

/** A res.users id from Settings -> CRM user map; undefined when it is not one. */
export function odooUserId(id: string | undefined): number | undefined {
  return id !== undefined && /^\d{1,12}$/.test(id.trim()) && Number(id) > 0 ? Number(id) : undefined;
}

/** Which optional crm.phonecall fields the server has (fields_get). */
export interface PhonecallFields {
  readonly description: boolean;
  readonly direction: boolean;
}

/** OCA crm.phonecall values: duration in minutes, state done (held) or cancel (not held); the marker in description, else in the summary. */
export function phonecallValues(log: CallLog, partnerId: number | undefined, fields: PhonecallFields): Record<string, unknown> {
  const userId = odooUserId(log.crmUserId);
  const answered = log.result === 'answered' || log.result === 'answeredElsewhere';
  return {
    name: fields.description ? callSummary(log) : `${callSummary(log)} [${callMarker(log)}]`,
    ...(partnerId !== undefined ? { partner_id: partnerId } : {}),
    partner_phone: callNumber(log),
    date: odooDatetime(log.startedAt),
    duration: Math.round((log.talkSeconds / 60) * 100) / 100,
    state: answered ? 'done' : 'cancel',
    ...(userId !== undefined ? { user_id: userId } : {}),
    ...(fields.description ? { description: noteBody(log) } : {}),
    ...(fields.direction ? { direction: log.direction === 'outbound' ? 'out' : 'in' } : {}),
  };
}

/** Where the marker of a phonecall is, for the resumed delivery's search. */
export function phonecallMarkerField(fields: PhonecallFields): 'description' | 'name' {
  return fields.description ? 'description' : 'name';
}
