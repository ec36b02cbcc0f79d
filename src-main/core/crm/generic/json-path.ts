// The JSON path subset of the generic CRM mapping: dotted keys and [index]
// (`data[0].owner.name`), read over own properties only. No expressions, no
// wildcards, no eval: a path from settings can only read, never run anything.

export type JsonPathSegment = string | number;

const SEGMENT = /([A-Za-z_$][\w$-]*)|\[(\d+)\]/y;
const FORBIDDEN = new Set(['__proto__', 'prototype', 'constructor']);

/** The segments of a path; undefined when it is not in the subset. '' is the value itself. */
export function parseJsonPath(path: string): JsonPathSegment[] | undefined {
  const p = path.trim();
  if (p === '') return [];
  const out: JsonPathSegment[] = [];
  let i = 0;
  while (i < p.length) {
    if (out.length > 0 && p[i] === '.') {
      i += 1;
      if (p[i] === '[' || i >= p.length) return undefined;
    }
    SEGMENT.lastIndex = i;
    const m = SEGMENT.exec(p);
    if (!m) return undefined;
    if (m[1] !== undefined) {
      if (out.length > 0 && p[i - 1] !== '.') return undefined;
      if (FORBIDDEN.has(m[1])) return undefined;
      out.push(m[1]);
    } else out.push(Number(m[2]));
    i = SEGMENT.lastIndex;
  }
  return out;
}

/** The value at `path` in `value`; undefined when any step is missing (or the path is not in the subset). */
export function readJsonPath(value: unknown, path: string): unknown {
  const segments = parseJsonPath(path);
  if (!segments) return undefined;
  let cur: unknown = value;
  for (const s of segments) {
    if (typeof s === 'number') {
      if (!Array.isArray(cur) || s >= cur.length) return undefined;
      cur = cur[s] as unknown;
    } else {
      if (typeof cur !== 'object' || cur === null || Array.isArray(cur) || !Object.hasOwn(cur, s)) return undefined;
      cur = (cur as Record<string, unknown>)[s];
    }
  }
  return cur;
}
