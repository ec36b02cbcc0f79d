// Streaming AMI decoder, shaped like node-postgres's pg-protocol parser: it never
// touches a socket, takes Buffers, keeps one growing buffer with offsets and hands
// out complete frames. Bytes are framed first and only a complete frame is decoded
// as UTF-8, so a character split across two TCP reads is never lost (panoramisk
// decodes first and loses it).
//
// Framing (Asterisk main/manager.c): a line ends at CRLF or at a bare LF; an empty
// line ends a message. So the end of a message is the first "\n\r\n" or "\n\n".
// Both are found with Buffer.indexOf (memchr/memmem in C++), and each search
// resumes where the last one stopped, so no byte is scanned twice for the same
// pattern however the stream is split. The Park reply `Message: Park successful\n\r\n\r\n`
// ends at its "\n\r\n"; the extra "\r\n" is an empty line between messages.
//
// Quirks handled here (see shared/reference/ami-traces/README.md):
// - the greeting is one line with no empty line after it;
// - old `Response: Follows` command output ends at `--END COMMAND--` and its raw
//   CLI body may contain empty lines, so the message does not end at the first one;
// - limits: a line longer than maxLineBytes or a message longer than
//   maxMessageBytes gives an error frame, the buffered bytes are dropped and the
//   decoder resynchronises at the next empty line, so memory stays bounded.
// Results do not depend on how the input is split into chunks (tested at every
// byte offset), and push() never throws on any input.
import { Buffer } from 'node:buffer';
import { AmiCodecError } from './errors';
import type { AmiCodecErrorCode } from './errors';
import type { AmiFrame, AmiHeader, AmiMessage } from './message';

/**
 * Prefilter over the raw bytes of one complete message, `buf[start, end)` (the
 * empty line that ends it excluded). Returning false drops the frame without
 * decoding it. It must only reject frames it is sure nobody wants, and should
 * accept anything it does not recognise (responses, greetings). `buf` is only
 * valid during the call; while the same Buffer object is passed, its bytes in
 * [0, buf.length) never change, so a prefilter may cache searches per Buffer.
 * Line and message limits are enforced before it is called (they are found while
 * framing); a rejected frame is not parsed, so a too-many-headers error inside
 * it is not reported.
 */
export type AcceptFrame = (buf: Buffer, start: number, end: number) => boolean;

export interface AmiDecoderOptions {
  /** Expect the `Asterisk Call Manager/x.y.z` line first (default true; false on the server side). */
  readonly greeting?: boolean;
  /** Longest line, terminator excluded (default 64 KiB). Asterisk itself takes 1024 bytes per line. */
  readonly maxLineBytes?: number;
  /** Most headers in one message (default 4096; Asterisk takes 128 per action). */
  readonly maxHeaders?: number;
  /** Longest message in bytes (default 1 MiB); bounds memory when lines are short but never end a message. */
  readonly maxMessageBytes?: number;
  /** See {@link AcceptFrame}. */
  readonly acceptFrame?: AcceptFrame;
}

const LF = 0x0a;
const CR = 0x0d;
const LF_CRLF = Buffer.from('\n\r\n', 'latin1');
const LF_LF = Buffer.from('\n\n', 'latin1');
const END_COMMAND = '--END COMMAND--';
const END_COMMAND_BYTES = Buffer.from(END_COMMAND, 'latin1');
const FOLLOWS = Buffer.from('response: follows', 'latin1');
const GREETING_PREFIX = 'Asterisk Call Manager/';
const EMPTY = Buffer.alloc(0);
const MIN_STORAGE = 8 * 1024;
// A read that arrives while part of a frame is pending: only the pending bytes and
// this much of the new chunk are copied (enough to finish the pending frame in
// practice); the rest of the chunk is decoded in place. Copying every 64 KiB
// socket read into a fresh buffer cost CPU and a lot of short-lived memory.
const STITCH_BYTES = 4 * 1024;
const MIN_LIMIT = 16;

/**
 * A resumable search for one byte pattern. It remembers the last match and how
 * far it has looked, so asking again from a later position (or after more bytes
 * were appended) never rescans bytes it already examined. Valid because bytes
 * below data.length never change while positions are not rebased (see append).
 */
class Finder {
  // Either #at is the first match at or after #lo, or #at is -1 and no match
  // starts in [#lo, #upTo); #scanned is data.length when that was established
  // (-1 when #at is a match).
  #at = -1;
  #lo = 0;
  #upTo = 0;
  #scanned = -1;
  readonly #needle: Buffer;

