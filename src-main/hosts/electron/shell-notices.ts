// The shell's native notifications, as pure data: a missed call (each once,
// only calls that ended after the app started), "CRM needs you to sign in
// again" (once per time the CRM asks), an incoming call ringing while the main
// window is hidden or in the background (the pop-up never takes focus, so a
// keyboard-only or screen-reader operator hears of the call and reaches it
// through this notification), a call shortcut another app owns, and a tray
// request (call back, Do not disturb) the core refused.
// dial-actions.ts shows them.
import type { CallsView, HistoryItem } from '../../../src-shared/domain/calls-view';
import type { CrmStatus } from '../../../src-shared/domain/crm-status';
import type { Notice } from './clipboard-dial';
import { isMissed, remoteNameOf, type TrayLanguage } from './tray-model';

const TEXT = {
  en: {
    missedTitle: 'Missed call',
    missedBody: (who: string, number: string | undefined) => (number && number !== who ? `${who}, ${number}` : who),
    hidden: 'Hidden number',
    crmTitle: (crm: string) => `${crm}: sign in again`,
    crmBody: 'Sidecall cannot report calls or show contacts until you sign in. Calls are kept and sent afterwards. Open Settings -> CRM.',
    incomingTitle: (who: string) => `Incoming call: ${who}`,
    incomingBody: 'Click to open Sidecall on this call.',
    callBackTitle: 'Could not call',
    dndTitle: 'Do not disturb not changed',
    hotkeyTitle: 'Shortcut not available',
    hotkeyTaken: (a: string, action: CallHotkeyAction) =>
      `${a} could not be set up: another app may be using it. Choose another shortcut to ${action === 'answer' ? 'answer' : 'hang up'} in Settings -> Desktop.`,
  },
  ru: {
    missedTitle: 'Пропущенный звонок',
    missedBody: (who: string, number: string | undefined) => (number && number !== who ? `${who}, ${number}` : who),
    hidden: 'Скрытый номер',
    crmTitle: (crm: string) => `${crm}: войдите снова`,
    crmBody: 'Sidecall не может отправлять звонки и показывать контакты, пока вы не войдёте. Звонки сохранены и будут отправлены после входа. Откройте Настройки -> CRM.',
    incomingTitle: (who: string) => `Входящий звонок: ${who}`,
    incomingBody: 'Нажмите, чтобы открыть Sidecall на этом звонке.',
    callBackTitle: 'Не удалось позвонить',
    dndTitle: 'Режим «Не беспокоить» не изменён',
    hotkeyTitle: 'Сочетание клавиш недоступно',
    hotkeyTaken: (a: string, action: CallHotkeyAction) =>
      `Не удалось назначить ${a}: возможно, его уже использует другая программа. Выберите другое сочетание, чтобы ${action === 'answer' ? 'ответить' : 'завершить звонок'}, в Настройки -> Рабочий стол.`,
  },
} as const;

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
    const who = item.contact?.name ?? remoteNameOf(item.call) ?? number ?? t.hidden;
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

/** What the system-wide call shortcuts do. */
export type CallHotkeyAction = 'answer' | 'hangUp';

/** The main window as the notification decision sees it. */
export interface MainWindowState {
  readonly visible: boolean;
  readonly focused: boolean;
}

/**
 * Incoming calls to notify about now: ringing inbound or internal calls not
 * notified before (`seen`, which is updated), only while the main window is
 * hidden or not focused (in front, its live region already announces the
 * call). A call that rang while the window was in front is not notified later.
 * Ids of calls no longer ringing are forgotten, so `seen` stays small.
 */
export function incomingCallNotices(calls: CallsView, seen: Set<string>, language: TrayLanguage, window: MainWindowState): { readonly callId: string; readonly notice: Notice }[] {
  const t = TEXT[language];
  const ringing = calls.live.filter((v) => v.call.state === 'ringing' && v.call.direction !== 'outbound');
  const ids = new Set(ringing.map((v) => v.call.id));
  for (const id of seen) if (!ids.has(id)) seen.delete(id);
  const out: { callId: string; notice: Notice }[] = [];
  const inFront = window.visible && window.focused;
  for (const v of ringing) {
    if (seen.has(v.call.id)) continue;
    seen.add(v.call.id);
    if (inFront) continue;
    const number = v.number?.display ?? v.call.remoteNumber;
    const contact = v.lookup.status === 'found' ? v.lookup.contact.name : undefined;
    const who = contact ?? remoteNameOf(v.call) ?? number ?? t.hidden;
    out.push({ callId: v.call.id, notice: { title: t.incomingTitle(who), body: number && number !== who ? `${number}. ${t.incomingBody}` : t.incomingBody } });
  }
  return out;
}

/** A system-wide call shortcut could not be registered. */
export function callHotkeyNotice(language: TrayLanguage, accelerator: string, action: CallHotkeyAction): Notice {
  const t = TEXT[language];
  return { title: t.hotkeyTitle, body: t.hotkeyTaken(accelerator, action) };
}

/** A tray request the core refused (Last calls call-back, Do not disturb); the body is the core's own reason. */
export function trayRefusalNotice(language: TrayLanguage, what: 'callBack' | 'dnd', reason: string): Notice {
  const t = TEXT[language];
  return { title: what === 'callBack' ? t.callBackTitle : t.dndTitle, body: reason };
}
