// Reading fields of a CRM's JSON answer that no schema has checked yet (error
// bodies of every shape): one object test, one "non-blank text" test and one
// way to shorten the CRM's words for a message, for all connectors.

/** `v` as a plain object (not null, not an array); undefined otherwise. */
export function asRecord(v: unknown): Record<string, unknown> | undefined {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
}

/** `v` trimmed when it is a string with something in it; undefined otherwise. */
export function textOf(v: unknown): string | undefined {
  return typeof v === 'string' && v.trim() !== '' ? v.trim() : undefined;
}

/** `text` on one line (runs of whitespace as one space), cut to `max` characters with an ellipsis. */
export function clip(text: string, max = 500): string {
  const t = text.trim().replace(/\s+/g, ' ');
  return t.length > max ? `${t.slice(0, max - 1)}…` : t;
}
