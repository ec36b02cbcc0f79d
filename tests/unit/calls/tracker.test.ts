// The call tracker against the recorded Asterisk 22 traces (the ground truth)
// and against hand-written event sequences for what the traces do not cover
// (queues, transfers, pickup, parking, two calls, Asterisk 11, outages).
// Every scenario runs twice: with all events, and with only what the operator
// filter delivers (events naming my channel, plus action-correlated events).
import { describe, expect, it } from 'vitest';
import { getHeader } from '../../../src-main/core/ami/codec';
import type { AmiMessage } from '../../../src-main/core/ami/codec';
import { parseAmiEvent } from '../../../src-main/core/ami/events';
import type { CoreShowChannelEvent } from '../../../src-main/core/ami/events';
import {
  acknowledgeEnded,
  changedCalls,
  getEmptyState,
  originateRequested,
  recordingRequested,
  reduce,
  resync,
  selectCall,
  selectCalls,
  selectEndedCalls,
  selectLiveCalls,
  selectMyChannels,
  selectRemoteChannels,
  selectTrackedLinkedids,
  tick,
  transferRequested,
} from '../../../src-main/core/calls';
import type { CallTrackerState } from '../../../src-main/core/calls';
import { CallSchema } from '../../../src-shared/domain/call';
import type { Call } from '../../../src-shared/domain/call';
import { FIXTURE_EPOCH, fixtureEvents, iso, loadTrace, replay, sec, toEvents, traceEvents } from './replay';
import type { ReplayResult, TimedEvent, TimedMessage } from './replay';

const MODES = [
  { mode: 'all events', filtered: false },
  { mode: 'operator filter', filtered: true },
] as const;

const IVAN = { remoteNumber: '79161234567', remoteName: 'Ivan Petrov' } as const;

function steps(r: ReplayResult, time: (ms: number) => string | number | undefined = iso): (string | number | undefined)[][] {
  return r.steps.map((s) => [time(s.at), s.id, s.state]);
}

function only(r: ReplayResult): Call {
  const calls = [...r.calls.values()];
  expect(calls).toHaveLength(1);
  const call = calls[0];
  if (call === undefined) throw new Error('no call');
  return call;
}

function final(r: ReplayResult, id: string): Call {
  const call = r.state.records.get(id)?.call ?? r.calls.get(id);
  if (call === undefined) throw new Error(`no call ${id}`);
  return call;
}

/** Every ended call is offered to reporting exactly once, and nothing is left behind. */
function expectCleanEnd(r: ReplayResult): void {
  const ended = selectEndedCalls(r.state).map((c) => c.id);
  expect(new Set(ended).size).toBe(ended.length);
  expect(selectLiveCalls(r.state)).toEqual([]);
  expect(r.state.settling).toEqual([]);
  expect([...r.state.channels.keys()]).toEqual([]);
  for (const call of selectCalls(r.state)) expect(CallSchema.parse(call)).toEqual(call);
}

// ---------------------------------------------------------------------------

