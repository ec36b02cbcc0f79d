// The amoCRM (Kommo) connector: contact search by phone for the screen pop,
// "open in amoCRM" links, new contacts, call logs (POST /api/v4/calls; an
// unsorted `sip` lead for an unknown caller; a call-back task for a missed call)
// and the user list for the extension -> user map. HTTP (auth, refresh, 7 req/s,
// error mapping) is the shared CRM client's job (./http-options.ts); the request
// bodies come from the pure ./mapping.ts. A call log is delivered in steps, each
// saved through the DeliveryContext before the next request, so a resumed delivery
// never repeats a step amoCRM already confirmed.
import { z } from 'zod';
import type { AmoCrmSettings } from '../../../../src-shared/domain/crm-settings';
import type { CallLog } from '../../../../src-shared/domain/call-log';
import type { Contact } from '../../../../src-shared/domain/contact';
import type { Clock, Logger } from '../../../ports';
import type { CrmCallOptions, CrmCapability, CrmConnector, CrmUser, DeliveryContext, PhoneQuery } from '../connector';
import { CrmError, isCrmError, messageOf } from '../errors';
import type { CrmHttp } from '../http/types';
import { amoAccountUrl, AMOCRM_NAME } from './http-options';
import {
  AmoAccountSchema,
  AmoAddedCallsSchema,
  AmoAddedContactsSchema,
  AmoAddedTasksSchema,
  AmoAddedUnsortedSchema,
  AmoCompanySchema,
  AmoContactListSchema,
  AmoContactSchema,
  AmoUserPageSchema,
  amoContactUrl,
  amoUserId,
  callBody,
  callPhone,
  companyIdOf,
  contactFromAmo,
  createContactBody,
  digitsOf,
  isDuplicateUnsorted,
  isReportable,
  missedCallTaskBody,
  newContactPhone,
  phoneSearchQuery,
  pickContact,
  unsortedSipBody,
  userFromAmo,
  wantsMissedCallTask,
  type AmoAccount,
  type AmoContact,
} from './mapping';

export interface AmoCrmConnectorDeps {
  readonly settings: AmoCrmSettings;
  readonly http: CrmHttp;
  /** Settings -> CRM user map: operator extension -> amoCRM user id. */
  readonly users: Readonly<Record<string, string>>;
  readonly clock: Clock;
  readonly log: Logger;
  /** How long the user list (responsible managers' names) is reused, ms. Default 10 min. */
  readonly usersTtlMs?: number;
  /** A missed-call task is due this long after the call ended, minutes. Default 60. */
  readonly missedTaskDueMinutes?: number;
}

export interface AmoCrmConnector extends CrmConnector {
  findContact(query: PhoneQuery, options: CrmCallOptions): Promise<Contact | null>;
  contactUrl(contact: Contact): string;
  createContact(query: PhoneQuery, options: CrmCallOptions): Promise<Contact>;
  logCall(log: CallLog, ctx: DeliveryContext): Promise<void>;
  listUsers(options: CrmCallOptions): Promise<readonly CrmUser[]>;
  /** The account signed in to (name, subdomain): "connected as ...". */
  account(options: CrmCallOptions): Promise<AmoAccount>;
}

/** Names of the steps a call log delivery saves (DeliveryContext.steps). */
export const AMOCRM_STEPS = { contact: 'contact', unsorted: 'unsorted', callPosting: 'callPosting', call: 'call', task: 'task' } as const;

const ContactStepSchema = z.object({ id: z.number().int().nullable(), responsibleUserId: z.number().int().optional() });
type ContactStep = z.infer<typeof ContactStepSchema>;
const UnsortedStepSchema = z.object({ leadId: z.number().int().optional(), contactId: z.number().int().optional(), duplicate: z.boolean().optional() });
type UnsortedStep = z.infer<typeof UnsortedStepSchema>;
const CallStepSchema = z.object({ id: z.number().int().optional(), placed: z.boolean() });
const AmoCallNotesSchema = z.looseObject({
  _embedded: z.looseObject({ notes: z.array(z.looseObject({ id: z.number().int(), params: z.looseObject({ uniq: z.unknown().optional() }).nullable().optional() })) }),
});
const TaskStepSchema = z.object({ id: z.number().int().optional() });

function stepOf<T>(schema: z.ZodType<T>, steps: Readonly<Record<string, unknown>>, name: string): T | undefined {
  if (!(name in steps)) return undefined;
  const parsed = schema.safeParse(steps[name]);
  return parsed.success ? parsed.data : undefined;
}

const MAX_USER_PAGES = 40;

