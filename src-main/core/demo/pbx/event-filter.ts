// Per-session event filters, as manager.conf `eventfilter` lines and the AMI
// `Filter` action define them (main/manager.c; docs: AMI Event Filtering).
// Legacy form: a regex over the whole event text, "!" in front to exclude.
// Advanced form (Asterisk 18.26/20.11/21.6/22.1+): eventfilter(action(..),
// name(..),header(..),method(..)) = expression.

export type FilterMethod = 'regex' | 'exact' | 'starts_with' | 'ends_with' | 'contains' | 'none';

export interface EventFilter {
  readonly exclude: boolean;
  readonly name?: string;
  readonly header?: string;
  readonly method: FilterMethod;
  readonly expression: string;
  readonly regex?: RegExp;
  /** The line as written, for diagnostics. */
  readonly source: string;
}

export class EventFilterError extends Error {
  constructor(
    readonly kind: 'compile' | 'format',
    message: string,
  ) {
    super(message);
    this.name = 'EventFilterError';
  }
}

function compile(expression: string): RegExp {
  try {
    // POSIX extended regex as Asterisk uses it; JS syntax covers the forms
    // people write in manager.conf. No flags: ^ anchors the whole payload.
    return new RegExp(expression);
  } catch (err) {
    throw new EventFilterError('compile', `filter did not compile: ${(err as Error).message}`);
  }
}

/** Legacy filter: `regex` to include, `!regex` to exclude. */
export function legacyFilter(text: string): EventFilter {
  const exclude = text.startsWith('!');
  const expression = exclude ? text.slice(1) : text;
  return { exclude, method: 'regex', expression, regex: compile(expression), source: text };
}

/**
 * Advanced filter from its criteria ("action(exclude),name(Hangup)") and the
 * expression on the right of the `=`.
 */
export function advancedFilter(criteria: string, expression: string): EventFilter {
  let exclude = false;
  let name: string | undefined;
  let header: string | undefined;
  let method: FilterMethod = 'none';
  const re = /\s*(action|name|header|method)\(([^)]*)\)\s*(?:,|$)/gy;
  let consumed = 0;
  for (let m = re.exec(criteria); m; m = re.exec(criteria)) {
    consumed = re.lastIndex;
    const key = m[1];
    const value = (m[2] ?? '').trim();
    if (key === 'action') {
      if (value !== 'include' && value !== 'exclude') throw new EventFilterError('format', `bad action(${value})`);
      exclude = value === 'exclude';
    } else if (key === 'name') name = value;
    else if (key === 'header') header = value;
    else {
      if (!['regex', 'exact', 'starts_with', 'ends_with', 'contains', 'none'].includes(value)) {
        throw new EventFilterError('format', `bad method(${value})`);
      }
      method = value as FilterMethod;
    }
    if (re.lastIndex >= criteria.length) break;
  }
  if (criteria.trim() !== '' && consumed < criteria.length) throw new EventFilterError('format', `cannot read criteria "${criteria}"`);
  // A header without a method still matches its value as a regex (the docs'
  // example "header(Channel),method(regex)"); with neither, only name counts.
  if (method === 'none' && expression.trim() !== '' && !name && !header) method = 'regex';
  const base = { exclude, name, header, method, expression, source: `eventfilter(${criteria}) = ${expression}` };
  return method === 'regex' ? { ...base, regex: compile(expression) } : base;
}

/** Parses a manager.conf line key/value pair into a filter, both forms. */
export function parseEventFilterLine(key: string, value: string): EventFilter {
  const m = /^eventfilter\s*\((.*)\)\s*$/i.exec(key.trim());
  return m ? advancedFilter(m[1] ?? '', value) : legacyFilter(value);
}

function headerOf(payload: string, header: string): string | undefined {
  const needle = `${header}: `;
  let start: number;
  if (payload.startsWith(needle)) start = needle.length;
  else {
    const at = payload.indexOf(`\r\n${needle}`);
    if (at < 0) return undefined;
    start = at + 2 + needle.length;
  }
  const end = payload.indexOf('\r\n', start);
  return end < 0 ? payload.slice(start) : payload.slice(start, end);
}

function matches(f: EventFilter, eventName: string, payload: string): boolean {
  if (f.name !== undefined && f.name !== eventName) return false;
  let data = payload;
  if (f.header !== undefined) {
    const v = headerOf(payload, f.header);
    if (v === undefined) return false;
    data = v;
  }
  switch (f.method) {
    case 'none':
      return true;
    case 'regex':
      return f.regex ? f.regex.test(data) : false;
    case 'exact':
      return data === f.expression;
    case 'starts_with':
      return data.startsWith(f.expression);
    case 'ends_with':
      return data.endsWith(f.expression);
    case 'contains':
      return data.includes(f.expression);
  }
}

/**
 * Whether an event passes a session's filters: none -> all pass; includes
 * only -> any include must match; excludes only -> no exclude may match;
 * both -> includes first, then excludes on what is left.
 */
export function passesFilters(filters: readonly EventFilter[], eventName: string, payload: string): boolean {
  if (filters.length === 0) return true;
  let hasInclude = false;
  let included = false;
  for (const f of filters) {
    if (f.exclude) continue;
    hasInclude = true;
    if (!included && matches(f, eventName, payload)) included = true;
  }
  if (hasInclude && !included) return false;
  for (const f of filters) if (f.exclude && matches(f, eventName, payload)) return false;
  return true;
}
