// The Odoo connector (14 to 19): res.partner by phone for the screen pop, the
// card link in the form of the server's version, and call logs as a chatter note
// on the partner (message_post: result, duration, recording link) or, when
// Settings asks for it and OCA crm_phonecall is installed, a crm.phonecall. Each
// step of a delivery is saved before the next request; a post that may have gone
// through before a crash is looked up by its marker before it is sent again.
import { z } from 'zod';
import type { CallLog } from '../../../../src-shared/domain/call-log';
import type { Contact } from '../../../../src-shared/domain/contact';
import type { OdooSettings } from '../../../../src-shared/domain/crm-settings';
import type { Logger } from '../../../ports';
import type { CrmCallOptions, CrmCapability, CrmConnector, DeliveryContext, PhoneQuery } from '../connector';
import { CrmError } from '../errors';
import { asRecord } from '../http/body';
import type { CrmHttp } from '../http/types';
import { hostOf } from '../url';
import { ODOO_NAME, odooBaseUrl } from './http-options';
import {
  OdooPartnerSchema,
  PARTNER_PHONE_FIELDS,
  callMarker,
  contactFromPartner,
  hasNumber,
  newPartnerPhone,
  notePostKwargs,
  partnerIdOf,
  partnerPhoneDomain,
  partnerPhoneFields,
  partnerReadFields,
  phoneTail,
  phonecallMarkerField,
  phonecallValues,
  type OdooPartner,
  type PartnerPhoneFields,
  type PhonecallFields,
} from './mapping';
import { createOdooRpc, type OdooRpc, type OdooSession } from './odoo-rpc';

export interface OdooConnectorDeps {
  readonly settings: OdooSettings;
  readonly http: CrmHttp;
  /** The user's API key (keychain: CRM_SECRET_ACCOUNTS.credential('odoo')). */
  readonly apiKey: string;
  readonly log: Logger;
}

export interface OdooConnector extends CrmConnector {
  findContact(query: PhoneQuery, options: CrmCallOptions): Promise<Contact | null>;
  contactUrl(contact: Contact): string | undefined;
  logCall(log: CallLog, ctx: DeliveryContext): Promise<void>;
  /** The server's version and API, e.g. for "connected to Odoo 17.0". */
  session(options: CrmCallOptions): Promise<OdooSession>;
}

/** Names of the steps a delivery saves (DeliveryContext.steps). */
export const ODOO_STEPS = { partner: 'partner', note: 'note', phonecall: 'phonecall' } as const;

const PartnerStepSchema = z.object({ id: z.number().int().nullable() });
/** `posting` is saved before the request: a resumed delivery then searches before posting again. */
const PostStepSchema = z.object({ state: z.enum(['posting', 'done', 'skipped']), id: z.number().int().optional() });
type PostStep = z.infer<typeof PostStepSchema>;

function idOf(result: unknown): number | undefined {
  if (typeof result === 'number') return result;
  if (Array.isArray(result) && typeof result[0] === 'number') return result[0];
  return undefined;
}