export function createAmoCrmConnector(deps: AmoCrmConnectorDeps): AmoCrmConnector {
  const { http, clock } = deps;
  const logger = deps.log;
  const accountUrl = amoAccountUrl(deps.settings);
  const usersTtlMs = deps.usersTtlMs ?? 10 * 60_000;
  const dueMinutes = deps.missedTaskDueMinutes ?? 60;
  const host = accountUrl.replace(/^https?:\/\//, '');
  const userExtensions = new Map<number, string>();
  for (const [ext, id] of Object.entries(deps.users)) {
    const n = amoUserId(id);
    if (n !== undefined && !userExtensions.has(n)) userExtensions.set(n, ext);
  }
  const companyNames = new Map<number, string>();
  let usersCache: { readonly at: number; readonly users: readonly CrmUser[] } | undefined;
  let usersLoading: Promise<readonly CrmUser[]> | undefined;

  /** A 2xx body that must have a shape; a GET that does not is an amoCRM problem worth retrying. */
  function parse<T>(schema: z.ZodType<T>, data: unknown, what: string): T {
    const parsed = schema.safeParse(data);
    if (parsed.success) return parsed.data;
    logger.warn('amoCRM answer has an unexpected shape', { what, issues: parsed.error.issues.length });
    throw new CrmError('unavailable', `amoCRM gave an unexpected answer to the ${what}; Sidecall will retry`);
  }

  async function fetchUsers(signal?: AbortSignal): Promise<readonly CrmUser[]> {
    const users: CrmUser[] = [];
    for (let page = 1; page <= MAX_USER_PAGES; page++) {
      const res = await http.request<unknown>({ method: 'GET', url: '/api/v4/users', params: { page, limit: 250 }, ...(signal ? { signal } : {}) });
      if (res.status === 204 || res.data === undefined) break;
      const body = parse(AmoUserPageSchema, res.data, 'user list');
      users.push(...body._embedded.users.map(userFromAmo));
      const more = body._links?.next !== undefined || (body._page_count !== undefined && page < body._page_count);
      if (!more || body._embedded.users.length === 0) break;
    }
    usersCache = { at: clock.now(), users };
    return users;
  }

  /** User names for responsible managers: the cached list, refreshed in the background of a lookup; never fails a lookup. */
  async function userNames(): Promise<ReadonlyMap<number, string>> {
    const toMap = (users: readonly CrmUser[]) => new Map(users.map((u) => [Number(u.id), u.name] as const));
    if (usersCache && clock.now() - usersCache.at < usersTtlMs) return toMap(usersCache.users);
    usersLoading ??= fetchUsers().finally(() => (usersLoading = undefined));
    try {
      return toMap(await usersLoading);
    } catch (e) {
      logger.warn('amoCRM user list unavailable; contact shown without its manager', { error: messageOf(e) });
      return toMap(usersCache?.users ?? []);
    }
  }

  async function companyName(id: number, signal: AbortSignal): Promise<string | undefined> {
    const known = companyNames.get(id);
    if (known !== undefined) return known;
    try {
      const res = await http.request<unknown>({ method: 'GET', url: `/api/v4/companies/${id}`, signal });
      if (res.data === undefined) return undefined;
      const company = AmoCompanySchema.safeParse(res.data);
      if (!company.success) return undefined;
      companyNames.set(id, company.data.name);
      return company.data.name;
    } catch (e) {
      if (signal.aborted) throw e;
      logger.warn('amoCRM company unavailable; contact shown without it', { error: messageOf(e) });
      return undefined;
    }
  }

  async function searchByPhone(q: PhoneQuery, signal: AbortSignal): Promise<AmoContact | undefined> {
    const query = phoneSearchQuery(q);
    if (query === '') return undefined;
    const res = await http.request<unknown>({ method: 'GET', url: '/api/v4/contacts', params: { query, limit: 50 }, signal });
    if (res.status === 204 || res.data === undefined) return undefined;
    return pickContact(parse(AmoContactListSchema, res.data, 'contact search')._embedded.contacts, q);
  }

  async function toContact(c: AmoContact, signal: AbortSignal): Promise<Contact> {
    const companyId = companyIdOf(c);
    const embeddedName = c._embedded?.companies?.[0]?.name;
    const [names, company] = await Promise.all([userNames(), companyId !== undefined && embeddedName === undefined ? companyName(companyId, signal) : undefined]);
    return contactFromAmo(c, { accountUrl, userNames: names, userExtensions, ...(company !== undefined ? { companyName: company } : {}) });
  }

  const queryOf = (log: CallLog): PhoneQuery => ({ ...(log.number.e164 ? { e164: log.number.e164 } : {}), digits: log.number.digits || digitsOf(callPhone(log)), raw: log.number.raw });

  /** The contact the call belongs to: the screen pop's, else a search by number; null: amoCRM does not know the caller. */
  async function resolveContact(log: CallLog, needResponsible: boolean, signal: AbortSignal): Promise<ContactStep> {
    const popped = amoUserId(log.contactId);
    if (popped !== undefined) {
      if (!needResponsible) return { id: popped };
      const res = await http.request<unknown>({ method: 'GET', url: `/api/v4/contacts/${popped}`, signal });
      if (res.status !== 204 && res.data !== undefined) {
        const c = parse(AmoContactSchema, res.data, 'contact');
        return { id: c.id, ...(c.responsible_user_id ? { responsibleUserId: c.responsible_user_id } : {}) };
      }
      // Deleted since the pop: fall back to the number.
    }
    const found = await searchByPhone(queryOf(log), signal);
    return found ? { id: found.id, ...(found.responsible_user_id ? { responsibleUserId: found.responsible_user_id } : {}) } : { id: null };
  }

  async function postUnsorted(log: CallLog, userId: number | undefined, signal: AbortSignal): Promise<UnsortedStep> {
    try {
      const res = await http.request<unknown>({ method: 'POST', url: '/api/v4/leads/unsorted/sip', data: [unsortedSipBody(log, { pipelineId: deps.settings.pipelineId, userId })], signal });
      const parsed = AmoAddedUnsortedSchema.safeParse(res.data);
      if (!parsed.success) {
        logger.warn('amoCRM accepted the unsorted lead with an unexpected answer', { callId: log.id });
        return {};
      }
      const item = parsed.data._embedded.unsorted[0];
      const leadId = item?._embedded?.leads?.[0]?.id;
      const contactId = item?._embedded?.contacts?.[0]?.id;
      return { ...(leadId !== undefined ? { leadId } : {}), ...(contactId !== undefined ? { contactId } : {}) };
    } catch (e) {
      // An earlier attempt got through but its confirmation was lost: amoCRM refuses the same source_uid.
      if (isCrmError(e) && e.kind === 'rejected' && e.status === 400 && isDuplicateUnsorted(e.crmMessage)) {
        logger.info('amoCRM already has the unsorted lead of this call', { callId: log.id });
        return { duplicate: true };
      }
      throw e;
    }
  }

  /** The id of the contact's call note for this call log (params.uniq = log id), or undefined. */
  async function findCallNote(contactId: number, log: CallLog, signal: AbortSignal): Promise<number | undefined> {
    const want = log.id;
    for (let page = 1; page <= 20; page += 1) {
      const res = await http.request<unknown>({
        method: 'GET',
        url: '/api/v4/contacts/notes',
        params: { 'filter[entity_id][]': contactId, 'filter[note_type][]': log.direction === 'outbound' ? 'call_out' : 'call_in', limit: 250, page },
        signal,
      });
      if (res.status === 204) return undefined;
      const parsed = AmoCallNotesSchema.safeParse(res.data);
      if (!parsed.success) return undefined;
      const hit = parsed.data._embedded.notes.find((n) => String(n.params?.uniq ?? '') === want);
      if (hit) return hit.id;
      if (parsed.data._embedded.notes.length < 250) return undefined;
    }
    return undefined;
  }

  /** POST /api/v4/calls. `known`: the contact is in amoCRM, so "not added" is an error the operator should see. */
  async function postCall(log: CallLog, userId: number | undefined, known: boolean, signal: AbortSignal): Promise<{ id?: number; placed: boolean }> {
    let data: unknown;
    try {
      data = (await http.request<unknown>({ method: 'POST', url: '/api/v4/calls', data: [callBody(log, userId)], signal })).data;
    } catch (e) {
      // amoCRM adds a call only to an entity with that number; for a caller it does not know, a
      // refusal means "nowhere to put it", which is the expected outcome, not a failure.
      if (!known && isCrmError(e) && e.kind === 'rejected' && e.status === 400) {
        logger.info('amoCRM did not add the call of an unknown number', { callId: log.id, crm: e.crmMessage });
        return { placed: false };
      }
      throw e;
    }
    const parsed = AmoAddedCallsSchema.safeParse(data);
    if (!parsed.success) {
      logger.warn('amoCRM accepted the call with an unexpected answer', { callId: log.id });
      return { placed: true };
    }
    const call = parsed.data._embedded.calls[0];
    if (call) return { id: call.id, placed: true };
    if (known) {
      throw new CrmError('rejected', `amoCRM did not add the call: no contact, lead or company with the number ${callPhone(log)} (was it changed or deleted?)`, {
        crmMessage: 'call not added',
      });
    }
    logger.info('amoCRM did not add the call of an unknown number', { callId: log.id });
    return { placed: false };
  }

  return {
    id: 'amocrm',
    displayName: `${AMOCRM_NAME} (${host})`,
    capabilities: new Set<CrmCapability>(['findContact', 'createContact', 'logCall', 'listUsers', 'missedCallTask']),

    async findContact(q, { signal }) {
      const found = await searchByPhone(q, signal);
      return found ? toContact(found, signal) : null;
    },

    contactUrl(contact) {
      return amoContactUrl(accountUrl, contact.id);
    },

    async createContact(q, { signal }) {
      if (digitsOf(newContactPhone(q)) === '') throw new CrmError('rejected', 'A contact needs a phone number: this call has none');
      const res = await http.request<unknown>({ method: 'POST', url: '/api/v4/contacts', data: createContactBody(q), signal });
      const id = parse(AmoAddedContactsSchema, res.data, 'new contact')._embedded.contacts[0]?.id as number;
      const phone = newContactPhone(q);
      return { id: String(id), name: phone, url: amoContactUrl(accountUrl, id), phones: [phone] };
    },

    async logCall(callLog, ctx) {
      if (!isReportable(callLog) || digitsOf(callPhone(callLog)) === '') {
        logger.debug('Call not reported to amoCRM', { callId: callLog.id, direction: callLog.direction, result: callLog.result });
        return;
      }
      const { signal, steps } = ctx;
      const userId = amoUserId(callLog.crmUserId ?? deps.users[callLog.extension]);
      const wantsTask = wantsMissedCallTask(callLog);

      let contact = stepOf(ContactStepSchema, steps, AMOCRM_STEPS.contact);
      if (!contact) {
        contact = await resolveContact(callLog, wantsTask, signal);
        await ctx.saveStep(AMOCRM_STEPS.contact, contact);
      }

      let unsorted: UnsortedStep | undefined;
      if (contact.id === null && callLog.rules.createUnknown) {
        unsorted = stepOf(UnsortedStepSchema, steps, AMOCRM_STEPS.unsorted);
        if (!unsorted) {
          unsorted = await postUnsorted(callLog, userId, signal);
          await ctx.saveStep(AMOCRM_STEPS.unsorted, unsorted);
        }
      } else if (!stepOf(CallStepSchema, steps, AMOCRM_STEPS.call)) {
        // /api/v4/calls has no duplicate check: an attempt that may have reached amoCRM (crash, lost
        // answer) is looked up among the contact's call notes by uniq before it is sent again.
        const found = contact.id !== null && AMOCRM_STEPS.callPosting in steps ? await findCallNote(contact.id, callLog, signal) : undefined;
        if (found !== undefined) {
          logger.info('amoCRM already has this call (found by uniq); not sent again', { callId: callLog.id });
          await ctx.saveStep(AMOCRM_STEPS.call, { id: found, placed: true });
        } else {
          if (contact.id !== null) await ctx.saveStep(AMOCRM_STEPS.callPosting, { at: clock.now() });
          const call = await postCall(callLog, userId, contact.id !== null, signal);
          await ctx.saveStep(AMOCRM_STEPS.call, call);
        }
      }

      if (wantsTask && !stepOf(TaskStepSchema, steps, AMOCRM_STEPS.task)) {
        let target: { entityId?: number; entityType?: 'contacts' | 'leads' } = {};
        if (contact.id !== null) target = { entityId: contact.id, entityType: 'contacts' };
        else if (unsorted?.leadId !== undefined) target = { entityId: unsorted.leadId, entityType: 'leads' };
        else if (unsorted?.contactId !== undefined) target = { entityId: unsorted.contactId, entityType: 'contacts' };
        const responsibleUserId = contact.responsibleUserId ?? userId;
        const body = missedCallTaskBody(callLog, { ...target, ...(responsibleUserId !== undefined ? { responsibleUserId } : {}), dueMinutes });
        const res = await http.request<unknown>({ method: 'POST', url: '/api/v4/tasks', data: [body], signal });
        const parsed = AmoAddedTasksSchema.safeParse(res.data);
        await ctx.saveStep(AMOCRM_STEPS.task, parsed.success ? { id: parsed.data._embedded.tasks[0]?.id } : {});
      }
    },

    async listUsers({ signal }) {
      return fetchUsers(signal);
    },

    async account({ signal }) {
      const res = await http.request<unknown>({ method: 'GET', url: '/api/v4/account', signal });
      return parse(AmoAccountSchema, res.data, 'account details');
    },
  };
}