describe('recorded traces', () => {
  describe.each(MODES)('$mode', ({ filtered }) => {
    const run = (trace: string, ext: string): ReplayResult => replay(traceEvents(trace, filtered ? ext : undefined), ext);

    it('a: inbound through Local channels, 101 answers, caller hangs up', () => {
      const r = run('a-inbound-answered-caller-hangup', '101');
      expect(steps(r)).toEqual([
        ['2026-11-22T07:58:02.067Z', '1795334282.3', 'ringing'],
        ['2026-11-22T07:58:02.067Z', '1795334282.3', 'connected'],
        ['2026-11-22T07:58:08.069Z', '1795334282.3', 'ended'],
      ]);
      const call = only(r);
      expect(call).toMatchObject({
        id: '1795334282.3',
        linkedids: ['1795334282.3'],
        extension: '101',
        direction: 'inbound',
        result: 'answered',
        // README item 8: the ;2 leg's CallerIDNum / my ConnectedLineNum, never the ;1 leg's "101".
        ...IVAN,
        answeredBy: '101',
        hangupCause: { code: 16, text: 'Normal Clearing' },
        hangupBy: 'remote',
        transfers: [],
        recording: { state: 'off', files: [] },
      });
      expect([iso(call.startedAt), iso(call.answeredAt), iso(call.endedAt)]).toEqual(['2026-11-22T07:58:02.067Z', '2026-11-22T07:58:02.067Z', '2026-11-22T07:58:08.069Z']);
      expect(call.legs).toEqual([{ channel: 'PJSIP/101-00000001', uniqueid: '1795334282.5', startedAt: call.startedAt, answeredAt: call.answeredAt, endedAt: call.endedAt, hangupCause: 16 }]);
      expectCleanEnd(r);
    });

    it('b: inbound, 101 rings, Dial times out: missed with cause 0', () => {
      const r = run('b-inbound-noanswer-timeout', '101');
      expect(steps(r)).toEqual([
        ['2026-11-22T07:58:11.501Z', '1795334291.6', 'ringing'],
        ['2026-11-22T07:58:31.510Z', '1795334291.6', 'ended'],
      ]);
      const call = only(r);
      expect(call).toMatchObject({ direction: 'inbound', result: 'missed', ...IVAN, hangupCause: { code: 0, text: 'Unknown' } });
      expect(call.answeredAt).toBeUndefined();
      expect(call.answeredBy).toBeUndefined();
      expect(call.hangupBy).toBeUndefined();
      // The simulator's own OriginateResponse Failure (Channel Local/101@inbound-sim) is not a call of 101's.
      expect(selectCalls(r.state)).toHaveLength(1);
      expectCleanEnd(r);
    });

    it('c: click-to-call by Originate: my phone first, then the number', () => {
      const r = run('c-outbound-originate-101-to-external', '101');
      expect(steps(r)).toEqual([
        ['2026-11-22T07:58:34.951Z', '1795334314.9', 'dialing'],
        // Not when my phone answers (07:58:34.953): when the far end does.
        ['2026-11-22T07:58:34.957Z', '1795334314.9', 'connected'],
        ['2026-11-22T07:58:40.963Z', '1795334314.9', 'ended'],
      ]);
      const call = only(r);
      expect(call).toMatchObject({ direction: 'outbound', result: 'answered', remoteNumber: '84951234567', answeredBy: '84951234567', hangupBy: 'me', hangupCause: { code: 16 } });
      expect(call.remoteName).toBeUndefined();
      expectCleanEnd(r);
    });

    it('d: MixMonitor start/stop: the file comes from VarSet MIXMONITOR_FILENAME', () => {
      const events = traceEvents('d-mixmonitor-start-stop', filtered ? '101' : undefined);
      const r = replay(events, '101');
      expect(steps(r).map((s) => s[2])).toEqual(['ringing', 'connected', 'ended']);
      const file = '/var/spool/asterisk/monitor/crm-1795334324410-101.wav';
      expect(only(r)).toMatchObject({ result: 'answered', recording: { state: 'off', file, files: [file] } });
      // While recording: replay up to just after MixMonitorStart.
      const start = events.findIndex((e) => e.event.event === 'MixMonitorStart');
      const during = replay(events.slice(0, start + 1), '101');
      expect(selectLiveCalls(during.state)[0]?.recording).toEqual({ state: 'recording', file, files: [file] });
      expectCleanEnd(r);
    });

    it('e: AMI Redirect of the caller to 102, seen by 101 (no transfer event)', () => {
      const r = run('e-redirect-blind-transfer-to-102', '101');
      expect(steps(r)).toEqual([
        ['2026-11-22T07:58:52.657Z', '1795334332.15', 'ringing'],
        ['2026-11-22T07:58:52.658Z', '1795334332.15', 'connected'],
        ['2026-11-22T07:58:54.665Z', '1795334332.15', 'ended'],
      ]);
      const call = only(r);
      expect(call).toMatchObject({ direction: 'inbound', result: 'answered', ...IVAN, hangupCause: { code: 16 } });
      if (filtered) {
        // Only my channel's events: indistinguishable from the caller hanging up.
        expect(call.transfers).toEqual([]);
        expect(call.hangupBy).toBe('remote');
      } else {
        // The caller left our bridge already in `transfer,102`: a redirect.
        expect(call.transfers).toEqual([{ kind: 'redirect', direction: 'out', from: '101', to: '102', at: Date.parse('2026-11-22T07:58:54.661Z') }]);
        expect(call.hangupBy).toBe('me');
      }
      expectCleanEnd(r);
    });

    it('e: the same redirect seen by 102: one inbound call, transferred in from 101', () => {
      const r = run('e-redirect-blind-transfer-to-102', '102');
      expect(steps(r)).toEqual([
        ['2026-11-22T07:58:54.665Z', '1795334332.15', 'ringing'],
        ['2026-11-22T07:58:54.666Z', '1795334332.15', 'connected'],
        ['2026-11-22T07:58:59.671Z', '1795334332.15', 'ended'],
      ]);
      const call = only(r);
      expect(call).toMatchObject({ extension: '102', direction: 'inbound', result: 'answered', ...IVAN, answeredBy: '102', hangupBy: 'remote' });
      // The caller was already up and connected to extension 101 when it dialled 102.
      expect(call.transfers).toEqual([{ kind: 'redirect', direction: 'in', from: '101', to: '102', at: Date.parse('2026-11-22T07:58:54.665Z') }]);
      expectCleanEnd(r);
    });

    it.each([
      ['h-coreshowchannels-live-call', ['2026-11-22T07:59:46.181Z', '2026-11-22T07:59:46.182Z', '2026-11-22T07:59:47.691Z'], '1795334386.33'],
      ['k-op101-limited-user', ['2026-11-22T08:00:13.023Z', '2026-11-22T08:00:13.025Z', '2026-11-22T08:00:18.029Z'], '1795334413.42'],
    ])('%s: inbound answered (with CEL, VarSet, RTCP noise)', (trace, times, id) => {
      const r = run(trace, '101');
      expect(steps(r)).toEqual([
        [times[0], id, 'ringing'],
        [times[1], id, 'connected'],
        [times[2], id, 'ended'],
      ]);
      expect(only(r)).toMatchObject({ direction: 'inbound', result: 'answered', ...IVAN });
      expectCleanEnd(r);
    });

    it('m: inbound from the SIP trunk (no Local channels); the name equal to the number is dropped', () => {
      const r = run('m-inbound-from-sip-trunk', '101');
      expect(steps(r)).toEqual([
        ['2026-11-22T08:00:21.748Z', '1795334421.45', 'ringing'],
        ['2026-11-22T08:00:21.751Z', '1795334421.45', 'connected'],
        ['2026-11-22T08:00:27.759Z', '1795334421.45', 'ended'],
      ]);
      const call = only(r);
      expect(call).toMatchObject({ direction: 'inbound', result: 'answered', remoteNumber: '79161234567', hangupBy: 'remote' });
      expect(call.remoteName).toBeUndefined();
      expectCleanEnd(r);
    });

    it("n: click-to-call through the trunk; my own name echoed as connected line is not the callee's", () => {
      const r = run('n-outbound-via-sip-trunk', '101');
      expect(steps(r)).toEqual([
        ['2026-11-22T08:00:31.480Z', '1795334431.47', 'dialing'],
        ['2026-11-22T08:00:31.490Z', '1795334431.47', 'connected'],
        ['2026-11-22T08:00:37.496Z', '1795334431.47', 'ended'],
      ]);
      const call = only(r);
      expect(call).toMatchObject({ direction: 'outbound', result: 'answered', remoteNumber: '84951234567', answeredBy: '84951234567', hangupBy: 'me' });
      expect(call.remoteName).toBeUndefined();
      expectCleanEnd(r);
    });

    it('i: failed originates of other devices are not my calls; mine become failed calls', () => {
      expect(run('i-originate-bad-channel', '101').calls.size).toBe(0);
      // 103 is not registered: the only trace of the attempt is OriginateResponse Failure.
      const events = traceEvents('i-originate-bad-channel', filtered ? '103' : undefined);
      const first = events[0];
      if (first === undefined) throw new Error('empty trace');
      const noted = originateRequested(getEmptyState({ extension: '103' }), { actionId: 'i-async-103', channel: 'PJSIP/103', number: '101' }, first.at);
      const r = replay(events, '103', noted);
      const call = only(r);
      expect(call).toMatchObject({ id: 'originate:i-async-103', linkedids: [], direction: 'internal', state: 'ended', result: 'failed', remoteNumber: '101', legs: [] });
      expect(selectEndedCalls(r.state).map((c) => c.id)).toEqual(['originate:i-async-103']);
      // Without our note, a failure naming my device (PJSIP/999 for extension 999) is still reported.
      const other = replay(traceEvents('i-originate-bad-channel', filtered ? '999' : undefined), '999');
      expect(only(other)).toMatchObject({ result: 'failed', remoteNumber: '101' });
    });

    it('l: a TLS login with no calls', () => {
      expect(run('l-tls-login', '101').calls.size).toBe(0);
    });
  });
});