  constructor(needle: Buffer) {
    this.#needle = needle;
  }

  reset(): void {
    this.#at = -1;
    this.#lo = 0;
    this.#upTo = 0;
    this.#scanned = -1;
  }

  /** Positions moved down by `delta` (the buffer was compacted). */
  rebase(delta: number): void {
    if (this.#at >= 0) {
      if (this.#at >= delta) this.#at -= delta;
      else {
        // The match was dropped with the consumed bytes: keep no knowledge.
        this.reset();
        return;
      }
    }
    this.#lo = this.#lo > delta ? this.#lo - delta : 0;
    this.#upTo = this.#upTo > delta ? this.#upTo - delta : 0;
    if (this.#scanned >= 0) this.#scanned = this.#scanned > delta ? this.#scanned - delta : 0;
  }

  /** First match starting at or after `from`, or -1. */
  find(data: Buffer, from: number): number {
    let start = from;
    if (from >= this.#lo) {
      if (this.#at >= from) return this.#at;
      if (this.#at === -1) {
        // Nothing new to look at: skip the native call (the hot path for "\n\n").
        if (this.#scanned === data.length) return -1;
        if (this.#upTo > start) start = this.#upTo;
      }
    }
    const r = data.indexOf(this.#needle, start);
    this.#lo = from;
    if (r >= 0) {
      this.#at = r;
      this.#upTo = from;
      this.#scanned = -1;
      return r;
    }
    this.#at = -1;
    const tail = data.length - this.#needle.length + 1;
    this.#upTo = tail > start ? tail : start;
    this.#scanned = data.length;
    return -1;
  }
}

// ASCII case-insensitive "Response: Follows" at `pos`, followed by the end of the line.
function startsWithFollows(data: Buffer, pos: number, end: number): boolean {
  const first = data[pos];
  if (first !== 0x52 && first !== 0x72) return false; // R / r: the fast exit for events
  const n = FOLLOWS.length;
  if (end - pos < n) return false;
  for (let k = 0; k < n; k++) {
    if (((data[pos + k] ?? 0) | 0x20) !== FOLLOWS[k]) return false;
  }
  const after = pos + n;
  return after === end || data[after] === CR || data[after] === LF;
}

const HEADER_SYNTAX = /^[^\s:]+:/;

/**
 * An old-style Follows message whose raw body has an empty line in it: it does not
 * end at that empty line but at `--END COMMAND--`. New-style replies (only
 * `Name: value` lines, e.g. `Output:`) end at the first empty line as usual.
 */
function followsNeedsBody(data: Buffer, pos: number, end: number): boolean {
  const text = data.toString('latin1', pos, end);
  if (text.includes(END_COMMAND)) return false;
  const lines = text.split('\n');
  for (let k = 1; k < lines.length; k++) {
    const line = lines[k] ?? '';
    if (line !== '' && line !== '\r' && !HEADER_SYNTAX.test(line)) return true;
  }
  return false;
}

function tooManyHeaders(max: number): AmiCodecError {
  return new AmiCodecError('too-many-headers', `AMI message has more than ${max} headers`);
}

function isOutputName(name: string): boolean {
  return name.length === 6 && (name === 'Output' || name.toLowerCase() === 'output');
}

/**
 * Lines of one complete frame -> message. Header name is up to the first ':'
 * (as Asterisk's astman_get_header reads it), one space after it is skipped, the
 * rest is the value (it may contain ':' and may be empty). A line without ':' is
 * kept as an output line rather than dropped. indexOf (a builtin) per line beat a
 * charCodeAt loop over every character in profiles.
 */
function parseMessage(s: string, from: number, maxHeaders: number): AmiMessage | AmiCodecError {
  const headers: AmiHeader[] = [];
  let output: string[] | undefined;
  const n = s.length;
  let i = from;
  // Cached position of the next ':' so lines without one do not rescan the rest.
  let colon = s.indexOf(':', i);
  while (i < n) {
    let j = s.indexOf('\n', i);
    if (j < 0) j = n;
    const e = j > i && s.charCodeAt(j - 1) === 13 ? j - 1 : j;
    if (colon !== -1 && colon < i) colon = s.indexOf(':', i);
    if (colon !== -1 && colon < e) {
      const name = s.slice(i, colon);
      let v = colon + 1;
      if (v < e && s.charCodeAt(v) === 32) v += 1;
      const value = s.slice(v, e);
      if (headers.length === maxHeaders) return tooManyHeaders(maxHeaders);
      headers.push([name, value]);
      if (isOutputName(name)) (output ??= []).push(value);
    } else {
      (output ??= []).push(s.slice(i, e));
    }
    i = j + 1;
  }
  return output === undefined ? { headers } : { headers, output };
}

const OLD_FOLLOWS_HEADERS = new Set(['response', 'privilege', 'actionid']);

/**
 * Old `Response: Follows`: `Response`, `Privilege`, `ActionID` headers, then the raw
 * CLI output (whose lines may contain ': ' and may be empty) up to a line ending
 * in `--END COMMAND--` (Asterisk appends the marker without a newline of its own,
 * so it can follow output text on the same line).
 */
function parseOldFollows(s: string, maxHeaders: number): AmiMessage | AmiCodecError {
  const headers: AmiHeader[] = [];
  const output: string[] = [];
  let state: 'headers' | 'body' | 'after' = 'headers';
  let i = 0;
  const n = s.length;
  while (i < n) {
    let j = s.indexOf('\n', i);
    if (j < 0) j = n;
    const e = j > i && s.charCodeAt(j - 1) === 13 ? j - 1 : j;
    const line = s.slice(i, e);
    i = j + 1;
    const colon = line.indexOf(':');
    const name = colon > 0 ? line.slice(0, colon) : '';
    if (state === 'headers' && HEADER_SYNTAX.test(line) && OLD_FOLLOWS_HEADERS.has(name.toLowerCase())) {
      if (headers.length === maxHeaders) return tooManyHeaders(maxHeaders);
      headers.push([name, line.slice(line.charCodeAt(colon + 1) === 32 ? colon + 2 : colon + 1)]);
      continue;
    }
    if (state !== 'after') {
      state = 'body';
      if (line.endsWith(END_COMMAND)) {
        const rest = line.slice(0, line.length - END_COMMAND.length);
        if (rest !== '') output.push(rest);
        state = 'after';
      } else {
        output.push(line);
      }
      continue;
    }
    // Nothing follows the marker on a real Asterisk; keep whatever does.
    if (colon > 0) {
      if (headers.length === maxHeaders) return tooManyHeaders(maxHeaders);
      headers.push([name, line.slice(line.charCodeAt(colon + 1) === 32 ? colon + 2 : colon + 1)]);
    } else if (line !== '') {
      output.push(line);
    }
  }
  return { headers, output };
}

/** Streaming decoder: push() bytes in any split, get greeting/message/error frames out in order. */
export class AmiDecoder {
  readonly #greeting: boolean;
  readonly #maxLine: number;
  readonly #maxHeaders: number;
  readonly #maxMessage: number;
  readonly #accept: AcceptFrame | undefined;

  // The buffered bytes are #data[#pos, #data.length). #data is either the last
  // chunk itself (no copy) or a view over #storage, which we own and append to.
  #data: Buffer = EMPTY;
  #storage: Buffer | null = null;
  #pos = 0;

  #expectGreeting: boolean;
  #discarding = false;
  #inBody = false; // old-style Follows body: the frame ends after --END COMMAND--
  #bodyFrom = 0;
  #lineStart = 0; // limit checks: lines before #lineStart are within maxLineBytes
  #lineScan = 0; // ...and no LF was found in [#lineStart, #lineScan)
  #termLen = 0; // length of the empty-line terminator found by #findBlankLine
  #draining = false;

  readonly #lfCrlf = new Finder(LF_CRLF);
  readonly #lfLf = new Finder(LF_LF);
  readonly #endCommand = new Finder(END_COMMAND_BYTES);

  constructor(opts: AmiDecoderOptions = {}) {
    this.#greeting = opts.greeting ?? true;
    this.#maxLine = Math.max(MIN_LIMIT, Math.floor(opts.maxLineBytes ?? 64 * 1024));
    this.#maxHeaders = Math.max(1, Math.floor(opts.maxHeaders ?? 4096));
    this.#maxMessage = Math.max(this.#maxLine, Math.floor(opts.maxMessageBytes ?? 1024 * 1024));
    this.#accept = opts.acceptFrame;
    this.#expectGreeting = this.#greeting;
  }

  /** Bytes held while waiting for the rest of a frame (bounded by the limits plus one chunk). */
  get bufferedBytes(): number {
    return this.#data.length - this.#pos;
  }

  /** Forget everything buffered; expect a greeting again (call after a reconnect). */
  reset(): void {
    this.#data = EMPTY;
    this.#storage = null;
    this.#pos = 0;
    this.#expectGreeting = this.#greeting;
    this.#discarding = false;
    this.#resetPositions();
  }

  /**
   * Feed bytes; `onFrame` is called for every frame completed by them, in order.
   * The decoder keeps a reference to `chunk`: do not modify it afterwards.
   * Not reentrant: calling push() from inside onFrame throws.
   */
  push(chunk: Buffer, onFrame: (frame: AmiFrame) => void): void {
    if (this.#draining) throw new Error('AmiDecoder.push() is not reentrant');
    if (chunk.length === 0) return;
    this.#draining = true;
    try {
      if (this.#pos < this.#data.length && chunk.length > 2 * STITCH_BYTES) {
        this.#stitch(chunk, onFrame);
      } else {
        this.#append(chunk);
        this.#drain(onFrame, -1);
      }
    } finally {
      this.#draining = false;
    }
  }

  /**
   * Finishes the pending frame in a small joint buffer (pending bytes + the head of
   * `chunk`), then moves onto `chunk` itself at the first frame boundary inside it.
   * Positions are rebased; the frames produced are the same as with a full copy.
   */
  #stitch(chunk: Buffer, onFrame: (frame: AmiFrame) => void): void {
    this.#append(chunk.subarray(0, STITCH_BYTES));
    const chunkStart = this.#data.length - STITCH_BYTES; // where chunk[0] sits in the joint
    this.#drain(onFrame, chunkStart);
    if (this.#pos < chunkStart) {
      // The pending frame is longer than the joint: fall back to appending the rest.
      this.#append(chunk.subarray(STITCH_BYTES));
      this.#drain(onFrame, -1);
      return;
    }
    const pos = this.#pos - chunkStart;
    this.#data = chunk.subarray(0);
    this.#storage = null;
    this.#resetPositions();
    this.#startFrameAt(pos);
    this.#drain(onFrame, -1);
  }

  #resetPositions(): void {
    this.#inBody = false;
    this.#bodyFrom = 0;
    this.#lineStart = 0;
    this.#lineScan = 0;
    this.#lfCrlf.reset();
    this.#lfLf.reset();
    this.#endCommand.reset();
  }

  #append(chunk: Buffer): void {
    const data = this.#data;
    const pos = this.#pos;
    const end = data.length;
    if (pos === end) {
      // Nothing pending: work on the chunk's bytes, no copy. A fresh view keeps
      // the AcceptFrame contract even if a caller pushes the same Buffer object twice.
      this.#data = chunk.subarray(0);
      this.#storage = null;
      this.#pos = 0;
      this.#resetPositions();
      return;
    }
    const storage = this.#storage;
    if (storage !== null && end + chunk.length <= storage.length) {
      // Append after the logical end; bytes below it are not touched.
      chunk.copy(storage, end);
      this.#data = storage.subarray(0, end + chunk.length);
      return;
    }
    // Compact into a NEW buffer (never in place: a prefilter may still hold the old
    // one, see AcceptFrame). Doubling keeps repeated small appends linear.
    const keep = end - pos;
    const need = keep + chunk.length;
    const fresh = Buffer.allocUnsafe(Math.max(MIN_STORAGE, need * 2));
    data.copy(fresh, 0, pos, end);
    chunk.copy(fresh, keep);
    this.#storage = fresh;
    this.#data = fresh.subarray(0, need);
    this.#pos = 0;
    this.#bodyFrom = Math.max(0, this.#bodyFrom - pos);
    this.#lineStart = Math.max(0, this.#lineStart - pos);
    this.#lineScan = Math.max(0, this.#lineScan - pos);
    this.#lfCrlf.rebase(pos);
    this.#lfLf.rebase(pos);
    this.#endCommand.rebase(pos);
  }

  /** Start of the first empty line at or after `from` (its terminator length in #termLen), or -1. */
  #findBlankLine(data: Buffer, from: number): number {
    const a = this.#lfCrlf.find(data, from);
    const b = this.#lfLf.find(data, from);
    if (a < 0 && b < 0) return -1;
    if (b < 0 || (a >= 0 && a < b)) {
      this.#termLen = 3;
      return a;
    }
    this.#termLen = 2;
    return b;
  }

  #startFrameAt(pos: number): void {
    this.#pos = pos;
    this.#lineStart = pos;
    this.#lineScan = pos;
    this.#inBody = false;
  }

  #fail(code: AmiCodecErrorCode, message: string, field: string | undefined, resyncFrom: number, onFrame: (frame: AmiFrame) => void): void {
    // Drop what is buffered up to the resync point and skip to the next empty line.
    this.#discarding = true;
    this.#inBody = false;
    this.#pos = Math.min(Math.max(this.#pos, resyncFrom), this.#data.length);
    onFrame({ type: 'error', error: new AmiCodecError(code, message, field) });
  }

  // Header name at the start of a rejected line, for the error message (never the value).
  #fieldAt(data: Buffer, start: number): string | undefined {
    const probe = data.toString('latin1', start, Math.min(start + 64, data.length));
    const colon = probe.indexOf(':');
    return colon > 0 && HEADER_SYNTAX.test(probe) ? probe.slice(0, colon) : undefined;
  }

