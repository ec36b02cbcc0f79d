// What the tray shows, as pure data: the icon for a connection state, the
// tooltip and the context menu. tray.ts turns this into Electron objects; the
// desktop-shell work (more states, badges, last calls) extends these functions.
import type { ConnectionStatus } from '../../../src-shared/domain/connection';

/** Tray icon states that have artwork in resources/tray (scripts/make-tray-icons.mjs). */
export const TRAY_ICON_STATES = ['offline', 'ready'] as const;
export type TrayIconState = (typeof TRAY_ICON_STATES)[number];

export type TrayLanguage = 'en' | 'ru';
export type TrayAction = 'open' | 'settings' | 'quit';

export interface TrayMenuEntry {
  readonly kind: 'action';
  readonly action: TrayAction;
  readonly label: string;
}
export interface TraySeparator {
  readonly kind: 'separator';
}
export type TrayMenuItem = TrayMenuEntry | TraySeparator;

export interface TrayView {
  readonly icon: TrayIconState;
  readonly tooltip: string;
  readonly menu: readonly TrayMenuItem[];
}

const STRINGS: Readonly<Record<TrayLanguage, Readonly<Record<TrayAction | TrayIconState, string>>>> = {
  en: { open: 'Open Sidecall', settings: 'Settings…', quit: 'Quit Sidecall', offline: 'not connected', ready: 'connected' },
  ru: { open: 'Открыть Sidecall', settings: 'Настройки…', quit: 'Выйти из Sidecall', offline: 'нет подключения', ready: 'подключено' },
};

/** Only a logged-in, filtered AMI connection counts as "ready"; every other state is offline for now. */
export function trayIconStateOf(status: ConnectionStatus): TrayIconState {
  return status.state === 'ready' ? 'ready' : 'offline';
}

/** The icon file for a state; Electron picks the `@2x` sibling on HiDPI screens by itself. */
export function trayIconFile(state: TrayIconState): string {
  return `${state}.png`;
}

/** Tooltip, icon and menu for a connection state, in the UI language. */
export function trayView(status: ConnectionStatus, language: TrayLanguage): TrayView {
  const icon = trayIconStateOf(status);
  const s = STRINGS[language];
  return {
    icon,
    tooltip: `Sidecall — ${s[icon]}`,
    menu: [
      { kind: 'action', action: 'open', label: s.open },
      { kind: 'action', action: 'settings', label: s.settings },
      { kind: 'separator' },
      { kind: 'action', action: 'quit', label: s.quit },
    ],
  };
}

/** The tray's language: the Settings choice, or the OS language for `system`. */
export function trayLanguage(setting: 'system' | 'en' | 'ru', system: TrayLanguage): TrayLanguage {
  return setting === 'system' ? system : setting;
}
