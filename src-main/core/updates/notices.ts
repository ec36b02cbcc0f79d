// What the operator is told about updates, in English and Russian: one tray
// menu entry (only while downloading or ready — otherwise updates stay out of
// the way), one notification when an update is ready, the answer to
// "Restart to update" during a call, and a one-line status for About and
// diagnostics.
import type { UpdatesOffReason } from './plan';
import type { RestartDecision, UpdateStatus } from './status';

export type UpdateLanguage = 'en' | 'ru';

/** A tray menu entry; `action: 'restart'` means clicking it calls Updates.restartToUpdate(). */
export interface UpdateMenuItem {
  readonly label: string;
  readonly enabled: boolean;
  readonly action?: 'restart';
}

export interface UpdateNotice {
  readonly title: string;
  readonly body: string;
}

interface Strings {
  restart(version: string): string;
  downloading(version: string, percent: number): string;
  readyTitle: string;
  readyBody(version: string): string;
  onCallTitle: string;
  onCallBody: string;
  off: Readonly<Record<UpdatesOffReason, string>>;
  idle: string;
  checking: string;
  upToDate(time: string): string;
  failed(time: string): string;
  ready(version: string): string;
}

const STRINGS: Readonly<Record<UpdateLanguage, Strings>> = {
  en: {
    restart: (v) => `Restart to update (${v})`,
    downloading: (v, p) => `Downloading update ${v}… ${p}%`,
    readyTitle: 'Sidecall update ready',
    readyBody: (v) => `Version ${v} is downloaded. Choose "Restart to update" in the tray menu when you are not on a call.`,
    onCallTitle: 'Update after the call',
    onCallBody: 'Sidecall will not restart during a call. Choose "Restart to update" again when the call has ended.',
    off: {
      disabled: 'Updates are turned off in Settings.',
      'disabled-by-policy': 'Updates are turned off by your organization.',
      'no-url': 'Updates are off: no update server is configured (ask IT for one).',
      development: 'Updates are off in a development run.',
      'managed-install': 'Updates for this installation come from your IT department or package manager.',
      unsigned: 'Updates are off: this build is not code-signed, so a download could not be verified.',
      unsupported: 'Updates are off: this kind of installation cannot update itself.',
    },
    idle: 'Updates are on; the first check runs shortly.',
    checking: 'Checking for updates…',
    upToDate: (t) => `Up to date (checked ${t}).`,
    failed: (t) => `The last update check failed (${t}); Sidecall tries again later. See the log for details.`,
    ready: (v) => `Version ${v} is ready: restart to update.`,
  },
  ru: {
    restart: (v) => `Перезапустить для обновления (${v})`,
    downloading: (v, p) => `Загрузка обновления ${v}… ${p}%`,
    readyTitle: 'Обновление Sidecall готово',
    readyBody: (v) => `Версия ${v} загружена. Выберите «Перезапустить для обновления» в меню значка, когда не будете на звонке.`,
    onCallTitle: 'Обновление после звонка',
    onCallBody: 'Sidecall не перезапускается во время звонка. Выберите «Перезапустить для обновления» ещё раз после его окончания.',
    off: {
      disabled: 'Обновления выключены в настройках.',
      'disabled-by-policy': 'Обновления выключены вашей организацией.',
      'no-url': 'Обновления выключены: не указан сервер обновлений (спросите у ИТ-отдела).',
      development: 'Обновления выключены в режиме разработки.',
      'managed-install': 'Эту установку обновляет ваш ИТ-отдел или менеджер пакетов.',
      unsigned: 'Обновления выключены: сборка не подписана, загрузку нельзя проверить.',
      unsupported: 'Обновления выключены: этот вид установки не обновляется сам.',
    },
    idle: 'Обновления включены; первая проверка скоро.',
    checking: 'Проверка обновлений…',
    upToDate: (t) => `Установлена последняя версия (проверено в ${t}).`,
    failed: (t) => `Последняя проверка обновлений не удалась (${t}); Sidecall повторит позже. Подробности в журнале.`,
    ready: (v) => `Версия ${v} готова: перезапустите для обновления.`,
  },
};

/** The tray's update entry, or null when there is nothing to show. */
export function updateMenuItem(status: UpdateStatus, language: UpdateLanguage): UpdateMenuItem | null {
  const s = STRINGS[language];
  if (status.state === 'ready') return { label: s.restart(status.version), enabled: true, action: 'restart' };
  if (status.state === 'downloading') return { label: s.downloading(status.version, status.percent), enabled: false };
  return null;
}

export function readyNotice(version: string, language: UpdateLanguage): UpdateNotice {
  const s = STRINGS[language];
  return { title: s.readyTitle, body: s.readyBody(version) };
}

/** What to show when "Restart to update" was chosen but did not restart; null when it did. */
export function restartNotice(decision: RestartDecision, language: UpdateLanguage): UpdateNotice | null {
  if (decision !== 'on-call') return null;
  const s = STRINGS[language];
  return { title: s.onCallTitle, body: s.onCallBody };
}

/** One line for About and diagnostics. `time` formats an epoch-ms instant (the host passes its locale's). */
export function describeUpdates(status: UpdateStatus, language: UpdateLanguage, time: (at: number) => string): string {
  const s = STRINGS[language];
  switch (status.state) {
    case 'off':
      return s.off[status.reason];
    case 'idle':
      if (!status.lastCheck) return s.idle;
      return status.lastCheck.outcome === 'failed' ? s.failed(time(status.lastCheck.at)) : s.upToDate(time(status.lastCheck.at));
    case 'checking':
      return s.checking;
    case 'downloading':
      return s.downloading(status.version, status.percent);
    case 'ready':
      return s.ready(status.version);
  }
}
