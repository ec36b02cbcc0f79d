// A small extensions.conf: contexts of `exten => pattern,priority(label),App(data)`
// lines with `same => n`, `include =>`, a [globals] section, and the pattern
// matching rules of pbx.c (_X, _Z, _N, [..], '.', '!'). Enough to run the lab
// dialplan that produced the recorded traces, and any similar demo dialplan.

export interface Priority {
  readonly priority: number;
  readonly label?: string;
  readonly app: string;
  /** Raw data, substituted when the priority runs (as Newexten's AppData shows it). */
  readonly data: string;
}

export interface Extension {
  readonly pattern: string;
  readonly priorities: readonly Priority[];
}

export interface Context {
  readonly name: string;
  readonly extensions: readonly Extension[];
  readonly includes: readonly string[];
}

export interface Dialplan {
  readonly contexts: ReadonlyMap<string, Context>;
  readonly globals: ReadonlyMap<string, string>;
}

interface MutableExtension {
  pattern: string;
  priorities: Priority[];
}

function splitAppLine(rest: string): { app: string; data: string } {
  const open = rest.indexOf('(');
  if (open < 0) return { app: rest.trim(), data: '' };
  const close = rest.lastIndexOf(')');
  return { app: rest.slice(0, open).trim(), data: rest.slice(open + 1, close < open ? rest.length : close) };
}

/** Parses extensions.conf text. Unknown statements are ignored, like comments. */
export function parseDialplan(text: string): Dialplan {
  const contexts = new Map<string, { name: string; extensions: MutableExtension[]; includes: string[] }>();
  const globals = new Map<string, string>();
  let current: { name: string; extensions: MutableExtension[]; includes: string[] } | undefined;
  let section = '';
  let last: { ext: MutableExtension; priority: number } | undefined;
  for (const rawLine of text.split(/\r?\n/)) {
    const line = rawLine.replace(/(^|[^\\]);.*$/, '$1').trim();
    if (line === '') continue;
    const sec = /^\[([^\]]+)\]/.exec(line);
    if (sec) {
      section = sec[1] ?? '';
      last = undefined;
      current = undefined;
      if (section !== 'general' && section !== 'globals') {
        current = { name: section, extensions: [], includes: [] };
        contexts.set(section, current);
      }
      continue;
    }
    if (section === 'globals') {
      const eq = line.indexOf('=');
      if (eq > 0) globals.set(line.slice(0, eq).trim(), line.slice(eq + 1).trim());
      continue;
    }
    if (!current) continue;
    const stmt = /^(exten|same|include)\s*=>?\s*(.*)$/i.exec(line);
    if (!stmt) continue;
    const kind = (stmt[1] ?? '').toLowerCase();
    const body = stmt[2] ?? '';
    if (kind === 'include') {
      current.includes.push(body.trim());
      continue;
    }
    let pattern: string;
    let rest: string;
    if (kind === 'exten') {
      const c1 = body.indexOf(',');
      pattern = body.slice(0, c1).trim();
      rest = body.slice(c1 + 1);
    } else {
      if (!last) continue;
      pattern = last.ext.pattern;
      rest = body;
    }
    const c2 = rest.indexOf(',');
    const prioText = rest.slice(0, c2).trim();
    const appText = rest.slice(c2 + 1);
    const pm = /^(n|\d+|hint)(?:\(([^)]*)\))?$/.exec(prioText);
    if (!pm || pm[1] === 'hint') continue;
    let ext = current.extensions.find((e) => e.pattern === pattern);
    if (!ext) {
      ext = { pattern, priorities: [] };
      current.extensions.push(ext);
    }
    const number = pm[1] === 'n' ? (last && last.ext === ext ? last.priority + 1 : 1) : Number(pm[1]);
    const { app, data } = splitAppLine(appText);
    ext.priorities.push(pm[2] ? { priority: number, label: pm[2], app, data } : { priority: number, app, data });
    last = { ext, priority: number };
  }
  const frozen = new Map<string, Context>();
  for (const [name, c] of contexts) frozen.set(name, { name, extensions: c.extensions, includes: c.includes });
  return { contexts: frozen, globals };
}

const CLASS_SIZE: Readonly<Record<string, number>> = { X: 10, Z: 9, N: 8 };

