// What the tray shows, as pure data: one state at a glance (offline,
// connecting, ready, ringing, on call, recording), the missed-calls badge, the
// tooltip and the context menu: status line(s), "Call number in clipboard",
// Open, Settings, Quit. tray.ts turns this into Electron objects; main.ts
// feeds it `connection.status` and `calls.changed`.
import type { CallsView, CallView } from '../../../src-shared/domain/calls-view';
import type { ConnectionStatus } from '../../../src-shared/domain/connection';

/** Tray states, each with artwork in resources/tray (scripts/make-tray-icons.mjs), plain and with a red dot. */
export const TRAY_ICON_STATES = ['offline', 'connecting', 'ready', 'ringing', 'onCall', 'recording'] as const;
export type TrayIconState = (typeof TRAY_ICON_STATES)[number];

export type TrayLanguage = 'en' | 'ru';
export type TrayAction = 'callClipboard' | 'open' | 'settings' | 'quit';

export interface TrayMenuEntry {
  readonly kind: 'action';
  readonly action: TrayAction;
  readonly label: string;
}
/** A line of text in the menu that cannot be clicked (the status line). */
export interface TrayMenuLabel {
  readonly kind: 'label';
  readonly label: string;
}
export interface TraySeparator {
  readonly kind: 'separator';
}
export type TrayMenuItem = TrayMenuEntry | TrayMenuLabel | TraySeparator;

/**
 * How the missed-calls count is shown. macOS has a text slot next to the menu
 * bar icon and a Dock badge, so the icon stays a template-like state icon
 * there; Windows and Linux have neither in the tray, so the icon gets a red dot.
 */
export interface TrayBadge {
  /** Use the `-missed` icon variant (red dot). */
  readonly dot: boolean;
  /** Text beside the icon (`tray.setTitle`, macOS only); '' clears it; null: not on this platform. */
  readonly title: string | null;
  /** Dock badge (`app.setBadgeCount`, macOS); null: do not touch it on this platform. */
  readonly count: number | null;
}

export interface TrayView {
  readonly icon: TrayIconState;
  readonly badge: TrayBadge;
  readonly tooltip: string;
  readonly menu: readonly TrayMenuItem[];
}

export interface TrayInput {
  readonly status: ConnectionStatus;
  /** The last `calls.changed` (or `calls.get`); null until the core answered. */
  readonly calls: CallsView | null;
  readonly language: TrayLanguage;
  /** process.platform: decides how the badge is drawn. */
  readonly platform: string;
}

interface Strings {
  readonly callClipboard: string;
  readonly open: string;
  readonly settings: string;
  readonly quit: string;
  readonly state: Readonly<Record<'offline' | 'connecting' | 'ready', string>>;
  /** What the operator's line is doing, by the state of the call that decides the icon. */
  readonly call: Readonly<Record<'ringing' | 'dialing' | 'connected' | 'onHold' | 'recording', string>>;
  readonly hiddenNumber: string;
  readonly missed: (n: number) => string;
}

const STRINGS: Readonly<Record<TrayLanguage, Strings>> = {
  en: {
    callClipboard: 'Call number in clipboard',
    open: 'Open Sidecall',
    settings: 'Settings…',
    quit: 'Quit Sidecall',
    state: { offline: 'not connected', connecting: 'connecting…', ready: 'connected' },
    call: { ringing: 'ringing', dialing: 'calling', connected: 'on call', onHold: 'on hold', recording: 'recording' },
    hiddenNumber: 'hidden number',
    missed: (n) => (n === 1 ? '1 missed call' : `${n} missed calls`),
  },
  ru: {
    callClipboard: 'Позвонить по номеру из буфера',
    open: 'Открыть Sidecall',
    settings: 'Настройки…',
    quit: 'Выйти из Sidecall',
    state: { offline: 'нет подключения', connecting: 'подключение…', ready: 'подключено' },
    call: { ringing: 'звонит', dialing: 'набор номера', connected: 'разговор', onHold: 'на удержании', recording: 'запись' },
    hiddenNumber: 'скрытый номер',
    missed: (n) => `${n} ${ruPlural(n, 'пропущенный звонок', 'пропущенных звонка', 'пропущенных звонков')}`,
  },
};

/** Windows cuts tray tooltips at 127 characters; a long CRM name is shortened well before that. */
const MAX_WHO = 48;

/** The connection alone: only a logged-in, filtered AMI connection is "ready"; a retry in progress is "connecting". */
export function connectionTrayState(status: ConnectionStatus): 'offline' | 'connecting' | 'ready' {
  switch (status.state) {
    case 'ready':
      return 'ready';
    case 'connecting':
    case 'loggingIn':
    case 'reconnecting':
      return 'connecting';
    case 'unconfigured':
    case 'loginRefused':
    case 'error':
      return 'offline';
  }
}

