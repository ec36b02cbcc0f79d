// The shell's native notifications, as pure data: a missed call (each once,
// only calls that ended after the app started) and "CRM needs you to sign in
// again" (once per time the CRM asks). dial-actions.ts shows them.
import type { HistoryItem } from '../../../src-shared/domain/calls-view';
import type { CrmStatus } from '../../../src-shared/domain/crm-status';
import type { Notice } from './clipboard-dial';
import type { TrayLanguage } from './tray-model';

const TEXT = {
  en: {
    missedTitle: 'Missed call',
    missedBody: (who: string, number: string | undefined) => (number && number !== who ? `${who}, ${number}` : who),
    hidden: 'Hidden number',
    crmTitle: (crm: string) => `${crm}: sign in again`,
    crmBody: 'Sidecall cannot report calls or show contacts until you sign in. Calls are kept and sent afterwards. Open Settings -> CRM.',
  },
  ru: {
    missedTitle: 'Пропущенный звонок',
    missedBody: (who: string, number: string | undefined) => (number && number !== who ? `${who}, ${number}` : who),
    hidden: 'Скрытый номер',
    crmTitle: (crm: string) => `${crm}: войдите снова`,
    crmBody: 'Sidecall не может отправлять звонки и показывать контакты, пока вы не войдёте. Звонки сохранены и будут отправлены после входа. Откройте Настройки -> CRM.',
  },
} as const;

export function isMissed(item: HistoryItem): boolean {
  return item.call.direction !== 'outbound' && (item.call.result === 'missed' || item.call.result === 'rejected');
}

/**
 * Missed calls to notify about now: not notified before (`seen`, which is
 * updated), and ended after `since` (the app's start: History from earlier
 * runs is not news).
 */
export function missedCallNotices(items: readonly HistoryItem[], seen: Set<string>, since: number, language: TrayLanguage): Notice[] {
  const t = TEXT[language];
  const out: Notice[] = [];
  for (const item of items) {
    if (!isMissed(item) || seen.has(item.call.id) || (item.call.endedAt ?? item.call.startedAt) <= since) continue;
    seen.add(item.call.id);
    const number = item.number?.display ?? item.call.remoteNumber;
    const who = item.contact?.name ?? (item.call.remoteName && item.call.remoteName !== item.call.remoteNumber ? item.call.remoteName : undefined) ?? number ?? t.hidden;
    out.push({ title: t.missedTitle, body: t.missedBody(who, number) });
  }
  // Oldest first, as they happened.
  return out.reverse();
}

export function crmSignInNotice(language: TrayLanguage, crmName: string): Notice {
  const t = TEXT[language];
  return { title: t.crmTitle(crmName), body: t.crmBody };
}

/** The CRM has just started asking for a new sign-in (not on every repeat of the same state). */
export function crmSignInDue(previous: Pick<CrmStatus, 'state'> | undefined, next: Pick<CrmStatus, 'state'>): boolean {
  return next.state === 'needsSignIn' && previous?.state !== 'needsSignIn';
}