// ---------------------------------------------------------------------------

describe('event order varies between runs (README item 11)', () => {
  type Pair = readonly [number, number];

  function pairs(messages: readonly TimedMessage[]): Pair[] {
    const out: Pair[] = [];
    const ev = (m: AmiMessage): string | undefined => getHeader(m, 'Event');
    const idx = messages.map((m, i) => ({ i, m: m.message }));
    // The two BridgeEnter of one bridge.
    const byBridge = new Map<string, number[]>();
    for (const { i, m } of idx) {
      if (ev(m) !== 'BridgeEnter') continue;
      const id = getHeader(m, 'BridgeUniqueid') ?? '';
      byBridge.set(id, [...(byBridge.get(id) ?? []), i]);
    }
    for (const list of byBridge.values()) if (list.length === 2 && list[0] !== undefined && list[1] !== undefined) out.push([list[0], list[1]]);
    for (const { i, m } of idx) {
      // DialEnd vs OriginateResponse: the nearest DialEnd.
      if (ev(m) === 'OriginateResponse') {
        const near = idx.filter((x) => ev(x.m) === 'DialEnd').sort((x, y) => Math.abs(x.i - i) - Math.abs(y.i - i))[0];
        if (near !== undefined && Math.abs(near.i - i) <= 12) out.push([Math.min(i, near.i), Math.max(i, near.i)]);
      }
      // CEL CHAN_START vs Newchannel of the same channel.
      if (ev(m) === 'Newchannel') {
        const cel = idx.find((x) => ev(x.m) === 'CEL' && getHeader(x.m, 'EventName') === 'CHAN_START' && getHeader(x.m, 'Channel') === getHeader(m, 'Channel'));
        if (cel !== undefined) out.push([Math.min(i, cel.i), Math.max(i, cel.i)]);
      }
      // Cdr before the Hangup of the same channel.
      if (ev(m) === 'Cdr') {
        const hangup = idx.find((x) => ev(x.m) === 'Hangup' && getHeader(x.m, 'Channel') === getHeader(m, 'Channel'));
        if (hangup !== undefined) out.push([Math.min(i, hangup.i), Math.max(i, hangup.i)]);
      }
    }
    return out;
  }

  /** The messages with the chosen pairs swapped (each keeps its own receive time). */
  function swapped(messages: readonly TimedMessage[], chosen: readonly Pair[]): TimedMessage[] {
    const out = [...messages];
    for (const [a, b] of chosen) {
      const ma = out[a];
      const mb = out[b];
      if (ma === undefined || mb === undefined) continue;
      out[a] = { ...mb, index: a };
      out[b] = { ...ma, index: b };
    }
    return out;
  }

  const traces = [
    ['a-inbound-answered-caller-hangup', '101'],
    ['b-inbound-noanswer-timeout', '101'],
    ['c-outbound-originate-101-to-external', '101'],
    ['d-mixmonitor-start-stop', '101'],
    ['e-redirect-blind-transfer-to-102', '101'],
    ['e-redirect-blind-transfer-to-102', '102'],
    ['h-coreshowchannels-live-call', '101'],
    ['k-op101-limited-user', '101'],
    ['m-inbound-from-sip-trunk', '101'],
    ['n-outbound-via-sip-trunk', '101'],
  ] as const;

  it.each(traces)('%s as %s: every combination of the documented swaps gives the same calls', (trace, ext) => {
    const messages = loadTrace(trace);
    const found = pairs(messages);
    expect(found.length).toBeGreaterThan(0);
    const reference = replay(toEvents(messages), ext);
    const project = (r: ReplayResult): unknown => ({ states: r.steps.map((s) => [s.id, s.state]), calls: [...r.calls.values()] });
    const combos = Math.min(1 << found.length, 256);
    for (let mask = 1; mask < combos; mask++) {
      const chosen = found.filter((_, k) => (mask & (1 << k)) !== 0);
      for (const filtered of [false, true]) {
        const base = filtered ? replay(toEvents(messages, ext), ext) : reference;
        const r = replay(toEvents(swapped(messages, chosen), filtered ? ext : undefined), ext);
        expect(project(r), `${trace} mask ${mask} filtered ${filtered}`).toEqual(project(base));
      }
    }
  });
});

// ---------------------------------------------------------------------------

