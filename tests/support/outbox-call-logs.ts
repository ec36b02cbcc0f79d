// Call logs for the outbox's tests and bench: valid CallLogs with distinct ids,
// numbers and times, made from an index.
import type { CallLog } from '../../src-shared/domain/call-log';

export function makeCallLog(i: number, over: Partial<CallLog> = {}): CallLog {
  const digits = `7916${String(1_000_000 + i).slice(-7)}`;
  const endedAt = 1_700_000_000_000 + i * 60_000;
  return {
    id: `1700000000.${i}`,
    linkedid: `1700000000.${i}`,
    direction: i % 2 === 0 ? 'inbound' : 'outbound',
    number: { raw: digits, e164: `+${digits}`, digits },
    extension: '101',
    startedAt: endedAt - 95_000,
    answeredAt: endedAt - 90_000,
    endedAt,
    talkSeconds: 90,
    waitSeconds: 5,
    result: 'answered',
    transfers: [],
    recording: { url: `https://pbx.example.test/rec/${i}.wav`, files: [`${i}.wav`] },
    rules: { createUnknown: false, missedCallTask: false },
    ...over,
  };
}
