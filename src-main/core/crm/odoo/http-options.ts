// How the shared CRM HTTP client talks to Odoo: the server address, no client
// auth (the API key travels in each /jsonrpc call's arguments, or as
// `Authorization: bearer` on /json/2, added per request by ./odoo-rpc.ts), and
// Odoo's errors as CrmErrors in Odoo's words: JSON-RPC's 200 with
// {"error":{"code":200,"message":"Odoo Server Error","data":{name, message}}},
// and /json/2's HTTP statuses with a {name, message} object or a JSON string.
import type { OdooSettings } from '../../../../src-shared/domain/crm-settings';
import { CrmError } from '../errors';
import { asRecord, clip, textOf } from '../http/body';
import type { CrmHttpOptions, CrmResponseInfo } from '../http/types';
import { trimBase } from '../url';

export const ODOO_NAME = 'Odoo';
/** Odoo's words in a message are cut at this many characters. */
const ODOO_CLIP = 400;

/** The Odoo address without a trailing slash; CrmError('config') when it is not set. */
export function odooBaseUrl(settings: OdooSettings): string {
  const url = trimBase(settings.url);
  if (url === '') throw new CrmError('config', 'Enter the Odoo address (https://<your company>.odoo.com) in Settings -> CRM');
  return url;
}

export interface OdooFault {
  /** Python exception, e.g. odoo.exceptions.AccessDenied (absent for a /json/2 string body). */
  readonly name?: string;
  readonly message: string;
}

/** The error of an Odoo answer: JSON-RPC `error`, a /json/2 error object or string; undefined otherwise. */
export function odooFaultOf(res: CrmResponseInfo): OdooFault | undefined {
  const body = asRecord(res.data);
  const rpcError = asRecord(body?.['error']);
  if (body && rpcError && body['jsonrpc'] !== undefined) {
    const data = asRecord(rpcError['data']);
    const message = textOf(data?.['message']) ?? textOf(rpcError['message']) ?? 'Odoo Server Error';
    const name = textOf(data?.['name']) ?? (rpcError['code'] === 100 ? 'odoo.http.SessionExpiredException' : undefined);
    return { message: clip(message, ODOO_CLIP), ...(name ? { name } : {}) };
  }
  if (res.status < 400) return undefined;
  if (typeof res.data === 'string' && textOf(res.data) && !res.data.trim().startsWith('<')) return { message: clip(res.data.trim(), ODOO_CLIP) };
  if (body && textOf(body['message'])) return { message: clip(textOf(body['message']) as string, ODOO_CLIP), ...(textOf(body['name']) ? { name: textOf(body['name']) } : {}) };
  return undefined;
}

/** Odoo errors as CrmErrors; undefined leaves the shared client's mapping by status (HTML 404, 502...). */
export function mapOdooError(res: CrmResponseInfo): CrmError | undefined {
  const fault = odooFaultOf(res);
  if (!fault) return undefined;
  const { status } = res;
  const crmMessage = fault.message;
  const opts = { status, crmMessage };
  const name = fault.name ?? '';
  if (name.endsWith('AccessDenied') || name.endsWith('Unauthorized') || name.endsWith('SessionExpiredException') || status === 401) {
    return new CrmError('auth', `Odoo refused the API key (${crmMessage}): check the login and the API key in Settings -> CRM (Odoo API keys expire)`, opts);
  }
  if (name.endsWith('AccessError') || status === 403) {
    return new CrmError('config', `Odoo denied access: ${crmMessage} Ask your Odoo administrator to give this user access to contacts.`, opts);
  }
  if (name === 'psycopg2.OperationalError' && /database .* does not exist/i.test(crmMessage)) {
    return new CrmError('config', `Odoo has no such database (${crmMessage}): check the database name in Settings -> CRM`, opts);
  }
  if (status >= 502) return new CrmError('unavailable', `Odoo is having trouble (HTTP ${status}: ${crmMessage}); Sidecall will retry`, opts);
  return new CrmError('rejected', `Odoo refused the request: ${crmMessage}`, opts);
}

/** Options of the CRM HTTP client for one Odoo server. */
export function odooHttpOptions(settings: OdooSettings): CrmHttpOptions {
  return {
    baseUrl: odooBaseUrl(settings),
    crmName: ODOO_NAME,
    auth: { kind: 'none' },
    isTokenRejected: () => false,
    mapError: mapOdooError,
  };
}