describe('hand-written scenarios (tests/fixtures/calls)', () => {
  describe.each(MODES)('$mode', ({ filtered }) => {
    const run = (fixture: string, ext: string, initial?: CallTrackerState): ReplayResult => replay(fixtureEvents(fixture, filtered ? ext : undefined), ext, initial);
    const at = (s: number): number => FIXTURE_EPOCH + s * 1000;

    describe('queue', () => {
      it('ringall: 102 answers, so for 101 the call was answered elsewhere, not missed', () => {
        const r101 = run('queue-ringall-answered-elsewhere', '101');
        expect(steps(r101, sec)).toEqual([
          [0.502, '1700000100.1', 'ringing'],
          [5.003, '1700000100.1', 'ended'],
        ]);
        // Hangup cause 26 says it even when the filter hides the colleague's events.
        expect(only(r101)).toMatchObject({ direction: 'inbound', queue: 'sales', result: 'answeredElsewhere', ...IVAN, hangupCause: { code: 26 } });
        expect(only(r101).answeredBy).toBe(filtered ? undefined : '102');
        expectCleanEnd(r101);

        const r102 = run('queue-ringall-answered-elsewhere', '102');
        expect(steps(r102, sec).map((s) => s[2])).toEqual(['ringing', 'connected', 'ended']);
        expect(only(r102)).toMatchObject({ queue: 'sales', result: 'answered', answeredBy: '102', ...IVAN });
        expectCleanEnd(r102);
      });

      it('rrmemory: the queue rings 101 twice; it stays one call, answered', () => {
        const r = run('queue-rrmemory-rings-again', '101');
        expect(steps(r, sec)).toEqual([
          [0.501, '1700000100.1', 'ringing'],
          [15.502, '1700000100.1', 'ended'],
          [34.501, '1700000100.1', 'ringing'],
          [38, '1700000100.1', 'connected'],
          [98.003, '1700000100.1', 'ended'],
        ]);
        const call = only(r);
        expect(call).toMatchObject({ queue: 'sales', result: 'answered', answeredBy: '101', hangupBy: 'me', hangupCause: { code: 16 } });
        expect(sec(call.answeredAt)).toBe(38);
        expect(call.legs.map((l) => [l.channel, sec(l.startedAt), sec(l.answeredAt), sec(l.endedAt), l.hangupCause])).toEqual([
          ['PJSIP/101-00000112', 0.501, undefined, 15.502, 0],
          ['PJSIP/101-00000114', 34.501, 38, 98.003, 16],
        ]);
        expect(selectEndedCalls(r.state).map((c) => c.id)).toEqual(['1700000100.1']);
        expectCleanEnd(r);
      });

      it('rrmemory: for 102, whose turn came and went, the call was answered elsewhere', () => {
        const r = run('queue-rrmemory-rings-again', '102');
        expect(steps(r, sec)).toEqual([
          [17.501, '1700000100.1', 'ringing'],
          [32.502, '1700000100.1', 'ended'],
        ]);
        if (filtered) {
          // Nothing tells 102 who answered: the call waits, then settles as missed.
          expect(r.state.settling).toEqual(['1700000100.1']);
          expect(selectEndedCalls(r.state)).toEqual([]);
          expect(tick(r.state, at(32.502 + 44))).toBe(r.state);
          const settled = tick(r.state, at(32.502 + 45));
          expect(selectEndedCalls(settled).map((c) => [c.id, c.result])).toEqual([['1700000100.1', 'missed']]);
          expect([...settled.channels.keys()]).toEqual([]);
        } else {
          expect(only(r)).toMatchObject({ result: 'answeredElsewhere', answeredBy: '101' });
          expect(selectEndedCalls(r.state).map((c) => c.id)).toEqual(['1700000100.1']);
          expectCleanEnd(r);
        }
      });

      it('the caller abandons while 101 rings: missed', () => {
        const r = run('queue-caller-abandons', '101');
        expect(steps(r, sec)).toEqual([
          [0.501, '1700000100.1', 'ringing'],
          [9.002, '1700000100.1', 'ended'],
        ]);
        expect(only(r)).toMatchObject({ queue: 'sales', result: 'missed' });
        const settled = filtered ? tick(r.state, at(60)) : r.state;
        expect(selectEndedCalls(settled).map((c) => [c.id, c.result])).toEqual([['1700000100.1', 'missed']]);
        // A later event settles it too (reduce checks the deadline on every event).
        if (filtered) {
          const late = reduce(r.state, { event: 'BridgeDestroy', bridgeId: 'x' }, at(60));
          expect(selectEndedCalls(late)).toHaveLength(1);
        }
      });
    });

    it('inbound declined on the phone (486): rejected', () => {
      const r = run('inbound-declined', '101');
      expect(steps(r, sec).map((s) => s[2])).toEqual(['ringing', 'ended']);
      expect(only(r)).toMatchObject({ result: 'rejected', ...IVAN, hangupCause: { code: 17 } });
      expectCleanEnd(r);
    });

    it('outbound from the desk phone: answered, busy, no answer, cancelled', () => {
      const r = run('outbound-from-desk-phone', '101');
      expect(steps(r, sec)).toEqual([
        [0, '1700000700.1', 'dialing'],
        [5.001, '1700000700.1', 'connected'],
        [65.005, '1700000700.1', 'ended'],
        [100, '1700000800.1', 'dialing'],
        [101.002, '1700000800.1', 'ended'],
        [200, '1700000900.1', 'dialing'],
        [260.302, '1700000900.1', 'ended'],
        [300, '1700001000.1', 'dialing'],
        [307.003, '1700001000.1', 'ended'],
      ]);
      const calls = selectCalls(r.state);
      expect(calls.map((c) => [c.direction, c.result, c.remoteNumber])).toEqual([
        ['outbound', 'answered', '84951234567'],
        ['outbound', 'busy', '84951234567'],
        ['outbound', 'noAnswer', '84951234567'],
        ['outbound', 'cancelled', '84951234567'],
      ]);
      // The trunk echoes my own name as its caller name: not the callee's name.
      expect(calls.map((c) => c.remoteName)).toEqual([undefined, undefined, undefined, undefined]);
      expect(calls[0]).toMatchObject({ answeredBy: '84951234567', hangupBy: 'remote' });
      expectCleanEnd(r);
    });

    it('internal call 101 -> 102, seen from both sides', () => {
      const r101 = run('internal-101-to-102', '101');
      expect(only(r101)).toMatchObject({ direction: 'internal', result: 'answered', remoteNumber: '102', remoteName: 'Operator 102', answeredBy: '102', hangupBy: 'remote' });
      const r102 = run('internal-101-to-102', '102');
      expect(only(r102)).toMatchObject({ direction: 'internal', result: 'answered', remoteNumber: '101', remoteName: 'Operator 101', answeredBy: '102', hangupBy: 'me' });
      expect(steps(r102, sec)).toEqual([
        [0.051, '1700001100.1', 'ringing'],
        [3, '1700001100.1', 'connected'],
        [33.002, '1700001100.1', 'ended'],
      ]);
      expectCleanEnd(r101);
      expectCleanEnd(r102);
    });

    it('attended transfer by 101 to 102: the consultation folds into the customer call', () => {
      const events = fixtureEvents('attended-transfer-101-to-102', filtered ? '101' : undefined);
      let state = getEmptyState({ extension: '101' });
      const removed: string[] = [];
      for (const { at: t, event } of events) {
        const next = reduce(state, event, t);
        removed.push(...changedCalls(state, next).removed);
        state = next;
      }
      const r = replay(events, '101');
      expect(steps(r, sec)).toEqual([
        [0.101, '1700000200.1', 'ringing'],
        [2, '1700000200.1', 'connected'],
        [30, '1700000200.1', 'onHold'],
        [31, '1700000230.3', 'dialing'],
        [34.001, '1700000230.3', 'connected'],
        [50.01, '1700000200.1', 'ended'],
      ]);
      expect(removed).toEqual(['1700000230.3']);
      expect(selectCalls(r.state).map((c) => c.id)).toEqual(['1700000200.1']);
      const call = final(r, '1700000200.1');
      expect(call).toMatchObject({
        direction: 'inbound',
        result: 'answered',
        ...IVAN,
        linkedids: ['1700000200.1', '1700000230.3'],
        transfers: [{ kind: 'attended', direction: 'out', from: '101', to: '102', at: at(50) }],
        hangupBy: 'me',
      });
      expect(call.legs.map((l) => l.channel)).toEqual(['PJSIP/101-00000202', 'PJSIP/101-00000203']);
      expect(selectEndedCalls(r.state).map((c) => c.id)).toEqual(['1700000200.1']);
      expectCleanEnd(r);
    });

    it('attended transfer seen by the target 102: the internal call becomes the customer call', () => {
      const r = run('attended-transfer-101-to-102', '102');
      expect(steps(r, sec)).toEqual([
        [31.002, '1700000230.3', 'ringing'],
        [34, '1700000230.3', 'connected'],
        [110.005, '1700000230.3', 'ended'],
      ]);
      expect(only(r)).toMatchObject({
        direction: 'inbound',
        ...IVAN,
        result: 'answered',
        answeredBy: '102',
        linkedids: ['1700000230.3', '1700000200.1'],
        transfers: [{ kind: 'attended', direction: 'in', from: '101', to: '102', at: at(50) }],
      });
      expectCleanEnd(r);
    });

    it('blind transfer (phone REFER) by 101 to 102, seen from both sides', () => {
      const r101 = run('blind-transfer-101-to-102', '101');
      expect(only(r101)).toMatchObject({ result: 'answered', transfers: [{ kind: 'blind', direction: 'out', from: '101', to: '102', at: at(20) }], hangupBy: 'me' });
      expect(steps(r101, sec)).toEqual([
        [0.101, '1700000300.1', 'ringing'],
        [2, '1700000300.1', 'connected'],
        [20.004, '1700000300.1', 'ended'],
      ]);
      const r102 = run('blind-transfer-101-to-102', '102');
      // With all events the BlindTransfer itself is seen; through the filter only the
      // caller's state (up, connected to 101) at its DialBegin tells.
      expect(only(r102)).toMatchObject({ result: 'answered', ...IVAN, answeredBy: '102', transfers: [{ kind: filtered ? 'redirect' : 'blind', direction: 'in', from: '101', to: '102', at: at(20.101) }] });
      expectCleanEnd(r101);
      expectCleanEnd(r102);
    });

    it("pickup: 101 picks up 102's ringing call", () => {
      const r101 = run('pickup-by-101', '101');
      expect(steps(r101, sec)).toEqual([
        [6, '1700000406.3', 'dialing'],
        [6.001, '1700000406.3', 'connected'],
        [66.005, '1700000406.3', 'ended'],
      ]);
      expect(only(r101)).toMatchObject({
        direction: 'inbound',
        ...IVAN,
        result: 'answered',
        answeredBy: '101',
        linkedids: ['1700000406.3', '1700000400.1'],
        transfers: [{ kind: 'pickup', direction: 'in', from: '102', to: '101', at: at(6.001) }],
      });
      const r102 = run('pickup-by-101', '102');
      expect(only(r102)).toMatchObject({ result: 'answeredElsewhere', answeredBy: '101', transfers: [{ kind: 'pickup', direction: 'out', from: '102', to: '101', at: at(6.001) }], hangupCause: { code: 26 } });
      expectCleanEnd(r101);
      expectCleanEnd(r102);
    });

    it('parking and taking the call back', () => {
      const r = run('parking-and-retrieve', '101');
      if (filtered) {
        // ParkedCall names no channel of mine: the call ends when I hang up, and
        // taking it back is a second call (with the caller's number and the slot).
        expect(steps(r, sec)).toEqual([
          [0.101, '1700000500.1', 'ringing'],
          [2, '1700000500.1', 'connected'],
          [20.005, '1700000500.1', 'ended'],
          [50, '1700000550.3', 'dialing'],
          [50.002, '1700000550.3', 'connected'],
          [80.002, '1700000550.3', 'ended'],
        ]);
        expect(final(r, '1700000550.3')).toMatchObject({ direction: 'inbound', ...IVAN, result: 'answered', transfers: [{ kind: 'park', direction: 'in', from: '701', to: '101' }] });
      } else {
        expect(steps(r, sec)).toEqual([
          [0.101, '1700000500.1', 'ringing'],
          [2, '1700000500.1', 'connected'],
          [20.001, '1700000500.1', 'onHold'],
          [50, '1700000550.3', 'dialing'],
          [50.002, '1700000500.1', 'connected'],
          [80.002, '1700000500.1', 'ended'],
        ]);
        expect(selectCalls(r.state).map((c) => c.id)).toEqual(['1700000500.1']);
        const call = final(r, '1700000500.1');
        expect(call).toMatchObject({
          ...IVAN,
          result: 'answered',
          parkingSlot: '701',
          linkedids: ['1700000500.1', '1700000550.3'],
          transfers: [
            { kind: 'park', direction: 'out', from: '101', to: '701', at: at(20.001) },
            { kind: 'park', direction: 'in', from: '701', to: '101', at: at(50.002) },
          ],
        });
        expect(call.legs.map((l) => l.channel)).toEqual(['PJSIP/101-00000502', 'PJSIP/101-00000503']);
      }
      expectCleanEnd(r);
    });

    it('parked caller gives up', () => {
      const r = run('parking-caller-gives-up', '101');
      expect(steps(r, sec).map((s) => [s[0], s[2]])).toEqual(
        filtered
          ? [
              [0.101, 'ringing'],
              [2, 'connected'],
              [20.005, 'ended'],
            ]
          : [
              [0.101, 'ringing'],
              [2, 'connected'],
              [20.001, 'onHold'],
              [45.001, 'ended'],
            ],
      );
      expect(only(r)).toMatchObject({ result: 'answered', hangupBy: 'remote' });
      expectCleanEnd(r);
    });

    it('two calls at once: hold one, answer the other, resume', () => {
      const r = run('two-calls-at-once', '101');
      expect(steps(r, sec)).toEqual([
        [0.101, '1700001300.1', 'ringing'],
        [2, '1700001300.1', 'connected'],
        [10.101, '1700001310.3', 'ringing'],
        [14, '1700001300.1', 'onHold'],
        [14.5, '1700001310.3', 'connected'],
        [40.005, '1700001310.3', 'ended'],
        [42, '1700001300.1', 'connected'],
        [90.002, '1700001300.1', 'ended'],
      ]);
      expect(final(r, '1700001300.1')).toMatchObject({ ...IVAN, result: 'answered', hangupBy: 'me' });
      expect(final(r, '1700001310.3')).toMatchObject({ remoteNumber: '79031112233', remoteName: 'Olga', result: 'answered', hangupBy: 'remote' });
      expect(selectEndedCalls(r.state).map((c) => c.id)).toEqual(['1700001310.3', '1700001300.1']);
      expectCleanEnd(r);
    });

    it('recording pause/resume, and hold by the other side', () => {
      const events = fixtureEvents('recording-pause-and-remote-hold', filtered ? '101' : undefined);
      const file = '/var/spool/asterisk/monitor/crm-1700001405000-101.wav';
      const until = (s: number): Call | undefined => selectLiveCalls(replay(events.filter((e) => e.at <= at(s)), '101').state)[0];
      expect(until(4)?.recording).toEqual({ state: 'off', files: [] });
      expect(until(6)?.recording).toEqual({ state: 'recording', file, files: [file] });
      expect(until(15)?.recording).toEqual({ state: 'paused', file, files: [file] });
      expect(until(25)?.recording).toEqual({ state: 'recording', file, files: [file] });
      // Hold is raised on the channel that holds: the caller's, which the filter drops.
      expect(until(35)?.state).toBe(filtered ? 'connected' : 'onHold');
      expect(until(45)?.state).toBe('connected');
      expect(until(55)?.recording).toEqual({ state: 'off', file, files: [file] });
      const r = replay(events, '101');
      expect(only(r)).toMatchObject({ result: 'answered', recording: { state: 'off', file, files: [file] } });
      expectCleanEnd(r);
    });

    it('click-to-call not picked up, and one whose phone is unreachable', () => {
      const r = run('originate-not-connected', '101');
      expect(steps(r, sec)).toEqual([
        [0.001, '1700001500.1', 'dialing'],
        [30.001, '1700001500.1', 'ended'],
        [100, 'originate:sidecall-8', 'ended'],
      ]);
      // The late OriginateResponse Failure belongs to the call that rang: no second call.
      expect(final(r, '1700001500.1')).toMatchObject({ direction: 'outbound', result: 'cancelled' });
      expect(final(r, 'originate:sidecall-8')).toMatchObject({ direction: 'outbound', result: 'failed', remoteNumber: '84957654321', legs: [] });
      expect(selectEndedCalls(r.state).map((c) => c.id)).toEqual(['1700001500.1', 'originate:sidecall-8']);
      expectCleanEnd(r);
    });

    it('click-to-call with our note: the number is known while my phone rings', () => {
      const events = fixtureEvents('originate-not-connected', filtered ? '101' : undefined);
      const noted = originateRequested(originateRequested(getEmptyState({ extension: '101' }), { actionId: 'sidecall-7', channel: 'PJSIP/101', number: '84951234567' }, at(-0.1)), { actionId: 'sidecall-8', channel: 'PJSIP/101', number: '+7 495 765-43-21' }, at(99));
      const r = replay(events, '101', noted);
      expect(final(r, '1700001500.1')).toMatchObject({ result: 'cancelled', remoteNumber: '84951234567' });
      expect(final(r, 'originate:sidecall-8')).toMatchObject({ result: 'failed', remoteNumber: '+7 495 765-43-21', startedAt: at(99) });
      expect(r.state.originates).toEqual([]);
    });

    it('click-to-call whose note arrives after the PBX opened the call (events before the Originate reply): the note still names it', () => {
      const events = fixtureEvents('originate-not-connected', filtered ? '101' : undefined);
      const opened = events.findIndex((e) => e.event.event === 'DialBegin');
      expect(opened).toBeGreaterThanOrEqual(0);
      const early = replay(events.slice(0, opened + 1), '101');
      const open = selectCalls(early.state).find((c) => c.state === 'dialing');
      expect(open?.remoteNumber).toBeUndefined();
      const at0 = events[opened]?.at ?? 0;
      const noted = originateRequested(early.state, { actionId: 'sidecall-late', channel: 'PJSIP/101', number: '84951234567' }, at0 + 1);
      expect(selectCalls(noted).find((c) => c.id === open?.id)).toMatchObject({ state: 'dialing', remoteNumber: '84951234567' });
      // Claimed: the request is tied to that call, so the next click-to-call cannot take it.
      expect(noted.originates).toEqual([expect.objectContaining({ actionId: 'sidecall-late', callId: open?.id })]);
      const rest = replay(events.slice(opened + 1), '101', noted);
      expect(selectCalls(rest.state).filter((c) => c.id === open?.id)).toHaveLength(1);
    });

    it('Asterisk 11: Dial SubEvent Begin/End and Bridge Link, no Linkedid', () => {
      const r = run('asterisk11-dial-bridge', '101');
      expect(steps(r, sec)).toEqual([
        [0.002, '1700001600.10', 'ringing'],
        [3, '1700001600.10', 'connected'],
        [63.003, '1700001600.10', 'ended'],
        [100.002, '1700001700.12', 'ringing'],
        [120.001, '1700001700.12', 'ended'],
        [200, '1700001800.14', 'dialing'],
        [201.002, '1700001800.14', 'ended'],
      ]);
      expect(selectCalls(r.state).map((c) => [c.direction, c.result, c.remoteNumber, c.remoteName])).toEqual([
        ['inbound', 'answered', '79161234567', 'Ivan Petrov'],
        ['inbound', 'missed', '79031112233', 'Olga'],
        ['outbound', 'busy', '84951234567', undefined],
      ]);
      expectCleanEnd(r);
    });
  });
});