  /**
   * Checks the frame bytes [#pos, limitEnd) against the line and message limits.
   * `complete`: limitEnd is the end of the frame; otherwise more bytes may follow.
   * When both limits are exceeded, the one exceeded earlier in the stream wins, so
   * the error does not depend on how the input was split.
   */
  #checkLimits(data: Buffer, limitEnd: number, complete: boolean, onFrame: (frame: AmiFrame) => void): boolean {
    const pos = this.#pos;
    let longLine = -1;
    if (limitEnd - this.#lineStart > this.#maxLine) {
      let ls = this.#lineStart;
      let from = Math.max(ls, this.#lineScan);
      for (;;) {
        const q = data.indexOf(LF, from);
        if (q < 0 || q >= limitEnd) break;
        const len = q - ls - (q > ls && data[q - 1] === CR ? 1 : 0);
        if (len > this.#maxLine) {
          longLine = ls;
          break;
        }
        ls = q + 1;
        from = ls;
      }
      if (longLine < 0) {
        // The last line: ends at limitEnd when complete; a trailing CR of an
        // incomplete line may be half of its CRLF, so it does not count yet.
        const len = limitEnd - ls - (limitEnd > ls && data[limitEnd - 1] === CR ? 1 : 0);
        if (len > this.#maxLine) longLine = ls;
        else {
          this.#lineStart = ls;
          this.#lineScan = limitEnd;
        }
      }
    }
    let size = limitEnd - pos;
    if (!complete) {
      // A trailing "\n" or "\n\r" may be the start of the empty line that ends the message.
      if (data[limitEnd - 1] === LF) size -= 1;
      else if (data[limitEnd - 1] === CR && data[limitEnd - 2] === LF) size -= 2;
    }
    const msgOver = size > this.#maxMessage;
    if (longLine < 0 && !msgOver) return true;
    const lineAt = longLine < 0 ? Infinity : longLine + this.#maxLine + 1;
    const msgAt = msgOver ? pos + this.#maxMessage + 1 : Infinity;
    if (lineAt <= msgAt) {
      const field = this.#fieldAt(data, longLine);
      this.#fail('line-too-long', `AMI line longer than ${this.#maxLine} bytes${field === undefined ? '' : ` in header "${field}"`}`, field, lineAt - 2, onFrame);
    } else {
      this.#fail('message-too-long', `AMI message longer than ${this.#maxMessage} bytes`, undefined, msgAt - 2, onFrame);
    }
    return false;
  }

  /** Decodes what is buffered; with `stopAt` >= 0, stops at the first frame boundary at or after it. */
  #drain(onFrame: (frame: AmiFrame) => void, stopAt: number): void {
    for (;;) {
      if (stopAt >= 0 && this.#pos >= stopAt) return;
      const data = this.#data;
      const end = data.length;

      if (this.#discarding) {
        const t = this.#findBlankLine(data, this.#pos);
        if (t < 0) {
          // Keep at most the last two bytes: a "\n\r\n" may straddle the next chunk.
          if (end - 2 > this.#pos) this.#pos = end - 2;
          return;
        }
        this.#discarding = false;
        this.#startFrameAt(t + this.#termLen);
        continue;
      }

      // Empty lines between messages (e.g. the second "\r\n" after a Park reply).
      let pos = this.#pos;
      while (pos < end) {
        const b = data[pos];
        if (b === LF) pos += 1;
        else if (b === CR) {
          if (pos + 1 === end) {
            // CR LF split across reads: wait for the next byte.
            this.#startFrameAt(pos);
            return;
          }
          if (data[pos + 1] !== LF) break;
          pos += 2;
        } else break;
      }
      if (pos !== this.#pos) this.#startFrameAt(pos);
      if (pos >= end) return;

      if (this.#expectGreeting) {
        if (!this.#takeGreeting(data, pos, onFrame)) return;
        continue;
      }

      let t: number;
      if (this.#inBody) {
        const marker = this.#endCommand.find(data, this.#bodyFrom);
        if (marker >= 0) this.#bodyFrom = marker;
        t = marker < 0 ? -1 : this.#findBlankLine(data, marker);
      } else {
        t = this.#findBlankLine(data, pos);
      }

      if (t < 0) {
        // Incomplete: enforce the limits on what is buffered so far, then wait.
        if (this.#checkLimits(data, end, false, onFrame)) return;
        continue;
      }
      const next = t + this.#termLen;
      if (!this.#checkLimits(data, t, true, onFrame)) continue;

      if (!this.#inBody && startsWithFollows(data, pos, t) && followsNeedsBody(data, pos, t)) {
        this.#inBody = true;
        this.#bodyFrom = t;
        continue;
      }
      const oldFollows = this.#inBody;
      this.#startFrameAt(next);

      if (this.#accept !== undefined && !this.#accept(data, pos, t)) continue;
      this.#emitFrame(data, pos, t, oldFollows, onFrame);
    }
  }

  /** Handles the expected greeting line; false when more bytes are needed. */
  #takeGreeting(data: Buffer, pos: number, onFrame: (frame: AmiFrame) => void): boolean {
    const lf = data.indexOf(LF, Math.max(pos, this.#lineScan));
    const lineEnd = lf < 0 ? data.length : lf;
    const len = lineEnd - pos - (lineEnd > pos && data[lineEnd - 1] === CR ? 1 : 0);
    if (len > this.#maxLine) {
      this.#expectGreeting = false;
      this.#fail('line-too-long', `AMI greeting longer than ${this.#maxLine} bytes`, 'greeting', pos + this.#maxLine - 1, onFrame);
      return true;
    }
    if (lf < 0) {
      this.#lineScan = data.length;
      return false;
    }
    this.#expectGreeting = false;
    const line = data.toString('utf8', pos, pos + len);
    if (line.includes(':')) {
      // No greeting (e.g. a proxy that omits it): say so and decode the line as
      // the start of a message instead of swallowing it.
      this.#lineScan = pos;
      onFrame({ type: 'error', error: new AmiCodecError('malformed', 'AMI stream did not start with a greeting line', 'greeting') });
      return true;
    }
    this.#startFrameAt(lf + 1);
    const slash = line.lastIndexOf('/');
    onFrame({ type: 'greeting', version: slash < 0 ? line : line.slice(slash + 1) });
    return true;
  }

  #emitFrame(data: Buffer, start: number, end: number, oldFollows: boolean, onFrame: (frame: AmiFrame) => void): void {
    const s = data.toString('utf8', start, end);
    let from = 0;
    // A greeting in the middle of the stream (a server that restarts its session
    // without closing the socket): report it, then decode what follows it.
    if (s.charCodeAt(0) === 0x41 && s.startsWith(GREETING_PREFIX)) {
      const lf = s.indexOf('\n');
      const lineEnd = lf < 0 ? s.length : lf;
      const line = s.slice(0, lineEnd > 0 && s.charCodeAt(lineEnd - 1) === 13 ? lineEnd - 1 : lineEnd);
      if (!line.includes(':')) {
        onFrame({ type: 'greeting', version: line.slice(GREETING_PREFIX.length) });
        if (lf < 0) return;
        from = lf + 1;
      }
    }
    const parsed = oldFollows || (startsWithFollows(data, start, end) && s.includes(END_COMMAND))
      ? parseOldFollows(from === 0 ? s : s.slice(from), this.#maxHeaders)
      : parseMessage(s, from, this.#maxHeaders);
    if (parsed instanceof AmiCodecError) onFrame({ type: 'error', error: parsed });
    else if (parsed.headers.length > 0 || parsed.output !== undefined) onFrame({ type: 'message', message: parsed });
  }
}
