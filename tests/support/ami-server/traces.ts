// Loading the recorded Asterisk 22 traces of shared/reference/ami-traces:
// the received bytes (.raw), the sent bytes (.sent) and the timeline with the
// time of each action and each phone command. CI has shared/ beside the repo.
import type { Buffer } from 'node:buffer';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { AmiDecoder, type AmiMessage } from '../../../src-main/core/ami/codec';

/** shared/reference/ami-traces, found from this file: tests/support/ami-server -> repo root -> ../shared. */
export const TRACE_DIR = path.resolve(import.meta.dirname, '../../../../shared/reference/ami-traces');

/** Trace file prefixes by scenario letter. */
export const TRACE_FILES: Readonly<Record<string, string>> = {
  a: 'a-inbound-answered-caller-hangup',
  b: 'b-inbound-noanswer-timeout',
  c: 'c-outbound-originate-101-to-external',
  d: 'd-mixmonitor-start-stop',
  e: 'e-redirect-blind-transfer-to-102',
  h: 'h-coreshowchannels-live-call',
  i: 'i-originate-bad-channel',
  k: 'k-op101-limited-user',
  l: 'l-tls-login',
  m: 'm-inbound-from-sip-trunk',
  n: 'n-outbound-via-sip-trunk',
};

/** One step of a recorded session on the trace's clock. */
export type TimelineStep =
  | { readonly kind: 'send'; readonly at: number; readonly bytes: Buffer }
  | { readonly kind: 'phone'; readonly at: number; readonly phone: string; readonly command: string }
  | { readonly kind: 'note'; readonly at: number; readonly text: string };

export interface Trace {
  readonly id: string;
  readonly raw: Buffer;
  readonly sent: Buffer;
  /** The recorded greeting version. */
  readonly greeting: string;
  /** Every message received, decoded. */
  readonly messages: readonly AmiMessage[];
  /** Actions and phone commands in time order; `at` is milliseconds since the epoch. */
  readonly steps: readonly TimelineStep[];
}

/** Splits .sent bytes into one Buffer per action (each ends with the empty line). */
export function splitActions(sent: Buffer): Buffer[] {
  const out: Buffer[] = [];
  let start = 0;
  for (;;) {
    const end = sent.indexOf('\r\n\r\n', start);
    if (end < 0) break;
    out.push(sent.subarray(start, end + 4));
    start = end + 4;
  }
  return out;
}

/** Decodes a .raw trace (banner first) with the shared codec. */
export function decodeTrace(raw: Buffer): { greeting: string; messages: AmiMessage[] } {
  const messages: AmiMessage[] = [];
  let greeting = '';
  new AmiDecoder({ greeting: true }).push(raw, (f) => {
    if (f.type === 'greeting') greeting = f.version;
    else if (f.type === 'message') messages.push(f.message);
    else throw new Error(`trace does not decode: ${f.error.message}`);
  });
  return { greeting, messages };
}

export function loadTrace(letter: string): Trace {
  const prefix = TRACE_FILES[letter];
  if (!prefix) throw new Error(`no trace ${letter}`);
  const raw = readFileSync(path.join(TRACE_DIR, `${prefix}.raw`));
  const sent = readFileSync(path.join(TRACE_DIR, `${prefix}.sent`));
  const timeline = readFileSync(path.join(TRACE_DIR, `${prefix}.timeline.txt`), 'utf8');
  const actions = splitActions(sent);
  const steps: TimelineStep[] = [];
  let nextAction = 0;
  for (const line of timeline.split('\n')) {
    const sentAt = /^---- (\S+) SENT$/.exec(line);
    if (sentAt) {
      const bytes = actions[nextAction++];
      if (bytes) steps.push({ kind: 'send', at: Date.parse(sentAt[1] ?? ''), bytes });
      continue;
    }
    const phone = /^#### (\S+) NOTE phone (\d+) <- '([^']*)'/.exec(line);
    if (phone) {
      steps.push({ kind: 'phone', at: Date.parse(phone[1] ?? ''), phone: phone[2] ?? '', command: phone[3] ?? '' });
      continue;
    }
    const note = /^#### (\S+) NOTE (.*)$/.exec(line);
    if (note && !/^(phone|scenario|socket)/.test(note[2] ?? '')) steps.push({ kind: 'note', at: Date.parse(note[1] ?? ''), text: note[2] ?? '' });
  }
  const { greeting, messages } = decodeTrace(raw);
  return { id: prefix, raw, sent, greeting, messages, steps };
}
