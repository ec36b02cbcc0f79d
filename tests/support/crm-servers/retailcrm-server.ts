// A retailCRM API v5 test server (telephony part), following the official PHP
// client (retailcrm/api-client-php) and ../../../../shared/reference/crm-apis.md §3:
// GET /api/v5/telephony/manager, POST /api/v5/telephony/call/event (form field
// `event`), POST /api/v5/telephony/calls/upload (form field `calls`, externalId
// duplicate check), the API key in X-API-KEY or ?apiKey=, and errors as
// {success:false, errorMsg, errors}. What the reference marks UNVERIFIED is an
// option, so tests can run the connector against either behaviour.
import { startLoopbackServer, type RecordedRequest, type Reply } from './loopback-server';

export interface RetailCustomerSeed {
  readonly id: number;
  readonly externalId?: string;
  readonly firstName: string;
  readonly lastName?: string;
  readonly patronymic?: string;
  readonly email?: string;
  readonly phones: readonly string[];
  /** Responsible manager (a managers[] id). */
  readonly managerId?: number;
}

export interface RetailManagerSeed {
  readonly id: number;
  readonly firstName: string;
  readonly lastName?: string;
  readonly patronymic?: string;
  readonly email?: string;
  /** The manager's telephony code (extension). */
  readonly code?: string;
}

export interface RetailCrmServerOptions {
  /** Default 'retail-test-key'. */
  readonly apiKey?: string;
  readonly customers?: readonly RetailCustomerSeed[];
  readonly managers?: readonly RetailManagerSeed[];
  /** Manager returned for an unknown number (retailCRM's routing); none by default. */
  readonly routingManagerId?: number;
  /** telephony/manager for an unknown number (UNVERIFIED): 'empty' = success without customer (default), '404' = {success:false} 404. */
  readonly notFound?: 'empty' | '404';
  /** A call whose externalId is known (UNVERIFIED): 'list' = 200 with duplicateCalls[] (default), 'error' = 400 success:false with duplicateCalls[]. */
  readonly duplicates?: 'list' | 'error';
  /** Calls per calls/upload request (UNVERIFIED limit 50); 0 = no limit (default). */
  readonly maxCallsPerRequest?: number;
  /** HTTP status of the apiKey errors (UNVERIFIED); default 403. */
  readonly authErrorStatus?: number;
  /** 'Account does not exist.': as JSON (404) or as retailCRM's nginx 405 HTML page; undefined = the account exists. */
  readonly accountMissing?: 'json' | 'html';
  /** Paths the key may not use: 'Access denied.' (403). */
  readonly deniedPaths?: readonly string[];
  /** Every request answers 503 (the official client's "slow down and retry"). */
  readonly overloaded?: boolean;
  /** Retry-After (seconds) on 503; none by default. */
  readonly retryAfterSeconds?: number;
  /** Telephony codes retailCRM knows (call/event reports the others in notExistCodes); undefined = all. */
  readonly knownCodes?: readonly string[];
  /** Account base for links (default: the server's own URL). */
  readonly linkBase?: string;
  /** Canned failures, each answered once by the next request to its path (after the key check). */
  readonly failures?: readonly RetailFailure[];
}

export interface RetailFailure {
  /** e.g. /api/v5/telephony/calls/upload */
  readonly path: string;
  readonly status: number;
  readonly errorMsg: string;
  readonly errors?: Readonly<Record<string, string>> | readonly string[];
}

export interface UploadedCall {
  readonly date: string;
  readonly type: string;
  readonly phone: string;
  readonly code?: string;
  readonly userId?: number;
  readonly result?: string;
  readonly duration?: number;
  readonly durationWaiting?: number;
  readonly externalId?: string;
  readonly recordUrl?: string;
  readonly site?: string;
  readonly externalPhone?: string;
  readonly [key: string]: unknown;
}

export interface RetailCallEvent {
  readonly phone: string;
  readonly type: string;
  readonly codes?: readonly string[];
  readonly userIds?: readonly number[];
  readonly hangupStatus?: string;
  readonly callExternalId?: string;
  readonly externalPhone?: string;
  readonly site?: string;
  readonly [key: string]: unknown;
}

export interface RetailCrmServer {
  readonly url: string;
  /** Every request, in order (including refused ones). */
  requests(): readonly RecordedRequest[];
  /** Calls stored by calls/upload (each externalId once). */
  calls(): readonly UploadedCall[];
  /** Events accepted by call/event. */
  events(): readonly RetailCallEvent[];
  /** Changes options on the fly (e.g. overloaded: true). */
  set(patch: Partial<RetailCrmServerOptions>): void;
  /** Down: connections are dropped without an answer. */
  setDown(down: boolean): void;
  close(): Promise<void>;
}

export const RETAIL_TEST_KEY = 'retail-test-key';
export const RETAIL_CALL_RESULTS = ['answered', 'busy', 'failed', 'no answer', 'not allowed', 'unknown'] as const;
export const RETAIL_HANGUP_STATUSES = ['answered', 'busy', 'cancel', 'failed', 'no answered'] as const;

