// Operator filter: channel matching on every channel-valued header, what a
// session delivers, and the byte prefilter's exactness (it may only reject
// frames the full filter rejects), on the recorded traces and on noise.
import { Buffer } from 'node:buffer';
import { describe, expect, it } from 'vitest';
import { AmiDecoder, getHeader } from '../../../src-main/core/ami/codec';
import type { AmiDecoderOptions, AmiMessage } from '../../../src-main/core/ami/codec';
import { createOperatorFilter, isChannelHeader } from '../../../src-main/core/ami/filter';
import type { OperatorFilter } from '../../../src-main/core/ami/filter';
import { loadTraces, prng, randomCuts } from './helpers';

const traces = loadTraces();

function msg(...headers: (readonly [string, string])[]): AmiMessage {
  return { headers };
}

function decodeAll(bytes: Buffer, cuts: readonly number[], opts: AmiDecoderOptions): AmiMessage[] {
  const decoder = new AmiDecoder(opts);
  const out: AmiMessage[] = [];
  let prev = 0;
  for (const cut of [...cuts, bytes.length]) {
    if (cut <= prev) continue;
    decoder.push(bytes.subarray(prev, cut), (f) => {
      if (f.type === 'message') out.push(f.message);
    });
    prev = cut;
  }
  return out;
}

/** The prefiltered decode must deliver exactly what decode-everything-then-accepts() delivers. */
function expectExact(filter: OperatorFilter, bytes: Buffer, cuts: readonly number[], greeting = true): AmiMessage[] {
  const acceptFrame = filter.acceptFrame;
  if (acceptFrame === undefined) throw new Error('expected a prefilter');
  const reference = decodeAll(bytes, [], { greeting }).filter((m) => filter.accepts(m));
  const fast = decodeAll(bytes, cuts, { greeting, acceptFrame }).filter((m) => filter.accepts(m));
  expect(fast).toEqual(reference);
  return reference;
}

describe('channel pattern', () => {
  const f101 = createOperatorFilter({ extension: '101' });

  it('default pattern: PJSIP, SIP, IAX2 channels of the extension, nothing else', () => {
    const yes = ['PJSIP/101-00000003', 'SIP/101-0a1b2c3d', 'IAX2/101-1234'];
    const no = ['PJSIP/1010-00000003', 'PJSIP/1101-00000001', 'PJSIP/101', 'Local/101@inbound-sim-00000001;1', 'PJSIP/trunk-00000011', 'XPJSIP/101-1', ' PJSIP/101-1'];
    for (const ch of yes) expect(f101.concernsOperator(msg(['Event', 'Newchannel'], ['Channel', ch])), ch).toBe(true);
    for (const ch of no) expect(f101.concernsOperator(msg(['Event', 'Newchannel'], ['Channel', ch])), ch).toBe(false);
  });

  it('checks every channel-valued header, not only Channel', () => {
    const names = ['DestChannel', 'Peer', 'DestinationChannel', 'LocalOneChannel', 'LocalTwoChannel', 'BridgedChannel', 'TargetChannel', 'TransfererChannel', 'TransfereeChannel', 'TransferTargetChannel', 'Channel1', 'Channel2', 'destchannel'];
    for (const name of names) {
      expect(isChannelHeader(name), name).toBe(true);
      expect(f101.concernsOperator(msg(['Event', 'X'], ['Channel', 'PJSIP/102-00000001'], [name, 'PJSIP/101-00000002'])), name).toBe(true);
    }
    // A channel name inside a non-channel header (VarSet BRIDGEPEER value, Dial AppData) does not count.
    for (const name of ['Value', 'AppData', 'Extra', 'CallerIDNum', 'Interface']) {
      expect(isChannelHeader(name), name).toBe(false);
      expect(f101.concernsOperator(msg(['Event', 'VarSet'], ['Channel', 'PJSIP/102-00000001'], [name, 'PJSIP/101-00000002'])), name).toBe(false);
    }
  });

  it('escapes regex characters in the extension', () => {
    const f = createOperatorFilter({ extension: '1.1' });
    expect(f.concernsOperator(msg(['Channel', 'PJSIP/1.1-00000001']))).toBe(true);
    expect(f.concernsOperator(msg(['Channel', 'PJSIP/1x1-00000001']))).toBe(false);
    expect(() => createOperatorFilter({ extension: '' })).toThrow();
    expect(() => createOperatorFilter({ extension: '10 1' })).toThrow();
  });

  it('custom template and RegExp; a global RegExp does not carry lastIndex between calls', () => {
    const t = createOperatorFilter({ extension: '101', channelPattern: '^PJSIP/<ext>-[0-9a-f]{8}$' });
    expect(t.concernsOperator(msg(['Channel', 'PJSIP/101-0000000a']))).toBe(true);
    expect(t.concernsOperator(msg(['Channel', 'SIP/101-0000000a']))).toBe(false);
    expect(t.acceptFrame).toBeDefined();

    const r = createOperatorFilter({ extension: '101', channelPattern: /^PJSIP\/101-/g });
    const m = msg(['Channel', 'PJSIP/101-00000001']);
    expect([r.concernsOperator(m), r.concernsOperator(m), r.concernsOperator(m)]).toEqual([true, true, true]);
    expect(r.acceptFrame).toBeUndefined();
    expect(createOperatorFilter({ extension: '101', channelPattern: /^PJSIP\/101-/, prefilterLiteral: '/101-' }).acceptFrame).toBeDefined();

    // Alternation after the literal would let matches without it through: no prefilter.
    expect(createOperatorFilter({ extension: '101', channelPattern: '^PJSIP/<ext>-|^Local/<ext>@' }).acceptFrame).toBeUndefined();
    expect(() => createOperatorFilter({ extension: '101', channelPattern: '^PJSIP/101-' })).toThrow(/<ext>/);
  });
});

