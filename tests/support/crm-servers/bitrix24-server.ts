// The Bitrix24 test server: two real HTTP servers on 127.0.0.1, one acting as a
// portal (REST `/rest/{method}[.json]?auth=`, incoming webhooks
// `/rest/{user_id}/{code}/{method}.json`, the browser's `/oauth/authorize/`
// page) and one as oauth.bitrix.info (`/oauth/token/`). It follows the facts in
// ../shared/reference/crm-apis.md section 2 and the official REST docs
// (bitrix24/b24restdocs): error bodies `{error, error_description}` with their
// statuses, the leaky-bucket limit, the 30-second code, rotating refresh tokens,
// the externalCall register -> finish -> attachRecord life cycle. Where the
// reference says UNVERIFIED the behaviour is an option. Every request is
// recorded so tests can assert on what the connector sent.
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { randomBytes } from 'node:crypto';
import { isObject, param, parseBody, parsePhpQuery, str, type ParamValue, type Params } from './bitrix24-params';

export type Bitrix24EntityType = 'CONTACT' | 'COMPANY' | 'LEAD';

export interface Bitrix24User {
  readonly ID: string;
  readonly NAME: string;
  readonly LAST_NAME: string;
  readonly EMAIL?: string;
  /** Internal phone number (user.get field UF_PHONE_INNER; USER_PHONE_INNER in telephony methods). */
  readonly UF_PHONE_INNER?: string;
  readonly ACTIVE?: boolean;
  readonly TIMEMAN_STATUS?: string;
}

export interface Bitrix24Entity {
  readonly type: Bitrix24EntityType;
  readonly id: number;
  /** Full name (contact), title (company, lead). */
  readonly name: string;
  readonly phones: readonly string[];
  readonly assignedById: number;
  /** How it came to be: seeded by the test, or created by register's CRM_CREATE. */
  readonly source: 'seed' | 'crmCreate';
}

export interface Bitrix24Webhook {
  readonly userId: string;
  readonly code: string;
  readonly scope: readonly string[];
}

export interface Bitrix24ErrorBody {
  readonly status: number;
  readonly error: string;
  readonly error_description: string;
}

export interface Bitrix24ServerOptions {
  readonly clientId?: string;
  readonly clientSecret?: string;
  /** The application's registered redirect URI; null: the portal shows the code for the user to paste. */
  readonly redirectUri?: string | null;
  /** Scopes granted to the application. */
  readonly scope?: readonly string[];
  readonly users?: readonly Bitrix24User[];
  /** The user signed in to the portal in the browser (authorize page). Default: the first user. */
  readonly authorizeAs?: string;
  readonly webhooks?: readonly Bitrix24Webhook[];
  /**
   * UNVERIFIED in the reference: the current docs say register/finish work only
   * in an application's context (WRONG_AUTH_TYPE through a webhook); AsterX uses
   * a webhook. 'refuse' (default, the docs) or 'allow'.
   */
  readonly webhookTelephony?: 'refuse' | 'allow';
  /** Leaky bucket of the portal; false: no limit. Default 50 / 2 per second. */
  readonly rateLimit?: { readonly capacity: number; readonly drainPerSecond: number } | false;
  readonly accessTokenTtlSec?: number;
  readonly codeTtlSec?: number;
  /** After a refresh the previous access token stops working too (old docs). Default true. */
  readonly invalidateOldAccessOnRefresh?: boolean;
  /** Status of invalid_grant from the token endpoint (UNVERIFIED): default 400. */
  readonly invalidGrantStatus?: 400 | 401;
  /** Status of insufficient_scope (reference: 403; current system-errors page: 401). Default 403. */
  readonly insufficientScopeStatus?: 401 | 403;
  /** Error for an access token that was replaced or revoked (UNVERIFIED). Default 'invalid_token'. */
  readonly staleAccessTokenError?: 'invalid_token' | 'expired_token';
  /** attachRecord refuses RECORD_URLs on private addresses, as the docs describe. Default false. */
  readonly blockPrivateRecordUrls?: boolean;
  /** Application status in token answers (L local, P paid, T trial...). */
  readonly appStatus?: string;
}

export interface RecordedBitrix24Request {
  readonly at: number;
  readonly server: 'portal' | 'oauth';
  readonly httpMethod: string;
  readonly path: string;
  /** REST method as sent (`telephony.externalCall.register`), `oauth/authorize` or `oauth/token`. */
  readonly method: string;
  /** Lower-case method, for matching (Bitrix method names are case-insensitive). */
  readonly methodKey: string;
  readonly params: Params;
  readonly authKind: 'oauth' | 'webhook' | 'none';
  readonly token?: string;
  readonly status: number;
  readonly error?: string;
}

export interface Bitrix24CallState {
  readonly callId: string;
  readonly externalCallId?: string;
  readonly userId: string;
  readonly phoneNumber: string;
  readonly type: number;
  readonly lineNumber?: string;
  readonly registerParams: Params;
  readonly registeredAt: number;
  /** How many register requests answered with this CALL_ID (re-registration within 30 min). */
  registerCount: number;
  crmEntityType?: Bitrix24EntityType;
  crmEntityId?: number;
  createdLeadId?: number;
  finished?: { readonly params: Params; readonly result: Record<string, unknown>; readonly at: number };
  /** Attached records; a new attach replaces the previous one, this keeps every attempt. */
  readonly records: { readonly url?: string; readonly fileName?: string; readonly fileId: number }[];
}

export interface Bitrix24Todo {
  readonly id: number;
  readonly params: Params;
}

export interface Bitrix24Counters {
  requests: number;
  codeExchanges: number;
  refreshes: number;
  /** QUERY_LIMIT_EXCEEDED answers sent by the bucket. */
  limitErrors: number;
  /** 401 expired_token / invalid_token answers. */
  tokenRejections: number;
}

