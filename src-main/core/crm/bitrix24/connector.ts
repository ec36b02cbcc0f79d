// The Bitrix24 connector: screen-pop lookups through
// telephony.externalCall.searchCrmEntities, and call reporting as Bitrix24's
// external-call life cycle, register -> finish -> attachRecord (+ a to-do for a
// missed call), each step's result saved in the outbox before the next request.
// A resumed delivery skips what is saved; a crash after a register answer but
// before its save re-registers with the same EXTERNAL_CALL_ID, which Bitrix24
// answers with the same CALL_ID within 30 minutes; a crash after finish but
// before its save gets "Call is not found" on the repeat, which counts as done.
import { z } from 'zod';
import type { Bitrix24Settings } from '../../../../src-shared/domain/crm-settings';
import type { CallLog } from '../../../../src-shared/domain/call-log';
import type { Contact } from '../../../../src-shared/domain/contact';
import type { Clock, Logger } from '../../../ports';
import type { CrmCallOptions, CrmCapability, CrmConnector, CrmUser, DeliveryContext, PhoneQuery } from '../connector';
import { CrmError, isCrmError } from '../errors';
import type { CrmHttp } from '../http/types';
import { trimBase } from '../url';
import { Bitrix24Error } from './errors';
import { BITRIX24_NAME } from './http-options';
import {
  AttachResultSchema,
  FinishResultSchema,
  RegisterResultSchema,
  SearchResultSchema,
  TodoResultSchema,
  UserSchema,
  attachRecordParams,
  contactFromSearch,
  decodeEntityId,
  entityTypeOf,
  entityUrl,
  finishParams,
  localOffsetMinutes,
  missedCallTodoParams,
  needsMissedCallTask,
  phoneForCrm,
  pickEntity,
  registerParams,
  shouldReport,
  userDisplayName,
  userRef,
  type Bitrix24EntityType,
  type RestParams,
} from './mapping';

export interface Bitrix24ConnectorDeps {
  readonly settings: Bitrix24Settings;
  /** createCrmHttp(bitrix24HttpOptions(...)). */
  readonly http: CrmHttp;
  /** Extension -> Bitrix24 user id (Settings -> CRM user map). */
  readonly users?: Readonly<Record<string, string>>;
  readonly clock: Clock;
  readonly log: Logger;
  /** Zone of CALL_START_DATE (minutes east of UTC); default this computer's. */
  readonly offsetMinutes?: (ms: number) => number;
  /** For card links when Settings has no portal address (webhook mode: the webhook's portal). */
  readonly portalUrl?: string;
}

export interface Bitrix24Connector extends CrmConnector {
  /** "Connected as": the signed-in (or webhook) user's name, from `profile`. */
  connectedAs(options: CrmCallOptions): Promise<string>;
}

/** Saved step results (outbox). */
const RegisterStepSchema = z.object({ callId: z.string().min(1), entityType: z.enum(['CONTACT', 'COMPANY', 'LEAD']).optional(), entityId: z.number().optional() });
type RegisterStep = z.infer<typeof RegisterStepSchema>;

const CAPABILITIES: ReadonlySet<CrmCapability> = new Set<CrmCapability>(['findContact', 'logCall', 'attachRecording', 'listUsers', 'missedCallTask']);
const USER_NAME_TTL_MS = 10 * 60_000;
const MAX_USER_PAGES = 100;

/** The permission each method needs (b24restdocs scopes), for "grant the X permission" messages. */
function scopeOf(method: string): string | undefined {
  const m = method.toLowerCase();
  if (m.startsWith('telephony.')) return 'telephony';
  if (m.startsWith('crm.')) return 'crm';
  if (m.startsWith('user.')) return 'user';
  return undefined;
}

function isCallNotFoundOnFinish(e: unknown): boolean {
  return e instanceof Bitrix24Error && /call is not found/i.test(e.crmMessage ?? '');
}

