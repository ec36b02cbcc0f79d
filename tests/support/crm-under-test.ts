// retailCRM, Odoo and the generic REST CRM as the core, delivery and browser
// tests see them: each starts its test server with one known customer (Иван
// Петров, +7 916 123-45-67), says how Settings -> CRM is filled in for it (as a
// settings patch and as the Settings form's fields), and reads back from the
// server what the CRM holds: call logs per call id by the CRM's own key
// (retailCRM externalId, the Odoo note's marker line, the body id the generic
// CRM stored under its Idempotency-Key) and every request that carried one.
import { ODOO_TEST_USER, startOdooServer, type OdooServer } from './crm-servers/odoo-server';
import { RETAIL_TEST_KEY, startRetailCrmServer, type RetailCrmServer } from './crm-servers/retailcrm-server';
import { startGenericCrmServer, type GenericCrmServer } from './crm-servers/generic-crm-server';
import type { RecordedRequest } from './crm-servers/loopback-server';

export type CrmKindUnderTest = 'retailcrm' | 'odoo' | 'generic';
export const KINDS_UNDER_TEST: readonly CrmKindUnderTest[] = ['retailcrm', 'odoo', 'generic'];

/** The caller every CRM knows, as the trunk sends it. */
export const KNOWN_CALLER = '+79161234567';
export const KNOWN_NAME = 'Иван Петров';

export interface KnownContact {
  /** The name the pop shows. */
  readonly name: string;
  readonly url: string;
  readonly company?: string;
  readonly responsible?: string;
}

/** What the CRM holds about one call, in its own terms. */
export interface HeldLog {
  readonly direction: 'inbound' | 'outbound' | 'internal' | undefined;
  readonly talkSeconds: number | undefined;
  /** The CRM's word for the result ("answered"; Odoo: the note's summary). */
  readonly result: string | undefined;
  readonly recordingUrl: string | undefined;
  readonly raw: unknown;
}

/** One field of Settings -> CRM and reporting as the operator fills it in (data-testid crm-<kind>-<path>). */
export interface FormField {
  readonly testId: string;
  readonly value: string;
  readonly how: 'fill' | 'select';
}

export interface CrmUnderTest {
  readonly kind: CrmKindUnderTest;
  /** "retailCRM". */
  readonly label: string;
  /** The test server's own address. */
  readonly url: string;
  readonly credential: string;
  readonly wrongCredential: string;
  /** The contact the pop must show for KNOWN_CALLER. */
  readonly contact: KnownContact;
  /** The CRM's word for a missed inbound call in the call log (retailCRM "no answer"; Odoo's note says "missed"). */
  readonly missedResult: string;
  /** "connected as ..." text after crm.connect. */
  readonly account: RegExp;
  /** The CRM's (or, where it says nothing but "no", our) words for a wrong key, in the status message. */
  readonly refusal: RegExp;
  /** Settings -> CRM (`crm` of a settings patch) for this CRM reached at `base` (the server, or a proxy in front of it). */
  crm(base?: string): Readonly<Record<string, unknown>>;
  /** The same, as the Settings form's fields in the order an operator fills them in. */
  form(base?: string): readonly FormField[];
  /** Call logs the CRM holds, per call id. */
  logsPerCall(): Map<string, number>;
  logOf(id: string): HeldLog | undefined;
  /** Requests that carried a call log (send attempts the server saw, refused ones included), per call id. */
  sendsPerCall(): Map<string, number>;
  /** The call ids whose log a request carries (none for other requests). */
  logIdsIn(req: RecordedRequest): readonly string[];
  /** Whether a request carries a call log (for a proxy that loses the answer). */
  isLogRequest(req: Pick<RecordedRequest, 'method' | 'path' | 'body'>): boolean;
  /** Contacts the CRM created for unknown callers, per number (Odoo: partners; the others create none). */
  createdPerNumber(): Map<string, number>;
  /** retailCRM: the call events (in / out / hangup) it accepted. */
  events(): readonly Readonly<Record<string, unknown>>[];
  requests(): readonly RecordedRequest[];
  /** Connections dropped without an answer. */
  setDown(down: boolean): void;
  /** Every request answered 503. */
  setUnavailable(on: boolean): void;
  close(): Promise<void>;
}

