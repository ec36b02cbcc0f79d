// An Odoo test server (versions 14 to 19), following odoo/odoo's RPC controller
// and external API docs and ../../../../shared/reference/crm-apis.md §4:
// POST /jsonrpc (common.version / login / authenticate, object.execute_kw, db.list)
// and, from 19, POST /json/2/<model>/<method> with `Authorization: bearer <key>`.
// Models: res.partner (search_read, search, search_count, read, fields_get,
// create, message_post), mail.message (search_read, search_count), ir.model
// (search_read, search_count) and OCA crm.phonecall when "installed". Fields
// depend on the version and the options (phone_mobile_search with
// phone_validation; `mobile` up to 17 by default). Errors have Odoo's shapes.
import { DomainError, filterDomain, type FieldReader, type Row } from './odoo-domain';
import { startLoopbackServer, type RecordedRequest, type Reply } from './loopback-server';

export interface OdooUserSeed {
  readonly id: number;
  readonly login: string;
  readonly apiKey: string;
  readonly name: string;
}

export interface OdooPartnerSeed {
  readonly id: number;
  readonly name: string;
  readonly phone?: string;
  readonly mobile?: string;
  readonly email?: string;
  /** Parent company partner id. */
  readonly parentId?: number;
  /** Salesperson (a users[] id). */
  readonly userId?: number;
  readonly isCompany?: boolean;
}

export interface OdooFailure {
  readonly model?: string;
  readonly method?: string;
  /** Python exception name, e.g. odoo.exceptions.ValidationError. */
  readonly name: string;
  readonly message: string;
}

export interface OdooServerOptions {
  /** Major version 14..19 (default 17); decides /json/2, `mobile` and the version answer. */
  readonly version?: number;
  /** common.version's server_version, e.g. 'saas~17.2+e' (default `${version}.0`). */
  readonly serverVersion?: string;
  readonly database?: string;
  /** More databases on the same server (db.list; /json/2 then needs X-Odoo-Database). */
  readonly otherDatabases?: readonly string[];
  /** db.list allowed (list_db); default true. */
  readonly listDb?: boolean;
  readonly users?: readonly OdooUserSeed[];
  readonly partners?: readonly OdooPartnerSeed[];
  /** phone_validation/sms installed: phone_sanitized and the phone_mobile_search search field (default true). */
  readonly phoneValidation?: boolean;
  /** res.partner has `mobile` (UNVERIFIED for 18/19): default true up to 17, false from 18. */
  readonly mobileField?: boolean;
  /** OCA crm.phonecall installed (default false). */
  readonly phonecall?: boolean;
  /** crm.phonecall has `description` and `direction` (default true). */
  readonly phonecallExtraFields?: boolean;
  /** /jsonrpc served (default true; false = Odoo 20 without it). */
  readonly jsonrpc?: boolean;
  /** /json/2 served (default: version >= 19). */
  readonly json2?: boolean;
  /** /json/2 error body: the 19.0 docs' object {name, message, arguments, context, debug} (default) or the later docs' JSON string. */
  readonly json2ErrorShape?: 'object' | 'string';
  /** Every request: 503 HTML (a proxy in front of a stopped Odoo). */
  readonly overloaded?: boolean;
  /** Failures raised once each by the next matching execute_kw / json2 call. */
  readonly failures?: readonly OdooFailure[];
}

export interface OdooMessage {
  readonly id: number;
  readonly model: string;
  readonly res_id: number;
  readonly body: string;
  readonly message_type: string;
  readonly subtype_xmlid: string;
  readonly author_uid: number;
}

export interface OdooServer {
  readonly url: string;
  readonly database: string;
  requests(): readonly RecordedRequest[];
  /** Messages posted with message_post (chatter notes). */
  messages(): readonly OdooMessage[];
  /** crm.phonecall records created. */
  phonecalls(): readonly Readonly<Record<string, unknown>>[];
  /** res.partner records (seeded and created). */
  partners(): readonly Readonly<Record<string, unknown>>[];
  set(patch: Partial<OdooServerOptions>): void;
  setDown(down: boolean): void;
  close(): Promise<void>;
}

export const ODOO_TEST_USER: OdooUserSeed = { id: 2, login: 'admin@example.com', apiKey: 'odoo-test-key', name: 'Mitchell Admin' };

