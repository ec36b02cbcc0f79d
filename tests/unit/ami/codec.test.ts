// AMI codec: every message kind, the recorded traces (against a naive oracle and
// split at every byte), the Asterisk quirks, encoding and its injection guard.
import { Buffer } from 'node:buffer';
import { describe, expect, it } from 'vitest';
import {
  ActionIdGenerator,
  AmiCodecError,
  AmiDecoder,
  encodeAction,
  encodeMessage,
  getHeader,
  getHeaders,
  messageKind,
} from '../../../src-main/core/ami/codec';
import type { AmiFrame, AmiMessage } from '../../../src-main/core/ami/codec';
import { decodeBytewise, decodeChunks, decodeWhole, loadTraces, oracle, prng, randomCuts } from './helpers';
import type { FlatFrame } from './helpers';

const traces = loadTraces();

function frames(input: string | Buffer, opts?: ConstructorParameters<typeof AmiDecoder>[0]): AmiFrame[] {
  const out: AmiFrame[] = [];
  new AmiDecoder(opts).push(typeof input === 'string' ? Buffer.from(input, 'utf8') : input, (f) => out.push(f));
  return out;
}

function messages(input: string | Buffer, opts?: ConstructorParameters<typeof AmiDecoder>[0]): AmiMessage[] {
  return frames(input, opts).flatMap((f) => (f.type === 'message' ? [f.message] : []));
}

function only(input: string, opts: ConstructorParameters<typeof AmiDecoder>[0] = { greeting: false }): AmiMessage {
  const ms = messages(input, opts);
  expect(ms).toHaveLength(1);
  const m = ms[0];
  if (m === undefined) throw new Error('no message');
  return m;
}

function everySplit(bytes: Buffer, opts?: ConstructorParameters<typeof AmiDecoder>[0]): void {
  const whole = decodeWhole(bytes, opts);
  for (let k = 1; k < bytes.length; k++) {
    const split = decodeChunks(bytes, [k], opts);
    if (JSON.stringify(split) !== JSON.stringify(whole)) {
      expect({ k, split }).toEqual({ k, split: whole });
    }
  }
}

