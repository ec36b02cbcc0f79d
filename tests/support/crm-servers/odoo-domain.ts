// Odoo search domains as the test server evaluates them: Polish notation with
// '&' (implicit between leaves), '|' and '!', and the leaf operators the
// connectors use (=, !=, in, not in, like, ilike, =like, =ilike). Unknown fields
// raise the error Odoo raises ("Invalid field ..."), so a connector that
// searches a field a server version lacks fails here as it would there.

export type Row = Readonly<Record<string, unknown>>;
export class DomainError extends Error {}

/** Field -> its value for a row; undefined when the model has no such field. */
export type FieldReader = (row: Row, field: string) => { readonly ok: true; readonly value: unknown } | { readonly ok: false };

function likeToRegExp(pattern: string, caseInsensitive: boolean): RegExp {
  let re = '';
  for (const ch of pattern) {
    if (ch === '%') re += '.*';
    else if (ch === '_') re += '.';
    else re += ch.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`, caseInsensitive ? 'is' : 's');
}

function scalar(v: unknown): string {
  if (Array.isArray(v) && v.length === 2 && typeof v[0] === 'number') return String(v[1]); // many2one [id, name]
  return v === false || v === null || v === undefined ? '' : String(v);
}

function leafMatches(value: unknown, op: string, operand: unknown): boolean {
  const id = Array.isArray(value) && typeof value[0] === 'number' ? value[0] : value;
  switch (op) {
    case '=':
      return id === operand || (operand === false && (value === false || value === null || value === undefined));
    case '!=':
      return !leafMatches(value, '=', operand);
    case 'in':
      return Array.isArray(operand) && operand.includes(id);
    case 'not in':
      return !(Array.isArray(operand) && operand.includes(id));
    // Odoo wraps like/ilike operands in %...% without escaping them: a % inside is a wildcard.
    case 'like':
      return likeToRegExp(`%${String(operand)}%`, false).test(scalar(value));
    case 'ilike':
      return likeToRegExp(`%${String(operand)}%`, true).test(scalar(value));
    case '=like':
      return likeToRegExp(String(operand), false).test(scalar(value));
    case '=ilike':
      return likeToRegExp(String(operand), true).test(scalar(value));
    default:
      throw new DomainError(`Invalid leaf operator ${op}`);
  }
}

export type LeafHook = (row: Row, field: string, op: string, operand: unknown) => boolean | undefined;

/** Rows of `rows` that satisfy `domain`; `hook` handles computed search fields (phone_mobile_search). */
export function filterDomain(model: string, rows: readonly Row[], domain: unknown, read: FieldReader, hook?: LeafHook): Row[] {
  if (!Array.isArray(domain)) throw new DomainError(`Invalid domain ${JSON.stringify(domain)}`);
  const terms = domain as unknown[];
  const test = (row: Row): boolean => {
    let i = 0;
    const next = (): boolean => {
      const t = terms[i++];
      if (t === '&') {
        const a = next();
        const b = next();
        return a && b;
      }
      if (t === '|') {
        const a = next();
        const b = next();
        return a || b;
      }
      if (t === '!') return !next();
      if (!Array.isArray(t) || t.length !== 3 || typeof t[0] !== 'string' || typeof t[1] !== 'string') throw new DomainError(`Invalid leaf ${JSON.stringify(t)}`);
      const [field, op, operand] = t as [string, string, unknown];
      const hooked = hook?.(row, field, op, operand);
      if (hooked !== undefined) return hooked;
      const v = read(row, field);
      if (!v.ok) throw new DomainError(`Invalid field ${model}.${field} in leaf ${JSON.stringify(t)}`);
      return leafMatches(v.value, op, operand);
    };
    // Leaves side by side are and-ed.
    let result = true;
    while (i < terms.length) result = next() && result;
    return result;
  };
  return rows.filter(test);
}