// ---------------------------------------------------------------------------

describe('resync after a reconnect (CoreShowChannels)', () => {
  const TRACE = 'h-coreshowchannels-live-call';

  function listOf(events: readonly TimedEvent[]): { readonly items: CoreShowChannelEvent[]; readonly at: number; readonly after: number } {
    const items: CoreShowChannelEvent[] = [];
    let atTime = 0;
    let after = -1;
    events.forEach((e, i) => {
      if (e.event.event === 'CoreShowChannel') items.push(e.event);
      if (e.event.event === 'CoreShowChannelsComplete') {
        atTime = e.at;
        after = i + 1;
      }
    });
    return { items, at: atTime, after };
  }

  it('rebuilds a call in progress when Sidecall starts (or reconnects) mid-call, without duplicating it', () => {
    const events = traceEvents(TRACE);
    const { items, at, after } = listOf(events);
    expect(items).toHaveLength(3);
    const restored = resync(getEmptyState({ extension: '101' }), items, at);
    const live = selectLiveCalls(restored);
    expect(live).toHaveLength(1);
    expect(live[0]).toMatchObject({
      id: '1795334386.33',
      direction: 'inbound',
      state: 'connected',
      ...IVAN,
      restored: true,
      answeredBy: '101',
    });
    // Duration: 00:00:01 on my channel.
    expect(live[0]?.startedAt).toBe(at - 1000);
    expect(live[0]?.answeredAt).toBe(at - 1000);
    expect(selectMyChannels(restored, '1795334386.33')).toEqual(['PJSIP/101-0000000d']);
    expect([...selectRemoteChannels(restored, '1795334386.33')].sort()).toEqual(['Local/101@inbound-sim-0000000a;1', 'Local/101@inbound-sim-0000000a;2']);
    // The rest of the trace ends that same call: one call, reported once.
    const r = replay(events.slice(after), '101', restored);
    expect(selectCalls(r.state).map((c) => [c.id, c.state, c.result])).toEqual([['1795334386.33', 'ended', 'answered']]);
    expect(selectEndedCalls(r.state)).toHaveLength(1);
    expectCleanEnd(r);
  });

  it('works the same from the Status list (for AMI users without CoreShowChannels)', () => {
    const events = traceEvents(TRACE);
    const { items, at } = listOf(events);
    const status = events.map((e) => e.event).filter((e) => e.event === 'Status');
    expect(status).toHaveLength(3);
    const fromStatus = resync(getEmptyState({ extension: '101' }), status, at);
    const fromCsc = resync(getEmptyState({ extension: '101' }), items, at);
    expect(selectCalls(fromStatus)).toEqual(selectCalls(fromCsc));
  });

  it('changes nothing for a call it already knows', () => {
    const events = traceEvents(TRACE);
    const { items, at, after } = listOf(events);
    const before = replay(events.slice(0, after), '101');
    const again = resync(before.state, items, at);
    expect(selectCalls(again)).toEqual(selectCalls(before.state));
    expect(changedCalls(before.state, again).changed).toEqual([]);
  });

  it('a call that ended during the outage is ended at resync and reported once', () => {
    const events = traceEvents('a-inbound-answered-caller-hangup');
    const connectedAt = events.findIndex((e) => e.event.event === 'BridgeEnter');
    const before = replay(events.slice(0, connectedAt), '101');
    expect(selectLiveCalls(before.state)[0]?.state).toBe('connected');
    const outageEnd = Date.parse('2026-11-22T07:59:00.000Z');
    const after = resync(before.state, [], outageEnd);
    const ended = selectEndedCalls(after);
    expect(ended).toHaveLength(1);
    expect(ended[0]).toMatchObject({ id: '1795334282.3', state: 'ended', result: 'answered', endedAt: outageEnd, endedWhileDisconnected: true });
    expect(changedCalls(before.state, after).changed.map((c) => c.state)).toEqual(['ended']);
    // Reported and acknowledged: a second resync or late events do not bring it back.
    const acked = acknowledgeEnded(after, ['1795334282.3']);
    expect(selectEndedCalls(acked)).toEqual([]);
    expect(resync(acked, [], outageEnd + 5000)).toBe(acked);
    const late = replay(events.slice(connectedAt), '101', acked);
    expect(selectEndedCalls(late.state)).toEqual([]);
    expect(selectCalls(late.state).map((c) => c.id)).toEqual(['1795334282.3']);
  });

  it('a ringing call answered during the outage comes back connected', () => {
    const events = traceEvents(TRACE);
    const { items, at, after } = listOf(events);
    const ringing = events.findIndex((e) => e.event.event === 'Newstate' && e.event.channel.channel.startsWith('PJSIP/101') && e.event.channel.state === 5);
    const before = replay(events.slice(0, ringing + 1), '101');
    expect(selectLiveCalls(before.state)[0]?.state).toBe('ringing');
    const back = resync(before.state, items, at);
    expect(selectLiveCalls(back)).toHaveLength(1);
    expect(selectLiveCalls(back)[0]).toMatchObject({ id: '1795334386.33', state: 'connected', answeredAt: at });
    const r = replay(events.slice(after), '101', back);
    expect(selectEndedCalls(r.state).map((c) => [c.id, c.result])).toEqual([['1795334386.33', 'answered']]);
  });

  it('keeps a parked call whose caller is still in the lot, ends one whose caller is gone', () => {
    const events = fixtureEvents('parking-and-retrieve');
    const parked = replay(
      events.filter((e) => e.at <= FIXTURE_EPOCH + 30_000),
      '101',
    );
    expect(selectLiveCalls(parked.state)[0]?.state).toBe('onHold');
    const lotItem = (): CoreShowChannelEvent => {
      const e = parseAmiEvent({
        headers: [
          ['Event', 'CoreShowChannel'],
          ['Channel', 'PJSIP/trunk-00000501'],
          ['ChannelState', '6'],
          ['ChannelStateDesc', 'Up'],
          ['CallerIDNum', '79161234567'],
          ['Uniqueid', '1700000500.1'],
          ['Linkedid', '1700000500.1'],
          ['Application', 'Park'],
          ['Duration', '00:00:30'],
        ],
      });
      if (e?.event !== 'CoreShowChannel') throw new Error('not parsed');
      return e;
    };
    const kept = resync(parked.state, [lotItem()], FIXTURE_EPOCH + 31_000);
    expect(selectLiveCalls(kept)[0]?.state).toBe('onHold');
    const gone = resync(parked.state, [], FIXTURE_EPOCH + 31_000);
    expect(selectEndedCalls(gone).map((c) => [c.result, c.endedWhileDisconnected])).toEqual([['answered', true]]);
  });
});