/** Does an extension pattern match a dialled string? (pbx.c _-patterns.) */
export function patternMatches(pattern: string, exten: string): boolean {
  if (!pattern.startsWith('_')) return pattern === exten;
  const p = pattern.slice(1);
  const walk = (pi: number, ei: number): boolean => {
    if (pi >= p.length) return ei >= exten.length;
    const ch = p[pi] ?? '';
    if (ch === '.') return ei < exten.length;
    if (ch === '!') return true;
    if (ei >= exten.length) return false;
    const c = exten[ei] ?? '';
    const up = ch.toUpperCase();
    if (up === 'X') return c >= '0' && c <= '9' && walk(pi + 1, ei + 1);
    if (up === 'Z') return c >= '1' && c <= '9' && walk(pi + 1, ei + 1);
    if (up === 'N') return c >= '2' && c <= '9' && walk(pi + 1, ei + 1);
    if (ch === '[') {
      const close = p.indexOf(']', pi);
      const set = p.slice(pi + 1, close);
      let ok = false;
      for (let i = 0; i < set.length; i++) {
        const a = set[i] ?? '';
        if (set[i + 1] === '-' && i + 2 < set.length) {
          const b = set[i + 2] ?? '';
          if (c >= a && c <= b) ok = true;
          i += 2;
        } else if (c === a) ok = true;
      }
      return ok && walk(close + 1, ei + 1);
    }
    return c === ch && walk(pi + 1, ei + 1);
  };
  return walk(0, 0);
}

/** Sort key: literal extensions first, then patterns with narrower classes earlier (pbx.c ordering). */
function specificity(pattern: string): number[] {
  if (!pattern.startsWith('_')) return [0];
  const out: number[] = [1];
  for (const ch of pattern.slice(1)) out.push(ch === '.' ? 11 : ch === '!' ? 12 : (CLASS_SIZE[ch.toUpperCase()] ?? 1));
  return out;
}