describe('recorded traces', () => {
  it('are all present', () => {
    expect(traces.length).toBeGreaterThanOrEqual(11);
  });

  for (const trace of traces) {
    it(`${trace.name}: decodes header for header like the naive oracle, no errors`, () => {
      const expected = oracle(trace.bytes);
      const got = decodeWhole(trace.bytes);
      expect(got[0]).toEqual({ type: 'greeting', version: '11.0.0' });
      expect(got.filter((f) => f.type === 'error')).toEqual([]);
      const msgs = got.flatMap((f) => (f.type === 'message' ? [f] : []));
      expect(msgs.length).toBe(expected.messages.length);
      expect(msgs.map((m) => m.headers)).toEqual(expected.messages);
      expect(msgs.every((m) => m.output === undefined)).toBe(true);
      const events = trace.bytes.toString('latin1').match(/^Event:/gm)?.length ?? 0;
      const kinds = msgs.map((m) => messageKind({ headers: m.headers }));
      expect(kinds.filter((k) => k === 'event').length).toBe(events);
      expect(kinds.filter((k) => k === 'response').length).toBe(expected.messages.length - events);
    });

    it(`${trace.name}: one byte per push and random 3-way splits give the same frames`, () => {
      const whole = decodeWhole(trace.bytes);
      expect(decodeBytewise(trace.bytes)).toEqual(whole);
      const rand = prng(trace.bytes.length);
      for (let i = 0; i < 40; i++) {
        expect(decodeChunks(trace.bytes, randomCuts(rand, trace.bytes.length, 2))).toEqual(whole);
      }
    });
  }

  it('split at every byte offset: whole small traces and the first 6 KB of a large one', () => {
    const small = traces.filter((t) => t.bytes.length < 4096);
    expect(small.length).toBeGreaterThanOrEqual(2);
    for (const t of small) everySplit(t.bytes);
    const big = traces.find((t) => t.name.startsWith('a-'));
    if (big === undefined) throw new Error('trace a missing');
    const text = big.bytes.toString('latin1');
    const cut = text.indexOf('\r\n\r\n', 6000) + 4;
    everySplit(big.bytes.subarray(0, cut));
  });

  it('spot-checks: login reply, empty values, OriginateResponse failure, CoreShowChannel', () => {
    const byName = (prefix: string): readonly AmiMessage[] => {
      const t = traces.find((x) => x.name.startsWith(prefix));
      if (t === undefined) throw new Error(`trace ${prefix} missing`);
      return messages(t.bytes);
    };
    const a = byName('a-');
    expect(a[0]?.headers).toEqual([
      ['Response', 'Success'],
      ['ActionID', 'a-inbound-answered-caller-hangup-1'],
      ['Message', 'Authentication accepted'],
    ]);
    const cel = a.find((m) => getHeader(m, 'Event') === 'CEL');
    expect(cel && getHeader(cel, 'AccountCode')).toBe('');
    expect(cel && getHeader(cel, 'accountcode')).toBe('');

    const failures = byName('i-').filter((m) => getHeader(m, 'Event') === 'OriginateResponse');
    expect(failures).toHaveLength(2);
    for (const m of failures) {
      expect(messageKind(m)).toBe('event');
      expect(getHeader(m, 'Response')).toBe('Failure');
      expect(getHeader(m, 'Uniqueid')).toBe('<unknown>');
      expect(getHeader(m, 'Reason')).toBe('0');
    }

    const h = byName('h-');
    const rows = h.filter((m) => getHeader(m, 'Event') === 'CoreShowChannel');
    expect(rows).toHaveLength(3);
    expect(rows.map((m) => getHeader(m, 'BridgeId'))).toContain('');
    const complete = h.find((m) => getHeader(m, 'Event') === 'CoreShowChannelsComplete');
    expect(complete && getHeader(complete, 'ListItems')).toBe('3');

    // RTCP report values keep their leading spaces (one space after ':' is the separator).
    const spaced = byName('d-').flatMap((m) => getHeaders(m, 'Value')).find((v) => v.startsWith('     minrtt'));
    expect(spaced).toBeDefined();
  });
});