class OdooFault extends Error {
  constructor(
    readonly exception: string,
    message: string,
    /** /json/2 HTTP status. */
    readonly status: number,
  ) {
    super(message);
  }
}

const accessDenied = () => new OdooFault('odoo.exceptions.AccessDenied', 'Access Denied', 401);
const valueError = (m: string) => new OdooFault('builtins.ValueError', m, 500);
const STATUS_OF: Readonly<Record<string, number>> = {
  'odoo.exceptions.AccessDenied': 401,
  'odoo.exceptions.AccessError': 403,
  'odoo.exceptions.MissingError': 404,
  'odoo.exceptions.ValidationError': 422,
  'odoo.exceptions.UserError': 422,
};

type FieldType = 'integer' | 'char' | 'text' | 'html' | 'boolean' | 'many2one' | 'selection' | 'datetime' | 'float';
interface FieldDef {
  readonly type: FieldType;
  readonly string: string;
  readonly relation?: string;
  readonly selection?: readonly string[];
  /** Not stored: readable as false, searchable only through a hook. */
  readonly searchOnly?: boolean;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

const PHONE_STRIP = /[\s.\\/()-]/g;

/** Starts an Odoo test server on 127.0.0.1. */
export async function startOdooServer(initial: OdooServerOptions = {}): Promise<OdooServer> {
  let opts: OdooServerOptions = { ...initial };
  const version = () => opts.version ?? 17;
  const database = opts.database ?? 'sidecall';
  const users = () => opts.users ?? [ODOO_TEST_USER];
  const failures: OdooFailure[] = [...(opts.failures ?? [])];

  const partners: Record<string, unknown>[] = (opts.partners ?? []).map((p) => ({
    id: p.id,
    name: p.name,
    phone: p.phone ?? false,
    mobile: p.mobile ?? false,
    email: p.email ?? false,
    parent_id: p.parentId ?? false,
    user_id: p.userId ?? false,
    is_company: p.isCompany ?? false,
  }));
  const messages: Record<string, unknown>[] = [];
  const phonecalls: Record<string, unknown>[] = [];
  let nextId = 1000;

  function partnerFields(): Record<string, FieldDef> {
    const f: Record<string, FieldDef> = {
      id: { type: 'integer', string: 'ID' },
      name: { type: 'char', string: 'Name' },
      display_name: { type: 'char', string: 'Display Name' },
      phone: { type: 'char', string: 'Phone' },
      email: { type: 'char', string: 'Email' },
      parent_id: { type: 'many2one', string: 'Related Company', relation: 'res.partner' },
      user_id: { type: 'many2one', string: 'Salesperson', relation: 'res.users' },
      is_company: { type: 'boolean', string: 'Is a Company' },
    };
    if (opts.mobileField ?? version() <= 17) f['mobile'] = { type: 'char', string: 'Mobile' };
    if (opts.phoneValidation ?? true) {
      f['phone_sanitized'] = { type: 'char', string: 'Sanitized Number' };
      f['phone_mobile_search'] = { type: 'char', string: 'Phone/Mobile', searchOnly: true };
    }
    return f;
  }
  function phonecallFields(): Record<string, FieldDef> {
    const f: Record<string, FieldDef> = {
      id: { type: 'integer', string: 'ID' },
      name: { type: 'char', string: 'Call Summary' },
      partner_id: { type: 'many2one', string: 'Contact', relation: 'res.partner' },
      partner_phone: { type: 'char', string: 'Phone' },
      partner_mobile: { type: 'char', string: 'Mobile' },
      date: { type: 'datetime', string: 'Date' },
      duration: { type: 'float', string: 'Duration' },
      state: { type: 'selection', string: 'Status', selection: ['open', 'cancel', 'pending', 'done'] },
      user_id: { type: 'many2one', string: 'Responsible', relation: 'res.users' },
      opportunity_id: { type: 'many2one', string: 'Lead/Opportunity', relation: 'crm.lead' },
    };
    if (opts.phonecallExtraFields ?? true) {
      f['description'] = { type: 'text', string: 'Description' };
      f['direction'] = { type: 'selection', string: 'Type', selection: ['in', 'out'] };
    }
    return f;
  }
  const messageFields: Record<string, FieldDef> = {
    id: { type: 'integer', string: 'ID' },
    model: { type: 'char', string: 'Related Document Model' },
    res_id: { type: 'integer', string: 'Related Document ID' },
    body: { type: 'html', string: 'Contents' },
    message_type: { type: 'selection', string: 'Type', selection: ['email', 'comment', 'notification', 'user_notification'] },
  };
  const irModelFields: Record<string, FieldDef> = { id: { type: 'integer', string: 'ID' }, model: { type: 'char', string: 'Model' }, name: { type: 'char', string: 'Model Description' } };

  function models(): Record<string, { fields: Record<string, FieldDef>; rows: () => Row[] }> {
    const m: Record<string, { fields: Record<string, FieldDef>; rows: () => Row[] }> = {
      'res.partner': { fields: partnerFields(), rows: () => partners },
      'mail.message': { fields: messageFields, rows: () => messages },
      'ir.model': {
        fields: irModelFields,
        rows: () =>
          Object.keys(models()).map((model, i) => ({ id: i + 1, model, name: model })),
      },
    };
    if (opts.phonecall) m['crm.phonecall'] = { fields: phonecallFields(), rows: () => phonecalls };
    return m;
  }

  const nameOf = (model: string | undefined, id: unknown): unknown => {
    if (typeof id !== 'number') return false;
    if (model === 'res.users') return [id, users().find((u) => u.id === id)?.name ?? `User ${id}`];
    if (model === 'res.partner') return [id, String(partners.find((p) => p['id'] === id)?.['name'] ?? '')];
    return [id, `${model ?? ''},${id}`];
  };

  function readerFor(fields: Record<string, FieldDef>): FieldReader {
    return (row, field) => {
      const def = fields[field];
      if (!def) return { ok: false };
      if (def.searchOnly) return { ok: true, value: false };
      if (field === 'display_name') return { ok: true, value: row['name'] };
      if (field === 'phone_sanitized') return { ok: true, value: sanitize(row['phone']) || false };
      if (def.type === 'many2one') return { ok: true, value: nameOf(def.relation, row[field]) };
      return { ok: true, value: row[field] ?? false };
    };
  }

  const sanitize = (v: unknown): string => (typeof v === 'string' ? v.replace(PHONE_STRIP, '') : '');

  // phone_mobile_search: Odoo strips ` .\/()-` and matches phone or mobile (mail.thread.phone).
  const phoneHook = (row: Row, field: string, op: string, operand: unknown): boolean | undefined => {
    if (field !== 'phone_mobile_search' || !(opts.phoneValidation ?? true)) return undefined;
    const value = String(operand).replace(PHONE_STRIP, '');
    if (value.length < 3) throw new OdooFault('odoo.exceptions.UserError', 'Please enter at least 3 characters when searching a Phone/Mobile number.', 422);
    const candidates = [sanitize(row['phone']), sanitize(row['mobile'])].filter((v) => v !== '');
    const bare = value.replace(/^\+|^00/, '');
    if (op === 'ilike' || op === 'like') return candidates.some((c) => c.replace(/^\+|^00/, '').includes(bare));
    if (op === '=') return candidates.some((c) => c === value);
    throw valueError(`Invalid operator ${op} for phone_mobile_search`);
  };

  function search(model: string, domain: unknown, offset = 0, limit?: number): Row[] {
    const m = models()[model];
    if (!m) throw new OdooFault('builtins.KeyError', `'${model}'`, 404);
    try {
      const all = filterDomain(model, m.rows(), domain ?? [], readerFor(m.fields), model === 'res.partner' ? phoneHook : undefined);
      const sorted = [...all].sort((a, b) => Number(a['id']) - Number(b['id']));
      return sorted.slice(offset, limit ? offset + limit : undefined);
    } catch (e) {
      if (e instanceof DomainError) throw valueError(e.message);
      throw e;
    }
  }

  function readRows(model: string, rows: readonly Row[], fields: unknown): Record<string, unknown>[] {
    const m = models()[model];
    if (!m) throw new OdooFault('builtins.KeyError', `'${model}'`, 404);
    const wanted = Array.isArray(fields) && fields.length > 0 ? fields.map(String) : Object.keys(m.fields).filter((f) => !m.fields[f]?.searchOnly);
    const read = readerFor(m.fields);
    return rows.map((row) => {
      const out: Record<string, unknown> = { id: row['id'] };
      for (const f of wanted) {
        const v = read(row, f);
        if (!v.ok) throw valueError(`Invalid field '${f}' on model '${model}'`);
        out[f] = v.value;
      }
      return out;
    });
  }

  function create(model: string, vals: unknown, uid: number): number {
    const m = models()[model];
    if (!m) throw new OdooFault('builtins.KeyError', `'${model}'`, 404);
    if (!isRecord(vals)) throw valueError('create expects a dict of values');
    if (model === 'mail.message' || model === 'ir.model') throw new OdooFault('odoo.exceptions.AccessError', `You are not allowed to create '${model}' records.`, 403);
    for (const [k, v] of Object.entries(vals)) {
      const def = m.fields[k];
      if (!def || def.searchOnly || k === 'id') throw valueError(`Invalid field '${k}' on model '${model}'`);
      if (def.type === 'selection' && v !== false && !(def.selection ?? []).includes(String(v))) throw valueError(`Wrong value for ${model}.${k}: '${String(v)}'`);
    }
    if (typeof vals['name'] !== 'string' || vals['name'].trim() === '') {
      throw new OdooFault('odoo.exceptions.ValidationError', `The operation cannot be completed: Missing required field 'name' on ${model}.`, 422);
    }
    const id = ++nextId;
    const row = { ...vals, id, create_uid: uid };
    if (model === 'res.partner') partners.push(row);
    else phonecalls.push(row);
    return id;
  }

  function messagePost(model: string, ids: unknown, kwargs: Record<string, unknown>, uid: number): number {
    if (model !== 'res.partner' && model !== 'crm.phonecall') throw new OdooFault('builtins.AttributeError', `The method 'message_post' does not exist on the model '${model}'`, 404);
    const list = Array.isArray(ids) ? ids : [];
    if (list.length !== 1) throw valueError(`Expected singleton: ${model}(${list.join(', ')},)`);
    const id = list[0];
    if (!search(model, [['id', '=', id]]).length) throw new OdooFault('odoo.exceptions.MissingError', `Record does not exist or has been deleted.\n(Record: ${model}(${String(id)},), User: ${uid})`, 404);
    for (const k of Object.keys(kwargs)) {
      if (!['body', 'message_type', 'subtype_xmlid', 'subject', 'body_is_html', 'partner_ids', 'author_id'].includes(k)) throw new OdooFault('builtins.TypeError', `message_post() got an unexpected keyword argument '${k}'`, 422);
    }
    const messageType = String(kwargs['message_type'] ?? 'notification');
    if (!['comment', 'notification', 'email'].includes(messageType)) throw valueError(`Wrong value for mail.message.message_type: '${messageType}'`);
    const mid = ++nextId;
    messages.push({
      id: mid,
      model,
      res_id: id,
      body: String(kwargs['body'] ?? ''),
      message_type: messageType,
      subtype_xmlid: String(kwargs['subtype_xmlid'] ?? ''),
      author_uid: uid,
    });
    return mid;
  }

  /** One model method call; `args`/`kwargs` as execute_kw receives them. */
  function execute(uid: number, model: string, method: string, args: readonly unknown[], kwargs: Record<string, unknown>, json2: boolean): unknown {
    const failure = failures.findIndex((f) => (f.model === undefined || f.model === model) && (f.method === undefined || f.method === method));
    if (failure >= 0) {
      const f = failures.splice(failure, 1)[0];
      if (f) throw new OdooFault(f.name, f.message, STATUS_OF[f.name] ?? 500);
    }
    const m = models()[model];
    if (!m) throw new OdooFault('builtins.KeyError', `'${model}'`, 404);
    switch (method) {
      case 'search_read': {
        const rows = search(model, args[0] ?? kwargs['domain'], Number(kwargs['offset'] ?? 0), kwargs['limit'] === undefined ? undefined : Number(kwargs['limit']));
        return readRows(model, rows, args[1] ?? kwargs['fields']);
      }
      case 'search':
        return search(model, args[0] ?? kwargs['domain'], Number(kwargs['offset'] ?? 0), kwargs['limit'] === undefined ? undefined : Number(kwargs['limit'])).map((r) => r['id']);
      case 'search_count':
        return search(model, args[0] ?? kwargs['domain']).length;
      case 'read': {
        const ids = (args[0] ?? kwargs['ids']) as unknown;
        const rows = search(model, [['id', 'in', Array.isArray(ids) ? ids : []]]);
        return readRows(model, rows, args[1] ?? kwargs['fields']);
      }
      case 'fields_get': {
        const all = (args[0] ?? kwargs['allfields']) as unknown;
        const names = Array.isArray(all) && all.length > 0 ? all.map(String) : Object.keys(m.fields);
        const out: Record<string, unknown> = {};
        for (const n of names) {
          const def = m.fields[n];
          if (def) out[n] = { type: def.type, string: def.string, ...(def.relation ? { relation: def.relation } : {}) };
        }
        return out;
      }
      case 'create': {
        const vals = json2 ? kwargs['vals_list'] : args[0];
        if (Array.isArray(vals)) return vals.map((v) => create(model, v, uid));
        if (json2) throw new OdooFault('werkzeug.exceptions.UnprocessableEntity', "create() missing 1 required positional argument: 'vals_list'", 422);
        return create(model, vals, uid);
      }
      case 'message_post': {
        const ids = json2 ? kwargs['ids'] : args[0];
        const rest = { ...kwargs };
        delete rest['ids'];
        delete rest['context'];
        const mid = messagePost(model, ids, rest, uid);
        return json2 ? [mid] : mid;
      }
      default:
        throw new OdooFault('builtins.AttributeError', `The method '${method}' does not exist on the model '${model}'`, 404);
    }
  }

  function versionInfo(): Record<string, unknown> {
    const sv = opts.serverVersion ?? `${version()}.0`;
    const m = /(\d+)\.(\d+)/.exec(sv);
    const major = m ? Number(m[1]) : version();
    const minor = m ? Number(m[2]) : 0;
    return { server_version: sv, server_version_info: [major, minor, 0, 'final', 0, sv.endsWith('+e') ? 'e' : ''], server_serie: sv.replace(/\+e$/, ''), protocol_version: 1 };
  }

  function userByKey(db: unknown, uid: unknown, key: unknown): OdooUserSeed {
    if (db !== database && !(opts.otherDatabases ?? []).includes(String(db))) {
      throw new OdooFault('psycopg2.OperationalError', `connection to server on socket "/var/run/postgresql/.s.PGSQL.5432" failed: FATAL:  database "${String(db)}" does not exist`, 500);
    }
    const u = users().find((x) => x.id === uid && x.apiKey === key);
    if (!u) throw accessDenied();
    return u;
  }

  function jsonRpcCall(service: string, method: string, args: readonly unknown[]): unknown {
    if (service === 'common') {
      if (method === 'version') return versionInfo();
      if (method === 'login' || method === 'authenticate') {
        const [db, login, key] = args;
        if (db !== database && !(opts.otherDatabases ?? []).includes(String(db))) {
          throw new OdooFault('psycopg2.OperationalError', `FATAL:  database "${String(db)}" does not exist`, 500);
        }
        return users().find((u) => u.login === login && u.apiKey === key)?.id ?? false;
      }
      throw new OdooFault('builtins.NameError', `method not found: ${method}`, 404);
    }
    if (service === 'db') {
      if (method === 'list') {
        if (opts.listDb === false) throw accessDenied();
        return [database, ...(opts.otherDatabases ?? [])];
      }
      throw accessDenied();
    }
    if (service === 'object') {
      if (method !== 'execute_kw') throw new OdooFault('builtins.NameError', `method not found: ${method}`, 404);
      const [db, uid, key, model, mname, margs, mkwargs] = args;
      const user = userByKey(db, uid, key);
      return execute(user.id, String(model), String(mname), Array.isArray(margs) ? margs : [], isRecord(mkwargs) ? mkwargs : {}, false);
    }
    throw new OdooFault('builtins.Exception', `No such service ${service}`, 404);
  }

  function jsonRpcError(id: unknown, e: OdooFault): Reply {
    return {
      status: 200,
      body: {
        jsonrpc: '2.0',
        id,
        error: {
          code: 200,
          message: 'Odoo Server Error',
          data: { name: e.exception, debug: `Traceback (most recent call last):\n  ...\n${e.exception}: ${e.message}\n`, message: e.message, arguments: [e.message], context: {} },
        },
      },
    };
  }

  function handleJsonRpc(req: RecordedRequest): Reply {
    if (!isRecord(req.json) || !isRecord(req.json['params'])) {
      return { status: 200, body: { jsonrpc: '2.0', id: null, error: { code: -32700, message: 'Parse error', data: { name: 'werkzeug.exceptions.BadRequest', message: 'Invalid JSON data' } } } };
    }
    const id = req.json['id'] ?? null;
    const params = req.json['params'];
    try {
      const result = jsonRpcCall(String(params['service']), String(params['method']), Array.isArray(params['args']) ? params['args'] : []);
      return { status: 200, body: { jsonrpc: '2.0', id, result } };
    } catch (e) {
      if (e instanceof OdooFault) return jsonRpcError(id, e);
      throw e;
    }
  }

  function json2Error(e: OdooFault): Reply {
    // Outside UserError/HTTPException (ValueError, KeyError...), the later controller says only "internal server error".
    if ((opts.json2ErrorShape ?? 'object') === 'string') {
      const known = e.status !== 500;
      return { status: e.status, body: known ? e.message : 'internal server error' };
    }
    return { status: e.status, body: { name: e.exception, message: e.message, arguments: [e.message, e.status], context: {}, debug: `Traceback (most recent call last):\n  ...\n${e.exception}: ${e.message}\n` } };
  }

  function handleJson2(req: RecordedRequest, model: string, method: string): Reply {
    try {
      if (req.method !== 'POST') throw new OdooFault('werkzeug.exceptions.MethodNotAllowed', 'The method is not allowed for the requested URL.', 405);
      const auth = /^bearer\s+(.+)$/i.exec(req.headers['authorization'] ?? '');
      const user = users().find((u) => u.apiKey === auth?.[1]?.trim());
      if (!user) throw new OdooFault('werkzeug.exceptions.Unauthorized', 'Invalid apikey', 401);
      const db = req.headers['x-odoo-database'];
      if ((opts.otherDatabases ?? []).length > 0 && db === undefined) throw new OdooFault('werkzeug.exceptions.NotFound', 'Not Found', 404);
      if (db !== undefined && db !== database && !(opts.otherDatabases ?? []).includes(db)) throw new OdooFault('werkzeug.exceptions.NotFound', 'Not Found', 404);
      if (!(req.headers['content-type'] ?? '').includes('application/json')) throw new OdooFault('werkzeug.exceptions.NotFound', 'Not Found', 404);
      if (!models()[model]) throw new OdooFault('werkzeug.exceptions.NotFound', `the model '${model}' does not exist`, 404);
      const body = req.body.trim() === '' ? {} : req.json;
      if (!isRecord(body)) throw new OdooFault('werkzeug.exceptions.BadRequest', 'could not parse the body, expecting a json object', 400);
      const result = execute(user.id, model, method, [], body, true);
      return { status: 200, body: result };
    } catch (e) {
      if (e instanceof OdooFault) return json2Error(e);
      throw e;
    }
  }

  const notFoundPage: Reply = { status: 404, contentType: 'text/html; charset=utf-8', body: '<!DOCTYPE html><html><head><title>404: Not Found | Odoo</title></head><body><h1>404: Page not found</h1></body></html>' };

  const server = await startLoopbackServer((req) => {
    if (opts.overloaded) return { status: 503, contentType: 'text/html', body: '<html><body><h1>503 Service Unavailable</h1>No server is available to handle this request.</body></html>' };
    if (req.path === '/jsonrpc') {
      if (opts.jsonrpc === false) return notFoundPage;
      if (req.method !== 'POST') return { status: 405, contentType: 'text/html', body: '<h1>Method Not Allowed</h1>' };
      return handleJsonRpc(req);
    }
    const j2 = /^\/json\/2\/([^/]+)\/([^/]+)$/.exec(req.path);
    if (j2 && (opts.json2 ?? version() >= 19)) return handleJson2(req, decodeURIComponent(j2[1] ?? ''), decodeURIComponent(j2[2] ?? ''));
    return notFoundPage;
  });

  return {
    url: server.url,
    database,
    requests: () => server.requests(),
    messages: () => messages.map((m) => ({ ...m }) as unknown as OdooMessage),
    phonecalls: () => phonecalls.map((p) => ({ ...p })),
    partners: () => partners.map((p) => ({ ...p })),
    set: (patch) => {
      opts = { ...opts, ...patch };
      if (patch.failures) failures.push(...patch.failures);
    },
    setDown: (down) => server.setDown(down),
    close: () => server.close(),
  };
}

/** Generic entry for child-process harnesses: `start(options)`. */
export const start = startOdooServer;
