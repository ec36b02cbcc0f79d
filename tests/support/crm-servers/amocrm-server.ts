// The amoCRM (Kommo) test server: a real node:http server on 127.0.0.1 that
// follows ../../../../shared/reference/crm-apis.md section 1 (OAuth with rotating
// single-use refresh tokens, Bearer-only /api/v4, 204 for an empty search,
// validation-errors bodies, 7 requests per second with 429). Where the reference
// says UNVERIFIED the server can act either way (see AmoCrmBehaviour). Tests
// steer it (down/up, latency, forced errors, token expiry and revocation) and
// assert on what it recorded.
import { createHash, randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export interface AmoUserSeed {
  readonly id: number;
  readonly name: string;
  readonly email: string;
}

export interface AmoContactSeed {
  readonly id?: number;
  readonly name: string;
  readonly phones: readonly string[];
  readonly responsibleUserId?: number;
  /** Linked company (amoCRM embeds only its id in a contact; the name is at /api/v4/companies/{id}). */
  readonly company?: { readonly id?: number; readonly name: string };
}

export interface StoredContact {
  readonly id: number;
  name: string;
  phones: string[];
  responsibleUserId: number;
  companyId?: number;
  leadIds: number[];
  createdAt: number;
  /** Created by an unsorted (incoming) lead. */
  unsorted: boolean;
}

export interface StoredCall {
  readonly id: number;
  readonly entityId: number;
  readonly entityType: 'contact';
  /** The item as the client sent it. */
  readonly body: Readonly<Record<string, unknown>>;
}

export interface StoredUnsorted {
  readonly uid: string;
  readonly leadId: number;
  readonly contactId: number;
  readonly body: Readonly<Record<string, unknown>>;
}

export interface StoredTask {
  readonly id: number;
  readonly body: Readonly<Record<string, unknown>>;
}

export interface RecordedRequest {
  readonly method: string;
  readonly path: string;
  readonly query: Readonly<Record<string, string>>;
  readonly headers: Readonly<Record<string, string>>;
  /** Parsed JSON, or the raw text when it was not JSON, or undefined when empty. */
  readonly body: unknown;
  /** Date.now() when it arrived. */
  readonly at: number;
  /** What the server answered (0: connection dropped without an answer). */
  status: number;
}

export interface ForcedResponse {
  readonly status: number;
  readonly body?: unknown;
  readonly headers?: Readonly<Record<string, string>>;
}

/** What the server does where amoCRM's behaviour is not confirmed, and the switches tests flip. */
export interface AmoCrmBehaviour {
  /** Requests per window on /api/*; false: no limit. Default 7 per 1000 ms ("not more than 7 requests per second"). */
  rateLimit: { readonly requests: number; readonly perMs: number } | false;
  /** Answer delay, ms, for every request. */
  latencyMs: number;
  /** expires_in of new access tokens, seconds (amoCRM: 86400). */
  accessTokenTtlSeconds: number;
  refreshTokenTtlSeconds: number;
  codeTtlSeconds: number;
  /** Status of an invalid/used/revoked code or refresh token at the token endpoint (body has title, detail, hint). */
  invalidGrantStatus: 400 | 401;
  /**
   * A /api/v4/calls item whose phone matches no entity (UNVERIFIED): `skip` = "call not added"
   * (200, the item missing from the answer); `reject` = 400 with validation-errors (as [IQ] assumes).
   */
  callsWithoutEntity: 'skip' | 'reject';
  /**
   * How `GET /api/v4/contacts?query=` matches phones (UNVERIFIED): `last10` = the last 10 digits of the
   * query equal those of a stored phone (shorter queries: digits contained); `substring` = the query's
   * digits appear in the stored phone's digits as typed (a stored "8 916..." is not found by "7916...").
   */
  contactQuery: 'last10' | 'substring';
  /** Authorize page: redirect back with a code, show the code for pasting, or redirect back with error=access_denied. */
  authorize: 'redirect' | 'showCode' | 'deny';
  /** 402 (not paid) / 403 (blocked) for every /api/* request; false: account fine. */
  accountBlocked: 402 | 403 | false;
  /** Long-lived token accepted as Bearer (private integration); undefined: none. */
  longLivedToken: string | undefined;
}

export interface AmoCrmServerOptions extends Partial<AmoCrmBehaviour> {
  readonly subdomain?: string;
  readonly accountId?: number;
  readonly accountName?: string;
  readonly clientId?: string;
  readonly clientSecret?: string;
  /** The redirect URI registered for the integration; amoCRM sends the browser back here and requires it exactly at the token endpoint. */
  readonly redirectUri?: string;
  readonly users?: readonly AmoUserSeed[];
  readonly contacts?: readonly AmoContactSeed[];
  /** Pipelines an unsorted lead may name (pipeline_id); the first is the main one. */
  readonly pipelines?: readonly number[];
  /** Port to listen on (0: a free one). */
  readonly port?: number;
  /** Time source for token lifetimes (default Date.now). */
  readonly now?: () => number;
}

export interface AmoCrmCounters {
  requests: number;
  codeExchanges: number;
  tokenRefreshes: number;
  /** 429 answers sent. */
  rateLimited: number;
  /** 401 answers sent on /api/*. */
  unauthorized: number;
  /** Calls that matched no entity and were not added (callsWithoutEntity = skip). */
  callsNotAdded: number;
  /** Unsorted items refused as duplicates of an earlier source_uid. */
  unsortedDuplicates: number;
}

export interface IssuedTokens {
  readonly access_token: string;
  readonly refresh_token: string;
  readonly expires_in: number;
  readonly token_type: 'Bearer';
  readonly server_time: number;
}

export interface AmoCrmServer {
  /** http://127.0.0.1:{port}: the account URL (API and token endpoint) and the authorize page host. */
  readonly url: string;
  readonly port: number;
  /** `127.0.0.1:{port}`: what the authorize redirect sends as `referer`. */
  readonly host: string;
  readonly clientId: string;
  readonly clientSecret: string;
  readonly redirectUri: string;
  readonly subdomain: string;
  readonly accountName: string;
  readonly behaviour: AmoCrmBehaviour;
  configure(patch: Partial<AmoCrmBehaviour>): void;
  readonly requests: readonly RecordedRequest[];
  readonly counters: AmoCrmCounters;
  readonly users: readonly AmoUserSeed[];
  readonly contacts: readonly StoredContact[];
  readonly calls: readonly StoredCall[];
  readonly unsorted: readonly StoredUnsorted[];
  readonly tasks: readonly StoredTask[];
  addContact(seed: AmoContactSeed): StoredContact;
  addUser(user: AmoUserSeed): void;
  /** Requests received on `path` (exact, without query), optionally of one method. */
  requestsTo(path: string, method?: string): RecordedRequest[];
  /** Forgets recorded requests and resets counters (stored entities stay). */
  clearRecords(): void;
  /** `refuse`: stop listening (connection refused); `unavailable`: answer 503 to everything. */
  down(mode?: 'refuse' | 'unavailable'): Promise<void>;
  up(): Promise<void>;
  /** The next `count` requests whose path starts with `pathPrefix` (default /api/) get `response`. */
  failNext(count: number, response: ForcedResponse, pathPrefix?: string): void;
  /** Every access token issued so far is now expired (401 on use); refresh tokens stay valid. */
  expireAccessTokens(): void;
  /** After `n` more /api requests are answered with success, every access token issued so far expires (expiry in the middle of a burst). */
  expireAccessTokensAfter(n: number): void;
  /** Every refresh token issued so far is revoked (the integration was re-authorized elsewhere, or the admin revoked it). */
  revokeRefreshTokens(): void;
  /** The integration was disabled: every access token, refresh token and the long-lived token is refused. */
  revokeAll(): void;
  /** An authorization code as if the user approved in the browser (the paste-the-code flow). */
  issueCode(): string;
  /** Issues a token pair directly (a test that starts signed in). */
  issueTokens(): IssuedTokens;
  /** Refresh tokens that the token endpoint would accept now. */
  validRefreshTokens(): string[];
  close(): Promise<void>;
}

interface TokenRecord {
  readonly expiresAt: number;
  revoked: boolean;
  used: boolean;
}

interface ValidationError {
  readonly code: string;
  readonly path: string;
  readonly detail: string;
}

class HttpAnswer {
  constructor(
    readonly status: number,
    readonly body?: unknown,
    readonly headers: Readonly<Record<string, string>> = {},
  ) {}
}

const DEFAULT_USERS: readonly AmoUserSeed[] = [
  { id: 5001, name: 'Анна Смирнова', email: 'anna@example.com' },
  { id: 5002, name: 'Олег Кузнецов', email: 'oleg@example.com' },
  { id: 5003, name: 'Мария Иванова', email: 'maria@example.com' },
];

/** Digits of a phone as amoCRM compares them. */
export function phoneDigits(value: string): string {
  return value.replace(/\D/g, '');
}

function last10(value: string): string {
  return phoneDigits(value).slice(-10);
}

function b64url(data: Buffer | string): string {
  return Buffer.from(data).toString('base64url');
}

function problem(status: number, title: string, detail: string, extra: Record<string, unknown> = {}): HttpAnswer {
  return new HttpAnswer(status, { title, type: `https://httpstatus.es/${status}`, status, detail, ...extra });
}

/** amoCRM's 400 with per-item validation errors. */
function validationFailed(items: ReadonlyArray<{ readonly requestId: string; readonly errors: readonly ValidationError[] }>): HttpAnswer {
  return new HttpAnswer(400, {
    'validation-errors': items.map((i) => ({ request_id: i.requestId, errors: i.errors })),
    title: 'Bad Request',
    type: 'https://httpstatus.es/400',
    status: 400,
    detail: 'Request validation failed',
  });
}

/** OAuth error body of the token endpoint ([IQ] parses title/detail/hint). */
function oauthProblem(status: number, detail: string, hint: string): HttpAnswer {
  return new HttpAnswer(status, {
    hint,
    title: status === 401 ? 'Unauthorized' : 'Некорректный запрос',
    type: 'https://developers.amocrm.ru/v3/errors/OAuthProblemJson',
    status,
    detail,
  });
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function isInt(v: unknown): v is number {
  return typeof v === 'number' && Number.isInteger(v);
}

const missing = (path: string): ValidationError => ({ code: 'FieldMissing', path, detail: 'This field is missing.' });
const wrongType = (path: string, type: string): ValidationError => ({ code: 'InvalidType', path, detail: `This value should be of type ${type}.` });

export async function startAmoCrmServer(options: AmoCrmServerOptions = {}): Promise<AmoCrmServer> {
  const now = options.now ?? Date.now;
  const subdomain = options.subdomain ?? 'sidecall-test';
  const accountId = options.accountId ?? 31_000_001;
  const accountName = options.accountName ?? 'Sidecall Test Account';
  const clientId = options.clientId ?? 'a3f8c9e2-6b1d-4c7a-9e05-1f2b3c4d5e6f';
  const clientSecret = options.clientSecret ?? 'test-client-secret-0123456789abcdef';
  const pipelines = options.pipelines ?? [7_000_001, 7_000_002];
  const behaviour: AmoCrmBehaviour = {
    rateLimit: options.rateLimit ?? { requests: 7, perMs: 1000 },
    latencyMs: options.latencyMs ?? 0,
    accessTokenTtlSeconds: options.accessTokenTtlSeconds ?? 86_400,
    refreshTokenTtlSeconds: options.refreshTokenTtlSeconds ?? 88 * 86_400,
    codeTtlSeconds: options.codeTtlSeconds ?? 20 * 60,
    invalidGrantStatus: options.invalidGrantStatus ?? 401,
    callsWithoutEntity: options.callsWithoutEntity ?? 'skip',
    contactQuery: options.contactQuery ?? 'last10',
    authorize: options.authorize ?? 'redirect',
    accountBlocked: options.accountBlocked ?? false,
    longLivedToken: options.longLivedToken,
  };

  const users: AmoUserSeed[] = [...(options.users ?? DEFAULT_USERS)];
  const contacts: StoredContact[] = [];
  const companies = new Map<number, string>();
  const calls: StoredCall[] = [];
  const unsorted: StoredUnsorted[] = [];
  const tasks: StoredTask[] = [];
  const requests: RecordedRequest[] = [];
  const counters: AmoCrmCounters = { requests: 0, codeExchanges: 0, tokenRefreshes: 0, rateLimited: 0, unauthorized: 0, callsNotAdded: 0, unsortedDuplicates: 0 };
  const accessTokens = new Map<string, TokenRecord>();
  const refreshTokens = new Map<string, TokenRecord>();
  const codes = new Map<string, TokenRecord>();
  const forced: Array<{ remaining: number; prefix: string; response: ForcedResponse }> = [];
  const apiArrivals: number[] = [];
  let longLivedRevoked = false;
  let expireAfter: number | undefined;
  let nextId = 40_000_001;
  let mode: 'up' | 'refuse' | 'unavailable' = 'up';
  const redirectUri = options.redirectUri ?? 'http://127.0.0.1:17345/amocrm/callback';

  const newId = (): number => nextId++;
  const userExists = (id: number): boolean => users.some((u) => u.id === id);
  const mainUser = (): number => users[0]?.id ?? 0;

  function addContact(seed: AmoContactSeed): StoredContact {
    let companyId: number | undefined;
    if (seed.company) {
      companyId = seed.company.id ?? newId();
      companies.set(companyId, seed.company.name);
    }
    const contact: StoredContact = {
      id: seed.id ?? newId(),
      name: seed.name,
      phones: [...seed.phones],
      responsibleUserId: seed.responsibleUserId ?? mainUser(),
      ...(companyId === undefined ? {} : { companyId }),
      leadIds: [],
      createdAt: Math.floor(now() / 1000),
      unsorted: false,
    };
    contacts.push(contact);
    return contact;
  }
  for (const c of options.contacts ?? []) addContact(c);

  function jwt(expiresAt: number): string {
    const header = b64url(JSON.stringify({ typ: 'JWT', alg: 'RS256' }));
    const payload = b64url(
      JSON.stringify({ aud: clientId, jti: randomBytes(16).toString('hex'), iat: Math.floor(now() / 1000), exp: Math.floor(expiresAt / 1000), sub: String(mainUser()), account_id: accountId, scopes: ['crm'] }),
    );
    return `${header}.${payload}.${b64url(randomBytes(32))}`;
  }

  function issueTokens(): IssuedTokens {
    const accessExpires = now() + behaviour.accessTokenTtlSeconds * 1000;
    const access = jwt(accessExpires);
    const refresh = `def50200${randomBytes(48).toString('hex')}`;
    accessTokens.set(access, { expiresAt: accessExpires, revoked: false, used: false });
    refreshTokens.set(refresh, { expiresAt: now() + behaviour.refreshTokenTtlSeconds * 1000, revoked: false, used: false });
    return { token_type: 'Bearer', expires_in: behaviour.accessTokenTtlSeconds, access_token: access, refresh_token: refresh, server_time: Math.floor(now() / 1000) };
  }

  function issueCode(): string {
    const code = `def50200${createHash('sha256').update(randomBytes(32)).digest('hex')}`;
    codes.set(code, { expiresAt: now() + behaviour.codeTtlSeconds * 1000, revoked: false, used: false });
    return code;
  }

  // ---- OAuth ----

  function authorizePage(query: URLSearchParams): HttpAnswer {
    if (query.get('client_id') !== clientId) return new HttpAnswer(400, '<!doctype html><title>amoCRM</title><p>Интеграция не найдена (unknown client_id).</p>', { 'content-type': 'text/html; charset=utf-8' });
    const state = query.get('state') ?? '';
    if (behaviour.authorize === 'showCode') {
      const code = issueCode();
      return new HttpAnswer(200, `<!doctype html><title>amoCRM</title><p>Код авторизации / Authorization code:</p><code id="code">${code}</code>`, { 'content-type': 'text/html; charset=utf-8' });
    }
    const target = new URL(redirectUri);
    if (behaviour.authorize === 'deny') {
      target.searchParams.set('error', 'access_denied');
    } else {
      target.searchParams.set('code', issueCode());
      target.searchParams.set('referer', `127.0.0.1:${port}`);
      target.searchParams.set('platform', '1');
      target.searchParams.set('client_id', clientId);
    }
    target.searchParams.set('state', state);
    return new HttpAnswer(302, '', { location: target.toString() });
  }

  function tokenEndpoint(contentType: string, body: unknown): HttpAnswer {
    if (!contentType.toLowerCase().startsWith('application/json') || !isRecord(body)) {
      return oauthProblem(400, 'В запросе отсутствует ряд параметров или параметры невалидны', 'The request must be JSON');
    }
    const str = (k: string): string | undefined => (typeof body[k] === 'string' ? (body[k] as string) : undefined);
    const grantType = str('grant_type');
    if (grantType !== 'authorization_code' && grantType !== 'refresh_token') {
      return oauthProblem(400, 'The authorization grant type is not supported by the authorization server.', 'Check the `grant_type` parameter');
    }
    if (str('client_id') !== clientId || str('client_secret') !== clientSecret) {
      return oauthProblem(401, 'Client authentication failed', 'Check client_id and client_secret');
    }
    if (str('redirect_uri') !== redirectUri) {
      return oauthProblem(400, 'В запросе отсутствует ряд параметров или параметры невалидны', 'redirect_uri does not match the integration settings');
    }
    const bad = behaviour.invalidGrantStatus;
    if (grantType === 'authorization_code') {
      const code = str('code');
      const rec = code === undefined ? undefined : codes.get(code);
      if (code === undefined) return oauthProblem(400, 'В запросе отсутствует ряд параметров или параметры невалидны', 'Check the `code` parameter');
      if (!rec) return oauthProblem(bad, 'Некорректный код авторизации', 'Cannot decrypt the authorization code');
      if (rec.used || rec.revoked) return oauthProblem(bad, 'Код авторизации уже использован', 'Authorization code has been revoked');
      if (rec.expiresAt <= now()) return oauthProblem(bad, 'Срок действия кода авторизации истёк', 'Authorization code has expired');
      rec.used = true;
      counters.codeExchanges += 1;
      return new HttpAnswer(200, issueTokens());
    }
    const token = str('refresh_token');
    const rec = token === undefined ? undefined : refreshTokens.get(token);
    if (token === undefined) return oauthProblem(400, 'В запросе отсутствует ряд параметров или параметры невалидны', 'Check the `refresh_token` parameter');
    if (!rec) return oauthProblem(bad, 'Токен обновления недействителен', 'Cannot decrypt the refresh token');
    if (rec.used || rec.revoked) return oauthProblem(bad, 'Токен обновления отозван', 'Token has been revoked');
    if (rec.expiresAt <= now()) return oauthProblem(bad, 'Срок действия токена обновления истёк', 'Token has expired');
    rec.used = true;
    counters.tokenRefreshes += 1;
    return new HttpAnswer(200, issueTokens());
  }

  // ---- API ----

  function authorizeApi(header: string | undefined): HttpAnswer | undefined {
    const token = /^Bearer\s+(\S+)$/i.exec(header ?? '')?.[1];
    const refuse = (detail: string): HttpAnswer => {
      counters.unauthorized += 1;
      return problem(401, 'Unauthorized', detail);
    };
    if (token === undefined) return refuse('Authorization header with a Bearer token is required');
    if (behaviour.longLivedToken !== undefined && token === behaviour.longLivedToken) {
      return longLivedRevoked ? refuse('Token has been revoked') : undefined;
    }
    const rec = accessTokens.get(token);
    if (!rec) return refuse('Invalid token');
    if (rec.revoked) return refuse('Token has been revoked');
    if (rec.expiresAt <= now()) return refuse('Token has expired');
    return undefined;
  }

  function rateLimited(): boolean {
    if (behaviour.rateLimit === false) return false;
    const t = now();
    const { requests: max, perMs } = behaviour.rateLimit;
    while (apiArrivals.length > 0 && (apiArrivals[0] as number) <= t - perMs) apiArrivals.shift();
    // Every arrival counts, refused or not: hammering while limited stays limited.
    apiArrivals.push(t);
    return apiArrivals.length > max;
  }

  function contactJson(c: StoredContact): Record<string, unknown> {
    const self = `${baseUrl()}/api/v4/contacts/${c.id}`;
    return {
      id: c.id,
      name: c.name,
      first_name: '',
      last_name: '',
      responsible_user_id: c.responsibleUserId,
      group_id: 0,
      created_by: c.responsibleUserId,
      updated_by: c.responsibleUserId,
      created_at: c.createdAt,
      updated_at: c.createdAt,
      closest_task_at: null,
      is_deleted: false,
      is_unsorted: c.unsorted,
      custom_fields_values:
        c.phones.length === 0
          ? null
          : [{ field_id: 1_000_001, field_name: 'Телефон', field_code: 'PHONE', field_type: 'multitext', values: c.phones.map((value) => ({ value, enum_id: 1_000_011, enum_code: 'WORK' })) }],
      account_id: accountId,
      _links: { self: { href: self } },
      _embedded: {
        tags: [],
        companies: c.companyId === undefined ? [] : [{ id: c.companyId, _links: { self: { href: `${baseUrl()}/api/v4/companies/${c.companyId}` } } }],
        ...(c.leadIds.length > 0 ? { leads: c.leadIds.map((id) => ({ id })) } : {}),
      },
    };
  }

  function phoneMatches(stored: string, query: string): boolean {
    const q = phoneDigits(query);
    if (q.length === 0) return false;
    const s = phoneDigits(stored);
    if (behaviour.contactQuery === 'substring') return s.includes(q);
    return q.length >= 10 ? last10(s) === last10(q) : s.includes(q);
  }

  function searchContacts(query: string): StoredContact[] {
    const text = query.trim().toLowerCase();
    if (text === '') return contacts;
    return contacts.filter((c) => c.phones.some((p) => phoneMatches(p, query)) || (/[^\d\s+()-]/.test(text) && c.name.toLowerCase().includes(text)));
  }

  function listContacts(query: URLSearchParams): HttpAnswer {
    const limit = Math.min(250, Math.max(1, Number(query.get('limit') ?? 50) || 50));
    const page = Math.max(1, Number(query.get('page') ?? 1) || 1);
    const found = searchContacts(query.get('query') ?? '');
    const slice = found.slice((page - 1) * limit, page * limit);
    if (slice.length === 0) return new HttpAnswer(204);
    const self = `${baseUrl()}/api/v4/contacts?page=${page}&limit=${limit}`;
    return new HttpAnswer(200, {
      _page: page,
      _links: { self: { href: self }, ...(found.length > page * limit ? { next: { href: `${baseUrl()}/api/v4/contacts?page=${page + 1}&limit=${limit}` } } : {}) },
      _embedded: { contacts: slice.map(contactJson) },
    });
  }

  function phonesOf(fields: unknown, path: string, errors: ValidationError[]): string[] {
    if (fields === undefined || fields === null) return [];
    if (!Array.isArray(fields)) {
      errors.push(wrongType(path, 'array'));
      return [];
    }
    const phones: string[] = [];
    fields.forEach((f, i) => {
      if (!isRecord(f) || (f['field_code'] === undefined && f['field_id'] === undefined)) return void errors.push(missing(`${path}.${i}.field_code`));
      if (!Array.isArray(f['values'])) return void errors.push(wrongType(`${path}.${i}.values`, 'array'));
      if (f['field_code'] !== 'PHONE') return;
      (f['values'] as unknown[]).forEach((v, j) => {
        if (!isRecord(v) || typeof v['value'] !== 'string' || v['value'].trim() === '') return void errors.push(wrongType(`${path}.${i}.values.${j}.value`, 'string'));
        phones.push(v['value']);
      });
    });
    return phones;
  }

  function arrayBody(body: unknown): unknown[] | HttpAnswer {
    if (!Array.isArray(body) || body.length === 0) {
      return validationFailed([{ requestId: '0', errors: [{ code: 'InvalidType', path: '', detail: 'Request body must be a non-empty array of entities.' }] }]);
    }
    if (body.length > 250) return validationFailed([{ requestId: '0', errors: [{ code: 'TooMany', path: '', detail: 'Not more than 250 entities per request.' }] }]);
    return body;
  }

  const requestIdOf = (item: unknown, index: number): string => (isRecord(item) && typeof item['request_id'] === 'string' ? item['request_id'] : String(index));

  function addContacts(body: unknown): HttpAnswer {
    const items = arrayBody(body);
    if (items instanceof HttpAnswer) return items;
    const failures: Array<{ requestId: string; errors: ValidationError[] }> = [];
    const parsed = items.map((item, index) => {
      const errors: ValidationError[] = [];
      if (!isRecord(item)) errors.push(wrongType('', 'object'));
      const rec = isRecord(item) ? item : {};
      if (rec['name'] !== undefined && typeof rec['name'] !== 'string') errors.push(wrongType('name', 'string'));
      const responsible = rec['responsible_user_id'];
      if (responsible !== undefined && (!isInt(responsible) || !userExists(responsible))) errors.push({ code: 'NotFound', path: 'responsible_user_id', detail: 'User not found.' });
      const phones = phonesOf(rec['custom_fields_values'], 'custom_fields_values', errors);
      if (errors.length > 0) failures.push({ requestId: requestIdOf(item, index), errors });
      return { rec, phones, requestId: requestIdOf(item, index) };
    });
    if (failures.length > 0) return validationFailed(failures);
    const created = parsed.map(({ rec, phones, requestId }) => {
      const c = addContact({ name: typeof rec['name'] === 'string' ? rec['name'] : '', phones, ...(isInt(rec['responsible_user_id']) ? { responsibleUserId: rec['responsible_user_id'] } : {}) });
      return { id: c.id, request_id: requestId, is_deleted: false, is_unsorted: false, _links: { self: { href: `${baseUrl()}/api/v4/contacts/${c.id}` } } };
    });
    return new HttpAnswer(200, { _links: { self: { href: `${baseUrl()}/api/v4/contacts` } }, _embedded: { contacts: created } });
  }

  const CALL_STATUSES = new Set([1, 2, 3, 4, 5, 6, 7, 8]);

  function validateCall(rec: Record<string, unknown>): ValidationError[] {
    const errors: ValidationError[] = [];
    if (rec['direction'] === undefined) errors.push(missing('direction'));
    else if (rec['direction'] !== 'inbound' && rec['direction'] !== 'outbound') errors.push({ code: 'NotSupportedChoice', path: 'direction', detail: 'The value you selected is not a valid choice.' });
    if (rec['duration'] === undefined) errors.push(missing('duration'));
    else if (!isInt(rec['duration']) || rec['duration'] < 0) errors.push(wrongType('duration', 'int'));
    if (rec['source'] === undefined) errors.push(missing('source'));
    else if (typeof rec['source'] !== 'string' || rec['source'].trim() === '') errors.push(wrongType('source', 'string'));
    if (rec['phone'] === undefined) errors.push(missing('phone'));
    else if (typeof rec['phone'] !== 'string' || phoneDigits(rec['phone']) === '') errors.push(wrongType('phone', 'string'));
    for (const k of ['uniq', 'link', 'call_result', 'request_id'] as const) if (rec[k] !== undefined && typeof rec[k] !== 'string') errors.push(wrongType(k, 'string'));
    if (typeof rec['link'] === 'string' && !/^https?:\/\/\S+$/i.test(rec['link'])) errors.push({ code: 'InvalidUrl', path: 'link', detail: 'This value is not a valid URL.' });
    if (rec['call_status'] !== undefined && (!isInt(rec['call_status']) || !CALL_STATUSES.has(rec['call_status']))) {
      errors.push({ code: 'NotSupportedChoice', path: 'call_status', detail: 'The value you selected is not a valid choice.' });
    }
    for (const k of ['responsible_user_id', 'created_by', 'updated_by'] as const) {
      const v = rec[k];
      if (v === undefined) continue;
      if (!isInt(v)) errors.push(wrongType(k, 'int'));
      else if (v !== 0 && !userExists(v)) errors.push({ code: 'NotFound', path: k, detail: `User with id ${v} not found.` });
    }
    for (const k of ['created_at', 'updated_at'] as const) if (rec[k] !== undefined && !isInt(rec[k])) errors.push(wrongType(k, 'int'));
    return errors;
  }

  /** amoCRM places a call on the entity with that number (matched by the last 10 digits). */
  function entityForPhone(phone: string): StoredContact | undefined {
    const want = last10(phone);
    return contacts.find((c) => c.phones.some((p) => last10(p) === want));
  }

  function addCalls(body: unknown): HttpAnswer {
    const items = arrayBody(body);
    if (items instanceof HttpAnswer) return items;
    const failures: Array<{ requestId: string; errors: ValidationError[] }> = [];
    items.forEach((item, index) => {
      const errors = isRecord(item) ? validateCall(item) : [wrongType('', 'object')];
      if (errors.length === 0 && behaviour.callsWithoutEntity === 'reject' && isRecord(item) && !entityForPhone(String(item['phone']))) {
        errors.push({ code: 'NotFound', path: 'phone', detail: 'Entity with this phone number not found.' });
      }
      if (errors.length > 0) failures.push({ requestId: requestIdOf(item, index), errors });
    });
    if (failures.length > 0) return validationFailed(failures);
    const added: unknown[] = [];
    items.forEach((item, index) => {
      const rec = item as Record<string, unknown>;
      const entity = entityForPhone(String(rec['phone']));
      if (!entity) {
        counters.callsNotAdded += 1;
        return;
      }
      const call: StoredCall = { id: newId(), entityId: entity.id, entityType: 'contact', body: rec };
      calls.push(call);
      added.push({
        id: call.id,
        entity_id: entity.id,
        entity_type: 'contact',
        account_id: accountId,
        request_id: requestIdOf(item, index),
        _embedded: { entity: { id: entity.id, _links: { self: { href: `${baseUrl()}/api/v4/contacts/${entity.id}` } } } },
      });
    });
    return new HttpAnswer(200, { _total_items: added.length, _embedded: { calls: added } });
  }

  /**
   * GET /api/v4/contacts/notes: the call notes amoCRM keeps for calls added with /api/v4/calls
   * (note_type call_in / call_out, params uniq, duration, source, link, phone), filtered by
   * filter[entity_id][] and filter[note_type][]; 204 when none.
   */
  function listContactNotes(query: URLSearchParams): HttpAnswer {
    const entityIds = new Set([...query.getAll('filter[entity_id][]'), ...query.getAll('filter[entity_id]')].map(Number));
    const types = new Set([...query.getAll('filter[note_type][]'), ...query.getAll('filter[note_type]')]);
    const notes = calls
      .map((c) => ({
        id: c.id,
        entity_id: c.entityId,
        note_type: c.body['direction'] === 'outbound' ? 'call_out' : 'call_in',
        params: { uniq: c.body['uniq'], duration: c.body['duration'], source: c.body['source'], link: c.body['link'], phone: c.body['phone'] },
        account_id: accountId,
      }))
      .filter((n) => (entityIds.size === 0 || entityIds.has(n.entity_id)) && (types.size === 0 || types.has(n.note_type)));
    const limit = Math.min(250, Math.max(1, Number(query.get('limit') ?? 50) || 50));
    const page = Math.max(1, Number(query.get('page') ?? 1) || 1);
    const slice = notes.slice((page - 1) * limit, page * limit);
    if (slice.length === 0) return new HttpAnswer(204);
    return new HttpAnswer(200, { _page: page, _embedded: { notes: slice } });
  }

  function addUnsortedSip(body: unknown): HttpAnswer {
    const items = arrayBody(body);
    if (items instanceof HttpAnswer) return items;
    const failures: Array<{ requestId: string; errors: ValidationError[] }> = [];
    const seen = new Set(unsorted.map((u) => String(u.body['source_uid'])));
    items.forEach((item, index) => {
      const errors: ValidationError[] = [];
      const rec = isRecord(item) ? item : {};
      if (typeof rec['source_uid'] !== 'string' || rec['source_uid'] === '') errors.push(missing('source_uid'));
      if (typeof rec['source_name'] !== 'string' || rec['source_name'] === '') errors.push(missing('source_name'));
      if (rec['pipeline_id'] !== undefined && (!isInt(rec['pipeline_id']) || !pipelines.includes(rec['pipeline_id']))) errors.push({ code: 'NotFound', path: 'pipeline_id', detail: 'Pipeline not found.' });
      if (rec['created_at'] !== undefined && !isInt(rec['created_at'])) errors.push(wrongType('created_at', 'int'));
      const meta = rec['metadata'];
      if (!isRecord(meta)) errors.push(missing('metadata'));
      else {
        if (typeof meta['phone'] !== 'string' && !isInt(meta['phone'])) errors.push(missing('metadata.phone'));
        if (!isInt(meta['called_at'])) errors.push(wrongType('metadata.called_at', 'int'));
        if (!isInt(meta['duration'])) errors.push(wrongType('metadata.duration', 'int'));
        if (meta['link'] !== undefined && (typeof meta['link'] !== 'string' || !/^https?:\/\/\S+$/i.test(meta['link']))) errors.push({ code: 'InvalidUrl', path: 'metadata.link', detail: 'This value is not a valid URL.' });
        if (meta['is_call_event_needed'] !== undefined && typeof meta['is_call_event_needed'] !== 'boolean') errors.push(wrongType('metadata.is_call_event_needed', 'bool'));
      }
      const embedded = rec['_embedded'];
      if (embedded !== undefined && !isRecord(embedded)) errors.push(wrongType('_embedded', 'object'));
      if (isRecord(embedded) && embedded['contacts'] !== undefined) {
        if (!Array.isArray(embedded['contacts'])) errors.push(wrongType('_embedded.contacts', 'array'));
        else embedded['contacts'].forEach((c, i) => phonesOf(isRecord(c) ? c['custom_fields_values'] : undefined, `_embedded.contacts.${i}.custom_fields_values`, errors));
      }
      const uid = typeof rec['source_uid'] === 'string' ? rec['source_uid'] : '';
      if (uid !== '' && seen.has(uid)) {
        counters.unsortedDuplicates += 1;
        errors.push({ code: 'NotUnique', path: 'source_uid', detail: "Can't be 2 identical entities" });
      }
      seen.add(uid);
      if (errors.length > 0) failures.push({ requestId: requestIdOf(item, index), errors });
    });
    if (failures.length > 0) return validationFailed(failures);
    const created = items.map((item, index) => {
      const rec = item as Record<string, unknown>;
      const meta = rec['metadata'] as Record<string, unknown>;
      const embedded = isRecord(rec['_embedded']) ? rec['_embedded'] : {};
      const firstContact = Array.isArray(embedded['contacts']) && isRecord(embedded['contacts'][0]) ? embedded['contacts'][0] : {};
      const phones = phonesOf(firstContact['custom_fields_values'], '', []);
      const contact = addContact({ name: typeof firstContact['name'] === 'string' ? firstContact['name'] : String(meta['phone']), phones: phones.length > 0 ? phones : [String(meta['phone'])] });
      contact.unsorted = true;
      const leadId = newId();
      contact.leadIds.push(leadId);
      const uid = randomBytes(16).toString('hex');
      unsorted.push({ uid, leadId, contactId: contact.id, body: rec });
      return { uid, account_id: accountId, request_id: requestIdOf(item, index), _embedded: { leads: [{ id: leadId }], contacts: [{ id: contact.id }], companies: [] } };
    });
    return new HttpAnswer(200, { _total_items: created.length, _embedded: { unsorted: created } });
  }

  const ENTITY_TYPES = new Set(['leads', 'contacts', 'companies', 'customers']);

  function entityExists(type: string, id: number): boolean {
    if (type === 'contacts') return contacts.some((c) => c.id === id);
    if (type === 'leads') return contacts.some((c) => c.leadIds.includes(id));
    if (type === 'companies') return companies.has(id);
    return false;
  }

  function addTasks(body: unknown): HttpAnswer {
    const items = arrayBody(body);
    if (items instanceof HttpAnswer) return items;
    const failures: Array<{ requestId: string; errors: ValidationError[] }> = [];
    items.forEach((item, index) => {
      const errors: ValidationError[] = [];
      const rec = isRecord(item) ? item : {};
      if (typeof rec['text'] !== 'string' || rec['text'].trim() === '') errors.push(missing('text'));
      if (!isInt(rec['complete_till'])) errors.push(rec['complete_till'] === undefined ? missing('complete_till') : wrongType('complete_till', 'int'));
      if (rec['task_type_id'] !== undefined && !isInt(rec['task_type_id'])) errors.push(wrongType('task_type_id', 'int'));
      const hasId = rec['entity_id'] !== undefined;
      const hasType = rec['entity_type'] !== undefined;
      if (hasId !== hasType) errors.push(missing(hasId ? 'entity_type' : 'entity_id'));
      if (hasType && (typeof rec['entity_type'] !== 'string' || !ENTITY_TYPES.has(rec['entity_type']))) errors.push({ code: 'NotSupportedChoice', path: 'entity_type', detail: 'The value you selected is not a valid choice.' });
      else if (hasId && (!isInt(rec['entity_id']) || !entityExists(String(rec['entity_type']), rec['entity_id']))) errors.push({ code: 'NotFound', path: 'entity_id', detail: 'Entity not found.' });
      const responsible = rec['responsible_user_id'];
      if (responsible !== undefined && (!isInt(responsible) || !userExists(responsible))) errors.push({ code: 'NotFound', path: 'responsible_user_id', detail: `User with id ${String(responsible)} not found.` });
      if (errors.length > 0) failures.push({ requestId: requestIdOf(item, index), errors });
    });
    if (failures.length > 0) return validationFailed(failures);
    const created = items.map((item, index) => {
      const task: StoredTask = { id: newId(), body: item as Record<string, unknown> };
      tasks.push(task);
      return { id: task.id, request_id: requestIdOf(item, index), _links: { self: { href: `${baseUrl()}/api/v4/tasks/${task.id}` } } };
    });
    return new HttpAnswer(200, { _links: { self: { href: `${baseUrl()}/api/v4/tasks` } }, _embedded: { tasks: created } });
  }

  function listUsers(query: URLSearchParams): HttpAnswer {
    const limit = Math.min(250, Math.max(1, Number(query.get('limit') ?? 50) || 50));
    const page = Math.max(1, Number(query.get('page') ?? 1) || 1);
    const pageCount = Math.max(1, Math.ceil(users.length / limit));
    const slice = users.slice((page - 1) * limit, page * limit);
    if (slice.length === 0) return new HttpAnswer(204);
    const href = (p: number): string => `${baseUrl()}/api/v4/users?page=${p}&limit=${limit}`;
    return new HttpAnswer(200, {
      _total_items: users.length,
      _page: page,
      _page_count: pageCount,
      _links: { self: { href: href(page) }, ...(page < pageCount ? { next: { href: href(page + 1) } } : {}), ...(page > 1 ? { prev: { href: href(page - 1) } } : {}) },
      _embedded: { users: slice.map((u) => ({ id: u.id, name: u.name, email: u.email, lang: 'ru', rights: { is_admin: u.id === mainUser(), is_free: false, is_active: true }, _links: { self: { href: `${baseUrl()}/api/v4/users/${u.id}` } } })) },
    });
  }

  function account(): HttpAnswer {
    return new HttpAnswer(200, {
      id: accountId,
      name: accountName,
      subdomain,
      created_at: 1_600_000_000,
      created_by: mainUser(),
      current_user_id: mainUser(),
      country: 'RU',
      currency: 'RUB',
      currency_symbol: '₽',
      customers_mode: 'disabled',
      is_unsorted_on: true,
      mobile_feature_version: 0,
      is_loss_reason_enabled: true,
      is_helpbot_enabled: false,
      is_technical_account: false,
      contact_name_display_order: 1,
      _links: { self: { href: `${baseUrl()}/api/v4/account` } },
    });
  }

  function route(method: string, path: string, query: URLSearchParams, body: unknown): HttpAnswer {
    const byId = /^\/api\/v4\/(contacts|companies)\/(\d+)$/.exec(path);
    if (method === 'GET' && byId) {
      const id = Number(byId[2]);
      if (byId[1] === 'contacts') {
        const c = contacts.find((x) => x.id === id);
        return c ? new HttpAnswer(200, contactJson(c)) : new HttpAnswer(204);
      }
      const name = companies.get(id);
      return name === undefined ? new HttpAnswer(204) : new HttpAnswer(200, { id, name, responsible_user_id: mainUser(), account_id: accountId, _links: { self: { href: `${baseUrl()}/api/v4/companies/${id}` } } });
    }
    const key = `${method} ${path}`;
    switch (key) {
      case 'GET /api/v4/contacts':
        return listContacts(query);
      case 'POST /api/v4/contacts':
        return addContacts(body);
      case 'POST /api/v4/calls':
        return addCalls(body);
      case 'GET /api/v4/contacts/notes':
        return listContactNotes(query);
      case 'POST /api/v4/leads/unsorted/sip':
        return addUnsortedSip(body);
      case 'POST /api/v4/tasks':
        return addTasks(body);
      case 'GET /api/v4/users':
        return listUsers(query);
      case 'GET /api/v4/account':
        return account();
      default:
        return problem(404, 'Not Found', `No route for ${method} ${path}`);
    }
  }

  function handle(method: string, url: URL, headers: http.IncomingHttpHeaders, body: unknown): HttpAnswer {
    const path = url.pathname;
    const forcedHit = forced.find((f) => f.remaining > 0 && path.startsWith(f.prefix));
    if (forcedHit) {
      forcedHit.remaining -= 1;
      return new HttpAnswer(forcedHit.response.status, forcedHit.response.body, forcedHit.response.headers);
    }
    if (method === 'GET' && (path === '/oauth' || path === '/oauth/')) return authorizePage(url.searchParams);
    if (path === '/oauth2/access_token') {
      if (method !== 'POST') return problem(405, 'Method Not Allowed', 'POST only');
      return tokenEndpoint(String(headers['content-type'] ?? ''), body);
    }
    if (!path.startsWith('/api/')) return problem(404, 'Not Found', `No route for ${method} ${path}`);
    if (rateLimited()) {
      counters.rateLimited += 1;
      // amoCRM answers 429 without a JSON body ([AMOPHP] handles a non-JSON 429).
      return new HttpAnswer(429, 'Too Many Requests', { 'content-type': 'text/plain; charset=utf-8' });
    }
    const unauthorized = authorizeApi(typeof headers.authorization === 'string' ? headers.authorization : undefined);
    if (unauthorized) return unauthorized;
    if (behaviour.accountBlocked === 402) return problem(402, 'Payment Required', 'Account is not paid');
    if (behaviour.accountBlocked === 403) return problem(403, 'Forbidden', 'Account is blocked');
    const answer = route(method, path, url.searchParams, body);
    if (expireAfter !== undefined && answer.status < 300 && --expireAfter <= 0) {
      expireAfter = undefined;
      expireAccessTokens();
    }
    return answer;
  }

  function expireAccessTokens(): void {
    const past = now() - 1;
    for (const [token, rec] of accessTokens) accessTokens.set(token, { ...rec, expiresAt: Math.min(rec.expiresAt, past) });
  }

  // ---- transport ----

  const sockets = new Set<Socket>();
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      const raw = Buffer.concat(chunks).toString('utf8');
      let body: unknown = undefined;
      if (raw !== '') {
        try {
          body = JSON.parse(raw) as unknown;
        } catch {
          body = raw;
        }
      }
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(req.headers)) if (v !== undefined) headers[k] = Array.isArray(v) ? v.join(', ') : v;
      const record: RecordedRequest = { method: req.method ?? 'GET', path: url.pathname, query: Object.fromEntries(url.searchParams), headers, body, at: Date.now(), status: 0 };
      requests.push(record);
      counters.requests += 1;
      let answer: HttpAnswer;
      if (mode === 'unavailable') {
        answer = new HttpAnswer(503, '<html><body><h1>503 Service Temporarily Unavailable</h1></body></html>', { 'content-type': 'text/html' });
      } else {
        try {
          answer = handle(record.method, url, req.headers, body);
        } catch (e) {
          answer = problem(500, 'Internal Server Error', e instanceof Error ? e.message : String(e));
        }
      }
      record.status = answer.status;
      const send = (): void => {
        if (res.destroyed) return;
        const outHeaders: Record<string, string> = { ...answer.headers };
        let payload = '';
        if (answer.status !== 204 && answer.body !== undefined) {
          if (typeof answer.body === 'string') payload = answer.body;
          else {
            payload = JSON.stringify(answer.body);
            outHeaders['content-type'] ??= answer.status >= 400 ? 'application/problem+json' : 'application/hal+json';
          }
        }
        res.writeHead(answer.status, outHeaders);
        res.end(payload);
      };
      if (behaviour.latencyMs > 0) setTimeout(send, behaviour.latencyMs);
      else send();
    });
  });
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });

  const listen = (p: number): Promise<number> =>
    new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(p, '127.0.0.1', () => {
        server.off('error', reject);
        resolve((server.address() as AddressInfo).port);
      });
    });
  const stopListening = (): Promise<void> =>
    new Promise((resolve) => {
      for (const s of sockets) s.destroy();
      server.close(() => resolve());
    });

  const port = await listen(options.port ?? 0);
  const baseUrl = (): string => `http://127.0.0.1:${port}`;

  return {
    url: baseUrl(),
    port,
    host: `127.0.0.1:${port}`,
    clientId,
    clientSecret,
    redirectUri,
    subdomain,
    accountName,
    behaviour,
    configure(patch) {
      Object.assign(behaviour, patch);
      if (patch.longLivedToken !== undefined) longLivedRevoked = false;
    },
    requests,
    counters,
    users,
    contacts,
    calls,
    unsorted,
    tasks,
    addContact,
    addUser(user) {
      users.push(user);
    },
    requestsTo(path, method) {
      return requests.filter((r) => r.path === path && (method === undefined || r.method === method));
    },
    clearRecords() {
      requests.length = 0;
      apiArrivals.length = 0;
      for (const k of Object.keys(counters) as Array<keyof AmoCrmCounters>) counters[k] = 0;
    },
    async down(how = 'refuse') {
      if (mode === 'refuse') return;
      if (how === 'refuse') await stopListening();
      mode = how;
    },
    async up() {
      if (mode === 'refuse') await listen(port);
      mode = 'up';
    },
    failNext(count, response, pathPrefix = '/api/') {
      forced.push({ remaining: count, prefix: pathPrefix, response });
    },
    expireAccessTokens,
    expireAccessTokensAfter(n) {
      expireAfter = n;
    },
    revokeRefreshTokens() {
      for (const rec of refreshTokens.values()) rec.revoked = true;
    },
    revokeAll() {
      for (const rec of refreshTokens.values()) rec.revoked = true;
      for (const rec of accessTokens.values()) rec.revoked = true;
      longLivedRevoked = true;
    },
    issueCode,
    issueTokens,
    validRefreshTokens() {
      const t = now();
      return [...refreshTokens].filter(([, r]) => !r.used && !r.revoked && r.expiresAt > t).map(([k]) => k);
    },
    async close() {
      if (mode !== 'refuse') await stopListening();
      mode = 'refuse';
    },
  };
}