describe('message kinds and header reading', () => {
  it('greeting: a single line, no empty line after it, then messages', () => {
    const got = frames('Asterisk Call Manager/11.0.0\r\nResponse: Success\r\nMessage: Authentication accepted\r\n\r\n');
    expect(got[0]).toEqual({ type: 'greeting', version: '11.0.0' });
    expect(got[1]?.type).toBe('message');
    expect(got).toHaveLength(2);
  });

  it('greeting is emitted as soon as its line is complete (the server waits for Login)', () => {
    expect(frames('Asterisk Call Manager/2.10.6\r\n')).toEqual([{ type: 'greeting', version: '2.10.6' }]);
    expect(frames('Asterisk Call Manager/2.10.6')).toEqual([]);
  });

  it('no greeting where one was expected: error frame, and the line is still decoded', () => {
    const got = decodeWhole(Buffer.from('Response: Success\r\nMessage: Pong\r\n\r\n'));
    expect(got).toEqual([
      { type: 'error', code: 'malformed', field: 'greeting' },
      { type: 'message', headers: [['Response', 'Success'], ['Message', 'Pong']] },
    ]);
  });

  it('a greeting in mid-stream (session restarted on the same socket) is reported', () => {
    const got = decodeWhole(
      Buffer.from('Asterisk Call Manager/11.0.0\r\nEvent: Shutdown\r\nShutdown: Cleanly\r\n\r\nAsterisk Call Manager/11.0.0\r\nResponse: Success\r\n\r\n'),
    );
    expect(got.map((f) => f.type)).toEqual(['greeting', 'message', 'greeting', 'message']);
    expect(got[3]).toEqual({ type: 'message', headers: [['Response', 'Success']] });
  });

  it('server side (greeting: false) decodes actions', () => {
    const m = only('Action: Login\r\nActionID: 1\r\nUsername: op101\r\nSecret: s3cr:et\r\n\r\n');
    expect(messageKind(m)).toBe('action');
    expect(getHeader(m, 'secret')).toBe('s3cr:et');
  });

  it('response, event, OriginateResponse (event first), unknown', () => {
    expect(messageKind(only('Response: Error\r\nMessage: Permission denied\r\n\r\n'))).toBe('response');
    expect(messageKind(only('Event: Hangup\r\nChannel: PJSIP/101-00000001\r\n\r\n'))).toBe('event');
    expect(messageKind(only('Event: OriginateResponse\r\nResponse: Success\r\nReason: 4\r\n\r\n'))).toBe('event');
    expect(messageKind(only('Response: Success\r\nEvent: Odd\r\n\r\n'))).toBe('event');
    expect(messageKind(only('Foo: bar\r\n\r\n'))).toBe('unknown');
  });

  it('values may contain ":" and may be empty; "Name:" without a space; exactly one space is the separator', () => {
    const m = only('Event: VarSet\r\nValue: sip:101@host:5060;transport=udp\r\nAccountCode: \r\nEmpty:\r\nTight:x\r\nPadded:   three\r\n\r\n');
    expect(m.headers).toEqual([
      ['Event', 'VarSet'],
      ['Value', 'sip:101@host:5060;transport=udp'],
      ['AccountCode', ''],
      ['Empty', ''],
      ['Tight', 'x'],
      ['Padded', '  three'],
    ]);
  });

  it('repeated headers are kept in order; getHeader returns the first, case-insensitively', () => {
    const m = only('Event: Newchannel\r\nChanVariable: A=1\r\nchanvariable: B=2\r\nChanVariable: C=3\r\n\r\n');
    expect(getHeaders(m, 'ChanVariable')).toEqual(['A=1', 'B=2', 'C=3']);
    expect(getHeader(m, 'CHANVARIABLE')).toBe('A=1');
    expect(getHeader(m, 'Missing')).toBeUndefined();
    expect(getHeaders(m, 'Missing')).toEqual([]);
  });

  it('bare LF line endings and "\\n\\n" message ends', () => {
    const ms = messages('Event: A\nX: 1\n\nEvent: B\r\nY: 2\n\r\n', { greeting: false });
    expect(ms.map((m) => m.headers)).toEqual([
      [['Event', 'A'], ['X', '1']],
      [['Event', 'B'], ['Y', '2']],
    ]);
  });

  it('Park quirk: "Message: Park successful\\n\\r\\n\\r\\n" ends the message with a clean value', () => {
    const wire = Buffer.from('Response: Success\r\nActionID: p1\r\nMessage: Park successful\n\r\n\r\nEvent: ParkedCall\r\nParkingSpace: 701\r\n\r\n');
    const got = decodeWhole(wire, { greeting: false });
    expect(got).toEqual([
      { type: 'message', headers: [['Response', 'Success'], ['ActionID', 'p1'], ['Message', 'Park successful']] },
      { type: 'message', headers: [['Event', 'ParkedCall'], ['ParkingSpace', '701']] },
    ]);
    everySplit(wire, { greeting: false });
  });

  it('UTF-8 caller names survive a split inside a multi-byte character, at every offset', () => {
    const wire = Buffer.from('Event: Newchannel\r\nCallerIDName: Иван Петров 😀 Ærø\r\nChannel: PJSIP/101-00000001\r\n\r\n', 'utf8');
    const m = only(wire.toString('utf8'));
    expect(getHeader(m, 'CallerIDName')).toBe('Иван Петров 😀 Ærø');
    everySplit(wire, { greeting: false });
    expect(decodeBytewise(wire, { greeting: false })).toEqual(decodeWhole(wire, { greeting: false }));
  });

  it('old Response: Follows output: body lines up to --END COMMAND--, even with empty lines and ": " in them', () => {
    const wire = Buffer.from(
      'Response: Follows\r\nPrivilege: Command\r\nActionID: c1\r\n' +
        'System uptime: 2 hours\nUptime: 5\n\nChannel              Location\n1 active channel\n--END COMMAND--\r\n\r\n' +
        'Event: Hangup\r\nChannel: PJSIP/101-00000001\r\n\r\n',
    );
    const got = decodeWhole(wire, { greeting: false });
    expect(got).toEqual([
      {
        type: 'message',
        headers: [['Response', 'Follows'], ['Privilege', 'Command'], ['ActionID', 'c1']],
        output: ['System uptime: 2 hours', 'Uptime: 5', '', 'Channel              Location', '1 active channel'],
      },
      { type: 'message', headers: [['Event', 'Hangup'], ['Channel', 'PJSIP/101-00000001']] },
    ]);
    everySplit(wire, { greeting: false });
  });

  it('old Follows with the marker glued to the last output line (output without a trailing newline)', () => {
    const m = only('Response: Follows\r\nPrivilege: Command\r\nNo such command--END COMMAND--\r\n\r\n');
    expect(m.output).toEqual(['No such command']);
    expect(getHeader(m, 'Response')).toBe('Follows');
  });

  it('new-style command output: Output headers stay headers and are exposed in output', () => {
    const wire = 'Response: Success\r\nActionID: c2\r\nMessage: Command output follows\r\nOutput: Name/username\r\nOutput: \r\nOutput: 1 objects found.\r\n\r\n';
    const m = only(wire);
    expect(getHeaders(m, 'Output')).toEqual(['Name/username', '', '1 objects found.']);
    expect(m.output).toEqual(['Name/username', '', '1 objects found.']);
    const follows = only('Response: Follows\r\nActionID: c3\r\nOutput: line 1\r\nOutput: line 2\r\n\r\n');
    expect(follows.output).toEqual(['line 1', 'line 2']);
  });

  it('a line without ":" in an ordinary message is kept as output, not dropped', () => {
    const m = only('Response: Success\r\nsomething odd\r\n\r\n');
    expect(m.headers).toEqual([['Response', 'Success']]);
    expect(m.output).toEqual(['something odd']);
  });

  it('empty lines between messages are skipped, including a CR LF split across reads', () => {
    const wire = Buffer.from('\r\n\r\nEvent: A\r\n\r\n\r\n\nEvent: B\r\n\r\n');
    expect(decodeWhole(wire, { greeting: false }).map((f) => f.type)).toEqual(['message', 'message']);
    everySplit(wire, { greeting: false });
  });

  it('acceptFrame sees exactly the frame bytes and can skip decoding', () => {
    const wire = Buffer.from('Event: A\r\nX: 1\r\n\r\nEvent: B\r\n\r\nResponse: Success\r\n\r\n');
    const seen: string[] = [];
    const got = messages(wire, {
      greeting: false,
      acceptFrame: (buf, start, end) => {
        seen.push(buf.toString('latin1', start, end));
        return !buf.toString('latin1', start, end).includes('Event: B');
      },
    });
    expect(seen).toEqual(['Event: A\r\nX: 1\r', 'Event: B\r', 'Response: Success\r']);
    expect(got.map((m) => m.headers[0]?.[1])).toEqual(['A', 'Success']);
  });
});