export function createBitrix24Connector(deps: Bitrix24ConnectorDeps): Bitrix24Connector {
  const { http, clock, settings } = deps;
  const logger = deps.log;
  const users = deps.users ?? {};
  const offsetAt = deps.offsetMinutes ?? localOffsetMinutes;
  const portal = trimBase(deps.portalUrl ?? settings.portalUrl);
  const host = /^https?:\/\/([^/]+)/i.exec(portal)?.[1];
  const userNames = new Map<string, { readonly name: string; readonly at: number }>();
  const nameLookups = new Map<string, Promise<string | undefined>>();

  /** One REST call; the body's `result` (and the whole body for paging). */
  async function callRaw(method: string, params: RestParams | Record<string, unknown>, signal: AbortSignal): Promise<Record<string, unknown>> {
    try {
      const res = await http.request<unknown>({ method: 'POST', url: `${method}.json`, data: params, signal });
      const body = res.data;
      if (typeof body !== 'object' || body === null || !('result' in body)) {
        throw new CrmError('unavailable', `Bitrix24 answered ${method} without a result: check the portal address in Settings -> CRM; Sidecall will retry`, { status: res.status });
      }
      return body as Record<string, unknown>;
    } catch (e) {
      if (e instanceof Bitrix24Error && e.kind === 'config' && /^(insufficient_scope|ERROR_METHOD_NOT_FOUND)$/i.test(e.code)) {
        const scope = scopeOf(method);
        if (scope) {
          throw new Bitrix24Error(
            'config',
            `Bitrix24 refused ${method}: the Sidecall application (or webhook) lacks the "${scope}" permission; grant it in Bitrix24 (Developer resources -> the application or webhook -> Permissions), then reconnect in Settings -> CRM`,
            e.code,
            { status: e.status, crmMessage: e.crmMessage, cause: e },
          );
        }
      }
      throw e;
    }
  }

  async function call<T>(method: string, params: RestParams | Record<string, unknown>, schema: z.ZodType<T>, signal: AbortSignal): Promise<T> {
    const body = await callRaw(method, params, signal);
    const parsed = schema.safeParse(body['result']);
    if (!parsed.success) {
      logger.warn('Bitrix24 answer did not have the documented shape', { method, issues: parsed.error.issues.length });
      throw new CrmError('unavailable', `Bitrix24 gave an unexpected answer to ${method}; Sidecall will retry`);
    }
    return parsed.data;
  }

  /** The responsible manager's name for the card: cached, one request per user however many pops ask at once. */
  function userName(id: string, signal: AbortSignal): Promise<string | undefined> {
    const cached = userNames.get(id);
    if (cached && clock.now() - cached.at < USER_NAME_TTL_MS) return Promise.resolve(cached.name);
    const pending = nameLookups.get(id);
    if (pending) return pending;
    const lookup = (async (): Promise<string | undefined> => {
      try {
        const list = await call('user.get', { FILTER: { ID: id } }, z.array(UserSchema), signal);
        const u = list[0];
        if (!u) return undefined;
        const name = userDisplayName(u);
        userNames.set(id, { name, at: clock.now() });
        return name;
      } catch (e) {
        if (signal.aborted || !isCrmError(e)) throw e;
        // The card is still useful without the manager's name (e.g. no "user" permission).
        logger.debug('Bitrix24 user name lookup failed', { kind: e.kind });
        return undefined;
      } finally {
        nameLookups.delete(id);
      }
    })();
    nameLookups.set(id, lookup);
    return lookup;
  }

  async function searchEntities(phone: string, signal: AbortSignal) {
    return call('telephony.externalCall.searchCrmEntities', { PHONE_NUMBER: phone }, SearchResultSchema, signal);
  }

  async function register(callLog: CallLog, ctx: DeliveryContext): Promise<RegisterStep> {
    const res = await call(
      'telephony.externalCall.register',
      registerParams(callLog, { users, lineNumber: settings.lineNumber, offsetMinutes: offsetAt(callLog.startedAt) }),
      RegisterResultSchema,
      ctx.signal,
    );
    if (res.LEAD_CREATION_ERROR) logger.warn('Bitrix24 could not create a lead for the caller', { callLog: callLog.id, reason: res.LEAD_CREATION_ERROR });
    const entityType = entityTypeOf(res.CRM_ENTITY_TYPE);
    const entityId = res.CRM_ENTITY_ID ?? undefined;
    const step: RegisterStep = { callId: res.CALL_ID, ...(entityType && entityId !== undefined ? { entityType, entityId } : {}) };
    await ctx.saveStep('register', step);
    return step;
  }

  async function finish(callLog: CallLog, reg: RegisterStep, resumed: boolean, ctx: DeliveryContext): Promise<void> {
    let saved: Record<string, unknown>;
    try {
      const res = await call('telephony.externalCall.finish', finishParams(callLog, reg.callId, users), FinishResultSchema, ctx.signal);
      saved = { activityId: res.CRM_ACTIVITY_ID ?? null };
    } catch (e) {
      // finish answered before a crash that lost its save: the call already left Bitrix24's active calls.
      if (!resumed || !isCallNotFoundOnFinish(e)) throw e;
      logger.info('Bitrix24 call was already finished before a restart', { callLog: callLog.id });
      saved = { alreadyFinished: true };
    }
    await ctx.saveStep('finish', saved);
  }

  async function attach(reg: RegisterStep, url: string, ctx: DeliveryContext): Promise<void> {
    try {
      const res = await call('telephony.externalCall.attachRecord', attachRecordParams(reg.callId, url), AttachResultSchema, ctx.signal);
      await ctx.saveStep('attach', { fileId: res.FILE_ID ?? null });
    } catch (e) {
      if (isCrmError(e) && e.kind === 'rejected') {
        // The call itself is in Bitrix24; say so, and what was refused (e.g. a link on a private address).
        throw new CrmError('rejected', `Bitrix24 logged the call but refused its recording link (${e.crmMessage ?? e.message}): check Settings -> Reporting -> recording link`, {
          status: e.status,
          crmMessage: e.crmMessage,
          cause: e,
        });
      }
      throw e;
    }
  }

  async function missedCallTask(callLog: CallLog, reg: RegisterStep, ctx: DeliveryContext): Promise<void> {
    if (!reg.entityType || reg.entityId === undefined) {
      // Nothing to hang a to-do on: unknown caller and no lead created.
      logger.info('Missed-call task skipped: the call is not bound to a Bitrix24 contact, company or lead', { callLog: callLog.id });
      await ctx.saveStep('task', { skipped: 'noEntity' });
      return;
    }
    const responsibleId = await responsibleOf(callLog, reg.entityType, reg.entityId, ctx.signal);
    const res = await call(
      'crm.activity.todo.add',
      missedCallTodoParams(callLog, { entityType: reg.entityType, entityId: reg.entityId, offsetMinutes: offsetAt(callLog.endedAt), ...(responsibleId !== undefined ? { responsibleId } : {}) }),
      TodoResultSchema,
      ctx.signal,
    );
    await ctx.saveStep('task', { id: res.id });
  }

  /** The entity's responsible manager; else the operator's own user; else Bitrix24's default (the caller of the method). */
  async function responsibleOf(callLog: CallLog, type: Bitrix24EntityType, id: number, signal: AbortSignal): Promise<number | undefined> {
    const hits = await searchEntities(phoneForCrm(callLog), signal);
    const hit = hits.find((h) => entityTypeOf(h.CRM_ENTITY_TYPE) === type && h.CRM_ENTITY_ID === id);
    const assigned = hit?.ASSIGNED_BY_ID ?? hit?.ASSIGNED_BY?.ID ?? undefined;
    if (typeof assigned === 'number') return assigned;
    const me = userRef(callLog, users);
    return 'USER_ID' in me && typeof me.USER_ID === 'number' ? me.USER_ID : undefined;
  }

  return {
    id: 'bitrix24',
    displayName: host ? `${BITRIX24_NAME} (${host})` : BITRIX24_NAME,
    capabilities: CAPABILITIES,

    async findContact(query: PhoneQuery, { signal }: CrmCallOptions): Promise<Contact | null> {
      const phone = query.e164 ?? (query.digits !== '' ? query.digits : query.raw);
      const results = await searchEntities(phone, signal);
      const hit = pickEntity(results);
      if (!hit) return null;
      const assigned = hit.ASSIGNED_BY_ID ?? hit.ASSIGNED_BY?.ID;
      const responsibleName = assigned !== undefined && assigned !== null ? await userName(String(assigned), signal) : undefined;
      return contactFromSearch(results, { portalUrl: portal, phone, ...(responsibleName ? { responsibleName } : {}) });
    },

    contactUrl(contact: Contact): string | undefined {
      if (portal === '') return undefined;
      const e = decodeEntityId(contact.id);
      return e ? entityUrl(portal, e.type, e.id) : undefined;
    },

    async logCall(callLog: CallLog, ctx: DeliveryContext): Promise<void> {
      if (!shouldReport(callLog)) return;
      const saved = RegisterStepSchema.safeParse(ctx.steps['register']);
      const resumed = saved.success;
      const reg = saved.success ? saved.data : await register(callLog, ctx);
      if (ctx.steps['finish'] === undefined) await finish(callLog, reg, resumed, ctx);
      const url = callLog.recording.url;
      if (url && ctx.steps['attach'] === undefined) await attach(reg, url, ctx);
      if (needsMissedCallTask(callLog) && ctx.steps['task'] === undefined) await missedCallTask(callLog, reg, ctx);
    },

    async listUsers({ signal }: CrmCallOptions): Promise<readonly CrmUser[]> {
      const out: CrmUser[] = [];
      let start = 0;
      for (let page = 0; page < MAX_USER_PAGES; page += 1) {
        const body = await callRaw('user.get', { FILTER: { ACTIVE: true }, start }, signal);
        const parsed = z.array(UserSchema).safeParse(body['result']);
        if (!parsed.success) throw new CrmError('unavailable', 'Bitrix24 gave an unexpected answer to user.get; try again');
        for (const u of parsed.data) {
          const ext = u.UF_PHONE_INNER === null || u.UF_PHONE_INNER === undefined ? '' : String(u.UF_PHONE_INNER).trim();
          const name = userDisplayName(u);
          userNames.set(u.ID, { name, at: clock.now() });
          out.push({ id: u.ID, name, ...(u.EMAIL ? { email: u.EMAIL } : {}), ...(ext ? { extension: ext } : {}) });
        }
        const next = body['next'];
        if (typeof next !== 'number' || next <= start) break;
        start = next;
      }
      return out;
    },

    async connectedAs({ signal }: CrmCallOptions): Promise<string> {
      const me = await call('profile', {}, UserSchema, signal);
      return userDisplayName(me);
    },
  };
}
