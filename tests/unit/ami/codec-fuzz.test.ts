// Fuzzing the AMI decoder with a seeded PRNG: random bytes, AMI-shaped noise,
// mutated and truncated traces, 1 MB lines. Properties: push() never throws and
// returns; the frames do not depend on how the bytes were split; memory stays
// bounded by the limits plus one chunk; a good message after garbage decodes.
import { Buffer } from 'node:buffer';
import { describe, expect, it } from 'vitest';
import { AmiDecoder } from '../../../src-main/core/ami/codec';
import type { AmiDecoderOptions, AmiFrame } from '../../../src-main/core/ami/codec';
import { decodeBytewise, decodeChunks, decodeWhole, flatten, loadTraces, prng, randomCuts } from './helpers';
import type { FlatFrame } from './helpers';

const SEED = 20260117;
const traces = loadTraces();

// Structural bytes are over-represented so random input hits every state:
// line ends, empty lines, colons, the Follows prefix and marker, UTF-8 fragments.
const PIECES: readonly Buffer[] = [
  '\r', '\n', '\r\n', '\r\n\r\n', '\n\n', ':', ': ', ' ', 'Event', 'Response: Follows', '--END COMMAND--',
  'Asterisk Call Manager/11.0.0', 'Channel: PJSIP/101-0000002a', 'A', 'x', 'é', '😀',
].map((p) => Buffer.from(p, 'utf8'));

function randomInput(rand: () => number, size: number): Buffer {
  const parts: Buffer[] = [];
  let n = 0;
  while (n < size) {
    const r = rand();
    let part: Buffer;
    if (r < 0.35) part = Buffer.from([Math.floor(rand() * 256)]);
    else {
      const piece = PIECES[Math.floor(rand() * PIECES.length)];
      if (piece === undefined) continue;
      part = piece;
    }
    // Occasionally a split UTF-8 sequence on its own.
    if (rand() < 0.02) part = part.subarray(0, Math.max(1, part.length - 1));
    parts.push(part);
    n += part.length;
  }
  return Buffer.concat(parts);
}

interface Run {
  readonly frames: FlatFrame[];
  readonly maxBuffered: number;
  readonly maxChunk: number;
}

function run(bytes: Buffer, cuts: readonly number[], opts: AmiDecoderOptions): Run {
  const decoder = new AmiDecoder(opts);
  const frames: FlatFrame[] = [];
  let maxBuffered = 0;
  let maxChunk = 0;
  let prev = 0;
  for (const cut of [...cuts, bytes.length]) {
    if (cut <= prev) continue;
    decoder.push(bytes.subarray(prev, cut), (f: AmiFrame) => frames.push(flatten(f)));
    maxChunk = Math.max(maxChunk, cut - prev);
    maxBuffered = Math.max(maxBuffered, decoder.bufferedBytes);
    prev = cut;
  }
  return { frames, maxBuffered, maxChunk };
}

describe('fuzz: random bytes', () => {
  const configs: readonly AmiDecoderOptions[] = [
    { greeting: false },
    { greeting: true },
    { greeting: false, maxLineBytes: 32, maxMessageBytes: 96, maxHeaders: 4 },
    { greeting: true, maxLineBytes: 20, maxMessageBytes: 40, maxHeaders: 2 },
  ];

  for (const [index, opts] of configs.entries()) {
    it(`never throws, split-invariant, bounded (config ${index}: ${JSON.stringify(opts)})`, () => {
      const rand = prng(SEED + index);
      const bound = Math.max(opts.maxLineBytes ?? 65536, opts.maxMessageBytes ?? 1048576);
      for (let iter = 0; iter < 300; iter++) {
        const bytes = randomInput(rand, 50 + Math.floor(rand() * 1500));
        const whole = run(bytes, [], opts);
        const split = run(bytes, randomCuts(rand, bytes.length, 1 + Math.floor(rand() * 12)), opts);
        if (JSON.stringify(split.frames) !== JSON.stringify(whole.frames)) {
          expect({ iter, frames: split.frames }).toEqual({ iter, frames: whole.frames });
        }
        // Bounded: never more than the limit plus the chunk just pushed (plus the
        // two bytes kept to find an empty line straddling the next chunk).
        expect(split.maxBuffered).toBeLessThanOrEqual(bound + split.maxChunk + 2);
        if (iter % 10 === 0) expect(decodeBytewise(bytes, opts)).toEqual(whole.frames);
      }
    });
  }

  it('a good message after random garbage and an empty line always decodes', () => {
    const rand = prng(SEED + 99);
    const good = Buffer.from('\r\n\r\nEvent: Good\r\nChannel: PJSIP/101-00000001\r\n\r\n');
    for (let iter = 0; iter < 300; iter++) {
      // No 'R'/'r' so the garbage cannot open an old-style Follows body, which
      // legitimately runs until its --END COMMAND-- marker.
      const garbage = Buffer.from(randomInput(rand, 1 + Math.floor(rand() * 800)).filter((b) => b !== 0x52 && b !== 0x72));
      const opts: AmiDecoderOptions = { greeting: false, maxLineBytes: 64, maxMessageBytes: 256 };
      const got = decodeChunks(Buffer.concat([garbage, good]), randomCuts(rand, garbage.length + good.length, 4), opts);
      expect(got.at(-1)).toEqual({ type: 'message', headers: [['Event', 'Good'], ['Channel', 'PJSIP/101-00000001']] });
    }
  });
});

