// Native notifications of the shell: each missed call once (none for History
// from before the start), and the CRM sign-in once per time it is asked for.
import { describe, expect, it } from 'vitest';
import type { Call } from '../../../src-shared/domain/call';
import type { HistoryItem } from '../../../src-shared/domain/calls-view';
import { crmSignInDue, crmSignInNotice, missedCallNotices } from '../../../src-main/hosts/electron/shell-notices';

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
