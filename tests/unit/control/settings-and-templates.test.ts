// The pure parts of call control: ControlSettings defaults and refusals, the
// CallerID name and recording file templates, the OriginateResponse reason
// table, the second-leg outcome of a tracked call, and the shipped dialplan.
import { describe, expect, it } from 'vitest';
import type { Call } from '../../../src-shared/domain/call';
import {
  ControlSettingsSchema,
  defaultControlSettings,
  expandCallerIdName,
  expandRecordingFile,
  originateOutcome,
  outcomeOfCall,
  RECORDING_DIALPLAN,
  recordingDialplan,
} from '../../../src-main/core/control';
import { CallControlError } from '../../../src-main/core/control';

describe('ControlSettings', () => {
  it('has the documented defaults', () => {
    expect(defaultControlSettings()).toEqual({
      dial: { device: 'PJSIP/<ext>', context: 'from-internal', priority: 1, timeoutSec: 30, callerIdNameTemplate: 'Sidecall: {contact|number}', outboundPrefix: '', numberFormat: 'national' },
      transfer: { context: 'from-internal', useBlindTransferAction: false },
      recording: { mode: 'direct', fileTemplate: 'sidecall/${YYYY}/${MM}/${DD}/${LINKEDID}-${EXT}.wav', dialplanContext: 'sidecall-record' },
    });
  });

  it('accepts real-world values', () => {
    const s = ControlSettingsSchema.parse({
      dial: { device: 'Local/<ext>@from-internal/n', context: 'crm_out', priority: 3, timeoutSec: 60, outboundPrefix: '9', numberFormat: 'e164' },
      transfer: { context: 'transfer', useBlindTransferAction: true },
      recording: { mode: 'dialplan', fileTemplate: 'calls/${YYYY}-${MM}-${DD}/${hh}${mm}${ss}-${EXT}-${NUMBER}.wav' },
    });
    expect(s.dial.device).toBe('Local/<ext>@from-internal/n');
    expect(s.recording.dialplanContext).toBe('sidecall-record');
  });

  it.each([
    ['device with a second target', { dial: { device: 'PJSIP/<ext>&PJSIP/102' } }],
    ['device with CRLF', { dial: { device: 'PJSIP/<ext>\r\nAction: Hangup' } }],
    ['device pattern', { dial: { device: '/.*/' } }],
    ['context with a comma', { dial: { context: 'from-internal,1' } }],
    ['context with a variable', { transfer: { context: '${EVIL}' } }],
    ['priority 0', { dial: { priority: 0 } }],
    ['timeout 1 s', { dial: { timeoutSec: 1 } }],
    ['prefix with a letter', { dial: { outboundPrefix: '9a' } }],
    ['name template with a quote', { dial: { callerIdNameTemplate: 'Sidecall "x"' } }],
    ['name template with CR', { dial: { callerIdNameTemplate: 'Sidecall\r' } }],
    ['unknown name placeholder', { dial: { callerIdNameTemplate: '{secret}' } }],
    ['absolute file', { recording: { fileTemplate: '/etc/passwd.wav' } }],
    ['file with ..', { recording: { fileTemplate: 'sidecall/../../x.wav' } }],
    ['file with a comma (MixMonitor options)', { recording: { fileTemplate: 'x.wav,,rm -rf' } }],
    ['file with an unknown placeholder', { recording: { fileTemplate: '${SHELL}.wav' } }],
    ['file without an extension', { recording: { fileTemplate: 'sidecall/${LINKEDID}' } }],
    ['unknown mode', { recording: { mode: 'spy' } }],
  ])('refuses %s', (_, doc) => {
    expect(ControlSettingsSchema.safeParse(doc).success).toBe(false);
  });
});

describe('CallerID name template', () => {
  it('fills {contact|number}, {contact}, {number} and {ext}', () => {
    expect(expandCallerIdName('Sidecall: {contact|number}', { contact: 'Ivan Petrov', number: '8 (495) 123-45-67', ext: '101' })).toBe('Sidecall: Ivan Petrov');
    expect(expandCallerIdName('Sidecall: {contact|number}', { contact: '  ', number: '102', ext: '101' })).toBe('Sidecall: 102');
    expect(expandCallerIdName('{number} for {ext} {contact}', { number: '102', ext: '101' })).toBe('102 for 101 ');
  });
});

