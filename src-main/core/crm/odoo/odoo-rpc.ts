// Calls to Odoo model methods over whichever API the server has: JSON-RPC
// (`POST /jsonrpc`, object.execute_kw(db, uid, key, model, method, args, kwargs)
// after common.authenticate) up to 18, `/json/2/<model>/<method>` with
// `Authorization: bearer <key>` and named arguments from 19 (common.version
// decides, once per session). The session is opened lazily and again after a
// failure; the key stays in this module.
import type { OdooSettings } from '../../../../src-shared/domain/crm-settings';
import { CrmError, isCrmError } from '../errors';
import { asRecord } from '../http/body';
import type { CrmHttp } from '../http/types';
import { ODOO_NAME } from './http-options';
import { chooseOdooApi, parseOdooVersion, type OdooApi, type OdooVersion } from './mapping';

export interface OdooSession {
  readonly api: OdooApi;
  /** From common.version; where /jsonrpc is gone (Odoo 20+) it is taken as 20.0. */
  readonly version: OdooVersion;
  readonly database: string;
  /** JSON-RPC: the uid of the login. */
  readonly uid?: number;
}

/** One model method call, in both shapes: JSON-RPC positional args + kwargs, /json/2 named arguments. */
export interface OdooCall {
  readonly model: string;
  readonly method: string;
  /** Record ids the method runs on (message_post). */
  readonly ids?: readonly number[];
  /** JSON-RPC positional arguments after the ids. */
  readonly args: readonly unknown[];
  /** The same arguments by name for /json/2 (domain, fields, vals_list, allfields...), plus keyword arguments. */
  readonly named: Readonly<Record<string, unknown>>;
  /** JSON-RPC keyword arguments. */
  readonly kwargs: Readonly<Record<string, unknown>>;
}

export interface OdooRpc {
  session(signal: AbortSignal): Promise<OdooSession>;
  call(call: OdooCall, signal: AbortSignal): Promise<unknown>;
}

export interface OdooRpcDeps {
  readonly settings: OdooSettings;
  readonly http: CrmHttp;
  /** The user's API key (keychain: CRM_SECRET_ACCOUNTS.credential('odoo')). */
  readonly apiKey: string;
}

/** Where /jsonrpc is gone (Odoo 20 removes it) the version is at least this. */
const AFTER_JSONRPC: OdooVersion = { major: 20, minor: 0, label: '20+' };

export function createOdooRpc(deps: OdooRpcDeps): OdooRpc {
  const { settings, http } = deps;
  const apiKey = deps.apiKey.trim();
  let seq = 0;
  let opening: Promise<OdooSession> | undefined;

  async function jsonRpc(service: string, method: string, args: readonly unknown[], signal: AbortSignal): Promise<unknown> {
    seq += 1;
    const { data } = await http.request<unknown>({
      method: 'POST',
      url: '/jsonrpc',
      data: { jsonrpc: '2.0', method: 'call', params: { service, method, args }, id: seq },
      signal,
    });
    const body = asRecord(data) ?? {};
    if (!('result' in body)) throw new CrmError('unavailable', `${ODOO_NAME} answered ${service}.${method} without a result; Sidecall will retry`);
    return body['result'];
  }

  async function version(signal: AbortSignal): Promise<OdooVersion | 'noJsonRpc'> {
    try {
      const info = await jsonRpc('common', 'version', [], signal);
      const v = parseOdooVersion(info);
      if (!v) throw new CrmError('config', `The server at ${settings.url} did not say which Odoo version it is: check the Odoo address in Settings -> CRM`);
      return v;
    } catch (e) {
      // No /jsonrpc at all: an Odoo without it (20+) when /json/2 is allowed.
      if (isCrmError(e) && (e.status === 404 || e.status === 405) && settings.api !== 'jsonrpc') return 'noJsonRpc';
      throw e;
    }
  }

  async function database(signal: AbortSignal): Promise<string> {
    if (settings.database !== '') return settings.database;
    let list: unknown;
    try {
      list = await jsonRpc('db', 'list', [], signal);
    } catch (e) {
      if (isCrmError(e) && (e.kind === 'auth' || e.kind === 'rejected')) list = undefined;
      else throw e;
    }
    if (Array.isArray(list) && list.length === 1 && typeof list[0] === 'string') return list[0];
    throw new CrmError('config', 'Enter the Odoo database name in Settings -> CRM (this server does not tell it)');
  }

  async function open(signal: AbortSignal): Promise<OdooSession> {
    if (apiKey === '') throw new CrmError('config', 'Enter your Odoo API key in Settings -> CRM (Odoo: My Profile -> Account Security -> New API Key)');
    const v = await version(signal);
    const api: OdooApi = v === 'noJsonRpc' ? 'json2' : chooseOdooApi(settings.api, v);
    const ver = v === 'noJsonRpc' ? AFTER_JSONRPC : v;
    if (api === 'json2') return { api, version: ver, database: settings.database };
    if (settings.login === '') throw new CrmError('config', 'Enter your Odoo login (the e-mail you sign in with) in Settings -> CRM');
    const db = await database(signal);
    const uid = await jsonRpc('common', 'authenticate', [db, settings.login, apiKey, {}], signal);
    if (typeof uid !== 'number' || uid <= 0) {
      throw new CrmError('auth', `Odoo refused the login ${settings.login} with this API key: check the login and the API key in Settings -> CRM (Odoo API keys expire)`);
    }
    return { api, version: ver, database: db, uid };
  }

  const session = (signal: AbortSignal): Promise<OdooSession> => {
    opening ??= open(signal).catch((e: unknown) => {
      opening = undefined;
      throw e;
    });
    return opening;
  };

  return {
    session,
    async call(c, signal) {
      const s = await session(signal);
      try {
        if (s.api === 'jsonrpc') {
          const positional = c.ids === undefined ? c.args : [c.ids, ...c.args];
          return await jsonRpc('object', 'execute_kw', [s.database, s.uid, apiKey, c.model, c.method, positional, c.kwargs], signal);
        }
        const headers: Record<string, string> = { Authorization: `bearer ${apiKey}` };
        if (s.database !== '') headers['X-Odoo-Database'] = s.database;
        const { data } = await http.request<unknown>({
          method: 'POST',
          url: `/json/2/${encodeURIComponent(c.model)}/${encodeURIComponent(c.method)}`,
          data: { ...(c.ids === undefined ? {} : { ids: c.ids }), ...c.named },
          headers,
          signal,
        });
        return data;
      } catch (e) {
        // A refused key may be a key replaced in Settings: open a new session next time.
        if (isCrmError(e) && e.kind === 'auth') opening = undefined;
        throw e;
      }
    },
  };
}
