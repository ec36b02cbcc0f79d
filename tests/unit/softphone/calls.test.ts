// The softphone's call list and its decisions: call waiting or busy, what
// answering and resuming do to the other call, which tone plays, counts, and
// the SIP URI helpers.
import { describe, expect, it } from 'vitest';
import { answerPlan, callCounts, incomingDecision, reduceCalls, resumePlan, sipUser, targetUri, toneFor, type PhoneCall, type PhoneCallEvent } from '../../../src-shared/softphone/calls';

const T = 1_700_000_000_000;
function apply(events: readonly PhoneCallEvent[], from: readonly PhoneCall[] = []): readonly PhoneCall[] {
  return events.reduce<readonly PhoneCall[]>((calls, e) => reduceCalls(calls, e), from);
}
const inc = (id: string, now = T): PhoneCallEvent => ({ type: 'incoming', id, remoteUri: `sip:${id}@pbx`, remoteUser: id, sipCallId: `cid-${id}`, now });

describe('reduceCalls', () => {
  it('an incoming call rings, is answered, ends; a second answer or end changes nothing', () => {
    const calls = apply([inc('201'), { type: 'answered', id: '201', now: T + 5 }, { type: 'answered', id: '201', now: T + 9 }, { type: 'ended', id: '201', reason: 'remote', now: T + 60 }, { type: 'ended', id: '201', reason: 'local', now: T + 99 }]);
    expect(calls).toHaveLength(1);
    expect(calls[0]).toMatchObject({ state: 'ended', answeredAt: T + 5, endedAt: T + 60, end: { reason: 'remote' }, waiting: false });
  });

  it('a call arriving while another is connected is a waiting call', () => {
    const calls = apply([inc('201'), { type: 'answered', id: '201', now: T }, inc('202', T + 1)]);
    expect(calls.find((c) => c.id === '202')?.waiting).toBe(true);
    expect(toneFor(calls)).toBe('waiting');
    expect(callCounts(calls)).toEqual({ ringing: 1, active: 1 });
  });

  it('hold, mute, DTMF and transfer state are kept per call; remove drops the call', () => {
    let calls = apply([inc('201'), { type: 'answered', id: '201', now: T }, { type: 'held', id: '201', held: true }, { type: 'muted', id: '201', muted: true }, { type: 'dtmf', id: '201', digit: '1' }, { type: 'dtmf', id: '201', digit: '#' }]);
    calls = reduceCalls(calls, { type: 'transfer', id: '201', transfer: { kind: 'blind', target: '203', state: 'requested' } });
    expect(calls[0]).toMatchObject({ held: true, muted: true, dtmf: '1#', transfer: { target: '203' } });
    calls = reduceCalls(calls, { type: 'transfer', id: '201', transfer: undefined });
    expect(calls[0]?.transfer).toBeUndefined();
    expect(reduceCalls(calls, { type: 'remove', id: '201' })).toEqual([]);
  });

  it('the same call id twice is one call; events for unknown calls are ignored', () => {
    const calls = apply([inc('201'), inc('201')]);
    expect(calls).toHaveLength(1);
    expect(reduceCalls(calls, { type: 'answered', id: 'nope', now: T })).toBe(calls);
  });
});

describe('decisions', () => {
  const connected = apply([inc('201'), { type: 'answered', id: '201', now: T }]);
  it('incoming: ring when idle, waiting when one call is up, busy beyond two or without call waiting', () => {
    expect(incomingDecision([], { callWaiting: true })).toBe('ring');
    expect(incomingDecision(connected, { callWaiting: true })).toBe('waiting');
    expect(incomingDecision(connected, { callWaiting: false })).toBe('busy');
    expect(incomingDecision(apply([inc('202')], connected), { callWaiting: true })).toBe('busy');
    // An ended call does not count.
    expect(incomingDecision(apply([{ type: 'ended', id: '201', reason: 'remote', now: T }], connected), { callWaiting: false })).toBe('ring');
  });

  it('answering a waiting call holds the current one, or ends it', () => {
    const two = apply([inc('202')], connected);
    expect(answerPlan(two, '202', 'hold')).toEqual({ hold: ['201'], hangup: [] });
    expect(answerPlan(two, '202', 'end')).toEqual({ hold: [], hangup: ['201'] });
    expect(answerPlan(apply([{ type: 'held', id: '201', held: true }], two), '202', 'hold')).toEqual({ hold: [], hangup: [] });
  });

  it('resuming one call holds the other connected one', () => {
    const two = apply([inc('202'), { type: 'held', id: '201', held: true }, { type: 'answered', id: '202', now: T }], connected);
    expect(resumePlan(two, '201')).toEqual(['202']);
  });

  it('tone: ring alone, none when nothing rings or for an outgoing call', () => {
    expect(toneFor(apply([inc('201')]))).toBe('ring');
    expect(toneFor(connected)).toBe('none');
    expect(toneFor(apply([{ type: 'outgoing', id: 'x', remoteUri: 'sip:1@p', sipCallId: 'c', now: T }]))).toBe('none');
  });
});

describe('SIP URI helpers', () => {
  it('sipUser takes the user part, unescaped', () => {
    expect(sipUser('sip:101@pbx.example.com')).toBe('101');
    expect(sipUser('<sip:%2B79161234567@pbx;user=phone>')).toBe('+79161234567');
    expect(sipUser('sip:pbx.example.com')).toBeUndefined();
  });

  it('targetUri puts a number or extension in my domain and keeps a full SIP URI', () => {
    expect(targetUri('102', 'sip:101@pbx.example.com')).toBe('sip:102@pbx.example.com');
    expect(targetUri(' +7 (916) 123-45-67 ', 'sip:101@pbx.example.com:5060')).toBe('sip:+79161234567@pbx.example.com:5060');
    expect(targetUri('*97', 'sip:101@pbx')).toBe('sip:*97@pbx');
    expect(targetUri('sip:bob@example.org', 'sip:101@pbx')).toBe('sip:bob@example.org');
    expect(targetUri('', 'sip:101@pbx')).toBeUndefined();
    expect(targetUri('1<2>', 'sip:101@pbx')).toBeUndefined();
    expect(targetUri('102', '')).toBeUndefined();
  });
});