// ---------------------------------------------------------------------------

describe('state handling', () => {
  it('ignores events about nobody we track without creating a new state', () => {
    const state = getEmptyState({ extension: '101' });
    for (const { at, event } of traceEvents('a-inbound-answered-caller-hangup', undefined)) {
      if ('channel' in event && typeof event.channel === 'object' && event.channel.channel.startsWith('Local/')) expect(reduce(state, event, at)).toBe(state);
    }
    const other = getEmptyState({ extension: '555' });
    const r = replay(traceEvents('a-inbound-answered-caller-hangup'), '555', other);
    expect(r.state).toBe(other);
  });

  it('never mutates its input', () => {
    const serialize = (st: CallTrackerState): string =>
      JSON.stringify({ ...st, config: undefined, records: [...st.records.entries()], channels: [...st.channels.entries()], byLinkedid: [...st.byLinkedid.entries()] });
    for (const fixture of ['attended-transfer-101-to-102', 'parking-and-retrieve', 'queue-rrmemory-rings-again']) {
      let state = getEmptyState({ extension: '101' });
      for (const { at, event } of fixtureEvents(fixture)) {
        const before = serialize(state);
        const next = reduce(state, event, at);
        expect(serialize(state)).toBe(before);
        state = next;
      }
    }
  });

  it('changedCalls reports only what changed; ended calls are handed to reporting once', () => {
    const events = traceEvents('a-inbound-answered-caller-hangup');
    let state = getEmptyState({ extension: '101' });
    const published: string[] = [];
    const reported: string[] = [];
    for (const { at, event } of events) {
      const next = reduce(state, event, at);
      const diff = changedCalls(state, next);
      published.push(...diff.changed.map((c) => c.state));
      const ended = selectEndedCalls(next);
      reported.push(...ended.map((c) => c.id));
      state = acknowledgeEnded(next, ended.map((c) => c.id));
    }
    expect(published.filter((s, i) => s !== published[i - 1])).toEqual(['ringing', 'connected', 'ended']);
    expect(reported).toEqual(['1795334282.3']);
    // The ended call stays visible (for the UI) until more than maxEndedCalls have ended.
    expect(selectCall(state, '1795334282.3')?.state).toBe('ended');
  });

  it('forgets acknowledged calls beyond maxEndedCalls, and a late event cannot revive them', () => {
    const events = traceEvents('a-inbound-answered-caller-hangup');
    const r = replay(events, '101', getEmptyState({ extension: '101', maxEndedCalls: 0 }));
    const acked = acknowledgeEnded(r.state, ['1795334282.3']);
    expect(selectCalls(acked)).toEqual([]);
    expect(changedCalls(r.state, acked)).toEqual({ changed: [], removed: ['1795334282.3'] });
    expect(replay(events, '101', acked).state.records.size).toBe(0);
    // Unacknowledged calls are never forgotten.
    expect(selectEndedCalls(acknowledgeEnded(r.state, []))).toHaveLength(1);
  });

  it('selectTrackedLinkedids lists the live calls for a linkedid-based PBX filter', () => {
    const events = fixtureEvents('attended-transfer-101-to-102');
    const during = replay(
      events.filter((e) => e.at <= FIXTURE_EPOCH + 40_000),
      '101',
    );
    expect(selectTrackedLinkedids(during.state)).toEqual(['1700000200.1', '1700000230.3']);
  });

  it('notes from our own call control: a Redirect and a recording file', () => {
    const events = traceEvents('e-redirect-blind-transfer-to-102', '101');
    const redirect = events.findIndex((e) => e.event.event === 'BridgeLeave');
    const before = replay(events.slice(0, redirect), '101');
    const t = events[redirect]?.at ?? 0;
    const noted = recordingRequested(transferRequested(before.state, { callId: '1795334332.15', kind: 'redirect', to: '102' }, t - 5), { callId: '1795334332.15', file: 'crm-1-101.wav' }, t - 4);
    expect(transferRequested(noted, { callId: 'nope', kind: 'redirect' }, t)).toBe(noted);
    const r = replay(events.slice(redirect), '101', noted);
    expect(final(r, '1795334332.15')).toMatchObject({
      result: 'answered',
      transfers: [{ kind: 'redirect', direction: 'out', from: '101', to: '102', at: t - 5 }],
      hangupBy: 'me',
      recording: { state: 'off', file: 'crm-1-101.wav', files: ['crm-1-101.wav'] },
    });
    // A full path from VarSet later replaces the relative name we asked for.
    const withPath = reduce(
      noted,
      { event: 'VarSet', channel: { channel: 'PJSIP/101-00000005', uniqueid: '1795334332.17', linkedid: '1795334332.15' }, variable: 'MIXMONITOR_FILENAME', value: '/var/spool/asterisk/monitor/crm-1-101.wav' },
      t,
    );
    expect(selectCall(withPath, '1795334332.15')?.recording.files).toEqual(['/var/spool/asterisk/monitor/crm-1-101.wav']);
  });

  it('a custom channel pattern and internal-number rule', () => {
    const events = traceEvents('m-inbound-from-sip-trunk');
    const custom = replay(events, '101', getEmptyState({ extension: '101', channelPattern: /^PJSIP\/101-[0-9a-f]{8}$/, internalNumberPattern: /^7\d{10}$/ }));
    expect(only(custom)).toMatchObject({ direction: 'internal', result: 'answered' });
    expect(() => getEmptyState({ extension: '101', channelPattern: '^PJSIP/101-' })).toThrow(/<ext>/);
  });
});
