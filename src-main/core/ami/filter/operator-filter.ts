// Client-side operator filter: does a message concern this operator's extension?
// The PBX-side eventfilter does the heavy lifting where IT set it up, but Sidecall
// always matches too, on the channel name (default `^(?:PJSIP|SIP|IAX2)/<ext>-`),
// because a shared or unfiltered AMI user sees every operator's traffic.
//
// Speed: on an unfiltered PBX ~99% of events belong to other operators. Decoding
// them (UTF-8 string, header tuples) only to throw them away is most of the cost,
// so `acceptFrame` looks at the raw bytes first and lets AmiDecoder skip frames
// that cannot match. It stays exact: every channel the pattern can match contains
// the literal `/<ext>-`, so a frame whose bytes lack that literal (and that is not
// a response, an always-delivered event, or an event-list item) is certainly
// rejected by `accepts()` too. It only ever errs towards decoding.
import { Buffer } from 'node:buffer';
import type { AcceptFrame, AmiMessage } from '../codec';
import { getHeader } from '../codec';

/** Default channel pattern; `<ext>` is replaced by the escaped extension. */
export const DEFAULT_CHANNEL_PATTERN = '^(?:PJSIP|SIP|IAX2)/<ext>-';

/** Events every operator session needs whatever channel they name (session state). */
export const DEFAULT_ALWAYS_EVENTS: readonly string[] = ['FullyBooted', 'Shutdown', 'Reload'];

export interface OperatorFilterOptions {
  /** The operator's extension, e.g. `101`. */
  readonly extension: string;
  /** A template containing `<ext>`, or a ready RegExp (default {@link DEFAULT_CHANNEL_PATTERN}). */
  readonly channelPattern?: string | RegExp;
  /** Events delivered whatever they name (default {@link DEFAULT_ALWAYS_EVENTS}); exact, case-sensitive names. */
  readonly alwaysEvents?: readonly string[];
  /**
   * Deliver events that carry an `ActionID` header: event-list items and their
   * `...Complete` event (e.g. CoreShowChannelsComplete names no channel). Default true.
   */
  readonly passActionEvents?: boolean;
  /**
   * A literal that every channel matched by a custom pattern contains. Derived
   * automatically for the default pattern and for templates of the form
   * `^(?:TECH|TECH)/<ext>-...`; for anything else there is no byte prefilter
   * unless you vouch for one here.
   */
  readonly prefilterLiteral?: string;
}

export interface OperatorFilter {
  /** The compiled channel pattern. */
  readonly pattern: RegExp;
  /** True when a channel-valued header (Channel, DestChannel, Peer, ...) matches the pattern. */
  concernsOperator(m: AmiMessage): boolean;
  /** What the session should deliver: non-events, always-events, event-list items, and events of this operator. */
  accepts(m: AmiMessage): boolean;
  /**
   * Byte prefilter for AmiDecoder's `acceptFrame`: false only for frames `accepts()`
   * would certainly reject. Undefined when no literal is known for the pattern.
   */
  readonly acceptFrame: AcceptFrame | undefined;
}

// Names that carry a channel: everything ending in "channel" (Channel,
// DestChannel, DestinationChannel (Cdr), LocalOneChannel/LocalTwoChannel,
// BridgedChannel, TargetChannel, TransfererChannel, TransfereeChannel,
// ParkeeChannel, SpyeeChannel, ExtraChannel...: the traces and the AMI event
// docs), plus CEL's `Peer` and the `Channel1`/`Channel2`, `Source`/`Destination`
// of older Asterisk events (Link, Dial).
// Dispatch on the last character and the length first: this runs for every header
// of every decoded event, on freshly sliced strings, where a Map lookup would
// have to hash each one (it was the top item of the profile).
/** Whether a header name carries a channel name (case-insensitive). */
export function isChannelHeader(name: string): boolean {
  const n = name.length;
  switch (name.charCodeAt(n - 1)) {
    case 0x6c: // l
    case 0x4c: // L
      return n >= 7 && (name.endsWith('Channel') || name.slice(n - 7).toLowerCase() === 'channel');
    case 0x72: // r
    case 0x52: // R
      return n === 4 && (name === 'Peer' || name.toLowerCase() === 'peer');
    case 0x65: // e
    case 0x45: // E
      return n === 6 && (name === 'Source' || name.toLowerCase() === 'source');
    case 0x6e: // n
    case 0x4e: // N
      return n === 11 && (name === 'Destination' || name.toLowerCase() === 'destination');
    case 0x31: // 1
    case 0x32: // 2
      return n === 8 && name.slice(0, 7).toLowerCase() === 'channel';
    default:
      return false;
  }
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&');
}

// `^TECH/<ext>-...` or `^(?:TECH|TECH)/<ext>-...` with no alternation after it:
// every match then contains `/<ext>-` literally.
const SIMPLE_TEMPLATE = /^\^?(?:[A-Za-z0-9_]+|\(\?:[A-Za-z0-9_]+(?:\|[A-Za-z0-9_]+)*\))\/<ext>-(?<rest>[^|]*)$/;