const DATE = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/;

function fail(status: number, errorMsg: string, extra: Record<string, unknown> = {}): Reply {
  return { status, body: { success: false, errorMsg, ...extra } };
}

function last10(phone: string): string {
  return phone.replace(/\D/g, '').slice(-10);
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Starts a retailCRM test server on 127.0.0.1. */
export async function startRetailCrmServer(initial: RetailCrmServerOptions = {}): Promise<RetailCrmServer> {
  let opts: RetailCrmServerOptions = { ...initial };
  const failures: RetailFailure[] = [...(initial.failures ?? [])];
  const stored: UploadedCall[] = [];
  const events: RetailCallEvent[] = [];
  let url = '';

  const managerById = (id: number | undefined) => (id === undefined ? undefined : (opts.managers ?? []).find((m) => m.id === id));
  const serializeManager = (m: RetailManagerSeed) => ({
    id: m.id,
    firstName: m.firstName,
    ...(m.lastName ? { lastName: m.lastName } : {}),
    ...(m.patronymic ? { patronymic: m.patronymic } : {}),
    ...(m.email ? { email: m.email } : {}),
    ...(m.code ? { code: m.code } : {}),
  });

  function authError(req: RecordedRequest): Reply | undefined {
    const key = req.headers['x-api-key'] ?? req.query['apiKey'];
    const status = opts.authErrorStatus ?? 403;
    if (key === undefined || key === '') return fail(status, '"apiKey" is missing.');
    if (key !== (opts.apiKey ?? RETAIL_TEST_KEY)) return fail(status, 'Wrong "apiKey" value.');
    return undefined;
  }

  function manager(req: RecordedRequest): Reply {
    const phone = req.query['phone'];
    if (phone === undefined || phone === '') return fail(400, "Parameter 'phone' is missing");
    const want = last10(phone);
    const customer = want.length >= 5 ? (opts.customers ?? []).find((c) => c.phones.some((p) => last10(p) === want)) : undefined;
    const base = opts.linkBase ?? url;
    const links: Record<string, string> = {
      newOrderLink: `${base}/orders/add?phone=${encodeURIComponent(phone)}`,
      newCustomerLink: `${base}/customers/add?phone=${encodeURIComponent(phone)}`,
    };
    if (!customer) {
      if (opts.notFound === '404') return fail(404, 'Not found');
      const routed = managerById(opts.routingManagerId);
      return { status: 200, body: { success: true, ...(routed ? { manager: serializeManager(routed) } : {}), links } };
    }
    const m = managerById(customer.managerId);
    const details = req.query['details'] === '1' || req.query['details'] === 'true';
    const body: Record<string, unknown> = {
      success: true,
      ...(m ? { manager: serializeManager(m) } : {}),
      customer: {
        id: customer.id,
        ...(customer.externalId ? { externalId: customer.externalId } : {}),
        firstName: customer.firstName,
        ...(customer.lastName ? { lastName: customer.lastName } : {}),
        ...(customer.patronymic ? { patronymic: customer.patronymic } : {}),
        ...(details && customer.email ? { email: customer.email } : {}),
        ...(details ? { phones: customer.phones.map((number) => ({ number })) } : {}),
      },
      links: { ...links, customerLink: `${base}/customers/${customer.id}`, lastOrderLink: `${base}/orders/${customer.id * 10}/edit` },
    };
    return { status: 200, body };
  }

  function callEvent(req: RecordedRequest): Reply {
    const raw = req.form?.['event'];
    if (raw === undefined) return fail(400, "Parameter 'event' is missing");
    let event: unknown;
    try {
      event = JSON.parse(raw) as unknown;
    } catch {
      return fail(400, 'Errors in the entity format', { errors: { event: 'This value is not valid JSON.' } });
    }
    if (!isRecord(event)) return fail(400, 'Errors in the entity format', { errors: { event: 'This value should be an object.' } });
    const errors: Record<string, string> = {};
    if (typeof event['phone'] !== 'string' || event['phone'] === '') errors['phone'] = 'This value should not be blank.';
    if (!['in', 'out', 'hangup'].includes(String(event['type']))) errors['type'] = 'The value you selected is not a valid choice.';
    if (event['hangupStatus'] !== undefined && !(RETAIL_HANGUP_STATUSES as readonly string[]).includes(String(event['hangupStatus']))) {
      errors['hangupStatus'] = 'The value you selected is not a valid choice.';
    }
    if (Object.keys(errors).length > 0) return fail(400, 'Errors in the entity format', { errors });
    events.push(event as RetailCallEvent);
    const codes = Array.isArray(event['codes']) ? event['codes'].map(String) : [];
    const known = opts.knownCodes;
    const notExistCodes = known ? codes.filter((c) => !known.includes(c)) : [];
    const userIds = Array.isArray(event['userIds']) ? event['userIds'].map(Number) : [];
    const notExistUsers = userIds.filter((id) => !(opts.managers ?? []).some((m) => m.id === id));
    return { status: 200, body: { success: true, ...(notExistCodes.length ? { notExistCodes } : {}), ...(notExistUsers.length ? { notExistUsers } : {}) } };
  }

  function upload(req: RecordedRequest): Reply {
    const raw = req.form?.['calls'];
    if (raw === undefined) return fail(400, "Parameter 'calls' is missing");
    let calls: unknown;
    try {
      calls = JSON.parse(raw) as unknown;
    } catch {
      return fail(400, 'Errors in the entity format', { errors: { calls: 'This value is not valid JSON.' } });
    }
    if (!Array.isArray(calls)) return fail(400, 'Errors in the entity format', { errors: { calls: 'This value should be an array.' } });
    const max = opts.maxCallsPerRequest ?? 0;
    if (max > 0 && calls.length > max) return fail(400, 'Errors in the entity format', { errors: { calls: `This collection should contain ${max} elements or less.` } });
    const errors: Record<string, string> = {};
    calls.forEach((c: unknown, i) => {
      if (!isRecord(c)) {
        errors[`calls[${i}]`] = 'This value should be an object.';
        return;
      }
      if (typeof c['date'] !== 'string' || !DATE.test(c['date'])) errors[`calls[${i}].date`] = 'This value is not a valid datetime (Y-m-d H:i:s).';
      if (!['in', 'out'].includes(String(c['type']))) errors[`calls[${i}].type`] = 'The value you selected is not a valid choice.';
      if (typeof c['phone'] !== 'string' || c['phone'] === '') errors[`calls[${i}].phone`] = 'This value should not be blank.';
      if (c['result'] !== undefined && !(RETAIL_CALL_RESULTS as readonly string[]).includes(String(c['result']))) {
        errors[`calls[${i}].result`] = 'The value you selected is not a valid choice.';
      }
      for (const k of ['duration', 'durationWaiting']) if (c[k] !== undefined && !(Number.isInteger(c[k]) && Number(c[k]) >= 0)) errors[`calls[${i}].${k}`] = 'This value should be a positive integer.';
    });
    if (Object.keys(errors).length > 0) return fail(400, 'Errors in the entity format', { errors });
    const duplicateCalls: string[] = [];
    let processed = 0;
    for (const c of calls as UploadedCall[]) {
      if (c.externalId !== undefined && stored.some((s) => s.externalId === c.externalId)) {
        duplicateCalls.push(c.externalId);
        continue;
      }
      stored.push(c);
      processed += 1;
    }
    if (duplicateCalls.length > 0 && opts.duplicates === 'error') {
      return fail(400, 'Calls with these externalId already exist', { processedCallsCount: processed, duplicateCalls });
    }
    return { status: 200, body: { success: true, processedCallsCount: processed, ...(duplicateCalls.length ? { duplicateCalls } : {}) } };
  }

  const server = await startLoopbackServer((req) => {
    if (opts.overloaded) {
      const headers = opts.retryAfterSeconds === undefined ? undefined : { 'Retry-After': String(opts.retryAfterSeconds) };
      return { ...fail(503, 'Service Unavailable'), ...(headers ? { headers } : {}) };
    }
    if (opts.accountMissing === 'html') {
      return { status: 405, contentType: 'text/html; charset=utf-8', body: '<html><head><title>405 Not Allowed</title></head><body><center><h1>405 Not Allowed</h1></center><hr><center>nginx/1.18.0</center></body></html>' };
    }
    if (opts.accountMissing === 'json') return fail(404, 'Account does not exist.');
    const denied = authError(req);
    if (denied) return denied;
    if ((opts.deniedPaths ?? []).includes(req.path)) return fail(403, 'Access denied.');
    const canned = failures.findIndex((f) => f.path === req.path);
    if (canned >= 0) {
      const [f] = failures.splice(canned, 1);
      if (f) return fail(f.status, f.errorMsg, f.errors ? { errors: f.errors } : {});
    }
    if (req.method === 'GET' && req.path === '/api/v5/telephony/manager') return manager(req);
    if (req.method === 'POST' && req.path === '/api/v5/telephony/call/event') return callEvent(req);
    if (req.method === 'POST' && req.path === '/api/v5/telephony/calls/upload') return upload(req);
    if (req.path.startsWith('/api/v5/telephony/')) return fail(405, 'Method Not Allowed');
    return fail(404, 'API method not found');
  });
  url = server.url;

  return {
    url: server.url,
    requests: () => server.requests(),
    calls: () => [...stored],
    events: () => [...events],
    set: (patch) => {
      opts = { ...opts, ...patch };
      if (patch.failures) failures.push(...patch.failures);
    },
    setDown: (down) => server.setDown(down),
    close: () => server.close(),
  };
}

/** Generic entry for child-process harnesses: `start(options)`. */
export const start = startRetailCrmServer;
