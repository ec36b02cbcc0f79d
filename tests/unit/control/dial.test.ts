// Click-to-call at the AMI seam: the exact Originate Sidecall writes (order and
// fields, settings applied), hostile input refused with nothing sent, the note
// for the tracker, and every OriginateResponse reason mapped to an outcome.
import { describe, expect, it } from 'vitest';
import { parseDialTarget } from '../../../src-shared/telephony';
import { CallControlError } from '../../../src-main/core/control';
import type { DialOutcome } from '../../../src-main/core/control';
import { harness, rejection, wire } from './support';

const RU = { defaultRegion: 'RU', rules: [] } as const;

function expectedTarget(input: string): { dial: string; national?: string; display: string; kind: string } {
  const r = parseDialTarget(input, RU);
  if (!r.ok) throw new Error(`test input ${input} refused: ${r.error.message}`);
  return r.target;
}

describe('dial: the Originate on the wire', () => {
  it('rings my device first, then the number in from-internal at priority 1, async, with our ChannelId', async () => {
    const h = harness();
    const started = await h.control.dial('102', { source: 'pad' });
    expect(h.ami.sent).toHaveLength(1);
    expect(wire(h.ami.sent[0])).toBe(
      [
        'Action: Originate',
        'ActionID: X',
        'Channel: PJSIP/101',
        'Context: from-internal',
        'Exten: 102',
        'Priority: 1',
        'Timeout: 30000',
        'CallerID: "Sidecall: 102" <101>',
        'Variable: SIDECALL_DIAL=1',
        'Variable: SIDECALL_SOURCE=pad',
        'ChannelId: 1768478400.900000001',
        'Async: true',
        '',
        '',
      ].join('\r\n'),
    );
    expect(started).toMatchObject({ callId: '1768478400.900000001', actionId: 't-1', exten: '102', device: 'PJSIP/101' });
    // The tracker learns the number of the call it is about to see.
    expect(h.notes).toEqual([{ kind: 'originateRequested', note: { actionId: 't-1', channel: 'PJSIP/101', number: '102' } }]);
  });

  it('uses the settings: device template, context, priority, timeout, name template, outbound prefix for outside numbers only', async () => {
    const h = harness({
      settings: (s) => ({
        ...s,
        dial: { device: 'SIP/<ext>', context: 'crm-out', priority: 2, timeoutSec: 45, callerIdNameTemplate: 'CRM {contact|number} ({ext})', outboundPrefix: '9', numberFormat: 'national' },
      }),
    });
    const external = expectedTarget('+7 495 123-45-67');
    expect(external.national).toBe('84951234567');
    await h.control.dial('+7 495 123-45-67', { source: 'contact', contact: 'Ivan Petrov' });
    const fields = h.ami.sent[0]?.fields ?? {};
    expect(fields).toMatchObject({
      Channel: 'SIP/101',
      Context: 'crm-out',
      Exten: '984951234567',
      Priority: 2,
      Timeout: 45_000,
      CallerID: '"CRM Ivan Petrov (101)" <101>',
    });
    expect(h.notes[0]).toMatchObject({ kind: 'originateRequested', note: { number: '84951234567' } });
  });

  it('does not prefix extensions', async () => {
    const h = harness({ settings: (s) => ({ ...s, dial: { ...s.dial, outboundPrefix: '9' } }) });
    await h.control.dial('102', { source: 'pad' });
    expect(h.ami.sent[0]?.fields?.['Exten']).toBe('102');
  });

  it('falls back to the number when the contact name is refused by validateCallerIdName', async () => {
    const h = harness();
    await h.control.dial('102', { source: 'contact', contact: 'Evil\r\nAction: Hangup' });
    const cid = String(h.ami.sent[0]?.fields?.['CallerID']);
    expect(cid).toBe('"Sidecall: 102" <101>');
  });

  it('refuses a second click-to-call while my phone rings for the first', async () => {
    const h = harness();
    await h.control.dial('102', { source: 'pad' });
    const err = await rejection(h.control.dial('102', { source: 'pad' }));
    expect(err).toMatchObject({ code: 'dialInProgress' });
    expect(h.ami.sent).toHaveLength(1);
  });

  it("reports Asterisk's refusal with its message, and a dropped connection as notConnected", async () => {
    const h = harness();
    h.ami.answer = () => [['Response', 'Error'], ['Message', 'Originate Access Forbidden: Application']];
    const err = await rejection(h.control.dial('102', { source: 'pad' }));
    expect(err).toBeInstanceOf(CallControlError);
    expect(err).toMatchObject({ code: 'amiRefused' });
    expect((err as Error).message).toContain('Originate Access Forbidden: Application');
    expect(h.notes).toEqual([]);
    // Nothing is pending after a refusal: the next dial goes out.
    h.ami.answer = () => [['Response', 'Success'], ['Message', 'Originate successfully queued']];
    await h.control.dial('102', { source: 'pad' });
    expect(h.ami.sent).toHaveLength(2);
  });

  it('refuses an unknown source or a huge contact name before anything is sent', async () => {
    const h = harness();
    expect(await rejection(h.control.dial('102', { source: 'evil' as 'pad' }))).toMatchObject({ code: 'invalidInput' });
    expect(await rejection(h.control.dial('102', { source: 'pad', contact: 'x'.repeat(500) }))).toMatchObject({ code: 'invalidInput' });
    expect(h.ami.sent).toEqual([]);
  });

  it('refuses a device setting that resolves to an unsafe channel', async () => {
    const h = harness({ settings: (s) => ({ ...s, dial: { ...s.dial, device: '/.*/<ext>' } }) });
    expect(await rejection(h.control.dial('102', { source: 'pad' }))).toMatchObject({ code: 'badSettings' });
    expect(h.ami.sent).toEqual([]);
  });
});

