// The AMI ingest benchmark's input: a recorded-like mix of events built from the
// real Asterisk 22 traces. Each generated event copies a recorded event's headers
// and moves every channel in it to one extension: ~1% to the operator (101),
// the rest spread over PJSIP/102..400. Some VarSet values of other operators name
// a 101 channel (a BRIDGEPEER), which is exactly the case where the byte
// prefilter must decode and the full filter must still say no.
import { Buffer } from 'node:buffer';
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { AmiDecoder, encodeMessage, getHeader } from '../../src-main/core/ami/codec';
import type { AmiHeader } from '../../src-main/core/ami/codec';
import { seededRandom as prng } from '../../src-main/core/seeded-random';

export const TRACE_DIR = path.resolve(import.meta.dirname, '../../../shared/reference/ami-traces');
export const OPERATOR_EXTENSION = '101';

export interface IngestStream {
  readonly bytes: Buffer;
  readonly events: number;
  /** Events whose channels are the operator's: what the filter must let through. */
  readonly operatorEvents: number;
  readonly templates: number;
}

const CHANNEL_LIKE = /^(?:PJSIP|SIP|IAX2|Local)\/\S+$/;
// Session-level events would pass the filter whatever they name; keep the mix to
// call events so the expected count is exactly the operator's share.
const SKIP_EVENTS = new Set(['FullyBooted', 'Shutdown', 'Reload', 'SuccessfulAuth', 'ChallengeSent']);


/** Call events of the traces that carry a Channel (and no ActionID: no list items). */
export function loadTemplates(): (readonly AmiHeader[])[] {
  const templates: (readonly AmiHeader[])[] = [];
  for (const file of readdirSync(TRACE_DIR).filter((f) => f.endsWith('.raw')).sort()) {
    new AmiDecoder().push(readFileSync(path.join(TRACE_DIR, file)), (frame) => {
      if (frame.type !== 'message') return;
      const m = frame.message;
      const event = getHeader(m, 'Event');
      const channel = getHeader(m, 'Channel');
      if (event === undefined || SKIP_EVENTS.has(event) || getHeader(m, 'ActionID') !== undefined) return;
      if (channel === undefined || !CHANNEL_LIKE.test(channel)) return;
      templates.push(m.headers);
    });
  }
  return templates;
}

/** Builds `count` events (seeded, so every run and every client gets the same bytes). */
export function buildIngestStream(count: number, seed = 1): IngestStream {
  const templates = loadTemplates();
  const rand = prng(seed);
  const parts: Buffer[] = [];
  let operatorEvents = 0;
  for (let i = 0; i < count; i++) {
    const template = templates[Math.floor(rand() * templates.length)];
    if (template === undefined) throw new Error('no templates');
    const mine = rand() < 0.01;
    const ext = mine ? OPERATOR_EXTENSION : String(102 + Math.floor(rand() * 299));
    const suffix = Math.floor(rand() * 0xffffffff).toString(16).padStart(8, '0');
    const channel = `PJSIP/${ext}-${suffix}`;
    const isVarSet = template[0]?.[1] === 'VarSet';
    const headers = template.map(([name, value]): AmiHeader => {
      if (!CHANNEL_LIKE.test(value)) return [name, value];
      if (!mine && isVarSet && name === 'Value' && rand() < 0.3) return [name, `PJSIP/${OPERATOR_EXTENSION}-${suffix}`];
      return [name, channel];
    });
    if (mine) operatorEvents += 1;
    parts.push(encodeMessage(headers));
  }
  return { bytes: Buffer.concat(parts), events: count, operatorEvents, templates: templates.length };
}