/**
 * The call that decides the icon, and its state. A ringing call wins (it is
 * the one thing the operator must act on, even during another call), then a
 * call being recorded (the operator must know the line is recorded), then any
 * other live call. Outbound `dialing` counts as on call: the line is busy.
 */
export function primaryCall(calls: CallsView | null): { readonly view: CallView; readonly state: 'ringing' | 'onCall' | 'recording' } | null {
  const live = (calls?.live ?? []).filter((v) => v.call.state !== 'ended');
  const ringing = live.find((v) => v.call.state === 'ringing');
  if (ringing) return { view: ringing, state: 'ringing' };
  const recorded = live.find((v) => v.call.recording.state === 'recording');
  if (recorded) return { view: recorded, state: 'recording' };
  const first = live[0];
  return first ? { view: first, state: 'onCall' } : null;
}

/**
 * The tray state. The connection comes first: while it is down or retrying,
 * call states are stale and the operator needs to know that pops will not come.
 */
export function trayIconStateOf(status: ConnectionStatus, calls: CallsView | null = null): TrayIconState {
  const connection = connectionTrayState(status);
  if (connection !== 'ready') return connection;
  return primaryCall(calls)?.state ?? 'ready';
}

/** The icon file for a state; Electron picks the `@2x` sibling on HiDPI screens by itself. */
export function trayIconFile(state: TrayIconState, dot = false): string {
  return `${state}${dot ? '-missed' : ''}.png`;
}

/** How the missed-calls count shows on this platform (see TrayBadge). */
export function trayBadge(missed: number, platform: string): TrayBadge {
  if (platform === 'darwin') return { dot: false, title: missed > 0 ? String(missed) : '', count: missed };
  return { dot: missed > 0, title: null, count: null };
}

/** Tooltip, icon, badge and menu for the connection and the calls, in the UI language. */
export function trayView(input: TrayInput): TrayView {
  const s = STRINGS[input.language];
  const icon = trayIconStateOf(input.status, input.calls);
  const missed = input.calls?.missed ?? 0;
  const status = statusPhrase(input, s);
  return {
    icon,
    badge: trayBadge(missed, input.platform),
    tooltip: `Sidecall — ${status}${missed > 0 ? ` · ${s.missed(missed)}` : ''}`,
    menu: [
      { kind: 'label', label: capitalize(status) },
      ...(missed > 0 ? [{ kind: 'label', label: capitalize(s.missed(missed)) } as const] : []),
      { kind: 'separator' },
      // Enabled even when offline: the core's refusal says why better than a grey item.
      { kind: 'action', action: 'callClipboard', label: s.callClipboard },
      { kind: 'separator' },
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

/** "connected", or "ringing: 8 (916) 123-45-67" (+ how many other calls are live). */
function statusPhrase(input: TrayInput, s: Strings): string {
  const connection = connectionTrayState(input.status);
  if (connection !== 'ready') return s.state[connection];
  const primary = primaryCall(input.calls);
  if (!primary) return s.state.ready;
  const { call } = primary.view;
  const what =
    primary.state === 'ringing' ? s.call.ringing : primary.state === 'recording' ? s.call.recording : call.state === 'dialing' ? s.call.dialing : call.state === 'onHold' ? s.call.onHold : s.call.connected;
  const others = (input.calls?.live ?? []).filter((v) => v.call.state !== 'ended').length - 1;
  return `${what}: ${who(primary.view, s)}${others > 0 ? ` (+${others})` : ''}`;
}

/** The same name the pop-up card shows: the CRM contact, else the PBX's caller name, else the number. */
function who(v: CallView, s: Strings): string {
  const name =
    v.lookup.status === 'found'
      ? v.lookup.contact.name
      : v.call.remoteName && v.call.remoteName !== v.call.remoteNumber
        ? v.call.remoteName
        : (v.number?.display ?? v.call.remoteNumber ?? s.hiddenNumber);
  return name.length > MAX_WHO ? `${name.slice(0, MAX_WHO - 1)}…` : name;
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** Russian plural forms: 1 звонок, 2–4 звонка, 5–20 звонков, 21 звонок... */
function ruPlural(n: number, one: string, few: string, many: string): string {
  const mod10 = n % 10;
  const mod100 = n % 100;
  if (mod10 === 1 && mod100 !== 11) return one;
  if (mod10 >= 2 && mod10 <= 4 && (mod100 < 12 || mod100 > 14)) return few;
  return many;
}