describe('dial: hostile input is refused and nothing is sent', () => {
  const hostile: readonly (readonly [string, unknown])[] = [
    ['CRLF then a header', '84951234567\r\nAction: Hangup'],
    ['LF then Channel', '101\nChannel: PJSIP/102'],
    ['bare CR', '101\r'],
    ['CRLF at the start', '\r\n101'],
    ['percent-encoded CRLF', '84951234567%0d%0aAction: Originate'],
    ['a channel', 'PJSIP/102'],
    ['channel smuggling with &', '101&PJSIP/102'],
    ['a context', '101@from-internal'],
    ['a Local channel', 'Local/102@default'],
    ['a dialplan function', '${SHELL(rm -rf /)}'],
    ['a variable', '${CALLERID(num)}'],
    ['an argument separator', '101,1'],
    ['a Hangup pattern', '/.*/'],
    ['zero-width space', '101\u200b'],
    ['bidi override', '\u202e101'],
    ['empty', ''],
    ['blank', '   '],
    ['overlong', '1'.repeat(300)],
    ['not a string', 42],
    ['undefined', undefined],
  ];
  for (const [label, input] of hostile) {
    it(label, async () => {
      const h = harness();
      const err = await rejection(h.control.dial(input as string, { source: 'link' }));
      expect(err).toBeInstanceOf(CallControlError);
      expect(err).toMatchObject({ code: 'invalidNumber' });
      expect((err as Error).message.length).toBeGreaterThan(10);
      expect(h.ami.sent).toEqual([]);
      expect(h.notes).toEqual([]);
    });
  }

  it('whatever parseDialTarget accepts reaches Exten as plain ASCII digits', async () => {
    for (const input of ['+7 (495) 123-45-67', '8-495-123-45-67', '٨٤٩٥١٢٣٤٥٦٧', '１０２']) {
      const h = harness();
      if (!parseDialTarget(input, RU).ok) continue;
      await h.control.dial(input, { source: 'pad' });
      expect(String(h.ami.sent[0]?.fields?.['Exten'])).toMatch(/^\+?[0-9*#]{1,28}$/);
    }
  });
});

describe('dial outcomes from OriginateResponse', () => {
  async function dialAndRespond(opts: { reason: string; response?: 'Success' | 'Failure'; channelSeen?: boolean }): Promise<DialOutcome> {
    const h = harness();
    const outcomes: DialOutcome[] = [];
    h.control.onDialOutcome((o) => outcomes.push(o));
    const started = await h.control.dial('84951234567', { source: 'pad' });
    if (opts.channelSeen === true) h.ami.emit([['Event', 'Newchannel'], ['Channel', 'PJSIP/101-0000000a'], ['Uniqueid', started.callId], ['Linkedid', started.callId]]);
    h.ami.emit([
      ['Event', 'OriginateResponse'],
      ['ActionID', started.actionId],
      ['Response', opts.response ?? 'Failure'],
      ['Channel', 'PJSIP/101'],
      ['Context', 'from-internal'],
      ['Exten', '84951234567'],
      ['Reason', opts.reason],
      ['Uniqueid', '<unknown>'],
      ['CallerIDNum', '101'],
      ['CallerIDName', 'Sidecall: 84951234567'],
    ]);
    expect(outcomes).toHaveLength(1);
    const o = outcomes[0];
    if (o === undefined) throw new Error('no outcome');
    expect(o).toMatchObject({ callId: started.callId, actionId: started.actionId });
    return o;
  }

  it('Reason 0 with no channel ever seen: my device is offline (unregistered/unknown, trace i)', async () => {
    const o = await dialAndRespond({ reason: '0' });
    expect(o).toMatchObject({ ok: false, code: 'deviceOffline', reason: 0 });
    expect(o.message).toContain('PJSIP/101');
  });

  it('Reason 0 after my channel existed: I did not pick up', async () => {
    expect(await dialAndRespond({ reason: '0', channelSeen: true })).toMatchObject({ ok: false, code: 'deviceNoAnswer' });
  });

  it.each([
    ['1', 'deviceHungUp'],
    ['3', 'deviceNoAnswer'],
    ['5', 'deviceBusy'],
    ['8', 'congestion'],
    ['6', 'failed'],
  ])('Reason %s -> %s', async (reason, code) => {
    expect(await dialAndRespond({ reason })).toMatchObject({ ok: false, code });
  });

  it('Reason 4 Success: my phone answered', async () => {
    expect(await dialAndRespond({ reason: '4', response: 'Success', channelSeen: true })).toMatchObject({ ok: true, code: 'answered' });
  });

  it('a response that arrives before the reply is read still settles the dial, and no stale note is left for the tracker', async () => {
    const h = harness();
    const outcomes: DialOutcome[] = [];
    h.control.onDialOutcome((o) => outcomes.push(o));
    h.ami.answer = (r, actionId) => {
      // Same TCP read: the event is delivered before the reply's promise continues.
      if (r.action === 'Originate') h.ami.emit([['Event', 'OriginateResponse'], ['ActionID', actionId], ['Response', 'Failure'], ['Channel', 'PJSIP/101'], ['Reason', '0'], ['Uniqueid', '<unknown>']]);
      return [['Response', 'Success'], ['Message', 'Originate successfully queued']];
    };
    await h.control.dial('102', { source: 'pad' });
    expect(outcomes.map((o) => o.code)).toEqual(['deviceOffline']);
    expect(h.notes).toEqual([]);
    // Settled: a new dial is allowed at once.
    await h.control.dial('102', { source: 'pad' });
    expect(h.ami.sent).toHaveLength(2);
  });

  it('no response at all: noResponse after the ring timeout plus a grace period (on the clock), then dialling is free again', async () => {
    const h = harness();
    const outcomes: DialOutcome[] = [];
    h.control.onDialOutcome((o) => outcomes.push(o));
    await h.control.dial('102', { source: 'pad' });
    h.clock.advance(30_000);
    expect(outcomes).toEqual([]);
    h.clock.advance(30_000);
    expect(outcomes.map((o) => o.code)).toEqual(['noResponse']);
    await h.control.dial('102', { source: 'pad' });
    expect(h.clock.pending).toBe(1);
    h.control.dispose();
    expect(h.clock.pending).toBe(0);
  });

  it("another session's OriginateResponse (not our ActionID) changes nothing", async () => {
    const h = harness();
    const outcomes: DialOutcome[] = [];
    h.control.onDialOutcome((o) => outcomes.push(o));
    await h.control.dial('102', { source: 'pad' });
    h.ami.emit([['Event', 'OriginateResponse'], ['ActionID', 'someone-else-1'], ['Response', 'Failure'], ['Channel', 'PJSIP/101'], ['Reason', '0']]);
    expect(outcomes).toEqual([]);
  });

  it('without an event source, dial still works (no outcomes, no pending state)', async () => {
    const h = harness({ events: false });
    await h.control.dial('102', { source: 'pad' });
    await h.control.dial('102', { source: 'pad' });
    expect(h.ami.sent).toHaveLength(2);
    expect(h.clock.pending).toBe(0);
  });
});