function count(values: readonly string[]): Map<string, number> {
  const m = new Map<string, number>();
  for (const v of values) m.set(v, (m.get(v) ?? 0) + 1);
  return m;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function parseJson(text: string | undefined): unknown {
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

// ---- retailCRM ----------------------------------------------------------------------

const RETAIL_MANAGER = { id: 5, firstName: 'Olga', lastName: 'Smirnova', code: '102' };
const RETAIL_OPERATOR = { id: 9, firstName: 'Op', lastName: 'One', code: '101' };

async function retailCrm(): Promise<CrmUnderTest> {
  const srv: RetailCrmServer = await startRetailCrmServer({
    customers: [{ id: 17, firstName: 'Иван', lastName: 'Петров', email: 'ivan@example.com', phones: ['+7 916 123-45-67'], managerId: RETAIL_MANAGER.id }],
    managers: [RETAIL_MANAGER, RETAIL_OPERATOR],
  });
  const uploaded = (r: RecordedRequest): string[] => {
    if (r.method !== 'POST' || r.path !== '/api/v5/telephony/calls/upload') return [];
    const calls = parseJson(r.form?.['calls']);
    return Array.isArray(calls) ? calls.map((c: unknown) => (isRecord(c) && typeof c['externalId'] === 'string' ? c['externalId'] : '(no externalId)')) : [];
  };
  return {
    kind: 'retailcrm',
    label: 'retailCRM',
    url: srv.url,
    credential: RETAIL_TEST_KEY,
    wrongCredential: 'retail-wrong-key',
    contact: { name: 'Петров Иван', url: `${srv.url}/customers/17`, responsible: 'Olga Smirnova' },
    missedResult: 'no answer',
    account: /^127\.0\.0\.1:\d+$/,
    refusal: /Wrong "apiKey" value\./,
    crm: (base = srv.url) => ({ kind: 'retailcrm', retailcrm: { accountUrl: base, timeZone: 'Europe/Moscow', callEvents: true }, userMap: { '101': String(RETAIL_OPERATOR.id) } }),
    form: (base = srv.url) => [
      { testId: 'crm-retailcrm-accountUrl', value: base, how: 'fill' },
      { testId: 'crm-retailcrm-secret-credential', value: RETAIL_TEST_KEY, how: 'fill' },
      { testId: 'crm-retailcrm-timeZone', value: 'Europe/Moscow', how: 'fill' },
    ],
    logsPerCall: () => count(srv.calls().map((c) => c.externalId ?? '(no externalId)')),
    logOf(id) {
      const c = srv.calls().find((x) => x.externalId === id);
      return c ? { direction: c.type === 'out' ? 'outbound' : c.type === 'in' ? 'inbound' : undefined, talkSeconds: c.duration, result: c.result, recordingUrl: c.recordUrl, raw: c } : undefined;
    },
    sendsPerCall: () => count(srv.requests().flatMap(uploaded)),
    logIdsIn: uploaded,
    isLogRequest: (r) => r.method === 'POST' && r.path === '/api/v5/telephony/calls/upload',
    createdPerNumber: () => new Map(),
    events: () => srv.events(),
    requests: () => srv.requests(),
    setDown: (d) => srv.setDown(d),
    setUnavailable: (on) => srv.set({ overloaded: on }),
    close: () => srv.close(),
  };
}

// ---- Odoo -------------------------------------------------------------------------------

/** `Sidecall call <id>.` — the last line of every note (src-main/core/crm/odoo/mapping.ts callMarker). */
const NOTE_MARKER = /Sidecall call (.+)\.\s*$/;
/** The marker inside a JSON-encoded request body. */
const BODY_MARKER = /Sidecall call (.+?)\.(?:\\n|")/g;
/** The Odoo test server numbers created records from 1001 (seeded partners have small ids). */
const FIRST_CREATED_ID = 1001;

function odooSummary(body: string): string | undefined {
  return /^(Inbound|Outbound|Internal) call, ([^(]+?) \(/.exec(body)?.[2];
}

function minutesSeconds(text: string | undefined): number | undefined {
  const m = /^(?:(\d+):)?(\d+):(\d{2})$/.exec(text ?? '');
  return m ? Number(m[1] ?? 0) * 3600 + Number(m[2]) * 60 + Number(m[3]) : undefined;
}

async function odoo(version: number): Promise<CrmUnderTest> {
  const srv: OdooServer = await startOdooServer({
    version,
    partners: [
      { id: 6, name: 'ООО «Ромашка»', isCompany: true },
      { id: 7, name: KNOWN_NAME, phone: '+7 916 123-45-67', email: 'ivan@example.com', parentId: 6, userId: ODOO_TEST_USER.id },
    ],
  });
  const json2 = version >= 19;
  const link = (id: number): string => (version >= 18 || json2 ? `${srv.url}/odoo/contacts/${id}` : `${srv.url}/web#id=${id}&model=res.partner&view_type=form`);
  const isLogRequest = (r: Pick<RecordedRequest, 'method' | 'path' | 'body'>): boolean => r.method === 'POST' && (r.path.endsWith('/message_post') || r.body.includes('"message_post"'));
  const posted = (r: RecordedRequest): string[] => (isLogRequest(r) ? [...r.body.matchAll(BODY_MARKER)].map((m) => m[1] ?? '') : []);
  const notes = (): { id: string; body: string }[] =>
    srv.messages().flatMap((m) => {
      const id = NOTE_MARKER.exec(m.body)?.[1];
      return id === undefined ? [] : [{ id, body: m.body }];
    });
  return {
    kind: 'odoo',
    label: 'Odoo',
    url: srv.url,
    credential: ODOO_TEST_USER.apiKey,
    wrongCredential: 'odoo-wrong-key',
    contact: { name: KNOWN_NAME, url: link(7), company: 'ООО «Ромашка»', responsible: ODOO_TEST_USER.name },
    missedResult: 'missed',
    account: new RegExp(`^${ODOO_TEST_USER.login.replace(/\./g, '\\.')} @ 127\\.0\\.0\\.1:\\d+ \\(Odoo ${version}\\.0, ${srv.database}\\)$`),
    refusal: json2 ? /Invalid apikey/ : new RegExp(`Odoo refused the login ${ODOO_TEST_USER.login.replace(/\./g, '\\.')} with this API key`),
    crm: (base = srv.url) => ({ kind: 'odoo', odoo: { url: base, database: srv.database, login: ODOO_TEST_USER.login, api: 'auto', callLog: 'note' } }),
    form: (base = srv.url) => [
      { testId: 'crm-odoo-url', value: base, how: 'fill' },
      { testId: 'crm-odoo-database', value: srv.database, how: 'fill' },
      { testId: 'crm-odoo-login', value: ODOO_TEST_USER.login, how: 'fill' },
      { testId: 'crm-odoo-secret-credential', value: ODOO_TEST_USER.apiKey, how: 'fill' },
      { testId: 'crm-odoo-api', value: 'auto', how: 'select' },
      { testId: 'crm-odoo-callLog', value: 'note', how: 'select' },
    ],
    logsPerCall: () => count(notes().map((n) => n.id)),
    logOf(id) {
      const n = notes().find((x) => x.id === id);
      if (!n) return undefined;
      const direction = /^(Inbound|Outbound|Internal) call/.exec(n.body)?.[1]?.toLowerCase();
      return {
        direction: direction === 'inbound' || direction === 'outbound' || direction === 'internal' ? direction : undefined,
        talkSeconds: minutesSeconds(/Duration ([\d:]+),/.exec(n.body)?.[1]),
        result: odooSummary(n.body),
        recordingUrl: /^Recording: (\S+)$/m.exec(n.body)?.[1],
        raw: n.body,
      };
    },
    sendsPerCall: () => count(srv.requests().flatMap(posted)),
    logIdsIn: posted,
    isLogRequest,
    createdPerNumber: () => count(srv.partners().filter((p) => Number(p['id']) >= FIRST_CREATED_ID && typeof p['phone'] === 'string').map((p) => String(p['phone']))),
    events: () => [],
    requests: () => srv.requests(),
    setDown: (d) => srv.setDown(d),
    setUnavailable: (on) => srv.set({ overloaded: on }),
    close: () => srv.close(),
  };
}

// ---- generic REST CRM ---------------------------------------------------------------

const GENERIC_KEY = 'generic-test-key';

async function generic(): Promise<CrmUnderTest> {
  const srv: GenericCrmServer = await startGenericCrmServer({
    shape: 'nested',
    auth: { kind: 'apiKey', header: 'X-Api-Key', key: GENERIC_KEY },
    strictBody: true,
    requireIdempotencyKey: true,
  });
  const cardUrl = `${srv.url}/app/contacts/c-17`;
  srv.set({ contacts: [{ id: 'c-17', name: KNOWN_NAME, company: 'ООО «Ромашка»', responsible: 'Olga Smirnova', responsibleExt: '102', phones: ['+7 916 123-45-67'], url: cardUrl }] });
  const stored = (): Record<string, unknown>[] => srv.calls().filter(isRecord);
  const sent = (r: RecordedRequest): string[] => (r.method === 'POST' && r.path === '/api/calls' ? [isRecord(r.json) && typeof r.json['id'] === 'string' ? r.json['id'] : '(no id)'] : []);
  const settings = (base: string) => ({
    name: 'Acme CRM',
    baseUrl: `${base}/api`,
    auth: 'apiKey',
    apiKeyHeader: 'X-Api-Key',
    lookupUrl: '{base}/contacts?phone={e164}',
    contactPath: 'data[0]',
    mapping: { id: 'contact_id', name: 'full_name', company: 'org.title', responsible: 'owner.name', link: 'links.web' },
    logUrl: '{base}/calls',
  });
  return {
    kind: 'generic',
    label: 'Acme CRM',
    url: srv.url,
    credential: GENERIC_KEY,
    wrongCredential: 'generic-wrong-key',
    contact: { name: KNOWN_NAME, url: cardUrl, company: 'ООО «Ромашка»', responsible: 'Olga Smirnova' },
    missedResult: 'missed',
    account: /^127\.0\.0\.1:\d+$/,
    refusal: /Invalid API key/,
    crm: (base = srv.url) => ({ kind: 'generic', generic: settings(base) }),
    form: (base = srv.url) => {
      const s = settings(base);
      return [
        { testId: 'crm-generic-name', value: s.name, how: 'fill' },
        { testId: 'crm-generic-baseUrl', value: s.baseUrl, how: 'fill' },
        { testId: 'crm-generic-auth', value: s.auth, how: 'select' },
        { testId: 'crm-generic-apiKeyHeader', value: s.apiKeyHeader, how: 'fill' },
        { testId: 'crm-generic-secret-credential', value: GENERIC_KEY, how: 'fill' },
        { testId: 'crm-generic-lookupUrl', value: s.lookupUrl, how: 'fill' },
        { testId: 'crm-generic-contactPath', value: s.contactPath, how: 'fill' },
        { testId: 'crm-generic-mapping-id', value: s.mapping.id, how: 'fill' },
        { testId: 'crm-generic-mapping-name', value: s.mapping.name, how: 'fill' },
        { testId: 'crm-generic-mapping-company', value: s.mapping.company, how: 'fill' },
        { testId: 'crm-generic-mapping-responsible', value: s.mapping.responsible, how: 'fill' },
        { testId: 'crm-generic-mapping-link', value: s.mapping.link, how: 'fill' },
      ];
    },
    // Stored under the Idempotency-Key: the same body id twice means the key was not stable.
    logsPerCall: () => count(stored().map((b) => String(b['id']))),
    logOf(id) {
      const b = stored().find((x) => x['id'] === id);
      if (!b) return undefined;
      const direction = b['direction'];
      return {
        direction: direction === 'inbound' || direction === 'outbound' || direction === 'internal' ? direction : undefined,
        talkSeconds: typeof b['talkSeconds'] === 'number' ? b['talkSeconds'] : undefined,
        result: typeof b['result'] === 'string' ? b['result'] : undefined,
        recordingUrl: typeof b['recordingUrl'] === 'string' ? b['recordingUrl'] : undefined,
        raw: b,
      };
    },
    sendsPerCall: () => count(srv.requests().flatMap(sent)),
    logIdsIn: sent,
    isLogRequest: (r) => r.method === 'POST' && r.path === '/api/calls',
    createdPerNumber: () => new Map(),
    events: () => [],
    requests: () => srv.requests(),
    setDown: (d) => srv.setDown(d),
    setUnavailable: (on) => srv.set({ overloaded: on }),
    close: () => srv.close(),
  };
}

export interface StartOptions {
  /** Odoo's major version (default 17: /jsonrpc; 19: /json/2 with a bearer key). */
  readonly odooVersion?: number;
}

/** Starts the test server of `kind` with the known customer. */
export function startCrmUnderTest(kind: CrmKindUnderTest, opts: StartOptions = {}): Promise<CrmUnderTest> {
  switch (kind) {
    case 'retailcrm':
      return retailCrm();
    case 'odoo':
      return odoo(opts.odooVersion ?? 17);
    case 'generic':
      return generic();
  }
}
