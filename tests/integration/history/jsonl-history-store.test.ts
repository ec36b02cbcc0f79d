import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { JsonlHistoryStore } from '../../../src-main/adapters/history/jsonl-history-store';
import { queryHistory, countMissedSince } from '../../../src-main/core/history/history-query';
import { createLoggerFactory, memorySink } from '../../../src-main/core/log/logger';
import { HistoryFilterSchema, type HistoryEntry } from '../../../src-shared/domain/history';
import type { Call } from '../../../src-shared/domain/call';
import { tempDir } from '../../support/core-fixture';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});
function file(): string {
  const d = tempDir();
  dirs.push(d);
  return path.join(d, 'history.jsonl');
}
const log = createLoggerFactory(memorySink())('history');

function entry(id: string, over: Partial<Call> = {}, contactName?: string): HistoryEntry {
  const call: Call = {
    id,
    linkedids: [id],
    extension: '101',
    direction: 'inbound',
    state: 'ended',
    result: 'answered',
    remoteNumber: '79161234567',
    startedAt: 1000,
    endedAt: 2000,
    transfers: [],
    legs: [],
    recording: { state: 'off', files: [] },
    ...over,
  };
  return contactName ? { call, contact: { id: 'c', name: contactName, phones: [] } } : { call };
}

describe('JsonlHistoryStore', () => {
  it('persists across restarts, newest wins per call id, and skips a torn last line', () => {
    const f = file();
    const a = new JsonlHistoryStore(f, log);
    a.append(entry('1.1'));
    a.append(entry('1.2', { result: 'missed' }));
    a.append(entry('1.1', { result: 'answeredElsewhere' }));
    fs.appendFileSync(f, '{"call": {"id": "1.3", "linke');
    const b = new JsonlHistoryStore(f, log);
    expect(b.all().map((e) => [e.call.id, e.call.result])).toEqual([
      ['1.2', 'missed'],
      ['1.1', 'answeredElsewhere'],
    ]);
  });

  it('keeps only the newest entries and compacts the file', () => {
    const f = file();
    const s = new JsonlHistoryStore(f, log, 5);
    for (let i = 0; i < 12; i++) s.append(entry(`2.${i}`));
    expect(s.all().map((e) => e.call.id)).toEqual(['2.7', '2.8', '2.9', '2.10', '2.11']);
    expect(fs.readFileSync(f, 'utf8').trim().split('\n').length).toBeLessThanOrEqual(10);
    expect(new JsonlHistoryStore(f, log, 5).all().map((e) => e.call.id)).toEqual(['2.7', '2.8', '2.9', '2.10', '2.11']);
  });

  it('keeps working in memory when the file cannot be written', () => {
    const d = tempDir();
    dirs.push(d);
    fs.writeFileSync(path.join(d, 'not-a-dir'), '');
    const sink = memorySink();
    const s = new JsonlHistoryStore(path.join(d, 'not-a-dir', 'history.jsonl'), createLoggerFactory(sink)('history'));
    s.append(entry('3.1'));
    expect(s.all()).toHaveLength(1);
    expect(sink.records.some((r) => r.level === 'error' && r.message === 'could not write call history')).toBe(true);
  });
});

describe('history queries', () => {
  const all = [
    entry('1', { result: 'answered', remoteNumber: '+7 916 123-45-67' }, 'Иван Петров'),
    entry('2', { result: 'missed', remoteNumber: '74951234567' }),
    entry('3', { result: 'rejected', direction: 'internal', remoteNumber: '102' }),
    entry('4', { result: 'busy', direction: 'outbound', remoteNumber: '78126667788', endedAt: 5000 }),
    entry('5', { result: 'missed', endedAt: 9000 }),
  ];
  const q = (f: object) => queryHistory(all, HistoryFilterSchema.parse(f)).map((e) => e.call.id);

  it('filters newest first by result, direction and text (name or digits)', () => {
    expect(q({})).toEqual(['5', '4', '3', '2', '1']);
    expect(q({ result: 'missed' })).toEqual(['5', '3', '2']);
    expect(q({ result: 'answered' })).toEqual(['1']);
    expect(q({ direction: 'outbound' })).toEqual(['4']);
    expect(q({ text: 'иван' })).toEqual(['1']);
    expect(q({ text: '916 123' })).toEqual(['5', '1']);
    expect(q({ text: '495' })).toEqual(['2']);
    expect(q({ limit: 2 })).toEqual(['5', '4']);
  });

  it('counts missed inbound calls since a moment', () => {
    expect(countMissedSince(all, 0)).toBe(3);
    expect(countMissedSince(all, 2500)).toBe(1);
  });
});
