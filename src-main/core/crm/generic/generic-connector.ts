// The generic REST CRM connector, for in-house CRMs: the screen pop is a GET of
// Settings' lookup URL with the answer read through Settings' JSON path
// mapping; a call log is one POST of the documented body (or Settings'
// template) with `Idempotency-Key: <call log id>`, and 409 means the CRM has it
// already. Requests go only to the origin of the base URL, so a template cannot
// carry the credential elsewhere. Documented in docs/crm-generic.md.
import { z } from 'zod';
import type { CallLog } from '../../../../src-shared/domain/call-log';
import type { Contact } from '../../../../src-shared/domain/contact';
import type { GenericCrmSettings } from '../../../../src-shared/domain/crm-settings';
import type { Logger } from '../../../ports';
import type { CrmCallOptions, CrmCapability, CrmConnector, DeliveryContext, PhoneQuery } from '../connector';
import { CrmError, isCrmError } from '../errors';
import type { CrmHttp } from '../http/types';
import { trimBase } from '../url';
import { genericCrmName } from './http-options';
import { parseJsonPath } from './json-path';
import {
  CONTACT_URL_PLACEHOLDERS,
  LOG_BODY_PLACEHOLDERS,
  LOG_URL_PLACEHOLDERS,
  LOOKUP_PLACEHOLDERS,
  callBody,
  contactFromResponse,
  logUrl,
  lookupUrl,
} from './mapping';
import { unknownPlaceholders } from './template';

export interface GenericCrmConnectorDeps {
  readonly settings: GenericCrmSettings;
  readonly http: CrmHttp;
  readonly log: Logger;
}

export interface GenericCrmConnector extends CrmConnector {
  findContact(query: PhoneQuery, options: CrmCallOptions): Promise<Contact | null>;
  contactUrl(contact: Contact): string | undefined;
  logCall(log: CallLog, ctx: DeliveryContext): Promise<void>;
}

export const GENERIC_STEPS = { post: 'post' } as const;
const PostStepSchema = z.object({ status: z.number().int() });

/** What is wrong with the templates and paths of Settings, in words for the user; [] when nothing. */
export function genericSettingsProblems(settings: GenericCrmSettings): string[] {
  const problems: string[] = [];
  const check = (what: string, template: string, allowed: readonly string[]) => {
    const unknown = unknownPlaceholders(template, allowed);
    if (unknown.length > 0) problems.push(`${what} uses unknown placeholders ${unknown.map((u) => `{${u}}`).join(', ')} (known: ${allowed.map((a) => `{${a}}`).join(' ')})`);
  };
  check('The lookup URL', settings.lookupUrl, LOOKUP_PLACEHOLDERS);
  check('The contact URL', settings.contactUrlTemplate, CONTACT_URL_PLACEHOLDERS);
  check('The call log URL', settings.logUrl, LOG_URL_PLACEHOLDERS);
  check('The call log body', settings.logBodyTemplate, LOG_BODY_PLACEHOLDERS);
  for (const [field, path] of Object.entries({ contactPath: settings.contactPath, ...settings.mapping })) {
    if (parseJsonPath(path) === undefined) problems.push(`The JSON path of ${field} ("${path}") is not dotted keys and [index]`);
  }
  return problems;
}

function originOf(url: string): string | undefined {
  try {
    return new URL(url).origin;
  } catch {
    return undefined;
  }
}

export function createGenericCrmConnector(deps: GenericCrmConnectorDeps): GenericCrmConnector {
  const { settings, http, log } = deps;
  const name = genericCrmName(settings);
  const base = trimBase(settings.baseUrl);
  const problems = genericSettingsProblems(settings);
  const origin = originOf(base);
  const capabilities = new Set<CrmCapability>(['findContact']);
  if (settings.logUrl !== '') capabilities.add('logCall');

  const usable = (): void => {
    if (problems.length > 0) throw new CrmError('config', `${name} settings: ${problems.join('; ')}. Fix them in Settings -> CRM`);
    if (origin === undefined) throw new CrmError('config', `Enter the ${name} API address in Settings -> CRM`);
  };
  /** The credential goes only where the base URL points. */
  const sameOrigin = (url: string, what: string): string => {
    if (originOf(url) !== origin) throw new CrmError('config', `The ${what} of ${name} (${url}) is not on ${origin ?? base}: templates must stay on the CRM's address (Settings -> CRM)`);
    return url;
  };

  return {
    id: 'generic',
    displayName: `${name} (${origin ? new URL(origin).host : base})`,
    capabilities,

    async findContact(q, { signal }) {
      usable();
      const url = sameOrigin(lookupUrl(settings, q), 'lookup URL');
      let data: unknown;
      try {
        ({ data } = await http.request({ method: 'GET', url, signal }));
      } catch (e) {
        if (isCrmError(e) && e.status === 404) return null;
        throw e;
      }
      if (typeof data === 'string') throw new CrmError('config', `${name} answered the lookup with something that is not JSON: check the lookup URL in Settings -> CRM`);
      return contactFromResponse(data, settings, q);
    },

    contactUrl(contact) {
      return contact.url;
    },

    async logCall(callLog, ctx) {
      if (PostStepSchema.safeParse(ctx.steps[GENERIC_STEPS.post]).success) return;
      usable();
      if (settings.logUrl === '') return;
      const url = sameOrigin(logUrl(settings, callLog), 'call log URL');
      const body = callBody(callLog, settings);
      if (!body.ok) throw new CrmError('config', `The ${name} call log template is not valid JSON once filled in (${body.error}): fix it in Settings -> CRM`);
      let status: number;
      try {
        ({ status } = await http.request({ method: 'POST', url, data: body.body, headers: { 'Idempotency-Key': callLog.id, 'Content-Type': 'application/json' }, signal: ctx.signal }));
      } catch (e) {
        // 409 Conflict: the CRM already has a call with this id (a repeated delivery).
        if (!(isCrmError(e) && e.status === 409)) throw e;
        status = 409;
        log.info('The CRM already had this call', { callId: callLog.id });
      }
      await ctx.saveStep(GENERIC_STEPS.post, { status });
    },
  };
}