interface TokenRecord {
  readonly access: string;
  readonly refresh: string;
  readonly userId: string;
  expiresAt: number;
  accessValid: boolean;
  refreshValid: boolean;
}

interface CodeRecord {
  readonly code: string;
  readonly userId: string;
  readonly expiresAt: number;
  used: boolean;
}

interface AuthContext {
  readonly kind: 'oauth' | 'webhook';
  readonly userId: string;
  readonly scope: readonly string[];
  readonly token?: string;
}

class RestError extends Error {
  constructor(
    readonly status: number,
    readonly error: string,
    readonly description: string,
  ) {
    super(description);
  }
}

const DEFAULT_USERS: readonly Bitrix24User[] = [
  { ID: '1', NAME: 'Anna', LAST_NAME: 'Admin', EMAIL: 'anna@example.test', UF_PHONE_INNER: '100', ACTIVE: true },
  { ID: '7', NAME: 'Oleg', LAST_NAME: 'Operator', EMAIL: 'oleg@example.test', UF_PHONE_INNER: '101', ACTIVE: true },
  { ID: '9', NAME: 'Maria', LAST_NAME: 'Manager', EMAIL: 'maria@example.test', UF_PHONE_INNER: '102', ACTIVE: true },
];

const ISO_WITH_TZ = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})$/;
const REGISTER_WINDOW_MS = 30 * 60_000;
const PAGE = 50;

function methodScope(key: string): string | null {
  if (key === 'profile' || key === 'user.current' || key === 'app.info' || key === 'scope' || key === 'methods') return null;
  if (key.startsWith('telephony.')) return 'telephony';
  if (key.startsWith('user.')) return 'user';
  if (key.startsWith('crm.')) return 'crm';
  if (key.startsWith('tasks.')) return 'task';
  return null;
}

function hasScope(granted: readonly string[], needed: string): boolean {
  if (granted.includes(needed)) return true;
  // user_brief / user_basic are narrower variants that still allow user.get.
  return needed === 'user' && (granted.includes('user_brief') || granted.includes('user_basic'));
}

function digits(s: string): string {
  return s.replace(/\D/g, '');
}

function phoneMatches(stored: string, asked: string): boolean {
  const a = digits(stored);
  const b = digits(asked);
  if (a === '' || b === '') return false;
  if (a === b) return true;
  // Bitrix24 normalizes numbers before matching: compare the national part.
  return a.length >= 10 && b.length >= 10 && a.slice(-10) === b.slice(-10);
}

function isPrivateHost(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '');
  if (h === 'localhost' || h === '::1') return true;
  const m = /^(\d+)\.(\d+)\.\d+\.\d+$/.exec(h);
  if (!m) return false;
  const a = Number(m[1]);
  const b = Number(m[2]);
  return a === 127 || a === 10 || (a === 192 && b === 168) || (a === 172 && b >= 16 && b <= 31) || (a === 169 && b === 254);
}

function truthy(v: ParamValue | undefined): boolean {
  const s = str(v).toLowerCase();
  return s === '1' || s === 'y' || s === 'true';
}

