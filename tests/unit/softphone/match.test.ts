// One call, never two: pairing softphone sessions with AMI-tracked calls by
// Linkedid, else by number and time window; pairs are stable.
import { describe, expect, it } from 'vitest';
import { matchSessions, sameNumber, type AmiCallFacts, type SessionFacts } from '../../../src-shared/softphone/match';

const T = 1_700_000_000_000;
const s = (id: string, remoteUser: string | undefined, startedAt: number, extra: Partial<SessionFacts> = {}): SessionFacts => ({
  id,
  direction: 'inbound',
  ...(remoteUser !== undefined ? { remoteUser } : {}),
  startedAt,
  ended: false,
  ...extra,
});
const c = (id: string, remoteNumber: string | undefined, startedAt: number, extra: Partial<AmiCallFacts> = {}): AmiCallFacts => ({
  id,
  linkedids: [id],
  direction: 'inbound',
  ...(remoteNumber !== undefined ? { remoteNumber } : {}),
  startedAt,
  ended: false,
  ...extra,
});

describe('sameNumber', () => {
  it.each([
    ['+7 916 123-45-67', '89161234567', true],
    ['79161234567', '89161234567', true],
    ['102', '102', true],
    ['102', '1102', false],
    ['', '', false],
    ['anonymous', 'anonymous', false],
    ['*97', '*97', true],
  ])('%s ~ %s: %s', (a, b, want) => {
    expect(sameNumber(a, b)).toBe(want);
  });
});

describe('matchSessions', () => {
  it('pairs by Linkedid from the INVITE even when the numbers differ', () => {
    const m = matchSessions([s('sip1', '999', T, { linkedid: '1700.5' })], [c('1700.4', '999', T), c('1700.1', '111', T + 60_000, { linkedids: ['1700.1', '1700.5'] })], new Map());
    expect(m.get('sip1')).toBe('1700.1');
  });

  it('pairs by number within the window, the nearest in time first', () => {
    const m = matchSessions([s('a', '89161234567', T), s('b', '89161234567', T + 4000)], [c('x', '+79161234567', T + 3900), c('y', '+79161234567', T + 200)], new Map());
    expect(m.get('a')).toBe('y');
    expect(m.get('b')).toBe('x');
  });

  it('does not pair outside the window, across directions, ended calls or unknown numbers', () => {
    expect(matchSessions([s('a', '102', T)], [c('x', '102', T + 10_001)], new Map()).size).toBe(0);
    expect(matchSessions([s('a', '102', T)], [c('x', '102', T, { direction: 'outbound' })], new Map()).size).toBe(0);
    expect(matchSessions([s('a', '102', T, { direction: 'outbound' })], [c('x', '102', T, { direction: 'internal' })], new Map()).get('a')).toBe('x');
    expect(matchSessions([s('a', '102', T)], [c('x', '102', T, { ended: true })], new Map()).size).toBe(0);
    expect(matchSessions([s('a', undefined, T)], [c('x', undefined, T)], new Map()).size).toBe(0);
  });

  it('keeps a pair once made, even when a nearer candidate shows up', () => {
    const first = matchSessions([s('a', '102', T)], [c('x', '102', T + 5000)], new Map());
    const second = matchSessions([s('a', '102', T)], [c('x', '102', T + 5000), c('y', '102', T + 10)], first);
    expect(second.get('a')).toBe('x');
    // A pair whose AMI call is gone is dropped.
    expect(matchSessions([s('a', '102', T)], [], second).size).toBe(0);
  });

  it('an AMI call belongs to one session only', () => {
    const m = matchSessions([s('a', '102', T), s('b', '102', T + 1)], [c('x', '102', T)], new Map());
    expect([...m.values()]).toEqual(['x']);
  });
});
