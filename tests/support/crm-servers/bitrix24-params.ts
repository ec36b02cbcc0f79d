// Request parameters the way Bitrix24 (PHP) reads them: the query string and a
// form body use PHP's bracket syntax (`filter[UF_PHONE_INNER]=101`,
// `FIELDS[PHONE][0][VALUE]=...`, `a[]=1`), a JSON body is taken as is, and the
// two are merged (body wins), as `$_REQUEST` does.

export type ParamValue = string | number | boolean | null | ParamValue[] | { [key: string]: ParamValue };
export type Params = Record<string, ParamValue>;

function splitKey(key: string): string[] {
  const first = key.indexOf('[');
  if (first <= 0) return [key];
  const parts = [key.slice(0, first)];
  const re = /\[([^\]]*)\]/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(key.slice(first))) !== null) parts.push(m[1] ?? '');
  return parts;
}

function setPath(target: Params, path: readonly string[], value: string): void {
  let node: Params | ParamValue[] = target;
  for (let i = 0; i < path.length; i += 1) {
    const last = i === path.length - 1;
    const raw = path[i] ?? '';
    if (Array.isArray(node)) {
      const index: number = raw === '' ? node.length : Number(raw);
      if (last) {
        node[index] = value;
        return;
      }
      const next: ParamValue | undefined = node[index];
      if (typeof next !== 'object' || next === null) {
        const created: Params | ParamValue[] = path[i + 1] === '' ? [] : {};
        node[index] = created;
        node = created;
      } else node = next;
      continue;
    }
    const key: string = raw === '' ? String(Object.keys(node).length) : raw;
    if (last) {
      node[key] = value;
      return;
    }
    const next: ParamValue | undefined = node[key];
    if (typeof next !== 'object' || next === null) {
      const created: Params | ParamValue[] = path[i + 1] === '' ? [] : {};
      node[key] = created;
      node = created;
    } else node = next;
  }
}

/** `a=1&filter[X]=2` -> `{ a: '1', filter: { X: '2' } }`. */
export function parsePhpQuery(query: string): Params {
  const out: Params = {};
  for (const [key, value] of new URLSearchParams(query)) setPath(out, splitKey(key), value);
  return out;
}

export function parseBody(contentType: string | undefined, body: string): Params | 'invalid' {
  if (body.trim() === '') return {};
  const type = (contentType ?? '').toLowerCase();
  if (type.includes('application/x-www-form-urlencoded')) return parsePhpQuery(body);
  try {
    const parsed: unknown = JSON.parse(body);
    if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)) return parsed as Params;
    return 'invalid';
  } catch {
    return type.includes('json') ? 'invalid' : parsePhpQuery(body);
  }
}

/** A scalar parameter as a string ('' when absent or not a scalar). */
export function str(v: ParamValue | undefined): string {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return '';
}

/** Case-insensitive lookup of a top-level parameter (Bitrix accepts `filter`, `FILTER`, `Filter`). */
export function param(params: Params, name: string): ParamValue | undefined {
  if (name in params) return params[name];
  const lower = name.toLowerCase();
  for (const [k, v] of Object.entries(params)) if (k.toLowerCase() === lower) return v;
  return undefined;
}

export function isObject(v: ParamValue | undefined): v is { [key: string]: ParamValue } {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