describe('limits and recovery', () => {
  it('a line over maxLineBytes: error frame naming the header, resync at the next message', () => {
    const wire = Buffer.from(`Event: A\r\nVariable: ${'x'.repeat(300)}\r\nMore: y\r\n\r\nEvent: Good\r\n\r\n`);
    const opts = { greeting: false, maxLineBytes: 100 };
    const got = decodeWhole(wire, opts);
    expect(got).toEqual([
      { type: 'error', code: 'line-too-long', field: 'Variable' },
      { type: 'message', headers: [['Event', 'Good']] },
    ]);
    everySplit(wire, opts);
  });

  it('too many headers', () => {
    const wire = Buffer.from(`Event: A\r\n${'H: v\r\n'.repeat(10)}\r\nEvent: Good\r\n\r\n`);
    const got = decodeWhole(wire, { greeting: false, maxHeaders: 5 });
    expect(got).toEqual([
      { type: 'error', code: 'too-many-headers' },
      { type: 'message', headers: [['Event', 'Good']] },
    ]);
  });

  it('a message over maxMessageBytes', () => {
    const wire = Buffer.from(`Event: A\r\n${'H: v\r\n'.repeat(100)}\r\nEvent: Good\r\n\r\n`);
    const opts = { greeting: false, maxLineBytes: 64, maxMessageBytes: 200 };
    const got = decodeWhole(wire, opts);
    expect(got).toEqual([
      { type: 'error', code: 'message-too-long' },
      { type: 'message', headers: [['Event', 'Good']] },
    ]);
    everySplit(wire, opts);
  });

  it('reset() forgets a half-received message and expects a greeting again', () => {
    const d = new AmiDecoder();
    const out: FlatFrame[] = [];
    const sink = (f: AmiFrame): void => {
      out.push(f.type === 'message' ? { type: 'message', headers: f.message.headers } : f.type === 'greeting' ? f : { type: 'error', code: f.error.code });
    };
    d.push(Buffer.from('Asterisk Call Manager/11.0.0\r\nEvent: Half\r\nChan'), sink);
    expect(d.bufferedBytes).toBeGreaterThan(0);
    d.reset();
    expect(d.bufferedBytes).toBe(0);
    d.push(Buffer.from('Asterisk Call Manager/11.0.0\r\nEvent: Whole\r\n\r\n'), sink);
    expect(out).toEqual([
      { type: 'greeting', version: '11.0.0' },
      { type: 'greeting', version: '11.0.0' },
      { type: 'message', headers: [['Event', 'Whole']] },
    ]);
  });

  it('push() from inside onFrame is refused (not reentrant)', () => {
    const d = new AmiDecoder({ greeting: false });
    expect(() => d.push(Buffer.from('Event: A\r\n\r\n'), () => d.push(Buffer.from('x'), () => undefined))).toThrow(/reentrant/);
    // ...and the decoder is still usable afterwards.
    const out: AmiFrame[] = [];
    d.push(Buffer.from('Event: B\r\n\r\n'), (f) => out.push(f));
    expect(out).toHaveLength(1);
  });
});