export function createOdooConnector(deps: OdooConnectorDeps): OdooConnector {
  const { settings, log } = deps;
  const baseUrl = odooBaseUrl(settings);
  const rpc: OdooRpc = createOdooRpc({ settings, http: deps.http, apiKey: deps.apiKey });
  // What the database has installed does not change while Sidecall runs (and costs a request to learn).
  let phoneFields: Promise<PartnerPhoneFields> | undefined;
  let phonecallModel: Promise<PhonecallFields | null> | undefined;
  const capabilities = new Set<CrmCapability>(['findContact', 'logCall']);

  const memo = <T>(get: () => Promise<T> | undefined, set: (p: Promise<T> | undefined) => void, load: () => Promise<T>): Promise<T> => {
    const have = get();
    if (have) return have;
    const p = load().catch((e: unknown) => {
      set(undefined);
      throw e;
    });
    set(p);
    return p;
  };

  const partnerFields = (signal: AbortSignal) =>
    memo(
      () => phoneFields,
      (p) => (phoneFields = p),
      async () =>
        partnerPhoneFields(
          await rpc.call({ model: 'res.partner', method: 'fields_get', args: [[...PARTNER_PHONE_FIELDS]], kwargs: { attributes: ['type'] }, named: { allfields: [...PARTNER_PHONE_FIELDS], attributes: ['type'] } }, signal),
        ),
    );

  /** crm.phonecall's optional fields when the model is installed (ir.model), else null. */
  const phonecall = (signal: AbortSignal) =>
    memo(
      () => phonecallModel,
      (p) => (phonecallModel = p),
      async () => {
        const domain = [['model', '=', 'crm.phonecall']];
        const count = await rpc.call({ model: 'ir.model', method: 'search_count', args: [domain], kwargs: {}, named: { domain } }, signal);
        if (typeof count !== 'number' || count < 1) return null;
        const fields = await rpc.call({ model: 'crm.phonecall', method: 'fields_get', args: [['description', 'direction']], kwargs: { attributes: ['type'] }, named: { allfields: ['description', 'direction'], attributes: ['type'] } }, signal);
        const f = asRecord(fields) ?? {};
        return { description: 'description' in f, direction: 'direction' in f };
      },
    );

  async function searchPartner(q: PhoneQuery, signal: AbortSignal): Promise<OdooPartner | null> {
    const tail = phoneTail(q);
    if (tail.length < 3) return null;
    const fields = await partnerFields(signal);
    if (!fields.phoneMobileSearch && !fields.phone && !fields.mobile) throw new CrmError('config', 'This Odoo has no phone fields on contacts: Sidecall cannot look numbers up');
    const domain = partnerPhoneDomain(tail, fields);
    const read = partnerReadFields(fields);
    const rows = await rpc.call({ model: 'res.partner', method: 'search_read', args: [domain], kwargs: { fields: read, limit: 20, order: 'id' }, named: { domain, fields: read, limit: 20, order: 'id' } }, signal);
    if (!Array.isArray(rows)) throw new CrmError('unavailable', `${ODOO_NAME} answered the contact search in an unexpected form; Sidecall will retry`);
    for (const row of rows) {
      const p = OdooPartnerSchema.safeParse(row);
      if (p.success && hasNumber(p.data, tail)) return p.data;
    }
    return null;
  }

  async function countMarked(model: string, domain: unknown[], signal: AbortSignal): Promise<number> {
    const n = await rpc.call({ model, method: 'search_count', args: [domain], kwargs: {}, named: { domain } }, signal);
    return typeof n === 'number' ? n : 0;
  }

  /** The partner of a call: the screen pop's, else by number, else a new one for an unknown caller when the rules say so. */
  async function partnerFor(callLog: CallLog, ctx: DeliveryContext): Promise<number | null> {
    const saved = PartnerStepSchema.safeParse(ctx.steps[ODOO_STEPS.partner]);
    if (saved.success) return saved.data.id;
    let id: number | null = partnerIdOf(callLog.contactId) ?? null;
    if (id === null) {
      const found = await searchPartner({ ...(callLog.number.e164 ? { e164: callLog.number.e164 } : {}), digits: callLog.number.digits, raw: callLog.number.raw }, ctx.signal);
      id = found?.id ?? null;
    }
    if (id === null && callLog.rules.createUnknown && callLog.direction !== 'internal') {
      // Not idempotent by itself, but a resumed delivery finds the new partner by its number first.
      const phone = newPartnerPhone(callLog);
      const vals = { name: callLog.remoteName?.trim() || phone, phone };
      id = idOf(await rpc.call({ model: 'res.partner', method: 'create', args: [vals], kwargs: {}, named: { vals_list: [vals] } }, ctx.signal)) ?? null;
      if (id === null) throw new CrmError('unavailable', `${ODOO_NAME} did not return the new contact's id; Sidecall will retry`);
      log.info('Created an Odoo contact for an unknown caller', { callId: callLog.id, partnerId: id });
    }
    await ctx.saveStep(ODOO_STEPS.partner, { id });
    return id;
  }

  /** One post (note or phonecall) that is safe to resume: saved as `posting`, searched by marker on resume, then `done`. */
  async function postOnce(step: string, ctx: DeliveryContext, alreadyThere: () => Promise<boolean>, post: () => Promise<number | undefined>): Promise<void> {
    const saved = PostStepSchema.safeParse(ctx.steps[step]);
    const prev: PostStep | undefined = saved.success ? saved.data : undefined;
    if (prev?.state === 'done' || prev?.state === 'skipped') return;
    if (prev?.state === 'posting' && (await alreadyThere())) {
      await ctx.saveStep(step, { state: 'done' });
      return;
    }
    await ctx.saveStep(step, { state: 'posting' });
    const id = await post();
    await ctx.saveStep(step, { state: 'done', ...(id !== undefined ? { id } : {}) });
  }

  return {
    id: 'odoo',
    displayName: `${ODOO_NAME} (${hostOf(baseUrl)})`,
    capabilities,

    session: ({ signal }) => rpc.session(signal),

    async findContact(q, { signal }) {
      const s = await rpc.session(signal);
      const p = await searchPartner(q, signal);
      return p ? contactFromPartner(p, baseUrl, s.version) : null;
    },

    contactUrl(contact) {
      return contact.url;
    },

    async logCall(callLog, ctx) {
      if (callLog.direction === 'internal') {
        log.debug('Internal call not reported to Odoo', { callId: callLog.id });
        return;
      }
      const pc = settings.callLog === 'phonecall' ? await phonecall(ctx.signal) : null;
      if (settings.callLog === 'phonecall' && pc === null) log.warn('crm.phonecall is not installed in Odoo: logging the call as a note instead', { callId: callLog.id });
      const partnerId = await partnerFor(callLog, ctx);
      const marker = callMarker(callLog);

      if (pc) {
        const field = phonecallMarkerField(pc);
        await postOnce(
          ODOO_STEPS.phonecall,
          ctx,
          async () => (await countMarked('crm.phonecall', [[field, 'ilike', marker]], ctx.signal)) > 0,
          async () => {
            const vals = phonecallValues(callLog, partnerId ?? undefined, pc);
            return idOf(await rpc.call({ model: 'crm.phonecall', method: 'create', args: [vals], kwargs: {}, named: { vals_list: [vals] } }, ctx.signal));
          },
        );
        return;
      }
      if (partnerId === null) {
        // A note needs a contact to hang on; creating one is off for unknown callers.
        log.info('No Odoo contact has this number and creating contacts is off: call not logged', { callId: callLog.id });
        await ctx.saveStep(ODOO_STEPS.note, { state: 'skipped' });
        return;
      }
      await postOnce(
        ODOO_STEPS.note,
        ctx,
        async () =>
          (await countMarked(
            'mail.message',
            [
              ['model', '=', 'res.partner'],
              ['res_id', '=', partnerId],
              ['body', 'ilike', marker],
            ],
            ctx.signal,
          )) > 0,
        async () => idOf(await rpc.call({ model: 'res.partner', method: 'message_post', ids: [partnerId], args: [], kwargs: notePostKwargs(callLog), named: notePostKwargs(callLog) }, ctx.signal)),
      );
    },
  };
}
