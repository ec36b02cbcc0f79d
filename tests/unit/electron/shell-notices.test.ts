// Native notifications of the shell: each missed call once (none for History
// from before the start), the CRM sign-in once per time it is asked for, and a
// ringing call once, only while the main window is hidden or in the background.
import { describe, expect, it } from 'vitest';
import type { Call } from '../../../src-shared/domain/call';
import type { CallsView, CallView, HistoryItem } from '../../../src-shared/domain/calls-view';
import { callHotkeyNotice, crmSignInDue, crmSignInNotice, incomingCallNotices, missedCallNotices, trayRefusalNotice } from '../../../src-main/hosts/electron/shell-notices';

function item(id: string, over: Partial<Call> = {}, extra: Partial<HistoryItem> = {}): HistoryItem {
  return {
    call: { id, linkedids: [id], extension: '101', direction: 'inbound', state: 'ended', result: 'missed', remoteNumber: '89161234567', startedAt: 100, endedAt: 200, transfers: [], legs: [], recording: { state: 'off', files: [] }, ...over },
    number: { display: '8 (916) 123-45-67', kind: 'external' },
    ...extra,
  };
}

describe('missedCallNotices', () => {
  it('tells about each new missed or rejected inbound call once, oldest first, named when known', () => {
    const seen = new Set<string>();
    const items = [
      item('c', { endedAt: 300, remoteName: 'ACME desk' }),
      item('b', { result: 'rejected' }, { contact: { id: '1', name: 'Ivan Petrov', phones: [] } }),
      item('a', { result: 'answered' }),
      item('o', { direction: 'outbound' }),
      item('old', { endedAt: 50 }),
      item('hidden', { remoteNumber: undefined }, { number: undefined }),
    ];
    expect(missedCallNotices(items, seen, 100, 'en')).toEqual([
      { title: 'Missed call', body: 'Hidden number' },
      { title: 'Missed call', body: 'Ivan Petrov, 8 (916) 123-45-67' },
      { title: 'Missed call', body: 'ACME desk, 8 (916) 123-45-67' },
    ]);
    expect(missedCallNotices(items, seen, 100, 'en')).toEqual([]);
    expect(missedCallNotices([item('d')], seen, 100, 'ru')).toEqual([{ title: 'Пропущенный звонок', body: '8 (916) 123-45-67' }]);
  });
});

describe('CRM sign-in', () => {
  it('is due when the CRM starts asking, not on every repeat', () => {
    expect(crmSignInDue(undefined, { state: 'needsSignIn' })).toBe(true);
    expect(crmSignInDue({ state: 'connected' }, { state: 'needsSignIn' })).toBe(true);
    expect(crmSignInDue({ state: 'needsSignIn' }, { state: 'needsSignIn' })).toBe(false);
    expect(crmSignInDue({ state: 'needsSignIn' }, { state: 'connected' })).toBe(false);
    expect(crmSignInNotice('en', 'amoCRM').title).toBe('amoCRM: sign in again');
    expect(crmSignInNotice('ru', 'Bitrix24').title).toBe('Bitrix24: войдите снова');
  });
});

function ringing(id: string, over: Partial<Call> = {}, extra: Partial<CallView> = {}): CallView {
  const { call, number } = item(id, { state: 'ringing', result: undefined, endedAt: undefined, ...over });
  return { call, ...(number ? { number } : {}), lookup: { status: 'pending' }, pop: true, ...extra };
}
const view = (...live: CallView[]): CallsView => ({ live, missed: 0, demo: false });
const HIDDEN = { visible: false, focused: false };
const BEHIND = { visible: true, focused: false };
const IN_FRONT = { visible: true, focused: true };

describe('incomingCallNotices', () => {
  it('tells about a ringing inbound call once while the main window is hidden or in the background, named when known', () => {
    const seen = new Set<string>();
    const found = ringing('a', {}, { lookup: { status: 'found', contact: { id: '1', name: 'Ivan Petrov', phones: [] } } });
    expect(incomingCallNotices(view(found), seen, 'en', HIDDEN)).toEqual([
      { callId: 'a', notice: { title: 'Incoming call: Ivan Petrov', body: '8 (916) 123-45-67. Click to open Sidecall on this call.' } },
    ]);
    // Updates of the same ringing call (the CRM answered, the window moved) say nothing more.
    expect(incomingCallNotices(view(found), seen, 'en', BEHIND)).toEqual([]);
    expect(incomingCallNotices(view(found, ringing('b', { remoteNumber: undefined }, { number: undefined })), seen, 'ru', BEHIND)).toEqual([
      { callId: 'b', notice: { title: 'Входящий звонок: Скрытый номер', body: 'Нажмите, чтобы открыть Sidecall на этом звонке.' } },
    ]);
  });

  it('says nothing with the main window in front (its live region announces the call), for outgoing or answered calls, nor later for that call', () => {
    const seen = new Set<string>();
    expect(incomingCallNotices(view(ringing('a')), seen, 'en', IN_FRONT)).toEqual([]);
    expect(incomingCallNotices(view(ringing('a')), seen, 'en', HIDDEN)).toEqual([]);
    expect(incomingCallNotices(view(ringing('o', { direction: 'outbound' }), ringing('c', { state: 'connected' })), seen, 'en', HIDDEN)).toEqual([]);
    // Internal calls ring too.
    expect(incomingCallNotices(view(ringing('i', { direction: 'internal', remoteNumber: '102', remoteName: 'Anna' }, { number: { display: '102', kind: 'extension' } })), seen, 'en', HIDDEN)).toEqual([
      { callId: 'i', notice: { title: 'Incoming call: Anna', body: '102. Click to open Sidecall on this call.' } },
    ]);
  });

  it('forgets calls that stopped ringing, so the set stays small', () => {
    const seen = new Set<string>();
    incomingCallNotices(view(ringing('a'), ringing('b')), seen, 'en', HIDDEN);
    expect([...seen].sort()).toEqual(['a', 'b']);
    incomingCallNotices(view(ringing('b')), seen, 'en', HIDDEN);
    expect([...seen]).toEqual(['b']);
  });
});

describe('callHotkeyNotice', () => {
  it('names the combination and what it was for, in both languages', () => {
    expect(callHotkeyNotice('en', 'Control+Alt+F1', 'answer')).toEqual({
      title: 'Shortcut not available',
      body: 'Control+Alt+F1 could not be set up: another app may be using it. Choose another shortcut to answer in Settings -> Desktop.',
    });
    expect(callHotkeyNotice('ru', 'Control+Alt+F2', 'hangUp').body).toContain('завершить звонок');
  });
});

describe('trayRefusalNotice', () => {
  it('titles a refused call-back or Do not disturb change in the tray language and carries the core reason', () => {
    expect(trayRefusalNotice('en', 'callBack', 'Not connected to the PBX')).toEqual({ title: 'Could not call', body: 'Not connected to the PBX' });
    expect(trayRefusalNotice('ru', 'callBack', 'x').title).toBe('Не удалось позвонить');
    expect(trayRefusalNotice('en', 'dnd', 'y')).toEqual({ title: 'Do not disturb not changed', body: 'y' });
    expect(trayRefusalNotice('ru', 'dnd', 'y').title).toBe('Режим «Не беспокоить» не изменён');
  });
});