describe('encoding', () => {
  it('encodeMessage writes Name: value CRLF ... CRLF and round-trips through the decoder', () => {
    const headers = [
      ['Action', 'Originate'],
      ['ActionID', 'sc-1'],
      ['Channel', 'PJSIP/101'],
      ['CallerID', '"Иван" <79161234567>'],
      ['Variable', 'A=1'],
      ['Variable', 'B=x:y'],
      ['Account', ''],
      ['Tabbed', 'a\tb'],
    ] as const;
    const wire = encodeMessage(headers);
    expect(wire.toString('utf8')).toBe(
      'Action: Originate\r\nActionID: sc-1\r\nChannel: PJSIP/101\r\nCallerID: "Иван" <79161234567>\r\nVariable: A=1\r\nVariable: B=x:y\r\nAccount: \r\nTabbed: a\tb\r\n\r\n',
    );
    expect(only(wire.toString('utf8')).headers).toEqual(headers);
  });

  it('encodeAction: Action and ActionID first, fields in order, arrays repeat, undefined skipped', () => {
    const wire = encodeAction('Originate', 'sc-7', {
      Channel: 'PJSIP/101',
      Exten: '84951234567',
      Priority: 1,
      Async: true,
      EarlyMedia: false,
      Account: undefined,
      Variable: ['CRM_ID=42', 'DIR=out'],
    });
    const m = only(wire.toString('utf8'));
    expect(m.headers).toEqual([
      ['Action', 'Originate'],
      ['ActionID', 'sc-7'],
      ['Channel', 'PJSIP/101'],
      ['Exten', '84951234567'],
      ['Priority', '1'],
      ['Async', 'true'],
      ['EarlyMedia', 'false'],
      ['Variable', 'CRM_ID=42'],
      ['Variable', 'DIR=out'],
    ]);
  });

  const injections: readonly (readonly [string, string])[] = [
    ['CR', '79161234567\rAction: Hangup'],
    ['LF', '79161234567\nAction: Hangup'],
    ['CRLF', '79161234567\r\n\r\nAction: Hangup\r\nChannel: PJSIP/102-00000001'],
    ['NUL', 'abc\u0000'],
    ['ESC', 'abc\u001b[31m'],
    ['VT', 'a\u000bb'],
  ];
  for (const [label, value] of injections) {
    it(`refuses ${label} in a value and names the field`, () => {
      let caught: unknown;
      try {
        encodeAction('Originate', 'sc-1', { Channel: 'PJSIP/101', Exten: value });
      } catch (error) {
        caught = error;
      }
      expect(caught).toBeInstanceOf(AmiCodecError);
      const e = caught as AmiCodecError;
      expect(e.code).toBe('invalid-value');
      expect(e.field).toBe('Exten');
      expect(e.message).toContain('"Exten"');
      expect(e.message).not.toContain('79161234567');
    });
  }

  it('refuses control characters inside array items, and in header names', () => {
    expect(() => encodeAction('Setvar', 'sc-1', { Variable: ['OK=1', 'BAD=1\r\nAction: Hangup'] })).toThrow(AmiCodecError);
    expect(() => encodeMessage([['Bad\r\nName', 'v']])).toThrow(/header name/);
    expect(() => encodeMessage([['Bad: Name', 'v']])).toThrow(AmiCodecError);
    expect(() => encodeMessage([['', 'v']])).toThrow(AmiCodecError);
    expect(() => encodeAction('Ping', 'sc-1\r\nAction: Hangup', {})).toThrow(/"ActionID"/);
    expect(() => encodeAction('Ping\n', 'sc-1', {})).toThrow(/"Action"/);
  });

  it('percent-encoded CR/LF are plain text to Asterisk and pass through literally', () => {
    const m = only(encodeAction('Originate', 'sc-1', { Exten: '%0d%0aAction: Hangup' }).toString('utf8'));
    expect(getHeader(m, 'Exten')).toBe('%0d%0aAction: Hangup');
    expect(m.headers).toHaveLength(3);
  });

  it('refuses fields that would override Action/ActionID, and non-finite numbers', () => {
    expect(() => encodeAction('Ping', 'sc-1', { actionid: 'evil' })).toThrow(AmiCodecError);
    expect(() => encodeAction('Ping', 'sc-1', { Action: 'Hangup' })).toThrow(AmiCodecError);
    expect(() => encodeAction('Originate', 'sc-1', { Timeout: Number.NaN })).toThrow(/finite/);
  });
});

describe('ActionIdGenerator', () => {
  it('10,000 ids in a tight loop (same millisecond) are all unique', () => {
    const gen = new ActionIdGenerator();
    const ids = new Set<string>();
    for (let i = 0; i < 10_000; i++) ids.add(gen.next());
    expect(ids.size).toBe(10_000);
  });

  it('uses the prefix, and two generators count independently', () => {
    const a = new ActionIdGenerator('op101-');
    const b = new ActionIdGenerator('op101-');
    expect(a.next()).toMatch(/^op101-/);
    expect(a.next()).not.toBe(a.next());
    expect(b.next()).toBe('op101-1');
  });
});