describe('fuzz: large reads (the decoder finishes a pending frame in a small joint, then works in place)', () => {
  it('random input and traces in 8-40 KB reads decode like one push', () => {
    const rand = prng(SEED + 11);
    const all = Buffer.concat(traces.map((t) => t.bytes));
    for (let iter = 0; iter < 40; iter++) {
      const opts: AmiDecoderOptions =
        iter % 2 === 0 ? { greeting: iter % 4 === 0 } : { greeting: false, maxLineBytes: 2000 + Math.floor(rand() * 6000), maxMessageBytes: 9000 };
      const pieces: Buffer[] = [];
      let size = 0;
      while (size < 150_000) {
        // Traces, noise, long lines and old-style Follows bodies, so frames straddle reads in every state.
        const r = rand();
        const start = Math.floor(rand() * all.length);
        const piece =
          r < 0.5
            ? all.subarray(start, start + 2000 + Math.floor(rand() * 20_000))
            : r < 0.7
              ? randomInput(rand, 200 + Math.floor(rand() * 3000))
              : r < 0.85
                ? Buffer.from(`Event: Long\r\nValue: ${'L'.repeat(Math.floor(rand() * 12_000))}\r\n\r\n`)
                : Buffer.from(`Response: Follows\r\nPrivilege: Command\r\n${'out: x\n\n'.repeat(Math.floor(rand() * 2000))}--END COMMAND--\r\n\r\n`);
        pieces.push(piece);
        size += piece.length;
      }
      const bytes = Buffer.concat(pieces);
      const cuts: number[] = [];
      for (let at = 0; at < bytes.length; ) {
        at += rand() < 0.2 ? 1 + Math.floor(rand() * 100) : 8_193 + Math.floor(rand() * 32_000);
        cuts.push(at);
      }
      const whole = decodeWhole(bytes, opts);
      const split = decodeChunks(bytes, cuts, opts);
      if (JSON.stringify(split) !== JSON.stringify(whole)) expect({ iter, split }).toEqual({ iter, split: whole });
    }
  });
});

describe('fuzz: traces', () => {
  it('mutated traces (bytes flipped, CR/LF inserted) decode the same in any split', () => {
    const rand = prng(SEED + 7);
    for (let iter = 0; iter < 60; iter++) {
      const trace = traces[iter % traces.length];
      if (trace === undefined) throw new Error('no traces');
      const start = Math.floor(rand() * Math.max(1, trace.bytes.length - 4000));
      const bytes = Buffer.from(trace.bytes.subarray(start, start + 4000));
      for (let m = 0; m < 20; m++) {
        const at = Math.floor(rand() * bytes.length);
        bytes[at] = [0x0d, 0x0a, 0x3a, 0x20, Math.floor(rand() * 256)][Math.floor(rand() * 5)] ?? 0;
      }
      const opts: AmiDecoderOptions = { greeting: rand() < 0.5, maxLineBytes: 128, maxMessageBytes: 1024 };
      const whole = decodeWhole(bytes, opts);
      expect(decodeChunks(bytes, randomCuts(rand, bytes.length, 20), opts)).toEqual(whole);
    }
  });

  it('truncated traces give exactly the messages completed before the cut', () => {
    const rand = prng(SEED + 8);
    for (const trace of traces) {
      const whole = decodeWhole(trace.bytes);
      for (let i = 0; i < 25; i++) {
        const cut = Math.floor(rand() * trace.bytes.length);
        const part = decodeChunks(trace.bytes.subarray(0, cut), randomCuts(rand, cut, 3));
        expect(part).toEqual(whole.slice(0, part.length));
        expect(part.every((f) => f.type !== 'error')).toBe(true);
      }
    }
  });
});