function compilePattern(pattern: string | RegExp, ext: string): { readonly re: RegExp; readonly literal: string | undefined } {
  if (pattern instanceof RegExp) {
    // A global or sticky RegExp carries lastIndex between test() calls: drop those flags.
    return { re: new RegExp(pattern.source, pattern.flags.replace(/[gy]/g, '')), literal: undefined };
  }
  if (!pattern.includes('<ext>')) throw new Error(`Channel pattern ${JSON.stringify(pattern)} has no <ext> placeholder`);
  const re = new RegExp(pattern.split('<ext>').join(escapeRegExp(ext)));
  return { re, literal: SIMPLE_TEMPLATE.test(pattern) ? `/${ext}-` : undefined };
}

/**
 * Finds a literal inside frame ranges. Frames of one decoder pass arrive in
 * increasing order within the same Buffer, so the last search result is reused
 * until the scan passes it: one memmem per occurrence (and per Buffer), not one
 * per frame, and never an unbounded scan per frame. Relies on AcceptFrame's
 * contract that a Buffer's bytes do not change while it is passed again.
 */
class LiteralScanner {
  readonly #needle: Buffer;
  #buf: Buffer | null = null;
  #from = 0;
  #at = -1;

  constructor(literal: string) {
    this.#needle = Buffer.from(literal, 'utf8');
  }

  contains(buf: Buffer, start: number, end: number): boolean {
    if (buf !== this.#buf || start < this.#from || (this.#at !== -1 && this.#at < start)) {
      this.#buf = buf;
      this.#from = start;
      this.#at = buf.indexOf(this.#needle, start);
    }
    return this.#at !== -1 && this.#at + this.#needle.length <= end;
  }
}

const EVENT_PREFIX_LENGTH = 6; // "Event:"

// Byte compare against the constant "Event:" (unrolled: this runs for every frame).
function startsWithEvent(buf: Buffer, start: number, end: number): boolean {
  return (
    end - start >= EVENT_PREFIX_LENGTH &&
    buf[start] === 0x45 &&
    buf[start + 1] === 0x76 &&
    buf[start + 2] === 0x65 &&
    buf[start + 3] === 0x6e &&
    buf[start + 4] === 0x74 &&
    buf[start + 5] === 0x3a
  );
}

// The value of the first line (`Event: <name>`), compared as bytes with the
// always-delivered names, mirroring how the decoder reads it: one space after the
// colon skipped, then exactly the name, then the end of the line (CR or LF) or of
// the frame. Compares in place: no scan for the line end, no string.
function eventNameIsOneOf(buf: Buffer, start: number, end: number, names: readonly Buffer[]): boolean {
  let v = start + EVENT_PREFIX_LENGTH;
  if (v < end && buf[v] === 0x20) v += 1;
  for (const name of names) {
    if (buf[v] !== name[0]) continue;
    const after = v + name.length;
    if (after > end) continue;
    let k = 0;
    while (k < name.length && buf[v + k] === name[k]) k += 1;
    if (k !== name.length) continue;
    if (after === end || buf[after] === 0x0a || (buf[after] === 0x0d && (after + 1 === end || buf[after + 1] === 0x0a))) return true;
  }
  return false;
}

/** Builds the matcher (and, where a literal is known, the byte prefilter) for one extension. */
export function createOperatorFilter(opts: OperatorFilterOptions): OperatorFilter {
  const ext = opts.extension;
  // eslint-disable-next-line no-control-regex
  if (ext.length === 0 || /[\u0000-\u0020]/.test(ext)) throw new Error(`Invalid extension ${JSON.stringify(ext)}`);
  const { re, literal: derived } = compilePattern(opts.channelPattern ?? DEFAULT_CHANNEL_PATTERN, ext);
  const literal = opts.prefilterLiteral ?? derived;
  const always = new Set(opts.alwaysEvents ?? DEFAULT_ALWAYS_EVENTS);
  const alwaysBytes = [...always].map((name) => Buffer.from(name, 'utf8'));
  const passActionEvents = opts.passActionEvents ?? true;

  const concernsOperator = (m: AmiMessage): boolean => {
    for (const [name, value] of m.headers) {
      if (value.length !== 0 && isChannelHeader(name) && re.test(value)) return true;
    }
    return false;
  };

  const accepts = (m: AmiMessage): boolean => {
    const first = m.headers[0];
    const event = first !== undefined && first[0] === 'Event' ? first[1] : getHeader(m, 'Event');
    if (event === undefined) return true;
    if (always.has(event)) return true;
    // One pass for both remaining reasons. ActionID is matched case-sensitively,
    // exactly like the byte prefilter's "ActionID:" search, so the two agree.
    for (const [name, value] of m.headers) {
      if (passActionEvents && name === 'ActionID') return true;
      if (value.length !== 0 && isChannelHeader(name) && re.test(value)) return true;
    }
    return false;
  };

  let acceptFrame: AcceptFrame | undefined;
  if (literal !== undefined && literal.length > 0) {
    const channel = new LiteralScanner(literal);
    const actionId = new LiteralScanner('ActionID:');
    const checkNames = alwaysBytes.length !== 0;
    acceptFrame = (buf, start, end) =>
      // Only frames that are certainly events are candidates for rejection.
      !startsWithEvent(buf, start, end) ||
      channel.contains(buf, start, end) ||
      (passActionEvents && actionId.contains(buf, start, end)) ||
      (checkNames && eventNameIsOneOf(buf, start, end, alwaysBytes));
  }

  return { pattern: re, concernsOperator, accepts, acceptFrame };
}
