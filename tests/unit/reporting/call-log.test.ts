// Call logs built from calls the tracker made out of real Asterisk traces, and
// the rules of Settings -> Reporting.
import { describe, expect, it } from 'vitest';
import { CallLogSchema } from '../../../src-shared/domain/call-log';
import { SettingsSchema, type Settings } from '../../../src-shared/domain/settings';
import { buildCallLog, crmNumberForm, shouldReport } from '../../../src-main/core/reporting/call-log';
import { normalizeFor } from '../../../src-main/core/screen-pop/pop-policy';
import { fixtureEvents, replay, traceEvents } from '../calls/replay';
import type { Call } from '../../../src-shared/domain/call';

function settings(patch: Record<string, unknown> = {}): Settings {
  return SettingsSchema.parse({ crm: { kind: 'amocrm', userMap: { '101': '777' } }, ...patch });
}

function onlyCall(calls: ReadonlyMap<string, Call>): Call {
  const ended = [...calls.values()].filter((c) => c.state === 'ended');
  expect(ended).toHaveLength(1);
  const [call] = ended;
  if (!call) throw new Error('no ended call');
  return call;
}

describe('buildCallLog', () => {
  it('an answered inbound call: durations, result, number forms, my CRM user', () => {
    const call = onlyCall(replay(traceEvents('a-inbound-answered-caller-hangup', '101'), '101').calls);
    const log = CallLogSchema.parse(buildCallLog(call, { settings: settings(), contactId: '42' }));
    expect(log.id).toBe(call.id);
    expect(log.linkedid).toBe(call.linkedids[0]);
    expect(log.direction).toBe('inbound');
    expect(log.result).toBe('answered');
    expect(log.extension).toBe('101');
    expect(log.crmUserId).toBe('777');
    expect(log.contactId).toBe('42');
    expect(log.answeredAt).toBe(call.answeredAt);
    expect(log.talkSeconds).toBe(Math.round(((call.endedAt ?? 0) - (call.answeredAt ?? 0)) / 1000));
    expect(log.waitSeconds).toBe(Math.round(((call.answeredAt ?? 0) - call.startedAt) / 1000));
    expect(log.number.raw).toBe(call.remoteNumber);
    expect(log.number.digits).not.toBe('');
    expect(log.rules).toEqual({ createUnknown: true, missedCallTask: false });
  });

  it('an unanswered inbound call: no talk time, the whole ring is waiting', () => {
    const call = onlyCall(replay(traceEvents('b-inbound-noanswer-timeout', '101'), '101').calls);
    const log = buildCallLog(call, { settings: settings({ reporting: { missedCallTask: true } }) });
    expect(log.result).toBe('missed');
    expect(log.talkSeconds).toBe(0);
    expect(log.answeredAt).toBeUndefined();
    expect(log.waitSeconds).toBe(Math.round(((call.endedAt ?? 0) - call.startedAt) / 1000));
    expect(log.rules.missedCallTask).toBe(true);
  });

  it('keeps the recording files and the link it is given', () => {
    const call = onlyCall(replay(traceEvents('d-mixmonitor-start-stop', '101'), '101').calls);
    expect(call.recording.files.length).toBeGreaterThan(0);
    const log = buildCallLog(call, { settings: settings(), recordingUrl: 'https://pbx.example.com/rec/x.wav' });
    expect(log.recording.files).toEqual(call.recording.files);
    expect(log.recording.url).toBe('https://pbx.example.com/rec/x.wav');
  });

  it('carries transfer legs', () => {
    const call = onlyCall(replay(fixtureEvents('blind-transfer-101-to-102', '101'), '101').calls);
    const log = buildCallLog(call, { settings: settings() });
    expect(log.transfers.length).toBeGreaterThan(0);
    expect(log.transfers).toEqual(call.transfers);
  });
});

describe('shouldReport', () => {
  const answered = onlyCall(replay(traceEvents('a-inbound-answered-caller-hangup', '101'), '101').calls);
  const missed = onlyCall(replay(traceEvents('b-inbound-noanswer-timeout', '101'), '101').calls);
  const internal = onlyCall(replay(fixtureEvents('internal-101-to-102', '101'), '101').calls);
  const n = (c: Call) => normalizeFor(c.remoteNumber, settings().numbers);
  const rules = (which: 'all' | 'external' | 'answered', enabled = true) => settings({ reporting: { which, enabled } }).reporting;

  it('external (default) reports outside calls, not colleagues', () => {
    expect(internal.direction).toBe('internal');
    expect(shouldReport(answered, rules('external'), n(answered))).toBe(true);
    expect(shouldReport(missed, rules('external'), n(missed))).toBe(true);
    expect(shouldReport(internal, rules('external'), n(internal))).toBe(false);
  });
  it('answered reports only answered outside calls', () => {
    expect(shouldReport(answered, rules('answered'), n(answered))).toBe(true);
    expect(shouldReport(missed, rules('answered'), n(missed))).toBe(false);
  });
  it('all reports internal calls too; disabled reports nothing', () => {
    expect(shouldReport(internal, rules('all'), n(internal))).toBe(true);
    expect(shouldReport(answered, rules('all', false), n(answered))).toBe(false);
  });
});

describe('crmNumberForm', () => {
  const numbers = settings().numbers;
  it('E.164 for most CRMs, digits for retailCRM, as dialled for short numbers', () => {
    const n = normalizeFor('89161234567', numbers);
    expect(crmNumberForm('amocrm', n, '89161234567')).toBe('+79161234567');
    expect(crmNumberForm('bitrix24', n, '89161234567')).toBe('+79161234567');
    expect(crmNumberForm('retailcrm', n, '89161234567')).toBe('79161234567');
    expect(crmNumberForm('amocrm', normalizeFor('102', numbers), '102')).toBe('102');
  });
});