describe('what a session delivers', () => {
  const f = createOperatorFilter({ extension: '101' });

  it('responses, always-events and event-list items pass; other operators\u2019 events do not', () => {
    expect(f.accepts(msg(['Response', 'Success'], ['ActionID', 'sc-1']))).toBe(true);
    expect(f.accepts(msg(['Event', 'FullyBooted'], ['Status', 'Fully Booted']))).toBe(true);
    expect(f.accepts(msg(['Event', 'Shutdown'], ['Shutdown', 'Cleanly']))).toBe(true);
    expect(f.accepts(msg(['Event', 'CoreShowChannelsComplete'], ['ActionID', 'sc-2'], ['ListItems', '3']))).toBe(true);
    expect(f.accepts(msg(['Event', 'Hangup'], ['Channel', 'PJSIP/102-00000001']))).toBe(false);
    expect(f.accepts(msg(['Event', 'Hangup'], ['Channel', 'PJSIP/101-00000001']))).toBe(true);
    expect(f.accepts(msg(['Event', 'OriginateResponse'], ['Response', 'Failure'], ['Channel', 'PJSIP/102']))).toBe(false);
    const strict = createOperatorFilter({ extension: '101', alwaysEvents: [], passActionEvents: false });
    expect(strict.accepts(msg(['Event', 'FullyBooted']))).toBe(false);
    expect(strict.accepts(msg(['Event', 'CoreShowChannelsComplete'], ['ActionID', 'sc-2']))).toBe(false);
  });

  it('on the traces: 101 sees its own calls, 102 sees the redirected call, the trunk is nobody\u2019s', () => {
    const e = traces.find((t) => t.name.startsWith('e-'));
    if (e === undefined) throw new Error('trace e missing');
    const for101 = expectExact(createOperatorFilter({ extension: '101' }), e.bytes, []);
    const for102 = expectExact(createOperatorFilter({ extension: '102' }), e.bytes, []);
    const events = (ms: readonly AmiMessage[]): string[] => ms.flatMap((m) => getHeader(m, 'Event') ?? []);
    expect(events(for101)).toContain('DialBegin');
    expect(events(for101)).toContain('Hangup');
    expect(events(for102)).toContain('DialBegin');
    expect(events(for102)).toContain('BridgeEnter');
    // Independent oracle: an event is this operator's when any header value starts
    // with its PJSIP channel; with a Channel header of theirs it must be delivered.
    const all = decodeAll(e.bytes, [], {});
    for (const [ext, delivered] of [['101', for101], ['102', for102]] as const) {
      const mine = (m: AmiMessage): boolean => m.headers.some(([, v]) => v.startsWith(`PJSIP/${ext}-`));
      const events = delivered.filter((m) => getHeader(m, 'Event') !== undefined && getHeader(m, 'Event') !== 'FullyBooted' && getHeader(m, 'ActionID') === undefined);
      expect(events.length).toBeGreaterThan(10);
      expect(events.every(mine)).toBe(true);
      const required = all.filter((m) => getHeader(m, 'Channel')?.startsWith(`PJSIP/${ext}-`) === true);
      for (const m of required) expect(delivered).toContainEqual(m);
    }
    expect(for101.length).toBeLessThan(all.length);
    const c = createOperatorFilter({ extension: '103' });
    // 103 has no calls: only session events, and the async OriginateResponse,
    // which carries the Originate's ActionID and so reaches whoever correlates it.
    const for103 = expectExact(c, e.bytes, []);
    expect(events(for103)).toEqual(['FullyBooted', 'OriginateResponse']);
    const originate = for103.find((m) => getHeader(m, 'Event') === 'OriginateResponse');
    expect(originate && getHeader(originate, 'ActionID')).toMatch(/.+/);
  });
});

