// Pure mapping of the generic REST CRM: the lookup URL of a number, the
// contact in the lookup answer (through the JSON path mapping of Settings), and
// the call log body (the documented JSON body, or the operator's template).
// No I/O. The body and the placeholders are documented in docs/crm-generic.md.
import type { CallLog } from '../../../../src-shared/domain/call-log';
import type { Contact } from '../../../../src-shared/domain/contact';
import type { GenericCrmSettings } from '../../../../src-shared/domain/crm-settings';
import type { PhoneQuery } from '../connector';
import { messageOf } from '../errors';
import { asRecord } from '../http/body';
import { trimBase } from '../url';
import { readJsonPath } from './json-path';
import { fillJsonTemplate, fillUrlTemplate, type TemplateValue } from './template';

export const LOOKUP_PLACEHOLDERS = ['base', 'e164', 'digits', 'raw'] as const;
export const CONTACT_URL_PLACEHOLDERS = ['base', 'id'] as const;
export const LOG_URL_PLACEHOLDERS = ['base', 'id'] as const;
export const LOG_BODY_PLACEHOLDERS = [
  'id',
  'linkedid',
  'direction',
  'phone',
  'e164',
  'digits',
  'raw',
  'extension',
  'userId',
  'contactId',
  'remoteName',
  'startedAt',
  'answeredAt',
  'endedAt',
  'startedAtUnix',
  'endedAtUnix',
  'talkSeconds',
  'waitSeconds',
  'result',
  'answeredBy',
  'recordingUrl',
] as const;

/** GET URL for a number: {e164} falls back to the digits when the number did not parse. */
export function lookupUrl(settings: GenericCrmSettings, q: PhoneQuery): string {
  return fillUrlTemplate(settings.lookupUrl, trimBase(settings.baseUrl), { e164: q.e164 ?? q.digits, digits: q.digits, raw: q.raw });
}

function scalarText(v: unknown): string | undefined {
  if (typeof v === 'string') return v.trim() === '' ? undefined : v.trim();
  if (typeof v === 'number' && Number.isFinite(v)) return String(v);
  return undefined;
}

/** An http(s) link, absolute or relative to the base's origin; undefined otherwise. */
export function absoluteLink(link: string, baseUrl: string): string | undefined {
  try {
    const u = new URL(link, `${trimBase(baseUrl)}/`);
    return u.protocol === 'http:' || u.protocol === 'https:' ? u.toString() : undefined;
  } catch {
    return undefined;
  }
}

/** The contact in a lookup answer; null when the answer holds none (empty list, empty object, nothing at contactPath). */
export function contactFromResponse(data: unknown, settings: GenericCrmSettings, q: PhoneQuery): Contact | null {
  let root = settings.contactPath === '' ? data : readJsonPath(data, settings.contactPath);
  if (Array.isArray(root)) root = root[0];
  if (typeof root !== 'object' || root === null || Array.isArray(root) || Object.keys(root).length === 0) return null;
  const m = settings.mapping;
  const id = m.id === '' ? undefined : scalarText(readJsonPath(root, m.id));
  const name = m.name === '' ? undefined : scalarText(readJsonPath(root, m.name));
  if (id === undefined && name === undefined) return null;
  const phone = q.e164 ?? (q.raw || q.digits);
  const company = m.company === '' ? undefined : scalarText(readJsonPath(root, m.company));
  const resp = m.responsible === '' ? undefined : readJsonPath(root, m.responsible);
  const respObj = asRecord(resp);
  const respName = scalarText(resp) ?? scalarText(respObj?.['name']);
  const respExt = scalarText(respObj?.['extension']) ?? scalarText(respObj?.['ext']);
  const rawLink = m.link === '' ? undefined : scalarText(readJsonPath(root, m.link));
  const base = trimBase(settings.baseUrl);
  const link =
    (rawLink ? absoluteLink(rawLink, base) : undefined) ??
    (settings.contactUrlTemplate !== '' && id !== undefined ? absoluteLink(fillUrlTemplate(settings.contactUrlTemplate, base, { id }), base) : undefined);
  return {
    id: id ?? phone,
    name: name ?? phone,
    ...(company ? { company } : {}),
    ...(respName ? { responsible: { name: respName, ...(respExt ? { extension: respExt } : {}) } } : {}),
    ...(link ? { url: link } : {}),
    phones: phone ? [phone] : [],
  };
}

const iso = (ms: number | undefined): string | null => (ms === undefined ? null : new Date(ms).toISOString());

/** The number the CRM gets: the CRM form, else E.164, else digits, else as the PBX gave it. */
export function logPhone(log: CallLog): string {
  return log.number.crm ?? log.number.e164 ?? (log.number.digits || log.number.raw);
}

/** The documented call log body (docs/crm-generic.md): `id` is also the Idempotency-Key. */
export function documentedCallBody(log: CallLog): Record<string, unknown> {
  return {
    id: log.id,
    linkedid: log.linkedid,
    direction: log.direction,
    phone: logPhone(log),
    phoneRaw: log.number.raw,
    extension: log.extension,
    userId: log.crmUserId ?? null,
    contactId: log.contactId ?? null,
    remoteName: log.remoteName ?? null,
    startedAt: iso(log.startedAt),
    answeredAt: iso(log.answeredAt),
    endedAt: iso(log.endedAt),
    talkSeconds: log.talkSeconds,
    waitSeconds: log.waitSeconds,
    result: log.result,
    answeredBy: log.answeredBy ?? null,
    transferredTo: log.transfers.filter((t) => t.direction === 'out' && t.to).map((t) => t.to),
    recordingUrl: log.recording.url ?? null,
  };
}

/** Values of the body template placeholders. */
export function callTemplateValues(log: CallLog): Record<string, TemplateValue> {
  return {
    id: log.id,
    linkedid: log.linkedid,
    direction: log.direction,
    phone: logPhone(log),
    e164: log.number.e164,
    digits: log.number.digits,
    raw: log.number.raw,
    extension: log.extension,
    userId: log.crmUserId,
    contactId: log.contactId,
    remoteName: log.remoteName,
    startedAt: iso(log.startedAt) ?? undefined,
    answeredAt: iso(log.answeredAt) ?? undefined,
    endedAt: iso(log.endedAt) ?? undefined,
    startedAtUnix: Math.floor(log.startedAt / 1000),
    endedAtUnix: Math.floor(log.endedAt / 1000),
    talkSeconds: log.talkSeconds,
    waitSeconds: log.waitSeconds,
    result: log.result,
    answeredBy: log.answeredBy,
    recordingUrl: log.recording.url,
  };
}

/** The body to POST: the template filled in and parsed (so a broken template fails here, with the parser's words), or the documented body. */
export function callBody(log: CallLog, settings: GenericCrmSettings): { ok: true; body: unknown } | { ok: false; error: string } {
  if (settings.logBodyTemplate.trim() === '') return { ok: true, body: documentedCallBody(log) };
  const text = fillJsonTemplate(settings.logBodyTemplate, callTemplateValues(log));
  try {
    return { ok: true, body: JSON.parse(text) as unknown };
  } catch (e) {
    return { ok: false, error: messageOf(e) };
  }
}

/** POST URL of call logs ({base}, {id}). */
export function logUrl(settings: GenericCrmSettings, log: CallLog): string {
  return fillUrlTemplate(settings.logUrl, trimBase(settings.baseUrl), { id: log.id });
}
