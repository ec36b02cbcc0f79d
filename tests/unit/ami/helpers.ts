// Shared helpers for the AMI codec tests: trace loading, a flattening of frames
// that compares by value, and a deliberately naive oracle parser (string split on
// CRLF CRLF) to check the streaming decoder against on the CRLF-only traces.
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { AmiDecoder } from '../../../src-main/core/ami/codec';
import type { AmiDecoderOptions, AmiFrame, AmiHeader } from '../../../src-main/core/ami/codec';

export const TRACE_DIR = path.resolve(import.meta.dirname, '../../../../shared/reference/ami-traces');

export interface Trace {
  readonly name: string;
  readonly bytes: Buffer;
}

export function loadTraces(): readonly Trace[] {
  return readdirSync(TRACE_DIR)
    .filter((f) => f.endsWith('.raw'))
    .sort()
    .map((f) => ({ name: f, bytes: readFileSync(path.join(TRACE_DIR, f)) }));
}

/** A frame as plain data, so two decodes can be compared with toEqual. */
export type FlatFrame =
  | { readonly type: 'greeting'; readonly version: string }
  | { readonly type: 'message'; readonly headers: readonly AmiHeader[]; readonly output?: readonly string[] }
  | { readonly type: 'error'; readonly code: string; readonly field?: string };

export function flatten(frame: AmiFrame): FlatFrame {
  if (frame.type === 'greeting') return { type: 'greeting', version: frame.version };
  if (frame.type === 'error') {
    return frame.error.field === undefined
      ? { type: 'error', code: frame.error.code }
      : { type: 'error', code: frame.error.code, field: frame.error.field };
  }
  const m = frame.message;
  return m.output === undefined
    ? { type: 'message', headers: m.headers.map(([n, v]) => [n, v] as const) }
    : { type: 'message', headers: m.headers.map(([n, v]) => [n, v] as const), output: [...m.output] };
}

/** Decodes `bytes` pushed in the given chunks (cut points), returning flattened frames. */
export function decodeChunks(bytes: Buffer, cuts: readonly number[], opts?: AmiDecoderOptions): FlatFrame[] {
  const decoder = new AmiDecoder(opts);
  const frames: FlatFrame[] = [];
  let prev = 0;
  for (const cut of [...cuts, bytes.length]) {
    if (cut > prev) decoder.push(bytes.subarray(prev, cut), (f) => frames.push(flatten(f)));
    prev = Math.max(prev, cut);
  }
  return frames;
}

export function decodeWhole(bytes: Buffer, opts?: AmiDecoderOptions): FlatFrame[] {
  return decodeChunks(bytes, [], opts);
}

/** One byte per push. */
export function decodeBytewise(bytes: Buffer, opts?: AmiDecoderOptions): FlatFrame[] {
  const decoder = new AmiDecoder(opts);
  const frames: FlatFrame[] = [];
  for (let i = 0; i < bytes.length; i++) decoder.push(bytes.subarray(i, i + 1), (f) => frames.push(flatten(f)));
  return frames;
}

/** Naive reference parse of a CRLF-only trace: greeting line, then blocks split on CRLF CRLF. */
export function oracle(bytes: Buffer): { readonly version: string; readonly messages: readonly (readonly AmiHeader[])[] } {
  const text = bytes.toString('utf8');
  const firstLine = text.indexOf('\r\n');
  const version = text.slice(0, firstLine).split('/')[1] ?? '';
  const messages = text
    .slice(firstLine + 2)
    .split('\r\n\r\n')
    .filter((block) => block.length > 0)
    .map((block) =>
      block.split('\r\n').map((line): AmiHeader => {
        const i = line.indexOf(':');
        return [line.slice(0, i), line.slice(line[i + 1] === ' ' ? i + 2 : i + 1)];
      }),
    );
  return { version, messages };
}

export { seededRandom as prng } from '../../../src-main/core/seeded-random';

export function randomCuts(rand: () => number, length: number, count: number): number[] {
  const cuts: number[] = [];
  for (let i = 0; i < count; i++) cuts.push(Math.floor(rand() * (length + 1)));
  return cuts.sort((x, y) => x - y);
}