describe('byte prefilter exactness', () => {
  it('every trace, several extensions, random splits: same delivery as decoding everything', () => {
    const rand = prng(4242);
    for (const trace of traces) {
      for (const ext of ['101', '102', '103', 'trunk', '10']) {
        const f = createOperatorFilter({ extension: ext });
        expectExact(f, trace.bytes, []);
        expectExact(f, trace.bytes, randomCuts(rand, trace.bytes.length, 30));
      }
    }
  });

  it('the prefilter really skips most frames of other operators', () => {
    const k = traces.find((t) => t.name.startsWith('m-'));
    if (k === undefined) throw new Error('trace m missing');
    const f = createOperatorFilter({ extension: '102' });
    let seen = 0;
    let passed = 0;
    const acceptFrame = f.acceptFrame;
    if (acceptFrame === undefined) throw new Error('expected a prefilter');
    new AmiDecoder({
      acceptFrame: (buf, start, end) => {
        seen += 1;
        const ok = acceptFrame(buf, start, end);
        if (ok) passed += 1;
        return ok;
      },
    }).push(k.bytes, () => undefined);
    expect(seen).toBeGreaterThan(100);
    expect(passed).toBeLessThan(seen / 10);
  });

  it('noise: near-miss channels, the literal in non-channel headers, list events, odd event lines', () => {
    const rand = prng(77);
    const lines = [
      'Channel: PJSIP/101-00000001', 'Channel: PJSIP/1010-00000001', 'Channel: PJSIP/102-00000001', 'DestChannel: SIP/101-0a',
      'Value: PJSIP/101-00000009', 'AppData: PJSIP/101,20,t', 'Peer: IAX2/101-7', 'ActionID: sc-9', 'actionid: sc-10',
      'Channel: Local/101@inbound-sim-00000001;1', 'Interface: PJSIP/101', 'Channel:PJSIP/101-00000003', 'Channel:  PJSIP/101-00000004',
    ];
    const heads = ['Event: Newchannel', 'Event: FullyBooted', 'Event:FullyBooted', 'Event: Shutdown ', 'Event: Reload', 'event: Hangup', 'Response: Success', 'Event: VarSet', 'Foo: bar', 'Event: Hangup\n'];
    const f = createOperatorFilter({ extension: '101' });
    for (let iter = 0; iter < 200; iter++) {
      let text = '';
      const count = 1 + Math.floor(rand() * 30);
      for (let i = 0; i < count; i++) {
        text += `${heads[Math.floor(rand() * heads.length)] ?? ''}\r\n`;
        const n = Math.floor(rand() * 4);
        for (let j = 0; j < n; j++) text += `${lines[Math.floor(rand() * lines.length)] ?? ''}${rand() < 0.2 ? '\n' : '\r\n'}`;
        text += '\r\n';
      }
      const bytes = Buffer.from(text);
      expectExact(f, bytes, randomCuts(rand, bytes.length, 5), false);
    }
  });

  it('a caller that reuses one Buffer object for different data is still filtered exactly', () => {
    const f = createOperatorFilter({ extension: '101' });
    const acceptFrame = f.acceptFrame;
    if (acceptFrame === undefined) throw new Error('expected a prefilter');
    const decoder = new AmiDecoder({ greeting: false, acceptFrame });
    const scratch = Buffer.alloc(64);
    const got: string[] = [];
    const first = 'Event: A\r\nChannel: PJSIP/102-1\r\n\r\nEvent: B\r\nChannel: PJSIP/101-1\r\n\r\n';
    const second = 'Event: C\r\nChannel: PJSIP/101-2\r\n\r\n';
    for (const text of [first.slice(0, 64), first.slice(64), second]) {
      const n = scratch.write(text, 'latin1');
      decoder.push(scratch.subarray(0, n), (fr) => {
        if (fr.type === 'message' && f.accepts(fr.message)) got.push(getHeader(fr.message, 'Event') ?? '?');
      });
    }
    expect(got).toEqual(['B', 'C']);
  });
});