function compareKeys(a: number[], b: number[]): number {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const d = (a[i] ?? 0) - (b[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

/** Finds the extension for `exten` in `context`, following includes. */
export function findExtension(plan: Dialplan, context: string, exten: string, seen = new Set<string>()): { context: string; extension: Extension } | undefined {
  if (seen.has(context)) return undefined;
  seen.add(context);
  const ctx = plan.contexts.get(context);
  if (!ctx) return undefined;
  const candidates = ctx.extensions.filter((e) => patternMatches(e.pattern, exten));
  candidates.sort((a, b) => compareKeys(specificity(a.pattern), specificity(b.pattern)));
  const best = candidates[0];
  if (best) return { context, extension: best };
  for (const inc of ctx.includes) {
    const found = findExtension(plan, inc, exten, seen);
    if (found) return found;
  }
  return undefined;
}

/** Resolves a priority number or label within an extension. */
export function findPriority(ext: Extension, priority: number | string): Priority | undefined {
  if (typeof priority === 'number') return ext.priorities.find((p) => p.priority === priority);
  return ext.priorities.find((p) => p.label === priority) ?? ext.priorities.find((p) => String(p.priority) === priority);
}

// ---------------------------------------------------------------------------
// Variable substitution and $[ ] expressions (pbx_substitute_variables, ast_expr)

export interface Substitution {
  /** A variable by name (channel first, then globals); undefined when unset. */
  variable(name: string): string | undefined;
  /** A dialplan function call such as CALLERID(num); undefined when unknown. */
  func(name: string, args: string): string | undefined;
}

function matchingClose(text: string, from: number, open: string, close: string): number {
  let depth = 0;
  for (let i = from; i < text.length; i++) {
    const c = text[i];
    if (c === open) depth++;
    else if (c === close) {
      depth--;
      if (depth === 0) return i;
    }
  }
  return -1;
}

/** Replaces ${VAR}, ${FUNC(args)}, ${VAR:offset:length} and $[expr], innermost first. */
export function substitute(text: string, ctx: Substitution): string {
  let out = '';
  let i = 0;
  while (i < text.length) {
    const c = text[i];
    if (c === '$' && (text[i + 1] === '{' || text[i + 1] === '[')) {
      const open = text[i + 1] ?? '{';
      const close = open === '{' ? '}' : ']';
      const end = matchingClose(text, i + 1, open, close);
      if (end < 0) {
        out += text.slice(i);
        break;
      }
      const inner = substitute(text.slice(i + 2, end), ctx);
      out += open === '{' ? resolveReference(inner, ctx) : evaluateExpression(inner);
      i = end + 1;
      continue;
    }
    out += c;
    i++;
  }
  return out;
}

function resolveReference(ref: string, ctx: Substitution): string {
  const fm = /^([A-Za-z_][A-Za-z0-9_]*)\((.*)\)(?::(-?\d+)(?::(-?\d+))?)?$/s.exec(ref);
  if (fm) {
    const value = ctx.func(fm[1] ?? '', fm[2] ?? '') ?? '';
    return slice(value, fm[3], fm[4]);
  }
  const vm = /^([^:]+)(?::(-?\d+)(?::(-?\d+))?)?$/.exec(ref);
  if (!vm) return '';
  return slice(ctx.variable(vm[1] ?? '') ?? '', vm[2], vm[3]);
}

function slice(value: string, offset?: string, length?: string): string {
  if (offset === undefined) return value;
  let start = Number(offset);
  if (start < 0) start = Math.max(0, value.length + start);
  if (length === undefined) return value.slice(start);
  const len = Number(length);
  return len < 0 ? value.slice(start, value.length + len) : value.slice(start, start + len);
}

type Token = { kind: 'value'; text: string } | { kind: 'op'; text: string };

function tokenize(expr: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  const ops = ['!=', '<=', '>=', '=~', '|', '&', '=', '<', '>', '+', '-', '*', '/', '%', '(', ')', '!', '?', ':'];
  while (i < expr.length) {
    const c = expr[i] ?? '';
    if (c === ' ' || c === '\t') {
      i++;
      continue;
    }
    if (c === '"') {
      const end = expr.indexOf('"', i + 1);
      const stop = end < 0 ? expr.length : end;
      tokens.push({ kind: 'value', text: expr.slice(i + 1, stop) });
      i = stop + 1;
      continue;
    }
    const op = ops.find((o) => expr.startsWith(o, i));
    if (op) {
      tokens.push({ kind: 'op', text: op });
      i += op.length;
      continue;
    }
    let j = i;
    while (j < expr.length && !' \t"'.includes(expr[j] ?? '') && !ops.some((o) => expr.startsWith(o, j))) j++;
    tokens.push({ kind: 'value', text: expr.slice(i, j) });
    i = j;
  }
  return tokens;
}

const truthy = (v: string): boolean => v !== '' && v !== '0';
const isNum = (v: string): boolean => /^-?\d+(\.\d+)?$/.test(v);

/** Evaluates the body of $[ ]: | & comparisons + - * / % and parentheses, as ast_expr does. */
export function evaluateExpression(expr: string): string {
  const tokens = tokenize(expr);
  let pos = 0;
  const peek = (): Token | undefined => tokens[pos];
  const isOp = (t: Token | undefined, ...names: string[]): boolean => t !== undefined && t.kind === 'op' && names.includes(t.text);
  const primary = (): string => {
    const t = tokens[pos++];
    if (!t) return '';
    if (isOp(t, '(')) {
      const v = or();
      if (isOp(peek(), ')')) pos++;
      return v;
    }
    if (isOp(t, '!')) return truthy(primary()) ? '0' : '1';
    if (isOp(t, '-')) return String(-Number(primary()));
    return t.text;
  };
  const mul = (): string => {
    let v = primary();
    while (isOp(peek(), '*', '/', '%')) {
      const op = tokens[pos++]?.text;
      const r = primary();
      const a = Number(v);
      const b = Number(r);
      v = String(op === '*' ? a * b : op === '/' ? (b === 0 ? 0 : Math.trunc(a / b)) : b === 0 ? 0 : a % b);
    }
    return v;
  };
  const add = (): string => {
    let v = mul();
    while (isOp(peek(), '+', '-')) {
      const op = tokens[pos++]?.text;
      const r = mul();
      v = String(op === '+' ? Number(v) + Number(r) : Number(v) - Number(r));
    }
    return v;
  };
  const cmp = (): string => {
    let v = add();
    while (isOp(peek(), '=', '!=', '<', '>', '<=', '>=')) {
      const op = tokens[pos++]?.text ?? '=';
      const r = add();
      const numeric = isNum(v) && isNum(r);
      const a: number | string = numeric ? Number(v) : v;
      const b: number | string = numeric ? Number(r) : r;
      const res = op === '=' ? a === b : op === '!=' ? a !== b : op === '<' ? a < b : op === '>' ? a > b : op === '<=' ? a <= b : a >= b;
      v = res ? '1' : '0';
    }
    return v;
  };
  const and = (): string => {
    let v = cmp();
    while (isOp(peek(), '&')) {
      pos++;
      const r = cmp();
      v = truthy(v) && truthy(r) ? v : '0';
    }
    return v;
  };
  const or = (): string => {
    let v = and();
    while (isOp(peek(), '|')) {
      pos++;
      const r = and();
      v = truthy(v) ? v : truthy(r) ? r : '0';
    }
    return v;
  };
  if (tokens.length === 0) return '';
  return or();
}

/**
 * Splits application data on commas the way ast_app_separate_args() does:
 * commas inside quotes, parentheses or brackets do not split.
 */
export function splitArgs(data: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let quoted = false;
  let cur = '';
  for (const c of data) {
    if (c === '"') quoted = !quoted;
    else if (!quoted && (c === '(' || c === '[' || c === '{')) depth++;
    else if (!quoted && (c === ')' || c === ']' || c === '}')) depth--;
    if (c === ',' && depth === 0 && !quoted) {
      out.push(cur);
      cur = '';
    } else cur += c;
  }
  out.push(cur);
  return out;
}