describe('recording file template', () => {
  const at = Date.parse('2026-01-15T12:00:00.000Z');
  it('expands the date (local time), linkedid, uniqueid, extension and number', () => {
    expect(expandRecordingFile('sidecall/${YYYY}/${MM}/${DD}/${LINKEDID}-${EXT}.wav', { at, linkedid: '1795334332.15', uniqueid: '1795334332.17', ext: '101' })).toBe(
      'sidecall/2026/01/15/1795334332.15-101.wav',
    );
    expect(expandRecordingFile('${UNIQUEID}-${NUMBER}.wav', { at, linkedid: 'l', uniqueid: 'u.1', ext: '101', number: '+79161234567' })).toBe('u.1-_79161234567.wav');
  });

  it('reduces hostile values to safe characters and never yields a . or .. part', () => {
    expect(expandRecordingFile('r/${LINKEDID}/${NUMBER}.wav', { at, linkedid: '../../etc', uniqueid: 'u', ext: '101', number: '1,2;rm -rf /' })).toBe('r/.._.._etc/1_2_rm_-rf__.wav');
    expect(expandRecordingFile('r/${LINKEDID}/x.wav', { at, linkedid: '..', uniqueid: 'u', ext: '101' })).toBe('r/unknown/x.wav');
    expect(expandRecordingFile('r/${NUMBER}.wav', { at, linkedid: 'l', uniqueid: 'u', ext: '101' })).toBe('r/unknown.wav');
  });

  it('refuses a template that escapes as a whole', () => {
    expect(() => expandRecordingFile('/abs/${EXT}.wav', { at, linkedid: 'l', uniqueid: 'u', ext: '101' })).toThrow(CallControlError);
    expect(() => expandRecordingFile('a/../${EXT}.wav', { at, linkedid: 'l', uniqueid: 'u', ext: '101' })).toThrow(CallControlError);
  });
});

describe('OriginateResponse reasons', () => {
  const ctx = { device: 'PJSIP/101', number: '8 (495) 123-45-67', timeoutSec: 30 };
  it.each([
    [true, 4, false, 'answered'],
    [false, 0, false, 'deviceOffline'],
    [false, 0, true, 'deviceNoAnswer'],
    [false, 1, true, 'deviceHungUp'],
    [false, 3, true, 'deviceNoAnswer'],
    [false, 5, false, 'deviceBusy'],
    [false, 8, false, 'congestion'],
    [false, 2, false, 'failed'],
  ] as const)('success=%s reason=%s channelSeen=%s -> %s', (success, reason, channelSeen, code) => {
    const o = originateOutcome({ success, reason }, { ...ctx, channelSeen });
    expect(o.code).toBe(code);
    expect(o.ok).toBe(code === 'answered');
    expect(o.message).not.toBe('');
  });
});

describe('second-leg outcome of a tracked click-to-call', () => {
  const base: Call = {
    id: '1',
    linkedids: ['1'],
    extension: '101',
    direction: 'outbound',
    state: 'ended',
    startedAt: 0,
    endedAt: 10,
    remoteNumber: '84951234567',
    transfers: [],
    legs: [{ channel: 'PJSIP/101-00000001', uniqueid: '1', startedAt: 0, answeredAt: 2, endedAt: 10 }],
    recording: { state: 'off', files: [] },
  };
  it('maps busy, no answer and failed after my phone answered', () => {
    expect(outcomeOfCall({ ...base, result: 'busy' })?.code).toBe('numberBusy');
    expect(outcomeOfCall({ ...base, result: 'noAnswer' })?.code).toBe('numberNoAnswer');
    expect(outcomeOfCall({ ...base, result: 'failed' })?.code).toBe('numberFailed');
  });
  it('leaves answered calls, live calls and first-leg failures to others', () => {
    expect(outcomeOfCall({ ...base, result: 'answered', answeredAt: 5 })).toBeUndefined();
    expect(outcomeOfCall({ ...base, state: 'dialing', result: undefined })).toBeUndefined();
    expect(outcomeOfCall({ ...base, result: 'failed', legs: [] })).toBeUndefined();
  });
});

describe('RECORDING_DIALPLAN', () => {
  it('is the sidecall-record context with the spy and record halves', () => {
    expect(RECORDING_DIALPLAN).toContain('[sidecall-record]');
    expect(RECORDING_DIALPLAN).toContain('ChanSpy(${SIDECALL_SPY},qES)');
    expect(RECORDING_DIALPLAN).toContain('MixMonitor(${SIDECALL_FILE})');
    expect(RECORDING_DIALPLAN).toContain('REGEX("^[0-9A-Za-z_./-]+$" ${SIDECALL_FILE})');
    // No backslash escapes (Asterisk's argument splitter may eat them), no "[" inside $[...].
    expect(RECORDING_DIALPLAN).not.toContain('\\');
    for (const expr of RECORDING_DIALPLAN.match(/\$\[[^\]]*\]/g) ?? []) expect(expr.slice(2)).not.toContain('[');
    expect(recordingDialplan('crm-rec')).toContain('[crm-rec]');
    expect(() => recordingDialplan('bad,name')).toThrow();
  });
});
