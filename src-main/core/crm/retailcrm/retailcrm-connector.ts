// The retailCRM connector: the screen pop through telephony/manager (customer,
// responsible manager, card link), ringing / outgoing / hangup events through
// telephony/call/event (so retailCRM's own pop-ups and routing work too), and
// call logs through telephony/calls/upload with externalId = the call log id
// (retailCRM's duplicate check backs up the outbox's). HTTP (API key, pace,
// error mapping) is the shared client's job (./http-options.ts); bodies come
// from the pure ./mapping.ts.
import { z } from 'zod';
import type { CallLog } from '../../../../src-shared/domain/call-log';
import type { Contact } from '../../../../src-shared/domain/contact';
import type { RetailCrmSettings } from '../../../../src-shared/domain/crm-settings';
import type { Logger } from '../../../ports';
import type { CrmCallEvent, CrmCallOptions, CrmCapability, CrmConnector, DeliveryContext, PhoneQuery } from '../connector';
import { CrmError, isCrmError } from '../errors';
import type { CrmHttp } from '../http/types';
import { hostOf } from '../url';
import { RETAILCRM_NAME, RetailCrmError, retailAccountUrl } from './http-options';
import {
  RetailEventResponseSchema,
  RetailManagerResponseSchema,
  RetailUploadResponseSchema,
  callEventBody,
  contactFromManagerResponse,
  isReportable,
  lookupPhone,
  retailUserId,
  uploadCall,
} from './mapping';

export interface RetailCrmConnectorDeps {
  readonly settings: RetailCrmSettings;
  readonly http: CrmHttp;
  /** Settings -> CRM user map: operator extension -> retailCRM user id. */
  readonly users: Readonly<Record<string, string>>;
  readonly log: Logger;
}

export interface RetailCrmConnector extends CrmConnector {
  findContact(query: PhoneQuery, options: CrmCallOptions): Promise<Contact | null>;
  contactUrl(contact: Contact): string | undefined;
  logCall(log: CallLog, ctx: DeliveryContext): Promise<void>;
  callEvent(event: CrmCallEvent, options: CrmCallOptions): Promise<void>;
}

/** Names of the steps a delivery saves (DeliveryContext.steps). */
export const RETAILCRM_STEPS = { upload: 'upload' } as const;

const UploadStepSchema = z.object({ duplicate: z.boolean() });

const API = '/api/v5/telephony';

function unexpected(what: string, detail: string): CrmError {
  return new CrmError('unavailable', `retailCRM answered ${what} in an unexpected form (${detail}); Sidecall will retry`);
}

export function createRetailCrmConnector(deps: RetailCrmConnectorDeps): RetailCrmConnector {
  const { settings, http, log } = deps;
  const accountUrl = retailAccountUrl(settings);
  const userExtensions = new Map(Object.entries(deps.users).map(([ext, id]) => [id, ext] as const));
  const warnedCodes = new Set<string>();
  const capabilities = new Set<CrmCapability>(['findContact', 'logCall']);
  if (settings.callEvents) capabilities.add('callEvents');

  return {
    id: 'retailcrm',
    displayName: `${RETAILCRM_NAME} (${hostOf(accountUrl)})`,
    capabilities,

    async findContact(q, { signal }) {
      let data: unknown;
      try {
        ({ data } = await http.request({ method: 'GET', url: `${API}/manager`, params: { phone: lookupPhone(q), details: 1 }, signal }));
      } catch (e) {
        // Some accounts answer an unknown number with 404 instead of an empty result.
        if (isCrmError(e) && e.kind === 'rejected' && e.status === 404) return null;
        throw e;
      }
      const parsed = RetailManagerResponseSchema.safeParse(data ?? {});
      if (!parsed.success) throw unexpected('the number lookup', parsed.error.issues[0]?.message ?? 'invalid');
      return contactFromManagerResponse(parsed.data, { accountUrl, userExtensions });
    },

    contactUrl(contact) {
      return contact.url;
    },

    async logCall(callLog, ctx) {
      if (UploadStepSchema.safeParse(ctx.steps[RETAILCRM_STEPS.upload]).success) return;
      if (!isReportable(callLog)) {
        log.debug('Internal call not reported to retailCRM', { callId: callLog.id });
        return;
      }
      let call: Record<string, unknown>;
      try {
        call = uploadCall(callLog, settings);
      } catch (e) {
        if (e instanceof RangeError) throw new CrmError('config', `The retailCRM time zone "${settings.timeZone}" is not known: use a name such as Europe/Moscow in Settings -> CRM`);
        throw e;
      }
      let duplicate: boolean;
      try {
        const { data } = await http.request({ method: 'POST', url: `${API}/calls/upload`, form: true, data: { calls: [call] }, signal: ctx.signal });
        const parsed = RetailUploadResponseSchema.safeParse(data ?? {});
        duplicate = parsed.success && (parsed.data.duplicateCalls ?? []).includes(callLog.id);
      } catch (e) {
        // Accounts that refuse a known externalId as an error still name it: it is there already.
        if (!(e instanceof RetailCrmError && e.duplicateCalls.includes(callLog.id))) throw e;
        duplicate = true;
      }
      if (duplicate) log.info('retailCRM already had this call', { callId: callLog.id });
      await ctx.saveStep(RETAILCRM_STEPS.upload, { duplicate });
    },

    async callEvent(event, { signal }) {
      if (!settings.callEvents) return;
      const body = callEventBody(event, settings, retailUserId(deps.users[event.extension]));
      const { data } = await http.request({ method: 'POST', url: `${API}/call/event`, form: true, data: { event: body }, signal });
      const parsed = RetailEventResponseSchema.safeParse(data ?? {});
      const unknown = parsed.success ? (parsed.data.notExistCodes ?? []) : [];
      for (const code of unknown) {
        if (warnedCodes.has(code)) continue;
        warnedCodes.add(code);
        log.warn('retailCRM does not know this telephony code: set it on the manager in retailCRM so its pop-ups reach them', { code });
      }
    },
  };
}
