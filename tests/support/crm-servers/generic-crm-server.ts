// A REST CRM of the kind the generic connector is for (an in-house CRM):
// GET {base}/contacts?phone=... and POST {base}/calls under /api, with the
// contact in one of three response shapes (`flat` object, `list` array,
// `nested` {data:[...]} with other key names), auth by bearer token, API key
// header or basic auth, an Idempotency-Key duplicate check (409 or 200), and
// the failures a real one has (401, 422 with a message, 429, 503, down).
import { startLoopbackServer, type RecordedRequest, type Reply } from './loopback-server';

export interface GenericContactSeed {
  readonly id: string | number;
  readonly name: string;
  readonly company?: string;
  readonly responsible?: string;
  readonly responsibleExt?: string;
  readonly phones: readonly string[];
  /** Card URL; absent: the server sends none (the connector's contactUrlTemplate applies). */
  readonly url?: string;
}

export type GenericServerAuth =
  | { readonly kind: 'none' }
  /** Any of these tokens is accepted (a rotated OAuth token too). */
  | { readonly kind: 'bearer'; readonly tokens: readonly string[] }
  | { readonly kind: 'apiKey'; readonly header: string; readonly key: string }
  | { readonly kind: 'basic'; readonly username: string; readonly password: string };

export interface GenericCrmServerOptions {
  readonly contacts?: readonly GenericContactSeed[];
  /**
   * `flat`: {id, name, company, responsible, url, phones} (404 when unknown);
   * `list`: [ {...flat} ] ([] when unknown);
   * `nested`: {data: [{contact_id, full_name, org: {title}, owner: {name, ext}, links: {web}}], total} (data [] when unknown).
   */
  readonly shape?: 'flat' | 'list' | 'nested';
  /** Override of the not-found answer: 404, 204, or an empty result of the shape. */
  readonly notFound?: 404 | 204 | 'empty';
  readonly auth?: GenericServerAuth;
  /** A second POST with a known Idempotency-Key (or body id): 409 (default) or 200. */
  readonly duplicates?: 409 | 200;
  /** Refuse calls without an Idempotency-Key header (422). */
  readonly requireIdempotencyKey?: boolean;
  /** Check the documented call body (docs/crm-generic.md) and answer 422 with a message when it is wrong. */
  readonly strictBody?: boolean;
  /** Answer POST /calls with this error once per call (e.g. {status: 422, message: 'phone is not valid'}). */
  readonly rejectCalls?: { readonly status: number; readonly message: string };
  readonly overloaded?: boolean;
  /** 429 with Retry-After seconds. */
  readonly rateLimitedSeconds?: number;
}

export interface GenericCrmServer {
  readonly url: string;
  /** The base the connector is configured with: `${url}/api`. */
  readonly baseUrl: string;
  requests(): readonly RecordedRequest[];
  /** Call logs stored (each idempotency key once), as received. */
  calls(): readonly unknown[];
  set(patch: Partial<GenericCrmServerOptions>): void;
  setDown(down: boolean): void;
  close(): Promise<void>;
}

const last10 = (p: string): string => p.replace(/\D/g, '').slice(-10);

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

const DOC_RESULTS = ['answered', 'missed', 'busy', 'noAnswer', 'failed', 'answeredElsewhere', 'rejected', 'cancelled'];
const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{3})?Z$/;

/** What is wrong with a documented call body (docs/crm-generic.md), or undefined. */
function documentedBodyProblem(b: unknown): string | undefined {
  if (!isRecord(b)) return 'body must be a JSON object';
  if (typeof b['id'] !== 'string' || b['id'] === '') return 'id is required';
  if (!['inbound', 'outbound', 'internal'].includes(String(b['direction']))) return 'direction must be inbound, outbound or internal';
  if (typeof b['phone'] !== 'string' || b['phone'] === '') return 'phone is required';
  if (typeof b['extension'] !== 'string') return 'extension is required';
  if (!DOC_RESULTS.includes(String(b['result']))) return `result must be one of ${DOC_RESULTS.join(', ')}`;
  for (const k of ['startedAt', 'endedAt']) if (typeof b[k] !== 'string' || !ISO.test(b[k])) return `${k} must be an ISO 8601 UTC time`;
  if (b['answeredAt'] !== null && (typeof b['answeredAt'] !== 'string' || !ISO.test(b['answeredAt']))) return 'answeredAt must be an ISO 8601 UTC time or null';
  for (const k of ['talkSeconds', 'waitSeconds']) if (!Number.isInteger(b[k]) || Number(b[k]) < 0) return `${k} must be a whole number of seconds`;
  if (b['recordingUrl'] !== null && typeof b['recordingUrl'] !== 'string') return 'recordingUrl must be a string or null';
  return undefined;
}