describe('fuzz: huge input', () => {
  const MB = 1024 * 1024;
  const good = 'Event: Good\r\nChannel: PJSIP/101-00000001\r\n\r\n';

  it('a 1 MB header line: error frame, bounded memory, then the next message decodes', () => {
    const wire = Buffer.from(`Event: Big\r\nVariable: ${'v'.repeat(MB)}\r\nAfter: x\r\n\r\n${good}`);
    const expected: FlatFrame[] = [
      { type: 'error', code: 'line-too-long', field: 'Variable' },
      { type: 'message', headers: [['Event', 'Good'], ['Channel', 'PJSIP/101-00000001']] },
    ];
    const chunk = 64 * 1024;
    const cuts: number[] = [];
    for (let at = chunk; at < wire.length; at += chunk) cuts.push(at);
    const chunked = run(wire, cuts, { greeting: false });
    expect(chunked.frames).toEqual(expected);
    expect(chunked.maxBuffered).toBeLessThanOrEqual(64 * 1024 + chunk);

    // Small, odd-sized reads: still bounded by maxLineBytes plus one read.
    const small: number[] = [];
    for (let at = 1000; at < wire.length; at += 1000 + (at % 7)) small.push(at);
    const dribble = run(wire, small, { greeting: false });
    expect(dribble.frames).toEqual(expected);
    expect(dribble.maxBuffered).toBeLessThanOrEqual(64 * 1024 + 1007);

    expect(decodeWhole(wire, { greeting: false })).toEqual(expected);
  });

  it('1 MB without any line end, then a message', () => {
    const wire = Buffer.concat([Buffer.alloc(MB, 0x41), Buffer.from(`\r\n\r\n${good}`)]);
    const cuts: number[] = [];
    for (let at = 65536; at < wire.length; at += 65536) cuts.push(at);
    const r = run(wire, cuts, { greeting: true });
    expect(r.frames).toEqual([
      { type: 'error', code: 'line-too-long', field: 'greeting' },
      { type: 'message', headers: [['Event', 'Good'], ['Channel', 'PJSIP/101-00000001']] },
    ]);
    expect(r.maxBuffered).toBeLessThanOrEqual(64 * 1024 + 65536);
  });

  it('2 MB of short lines that never end the message: message-too-long, bounded', () => {
    const wire = Buffer.from(`Event: Endless\r\n${'H: v\r\n'.repeat((2 * MB) / 6)}\r\n${good}`);
    const cuts: number[] = [];
    for (let at = 65536; at < wire.length; at += 65536) cuts.push(at);
    const r = run(wire, cuts, { greeting: false, maxMessageBytes: 256 * 1024 });
    expect(r.frames).toEqual([
      { type: 'error', code: 'message-too-long' },
      { type: 'message', headers: [['Event', 'Good'], ['Channel', 'PJSIP/101-00000001']] },
    ]);
    expect(r.maxBuffered).toBeLessThanOrEqual(256 * 1024 + 65536);
  });

  it('an old Follows body that never ends is cut at maxMessageBytes, then decoding goes on', () => {
    const body = 'line: with colon\n\n'.repeat(20_000);
    const wire = Buffer.from(`Response: Follows\r\nPrivilege: Command\r\nraw\n${body}\r\n\r\n${good}`);
    const r = run(wire, [100, 5000, 70_000, 200_000], { greeting: false, maxMessageBytes: 64 * 1024 });
    expect(r.frames[0]).toEqual({ type: 'error', code: 'message-too-long' });
    expect(r.frames.at(-1)).toEqual({ type: 'message', headers: [['Event', 'Good'], ['Channel', 'PJSIP/101-00000001']] });
    expect(r.maxBuffered).toBeLessThanOrEqual(64 * 1024 + 200_000);
  });

  it('200,000 one-byte pushes of a long line stay linear (finishes quickly)', () => {
    const wire = Buffer.from(`Event: A\r\nValue: ${'z'.repeat(199_000)}\r\n\r\n`);
    const started = performance.now();
    const got = decodeBytewise(wire, { greeting: false, maxLineBytes: 256 * 1024 });
    expect(got).toHaveLength(1);
    // Quadratic rescanning would take minutes here; linear takes well under a second.
    expect(performance.now() - started).toBeLessThan(10_000);
  });
});