function listen(server: http.Server, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

/** One of the two HTTP endpoints, closable and reopenable on the same port (down/up). */
class Endpoint {
  private server: http.Server | null = null;
  private readonly sockets = new Set<Socket>();
  port = 0;
  latencyMs = 0;

  constructor(private readonly handler: (req: http.IncomingMessage, res: http.ServerResponse) => void) {}

  async open(): Promise<void> {
    const server = http.createServer((req, res) => {
      const run = (): void => this.handler(req, res);
      if (this.latencyMs > 0) setTimeout(run, this.latencyMs);
      else run();
    });
    server.on('connection', (s) => {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
    this.port = await listen(server, this.port);
    this.server = server;
  }

  async close(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = null;
    for (const s of this.sockets) s.destroy();
    this.sockets.clear();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  get isOpen(): boolean {
    return this.server !== null;
  }
}

export class Bitrix24TestServer {
  readonly clientId: string;
  readonly clientSecret: string;
  readonly memberId = randomBytes(16).toString('hex');
  readonly requests: RecordedBitrix24Request[] = [];
  readonly counters: Bitrix24Counters = { requests: 0, codeExchanges: 0, refreshes: 0, limitErrors: 0, tokenRejections: 0 };

  private readonly portal: Endpoint;
  private readonly oauth: Endpoint;
  private redirectUri: string | null;
  private scope: string[];
  private readonly users: Bitrix24User[];
  private authorizeAs: string;
  private readonly webhooks: Bitrix24Webhook[];
  private webhookTelephony: 'refuse' | 'allow';
  private rateLimit: { capacity: number; drainPerSecond: number } | false;
  private readonly accessTtlMs: number;
  private readonly codeTtlMs: number;
  private readonly invalidateOldAccess: boolean;
  private readonly invalidGrantStatus: number;
  private readonly insufficientScopeStatus: number;
  private readonly staleAccessError: 'invalid_token' | 'expired_token';
  private blockPrivateRecordUrls: boolean;
  private readonly appStatus: string;

  private offsetMs = 0;
  private frozenAt: number | undefined;
  private bucketLevel = 0;
  private bucketAt = 0;
  private readonly tokens = new Map<string, TokenRecord>();
  private readonly refreshIndex = new Map<string, TokenRecord>();
  private readonly codes = new Map<string, CodeRecord>();
  private readonly entities: Bitrix24Entity[] = [];
  private readonly callsById = new Map<string, Bitrix24CallState>();
  private readonly todoList: Bitrix24Todo[] = [];
  private readonly forced: { match: string; body: Bitrix24ErrorBody; left: number }[] = [];
  private nextEntityId = 100;
  private nextActivityId = 5000;
  private nextFileId = 9000;
  private nextStatId = 1;
  /** The last code the portal issued (for the paste-the-code flow). */
  lastCode: string | undefined;

  constructor(opts: Bitrix24ServerOptions = {}) {
    this.clientId = opts.clientId ?? 'local.5f2a9c3e7d1b40.12345678';
    this.clientSecret = opts.clientSecret ?? 'test-secret-' + randomBytes(8).toString('hex');
    this.redirectUri = opts.redirectUri === undefined ? null : opts.redirectUri;
    this.scope = [...(opts.scope ?? ['crm', 'telephony', 'user', 'task'])];
    this.users = [...(opts.users ?? DEFAULT_USERS)];
    this.authorizeAs = opts.authorizeAs ?? this.users[0]?.ID ?? '1';
    this.webhooks = [...(opts.webhooks ?? [])];
    this.webhookTelephony = opts.webhookTelephony ?? 'refuse';
    this.rateLimit = opts.rateLimit === undefined ? { capacity: 50, drainPerSecond: 2 } : opts.rateLimit === false ? false : { ...opts.rateLimit };
    this.accessTtlMs = (opts.accessTokenTtlSec ?? 3600) * 1000;
    this.codeTtlMs = (opts.codeTtlSec ?? 30) * 1000;
    this.invalidateOldAccess = opts.invalidateOldAccessOnRefresh ?? true;
    this.invalidGrantStatus = opts.invalidGrantStatus ?? 400;
    this.insufficientScopeStatus = opts.insufficientScopeStatus ?? 403;
    this.staleAccessError = opts.staleAccessTokenError ?? 'invalid_token';
    this.blockPrivateRecordUrls = opts.blockPrivateRecordUrls ?? false;
    this.appStatus = opts.appStatus ?? 'L';
    this.portal = new Endpoint((req, res) => this.onPortal(req, res));
    this.oauth = new Endpoint((req, res) => this.onOAuth(req, res));
  }

  async start(): Promise<this> {
    await this.portal.open();
    await this.oauth.open();
    this.bucketAt = this.now();
    return this;
  }

  async close(): Promise<void> {
    await Promise.all([this.portal.close(), this.oauth.close()]);
  }

  // ---- addresses -------------------------------------------------------------

  /** e.g. http://127.0.0.1:40123 (Settings -> Bitrix24 portal URL). */
  get portalUrl(): string {
    return `http://127.0.0.1:${this.portal.port}`;
  }
  /** Stands for https://oauth.bitrix.info (Settings -> OAuth server). */
  get oauthUrl(): string {
    return `http://127.0.0.1:${this.oauth.port}`;
  }
  /** The incoming-webhook base URL as the portal shows it: `{portal}/rest/{user_id}/{code}/`. */
  webhookUrl(hook: Bitrix24Webhook | undefined = this.webhooks[0]): string {
    if (!hook) throw new Error('no webhook configured');
    return `${this.portalUrl}/rest/${hook.userId}/${hook.code}/`;
  }
  addWebhook(userId: string, scope: readonly string[] = ['crm', 'telephony', 'user', 'task']): Bitrix24Webhook {
    const hook: Bitrix24Webhook = { userId, code: randomBytes(8).toString('hex'), scope: [...scope] };
    this.webhooks.push(hook);
    return hook;
  }

  // ---- controls ----------------------------------------------------------------

  /** Takes the portal, the OAuth server or both off the network (connections refused) until up(). */
  async down(which: 'portal' | 'oauth' | 'both' = 'both'): Promise<void> {
    if (which !== 'oauth') await this.portal.close();
    if (which !== 'portal') await this.oauth.close();
  }
  async up(): Promise<void> {
    if (!this.portal.isOpen) await this.portal.open();
    if (!this.oauth.isOpen) await this.oauth.open();
  }
  setLatency(ms: number, which: 'portal' | 'oauth' | 'both' = 'both'): void {
    if (which !== 'oauth') this.portal.latencyMs = ms;
    if (which !== 'portal') this.oauth.latencyMs = ms;
  }
  /** Moves the server's clock (code and token lifetimes, the 30-minute re-register window). */
  advanceTime(ms: number): void {
    this.offsetMs += ms;
  }
  /** Stops the server's clock (the bucket then drains only by advanceTime): exact limit tests. */
  freezeTime(): void {
    this.frozenAt ??= Date.now();
  }
  unfreezeTime(): void {
    if (this.frozenAt === undefined) return;
    this.offsetMs -= Date.now() - this.frozenAt;
    this.frozenAt = undefined;
  }
  now(): number {
    return (this.frozenAt ?? Date.now()) + this.offsetMs;
  }
  /** Every access token issued so far expires now (next use: 401 expired_token). */
  expireAccessTokens(): void {
    for (const t of this.tokens.values()) t.expiresAt = Math.min(t.expiresAt, this.now() - 1);
  }
  /** The application is uninstalled / access revoked: every token and code stops working. */
  revoke(): void {
    for (const t of this.tokens.values()) {
      t.accessValid = false;
      t.refreshValid = false;
    }
    for (const c of this.codes.values()) c.used = true;
  }
  /**
   * The next `times` requests of `method` (case-insensitive REST method, '*' for
   * any REST method, 'oauth/token' for the token endpoint) get this error.
   */
  failNext(method: string, body: Bitrix24ErrorBody, times = 1): void {
    this.forced.push({ match: method.toLowerCase(), body, left: times });
  }
  setRateLimit(limit: { capacity: number; drainPerSecond: number } | false): void {
    this.rateLimit = limit;
    this.bucketLevel = 0;
    this.bucketAt = this.now();
  }
  setWebhookTelephony(mode: 'refuse' | 'allow'): void {
    this.webhookTelephony = mode;
  }
  setScope(scope: readonly string[]): void {
    this.scope = [...scope];
  }
  setRedirectUri(uri: string | null): void {
    this.redirectUri = uri;
  }
  setAuthorizeAs(userId: string): void {
    this.authorizeAs = userId;
  }
  setBlockPrivateRecordUrls(on: boolean): void {
    this.blockPrivateRecordUrls = on;
  }
  addUser(user: Bitrix24User): void {
    this.users.push(user);
  }
  addEntity(type: Bitrix24EntityType, fields: { name: string; phones: readonly string[]; assignedById?: number }): Bitrix24Entity {
    const entity: Bitrix24Entity = {
      type,
      id: this.nextEntityId++,
      name: fields.name,
      phones: [...fields.phones],
      assignedById: fields.assignedById ?? Number(this.users[0]?.ID ?? 1),
      source: 'seed',
    };
    this.entities.push(entity);
    return entity;
  }
  /** A token pair as if the user had signed in (skips the browser step). */
  issueTokens(userId: string = this.authorizeAs): { access_token: string; refresh_token: string; expires: number } {
    const t = this.mintTokens(userId);
    return { access_token: t.access, refresh_token: t.refresh, expires: Math.floor(t.expiresAt / 1000) };
  }
  clearRecords(): void {
    this.requests.length = 0;
    for (const k of Object.keys(this.counters) as (keyof Bitrix24Counters)[]) this.counters[k] = 0;
  }

  // ---- state for assertions --------------------------------------------------------

  requestsFor(method: string): RecordedBitrix24Request[] {
    const key = method.toLowerCase();
    return this.requests.filter((r) => r.methodKey === key);
  }
  calls(): readonly Bitrix24CallState[] {
    return [...this.callsById.values()];
  }
  call(callId: string): Bitrix24CallState | undefined {
    return this.callsById.get(callId);
  }
  callByExternalId(externalCallId: string): Bitrix24CallState[] {
    return this.calls().filter((c) => c.externalCallId === externalCallId);
  }
  allEntities(type?: Bitrix24EntityType): readonly Bitrix24Entity[] {
    return type ? this.entities.filter((e) => e.type === type) : [...this.entities];
  }
  todos(): readonly Bitrix24Todo[] {
    return [...this.todoList];
  }
  /** Tokens currently accepted (refresh still valid), for rotation assertions. */
  liveRefreshTokens(): string[] {
    return [...this.tokens.values()].filter((t) => t.refreshValid).map((t) => t.refresh);
  }

  // ---- HTTP plumbing ----------------------------------------------------------------

  private readBody(req: http.IncomingMessage): Promise<string> {
    return new Promise((resolve, reject) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
      req.on('error', reject);
    });
  }

  private send(res: http.ServerResponse, status: number, body: unknown): void {
    const text = JSON.stringify(body);
    res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text) });
    res.end(text);
  }

  private record(r: Omit<RecordedBitrix24Request, 'at' | 'methodKey'>): void {
    this.counters.requests += 1;
    this.requests.push({ ...r, methodKey: r.method.toLowerCase(), at: this.now() });
  }

  private timeBlock(start: number): Record<string, unknown> {
    const finish = this.now();
    const iso = (ms: number): string => new Date(ms).toISOString().replace(/\.\d{3}Z$/, '+00:00');
    return {
      start: start / 1000,
      finish: finish / 1000,
      duration: (finish - start) / 1000,
      processing: 0,
      date_start: iso(start),
      date_finish: iso(finish),
      operating_reset_at: Math.floor(start / 1000) + 600,
      operating: 0,
    };
  }

  private takeForced(key: string): Bitrix24ErrorBody | undefined {
    const i = this.forced.findIndex((f) => f.match === key || (f.match === '*' && key !== 'oauth/token' && key !== 'oauth/authorize'));
    if (i < 0) return undefined;
    const f = this.forced[i];
    if (!f) return undefined;
    f.left -= 1;
    if (f.left <= 0) this.forced.splice(i, 1);
    return f.body;
  }

  /** Leaky bucket: each request adds one, the level drains continuously; a full bucket refuses. */
  private admit(): boolean {
    if (this.rateLimit === false) return true;
    const now = this.now();
    this.bucketLevel = Math.max(0, this.bucketLevel - ((now - this.bucketAt) / 1000) * this.rateLimit.drainPerSecond);
    this.bucketAt = now;
    if (this.bucketLevel + 1 > this.rateLimit.capacity) return false;
    this.bucketLevel += 1;
    return true;
  }

  private mintTokens(userId: string): TokenRecord {
    const t: TokenRecord = {
      access: randomBytes(24).toString('hex'),
      refresh: randomBytes(24).toString('hex'),
      userId,
      expiresAt: this.now() + this.accessTtlMs,
      accessValid: true,
      refreshValid: true,
    };
    this.tokens.set(t.access, t);
    this.refreshIndex.set(t.refresh, t);
    return t;
  }

  // ---- the OAuth server (oauth.bitrix.info) ---------------------------------------------

  private onOAuth(req: http.IncomingMessage, res: http.ServerResponse): void {
    void this.readBody(req).then((body) => {
      const url = new URL(req.url ?? '/', this.oauthUrl);
      const params: Params = { ...parsePhpQuery(url.search.slice(1)) };
      const parsed = parseBody(req.headers['content-type'], body);
      if (parsed !== 'invalid') Object.assign(params, parsed);
      const reply = (status: number, data: unknown, error?: string): void => {
        this.record({ server: 'oauth', httpMethod: req.method ?? 'GET', path: url.pathname, method: 'oauth/token', params, authKind: 'none', status, ...(error ? { error } : {}) });
        this.send(res, status, data);
      };
      if (!/^\/oauth\/token\/?$/.test(url.pathname)) return reply(404, { error: 'not_found', error_description: 'Not found' }, 'not_found');
      const forced = this.takeForced('oauth/token');
      if (forced) return reply(forced.status, { error: forced.error, error_description: forced.error_description }, forced.error);
      const grant = str(params['grant_type']);
      if (str(params['client_id']) !== this.clientId || str(params['client_secret']) !== this.clientSecret) {
        return reply(401, { error: 'invalid_client', error_description: 'Invalid client credentials' }, 'invalid_client');
      }
      const invalidGrant = (why: string): void => reply(this.invalidGrantStatus, { error: 'invalid_grant', error_description: why }, 'invalid_grant');
      let minted: TokenRecord;
      if (grant === 'authorization_code') {
        const code = this.codes.get(str(params['code']));
        if (!code || code.used) return invalidGrant('Invalid authorization code');
        if (this.now() > code.expiresAt) return invalidGrant('Authorization code expired');
        code.used = true;
        this.counters.codeExchanges += 1;
        minted = this.mintTokens(code.userId);
      } else if (grant === 'refresh_token') {
        const old = this.refreshIndex.get(str(params['refresh_token']));
        if (!old || !old.refreshValid) return invalidGrant('Invalid refresh token');
        // Rotation: "retain it instead of the previous one"; the previous pair stops working.
        old.refreshValid = false;
        if (this.invalidateOldAccess) old.accessValid = false;
        this.counters.refreshes += 1;
        minted = this.mintTokens(old.userId);
      } else {
        return reply(400, { error: 'invalid_request', error_description: 'Unsupported grant_type' }, 'invalid_request');
      }
      const oauthHost = new URL(this.oauthUrl).host;
      return reply(200, {
        access_token: minted.access,
        refresh_token: minted.refresh,
        expires: Math.floor(minted.expiresAt / 1000),
        expires_in: Math.round(this.accessTtlMs / 1000),
        scope: this.scope.join(','),
        domain: oauthHost,
        server_endpoint: `${this.oauthUrl}/rest/`,
        client_endpoint: `${this.portalUrl}/rest/`,
        member_id: this.memberId,
        user_id: Number(minted.userId),
        status: this.appStatus,
      });
    });
  }

  // ---- the portal ----------------------------------------------------------------------

  private onPortal(req: http.IncomingMessage, res: http.ServerResponse): void {
    void this.readBody(req).then((body) => {
      const url = new URL(req.url ?? '/', this.portalUrl);
      if (/^\/oauth\/authorize\/?$/.test(url.pathname)) return this.onAuthorize(req, res, url);
      const m = /^\/rest\/(?:(\d+)\/([^/]+)\/)?([A-Za-z0-9_.]+?)(?:\.json)?\/?$/.exec(url.pathname);
      const params: Params = { ...parsePhpQuery(url.search.slice(1)) };
      const parsed = parseBody(req.headers['content-type'], body);
      if (parsed !== 'invalid') Object.assign(params, parsed);
      const method = m?.[3] ?? url.pathname;
      const start = this.now();
      const authKind: RecordedBitrix24Request['authKind'] = m?.[1] ? 'webhook' : str(params['auth']) !== '' ? 'oauth' : 'none';
      const token = authKind === 'oauth' ? str(params['auth']) : undefined;
      const base = { server: 'portal' as const, httpMethod: req.method ?? 'GET', path: url.pathname, method, params, authKind, ...(token ? { token } : {}) };
      try {
        if (!m) throw new RestError(404, 'ERROR_METHOD_NOT_FOUND', 'Method not found!');
        if (parsed === 'invalid') throw new RestError(400, 'INVALID_REQUEST', 'Invalid request body');
        const auth = this.authenticate(m[1], m[2], params);
        const key = method.toLowerCase();
        if (!this.admit()) {
          this.counters.limitErrors += 1;
          throw new RestError(503, 'QUERY_LIMIT_EXCEEDED', 'Too many requests');
        }
        const forced = this.takeForced(key);
        if (forced) throw new RestError(forced.status, forced.error, forced.error_description);
        const extra: Record<string, unknown> = {};
        const result = this.dispatch(key, params, auth, extra);
        this.record({ ...base, status: 200 });
        this.send(res, 200, { result, ...extra, time: this.timeBlock(start) });
      } catch (e) {
        if (!(e instanceof RestError)) throw e;
        if (e.error === 'expired_token' || e.error === 'invalid_token') this.counters.tokenRejections += 1;
        this.record({ ...base, status: e.status, error: e.error });
        this.send(res, e.status, { error: e.error, error_description: e.description });
      }
    });
  }

  private onAuthorize(req: http.IncomingMessage, res: http.ServerResponse, url: URL): void {
    const params = parsePhpQuery(url.search.slice(1));
    const recordIt = (status: number, error?: string): void =>
      this.record({ server: 'portal', httpMethod: req.method ?? 'GET', path: url.pathname, method: 'oauth/authorize', params, authKind: 'none', status, ...(error ? { error } : {}) });
    if (str(params['client_id']) !== this.clientId) {
      recordIt(400, 'invalid_client');
      res.writeHead(400, { 'content-type': 'text/html; charset=utf-8' });
      res.end('<html><body><p id="error">Application not found or not installed on this portal.</p></body></html>');
      return;
    }
    const code: CodeRecord = { code: randomBytes(16).toString('hex'), userId: this.authorizeAs, expiresAt: this.now() + this.codeTtlMs, used: false };
    this.codes.set(code.code, code);
    this.lastCode = code.code;
    if (this.redirectUri === null) {
      // Applications registered without a redirect URI: the code is shown for the user to paste.
      recordIt(200);
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end(`<html><body><p>Copy this code into the application:</p><code id="code">${code.code}</code></body></html>`);
      return;
    }
    const target = new URL(this.redirectUri);
    target.searchParams.set('code', code.code);
    target.searchParams.set('state', str(params['state']));
    target.searchParams.set('domain', new URL(this.portalUrl).host);
    target.searchParams.set('member_id', this.memberId);
    target.searchParams.set('scope', this.scope.join(','));
    target.searchParams.set('server_domain', new URL(this.oauthUrl).host);
    recordIt(302);
    res.writeHead(302, { location: target.toString() });
    res.end();
  }

  private authenticate(hookUser: string | undefined, hookCode: string | undefined, params: Params): AuthContext {
    if (hookUser !== undefined && hookCode !== undefined) {
      const hook = this.webhooks.find((h) => h.userId === hookUser && h.code === hookCode);
      if (!hook) throw new RestError(401, 'INVALID_CREDENTIALS', 'Invalid request credentials');
      return { kind: 'webhook', userId: hook.userId, scope: hook.scope };
    }
    const token = str(params['auth']);
    if (token === '') throw new RestError(401, 'NO_AUTH_FOUND', 'Wrong authorization data');
    const t = this.tokens.get(token);
    if (!t || !t.accessValid) {
      throw this.staleAccessError === 'expired_token'
        ? new RestError(401, 'expired_token', 'The access token provided has expired.')
        : new RestError(401, 'invalid_token', 'The access token provided is invalid.');
    }
    if (this.now() >= t.expiresAt) throw new RestError(401, 'expired_token', 'The access token provided has expired.');
    return { kind: 'oauth', userId: t.userId, scope: this.scope, token };
  }

  private dispatch(key: string, p: Params, auth: AuthContext, extra: Record<string, unknown>): unknown {
    const needed = methodScope(key);
    if (needed !== null && !hasScope(auth.scope, needed)) {
      const by = auth.kind === 'webhook' ? 'webhook token' : 'access token';
      throw new RestError(this.insufficientScopeStatus, 'insufficient_scope', `The request requires higher privileges than provided by the ${by}`);
    }
    switch (key) {
      case 'profile':
        return this.profile(auth);
      case 'user.current':
        return this.userView(this.userById(auth.userId));
      case 'user.get':
        return this.userGet(p, extra);
      case 'telephony.externalcall.searchcrmentities':
        return this.searchCrmEntities(p);
      case 'telephony.externalcall.register':
        this.requireApplication(auth);
        return this.register(p);
      case 'telephony.externalcall.finish':
        this.requireApplication(auth);
        return this.finish(p);
      case 'telephony.externalcall.attachrecord':
        return this.attachRecord(p);
      case 'crm.contact.get':
        return this.entityGet('CONTACT', p);
      case 'crm.company.get':
        return this.entityGet('COMPANY', p);
      case 'crm.lead.get':
        return this.entityGet('LEAD', p);
      case 'crm.activity.todo.add':
        return this.todoAdd(p);
      default:
        throw new RestError(404, 'ERROR_METHOD_NOT_FOUND', 'Method not found!');
    }
  }

  private requireApplication(auth: AuthContext): void {
    if (auth.kind === 'webhook' && this.webhookTelephony === 'refuse') {
      throw new RestError(403, 'WRONG_AUTH_TYPE', 'Current authorization type is denied for this method');
    }
  }

  private userById(id: string): Bitrix24User {
    const u = this.users.find((x) => x.ID === id);
    if (!u) throw new RestError(400, 'ERROR_CORE', 'User is not found or is not active');
    return u;
  }

  private userView(u: Bitrix24User): Record<string, unknown> {
    return {
      ID: u.ID,
      ACTIVE: u.ACTIVE ?? true,
      NAME: u.NAME,
      LAST_NAME: u.LAST_NAME,
      SECOND_NAME: '',
      EMAIL: u.EMAIL ?? '',
      WORK_PHONE: '',
      PERSONAL_MOBILE: '',
      UF_PHONE_INNER: u.UF_PHONE_INNER ?? '',
      USER_TYPE: 'employee',
    };
  }

  private profile(auth: AuthContext): Record<string, unknown> {
    const u = this.userById(auth.userId);
    return { ID: u.ID, ADMIN: u.ID === '1', NAME: u.NAME, LAST_NAME: u.LAST_NAME, PERSONAL_GENDER: '', PERSONAL_PHOTO: '', TIME_ZONE: '', TIME_ZONE_OFFSET: 0 };
  }

  private userGet(p: Params, extra: Record<string, unknown>): unknown {
    const control = new Set(['sort', 'order', 'start', 'admin_mode', 'auth', 'filter']);
    const filter: Record<string, ParamValue> = {};
    const nested = param(p, 'filter');
    if (isObject(nested)) Object.assign(filter, nested);
    for (const [k, v] of Object.entries(p)) if (!control.has(k.toLowerCase())) filter[k] = v;
    const matches = this.users.filter((u) =>
      Object.entries(filter).every(([rawKey, want]) => {
        const inList = rawKey.startsWith('@');
        const field = rawKey.replace(/^[@=!%<>]+/, '').toUpperCase();
        const have = (this.userView(u) as Record<string, unknown>)[field];
        if (have === undefined) return false;
        const values = inList && Array.isArray(want) ? want.map((w) => str(w)) : [str(want)];
        const haveStr = typeof have === 'boolean' ? (have ? 'true' : 'false') : String(have);
        return values.some((w) => {
          if (typeof have === 'boolean') return truthy(w) === have;
          return haveStr === w;
        });
      }),
    );
    const start = Number(str(param(p, 'start')) || '0');
    const page = matches.slice(start, start + PAGE).map((u) => this.userView(u));
    extra['total'] = matches.length;
    if (start + PAGE < matches.length) extra['next'] = start + PAGE;
    return page;
  }

  private entitiesFor(phone: string): Bitrix24Entity[] {
    return this.entities.filter((e) => e.phones.some((ph) => phoneMatches(ph, phone)));
  }

  private searchCrmEntities(p: Params): unknown {
    const phone = str(param(p, 'PHONE_NUMBER'));
    if (phone === '') throw new RestError(400, 'ERROR_CORE', 'PHONE_NUMBER is empty');
    return this.entitiesFor(phone).map((e) => {
      const u = this.users.find((x) => x.ID === String(e.assignedById));
      return {
        CRM_ENTITY_TYPE: e.type,
        CRM_ENTITY_ID: e.id,
        ASSIGNED_BY_ID: e.assignedById,
        NAME: e.name,
        ASSIGNED_BY: {
          ID: String(e.assignedById),
          TIMEMAN_STATUS: u?.TIMEMAN_STATUS ?? 'CLOSED',
          USER_PHONE_INNER: u?.UF_PHONE_INNER ?? null,
          WORK_PHONE: null,
          PERSONAL_PHONE: null,
          PERSONAL_MOBILE: null,
        },
      };
    });
  }

  private resolveCallUser(p: Params): Bitrix24User {
    const id = str(param(p, 'USER_ID'));
    const inner = str(param(p, 'USER_PHONE_INNER'));
    if (id === '' && inner === '') throw new RestError(400, 'ERROR_CORE', 'USER_ID or USER_PHONE_INNER should be set');
    const u = id !== '' ? this.users.find((x) => x.ID === id) : this.users.find((x) => x.UF_PHONE_INNER === inner);
    if (!u || u.ACTIVE === false) throw new RestError(400, 'ERROR_CORE', 'User is not found or is not active');
    return u;
  }

  private register(p: Params): unknown {
    const user = this.resolveCallUser(p);
    const type = Number(str(param(p, 'TYPE')));
    if (![1, 2, 3, 4, 5].includes(type)) throw new RestError(400, 'ERROR_CORE', 'Unknown TYPE');
    const startDate = str(param(p, 'CALL_START_DATE'));
    if (startDate !== '' && !ISO_WITH_TZ.test(startDate)) throw new RestError(400, 'ERROR_CORE', 'CALL_START_DATE should be in the ISO-8601 format');
    const phone = str(param(p, 'PHONE_NUMBER'));
    if (digits(phone) === '') throw new RestError(400, 'ERROR_CORE', 'Unsupported phone number format');
    const lineNumber = str(param(p, 'LINE_NUMBER')) || undefined;
    const externalCallId = str(param(p, 'EXTERNAL_CALL_ID')) || undefined;
    const now = this.now();
    // Re-registration within 30 minutes with the same technical keys returns the existing CALL_ID.
    const existing = [...this.callsById.values()].find(
      (c) =>
        now - c.registeredAt < REGISTER_WINDOW_MS &&
        c.phoneNumber === phone &&
        c.type === type &&
        c.userId === user.ID &&
        c.lineNumber === lineNumber &&
        c.externalCallId === externalCallId,
    );
    if (existing) {
      existing.registerCount += 1;
      return this.registerResult(existing);
    }
    const call: Bitrix24CallState = {
      callId: `externalCall.${randomBytes(16).toString('hex')}.${Math.floor(now / 1000)}`,
      ...(externalCallId ? { externalCallId } : {}),
      userId: user.ID,
      phoneNumber: phone,
      type,
      ...(lineNumber ? { lineNumber } : {}),
      registerParams: p,
      registeredAt: now,
      registerCount: 1,
      records: [],
    };
    const askedType = str(param(p, 'CRM_ENTITY_TYPE')).toUpperCase();
    const askedId = Number(str(param(p, 'CRM_ENTITY_ID')));
    const asked = this.entities.find((e) => e.type === askedType && e.id === askedId);
    const found = asked ?? (['CONTACT', 'COMPANY', 'LEAD'] as const).map((t) => this.entitiesFor(phone).find((e) => e.type === t)).find((e) => e !== undefined);
    if (found) {
      call.crmEntityType = found.type;
      call.crmEntityId = found.id;
    } else if (truthy(param(p, 'CRM_CREATE'))) {
      const lead: Bitrix24Entity = { type: 'LEAD', id: this.nextEntityId++, name: `${phone} - ${type === 1 ? 'Outgoing' : 'Incoming'} call`, phones: [phone], assignedById: Number(user.ID), source: 'crmCreate' };
      this.entities.push(lead);
      call.createdLeadId = lead.id;
      call.crmEntityType = 'LEAD';
      call.crmEntityId = lead.id;
    }
    this.callsById.set(call.callId, call);
    return this.registerResult(call);
  }

  private registerResult(c: Bitrix24CallState): Record<string, unknown> {
    return {
      CALL_ID: c.callId,
      CRM_CREATED_LEAD: c.createdLeadId ?? null,
      CRM_CREATED_ENTITIES: c.createdLeadId !== undefined ? [{ ENTITY_TYPE: 'LEAD', ENTITY_ID: c.createdLeadId }] : [],
      ...(c.crmEntityType ? { CRM_ENTITY_TYPE: c.crmEntityType, CRM_ENTITY_ID: c.crmEntityId } : {}),
    };
  }

  private finish(p: Params): unknown {
    const callIdParam = param(p, 'CALL_ID');
    if (typeof callIdParam !== 'string' || callIdParam === '') throw new RestError(400, 'INVALID_ARGUMENT', 'CALL_ID must be a string');
    const user = this.resolveCallUser(p);
    const call = this.callsById.get(callIdParam);
    // A finished call leaves the active-call table: finishing it again finds nothing.
    if (!call || call.finished) throw new RestError(400, 'ERROR_CORE', 'Call is not found (call should be registered prior to finishing)');
    const duration = Number(str(param(p, 'DURATION')) || '0');
    const code = str(param(p, 'STATUS_CODE')) || (duration > 0 ? '200' : '304');
    const result: Record<string, unknown> = {
      CALL_ID: call.callId,
      EXTERNAL_CALL_ID: call.externalCallId ?? null,
      PORTAL_USER_ID: Number(user.ID),
      PHONE_NUMBER: call.phoneNumber,
      PORTAL_NUMBER: call.lineNumber ?? '',
      INCOMING: String(call.type),
      CALL_DURATION: duration,
      CALL_START_DATE: str(param(call.registerParams, 'CALL_START_DATE')) || null,
      CALL_STATUS: code === '200' ? 1 : 0,
      CALL_VOTE: Number(str(param(p, 'VOTE')) || '0'),
      COST: Number(str(param(p, 'COST')) || '0'),
      COST_CURRENCY: str(param(p, 'COST_CURRENCY')),
      CALL_FAILED_CODE: code,
      CALL_FAILED_REASON: str(param(p, 'FAILED_REASON')),
      REST_APP_ID: '3',
      REST_APP_NAME: 'Sidecall',
      CRM_ACTIVITY_ID: call.crmEntityType ? this.nextActivityId++ : null,
      COMMENT: null,
      CRM_ENTITY_TYPE: call.crmEntityType ?? null,
      CRM_ENTITY_ID: call.crmEntityId ?? null,
      ID: this.nextStatId++,
    };
    call.finished = { params: p, result, at: this.now() };
    return result;
  }

  private attachRecord(p: Params): unknown {
    const call = this.callsById.get(str(param(p, 'CALL_ID')));
    const url = str(param(p, 'RECORD_URL'));
    const fileName = str(param(p, 'FILENAME'));
    if (url === '' && fileName === '') throw new RestError(400, '', 'Required parameters are not set. Request should contain either URL or FILENAME parameter');
    if (!call || !call.finished) throw new RestError(400, '', 'Call is not found in the statistic table. It looks like it is not finished yet.');
    if (url !== '') {
      let host: string;
      try {
        host = new URL(url).hostname;
      } catch {
        throw new RestError(400, 'ERROR_CORE', 'Server returns HTTP error code 0');
      }
      if (this.blockPrivateRecordUrls && isPrivateHost(host)) throw new RestError(400, '', 'Record URL resolves to a non-public address and was blocked.');
      const fileId = this.nextFileId++;
      call.records.push({ url, ...(fileName ? { fileName } : {}), fileId });
      return { FILE_ID: fileId };
    }
    if (!/\.(wav|mp3)$/i.test(fileName)) throw new RestError(400, 'ERROR_CORE', 'Wrong file extension. Only wav and mp3 are allowed');
    if (str(param(p, 'FILE_CONTENT')) === '') {
      return { uploadUrl: `${this.portalUrl}/rest/upload.json?token=${randomBytes(8).toString('hex')}`, fieldName: 'file' };
    }
    const fileId = this.nextFileId++;
    call.records.push({ fileName, fileId });
    return { FILE_ID: fileId };
  }

  private entityGet(type: Bitrix24EntityType, p: Params): unknown {
    const id = Number(str(param(p, 'id')));
    const e = this.entities.find((x) => x.type === type && x.id === id);
    if (!e) throw new RestError(400, '', 'Not found');
    const phones = e.phones.map((v, i) => ({ ID: String(i + 1), VALUE_TYPE: 'WORK', VALUE: v, TYPE_ID: 'PHONE' }));
    if (type === 'CONTACT') {
      const [name = '', ...rest] = e.name.split(' ');
      return { ID: String(e.id), NAME: name, LAST_NAME: rest.join(' '), ASSIGNED_BY_ID: String(e.assignedById), PHONE: phones };
    }
    return { ID: String(e.id), TITLE: e.name, ASSIGNED_BY_ID: String(e.assignedById), PHONE: phones };
  }

  private todoAdd(p: Params): unknown {
    const ownerTypeId = Number(str(param(p, 'ownerTypeId')));
    const ownerId = Number(str(param(p, 'ownerId')));
    const deadline = str(param(p, 'deadline'));
    if (!ownerTypeId || !ownerId || deadline === '') throw new RestError(400, '100', 'Required fields are missing');
    if (Number.isNaN(Date.parse(deadline))) throw new RestError(400, 'WRONG_DATETIME_FORMAT', 'Incorrect date format');
    const type: Bitrix24EntityType | undefined = ownerTypeId === 1 ? 'LEAD' : ownerTypeId === 3 ? 'CONTACT' : ownerTypeId === 4 ? 'COMPANY' : undefined;
    if (!type || !this.entities.some((e) => e.type === type && e.id === ownerId)) throw new RestError(400, 'NOT_FOUND', 'Not found.');
    const todo: Bitrix24Todo = { id: this.nextActivityId++, params: p };
    this.todoList.push(todo);
    return { id: todo.id };
  }
}

/** Starts a Bitrix24 test server (portal + OAuth server) on free loopback ports. */
export async function startBitrix24Server(opts: Bitrix24ServerOptions = {}): Promise<Bitrix24TestServer> {
  return new Bitrix24TestServer(opts).start();
}