/** Starts a generic REST CRM test server on 127.0.0.1 (API under /api). */
export async function startGenericCrmServer(initial: GenericCrmServerOptions = {}): Promise<GenericCrmServer> {
  let opts: GenericCrmServerOptions = { ...initial };
  const stored = new Map<string, unknown>();

  function authFailure(req: RecordedRequest): Reply | undefined {
    const auth = opts.auth ?? { kind: 'none' };
    const refuse = (message: string): Reply => ({ status: 401, body: { message }, headers: { 'WWW-Authenticate': 'Bearer' } });
    if (auth.kind === 'bearer') {
      const m = /^Bearer\s+(.+)$/i.exec(req.headers['authorization'] ?? '');
      if (!m) return refuse('Authorization required');
      if (!auth.tokens.includes(m[1]?.trim() ?? '')) return refuse('Invalid or expired token');
    }
    if (auth.kind === 'apiKey' && req.headers[auth.header.toLowerCase()] !== auth.key) return refuse('Invalid API key');
    if (auth.kind === 'basic') {
      const m = /^Basic\s+(.+)$/i.exec(req.headers['authorization'] ?? '');
      const pair = m ? Buffer.from(m[1] ?? '', 'base64').toString('utf8') : '';
      if (pair !== `${auth.username}:${auth.password}`) return refuse('Wrong user name or password');
    }
    return undefined;
  }

  function render(c: GenericContactSeed): Record<string, unknown> {
    if (opts.shape === 'nested') {
      return {
        contact_id: c.id,
        full_name: c.name,
        ...(c.company ? { org: { title: c.company } } : {}),
        ...(c.responsible ? { owner: { name: c.responsible, ...(c.responsibleExt ? { ext: c.responsibleExt } : {}) } } : {}),
        ...(c.url ? { links: { web: c.url } } : {}),
        phones: c.phones.map((p) => ({ value: p })),
      };
    }
    return { id: c.id, name: c.name, company: c.company ?? null, responsible: c.responsible ?? null, ...(c.url ? { url: c.url } : {}), phones: c.phones };
  }

  function lookup(req: RecordedRequest): Reply {
    const phone = req.query['phone'] ?? '';
    if (phone === '') return { status: 400, body: { message: 'phone is required' } };
    const want = last10(phone);
    const found = want.length >= 5 ? (opts.contacts ?? []).filter((c) => c.phones.some((p) => last10(p) === want)) : [];
    const shape = opts.shape ?? 'flat';
    if (found.length === 0) {
      const nf = opts.notFound ?? (shape === 'flat' ? 404 : 'empty');
      if (nf === 404) return { status: 404, body: { message: 'Contact not found' } };
      if (nf === 204) return { status: 204 };
      return { status: 200, body: shape === 'nested' ? { data: [], total: 0 } : shape === 'list' ? [] : {} };
    }
    if (shape === 'flat') return { status: 200, body: render(found[0] as GenericContactSeed) };
    if (shape === 'list') return { status: 200, body: found.map(render) };
    return { status: 200, body: { data: found.map(render), total: found.length } };
  }

  function postCall(req: RecordedRequest): Reply {
    if (!(req.headers['content-type'] ?? '').includes('application/json') || req.json === undefined) return { status: 415, body: { message: 'Send the call as application/json' } };
    const key = req.headers['idempotency-key'] ?? (isRecord(req.json) && typeof req.json['id'] === 'string' ? req.json['id'] : undefined);
    if (opts.requireIdempotencyKey && req.headers['idempotency-key'] === undefined) return { status: 422, body: { message: 'Idempotency-Key header is required' } };
    if (opts.rejectCalls) return { status: opts.rejectCalls.status, body: { message: opts.rejectCalls.message } };
    if (opts.strictBody) {
      const problem = documentedBodyProblem(req.json);
      if (problem) return { status: 422, body: { message: problem } };
    }
    if (key !== undefined && stored.has(key)) {
      return (opts.duplicates ?? 409) === 409 ? { status: 409, body: { message: 'This call is already recorded' } } : { status: 200, body: { ok: true, duplicate: true } };
    }
    const id = key ?? `anon-${stored.size + 1}`;
    stored.set(id, req.json);
    return { status: 201, body: { ok: true, id } };
  }

  const server = await startLoopbackServer((req) => {
    if (opts.overloaded) return { status: 503, body: { message: 'Service temporarily unavailable' } };
    if (opts.rateLimitedSeconds !== undefined) return { status: 429, body: { message: 'Too many requests' }, headers: { 'Retry-After': String(opts.rateLimitedSeconds) } };
    const denied = authFailure(req);
    if (denied) return denied;
    if (req.method === 'GET' && req.path === '/api/contacts') return lookup(req);
    if (req.method === 'POST' && req.path === '/api/calls') return postCall(req);
    return { status: 404, body: { message: `No route ${req.method} ${req.path}` } };
  });

  return {
    url: server.url,
    baseUrl: `${server.url}/api`,
    requests: () => server.requests(),
    calls: () => [...stored.values()],
    set: (patch) => {
      opts = { ...opts, ...patch };
    },
    setDown: (down) => server.setDown(down),
    close: () => server.close(),
  };
}

/** Generic entry for child-process harnesses: `start(options)`. */
export const start = startGenericCrmServer;
