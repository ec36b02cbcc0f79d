// AMI message shapes and read helpers. A message is an ordered list of headers,
// not a dictionary: AMI repeats headers (ChanVariable, Variable, Output) and
// their order matters, so nothing is merged or dropped here.
import type { AmiCodecError } from './errors';

/** One `Name: value` line. */
export type AmiHeader = readonly [name: string, value: string];

/** A decoded message: headers in wire order, repeats kept. */
export interface AmiMessage {
  readonly headers: readonly AmiHeader[];
  /**
   * Command output: the body lines of an old-style `Response: Follows` (up to
   * `--END COMMAND--`), the values of new-style `Output:` headers (which also stay
   * in `headers`), and any other line that is not `Name: value`.
   */
  readonly output?: readonly string[];
}

/** What the decoder hands out, in stream order. */
export type AmiFrame =
  | { readonly type: 'greeting'; readonly version: string }
  | { readonly type: 'message'; readonly message: AmiMessage }
  | { readonly type: 'error'; readonly error: AmiCodecError };

/** How a message should be routed. */
export type AmiMessageKind = 'event' | 'response' | 'action' | 'unknown';

// Header names are case-insensitive in AMI (Asterisk compares them with
// strncasecmp). Comparing lengths first keeps toLowerCase off the hot path.
function sameName(candidate: string, name: string, lower: string): boolean {
  return candidate === name || (candidate.length === name.length && candidate.toLowerCase() === lower);
}

/** First value of a header (case-insensitive name), as Asterisk itself reads a repeated header. */
export function getHeader(m: AmiMessage, name: string): string | undefined {
  const lower = name.toLowerCase();
  for (const [n, v] of m.headers) {
    if (sameName(n, name, lower)) return v;
  }
  return undefined;
}

/** All values of a header (case-insensitive name), in wire order. */
export function getHeaders(m: AmiMessage, name: string): string[] {
  const lower = name.toLowerCase();
  const out: string[] = [];
  for (const [n, v] of m.headers) {
    if (sameName(n, name, lower)) out.push(v);
  }
  return out;
}

/**
 * Event first: `OriginateResponse` carries both `Event:` and `Response:` and is an
 * event, not the reply to an action (see ami-traces/README.md, point 3).
 */
export function messageKind(m: AmiMessage): AmiMessageKind {
  if (getHeader(m, 'Event') !== undefined) return 'event';
  if (getHeader(m, 'Response') !== undefined) return 'response';
  if (getHeader(m, 'Action') !== undefined) return 'action';
  return 'unknown';
}
