// What the tray shows, as pure data: one state at a glance (offline,
// connecting, ready, do not disturb, ringing, on call, recording), the
// missed-calls badge, the icon file for the platform and taskbar theme, the
// tooltip and the context menu: status line(s) (connection, missed calls, CRM
// sign-in, reports waiting), Do not disturb, Last calls (click to call back),
// Call number in clipboard, Restart to update, Open, Settings, Help, About,
// Quit. tray.ts turns this into Electron objects; main.ts feeds it the core's
// events.
import type { SoftphoneRegistration } from '../../../src-shared/softphone/status';
import type { Call } from '../../../src-shared/domain/call';
import type { CallsView, CallView, HistoryItem } from '../../../src-shared/domain/calls-view';
import type { ConnectionStatus } from '../../../src-shared/domain/connection';
import type { CrmStatus, OutboxStatusView } from '../../../src-shared/domain/crm-status';
import type { DndStatus } from '../../../src-shared/domain/dnd';

/** Tray states, each with artwork in resources/tray (scripts/make-tray-icons.mjs): plain, with a red dot, dark-taskbar and macOS template variants. */
export const TRAY_ICON_STATES = ['offline', 'connecting', 'ready', 'dnd', 'ringing', 'onCall', 'recording'] as const;
export type TrayIconState = (typeof TRAY_ICON_STATES)[number];

export type TrayLanguage = 'en' | 'ru';
/** Menu actions without an argument. */
export type TrayAction = 'callClipboard' | 'open' | 'settings' | 'help' | 'about' | 'restartToUpdate' | 'quit';

export interface TrayMenuEntry {
  readonly kind: 'action';
  readonly action: TrayAction;
  readonly label: string;
}
/** Calls a number back (the Last calls submenu). */
export interface TrayCallBack {
  readonly kind: 'callBack';
  readonly number: string;
  readonly label: string;
}
/** Do not disturb: a checkbox that asks for the opposite of `checked`. */
export interface TrayCheck {
  readonly kind: 'dnd';
  readonly label: string;
  readonly checked: boolean;
}
export interface TraySubmenu {
  readonly kind: 'submenu';
  readonly label: string;
  readonly items: readonly TrayCallBack[];
}
/** A line of text in the menu that cannot be clicked (the status line). */
export interface TrayMenuLabel {
  readonly kind: 'label';
  readonly label: string;
}
export interface TraySeparator {
  readonly kind: 'separator';
}
export type TrayMenuItem = TrayMenuEntry | TrayCallBack | TrayCheck | TraySubmenu | TrayMenuLabel | TraySeparator;

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
  /** The file in the tray icon folder for this platform, theme and badge. */
  readonly iconFile: string;
  readonly badge: TrayBadge;
  readonly tooltip: string;
  readonly menu: readonly TrayMenuItem[];
}

export interface TrayInput {
  readonly status: ConnectionStatus;
  /** The last `calls.changed` (or `calls.get`); null until the core answered. */
  readonly calls: CallsView | null;
  readonly language: TrayLanguage;
  /** process.platform: decides how the badge is drawn and which icon files are used. */
  readonly platform: string;
  /** The taskbar or panel is dark (Windows, Linux): light artwork. macOS uses template images either way. */
  readonly darkTheme?: boolean;
  /** Do not disturb; absent or mode `off`: no menu item. */
  readonly dnd?: DndStatus;
  /** The newest History entries, newest first (the Last calls submenu shows up to five). */
  readonly recent?: readonly HistoryItem[];
  /** The CRM connection: "sign in again" shows as a status line. */
  readonly crm?: Pick<CrmStatus, 'state' | 'displayName'>;
  /** Call reports waiting for the CRM or failed. */
  readonly outbox?: Pick<OutboxStatusView, 'waiting' | 'failed' | 'paused'>;
  /** The embedded softphone's registration; absent or `off`: no line. */
  readonly softphone?: SoftphoneRegistration;
  /** The updater's menu entry (hosts/electron/updater.ts menuItem()); null: none. */
  readonly update?: { readonly label: string; readonly enabled: boolean } | null;
  /** Formats a time of day for the Last calls submenu (the host passes its locale's); absent: no times. */
  readonly timeText?: (at: number) => string;
}

interface Strings {
  readonly callClipboard: string;
  readonly open: string;
  readonly settings: string;
  readonly help: string;
  readonly about: string;
  readonly quit: string;
  readonly dnd: string;
  readonly dndOn: string;
  readonly lastCalls: string;
  readonly missedCall: string;
  readonly crmSignIn: (crm: string) => string;
  readonly softphone: Readonly<Record<Exclude<SoftphoneRegistration, 'off'>, string>>;
  readonly reportsWaiting: (n: number) => string;
  readonly reportsFailed: (n: number) => string;
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
    help: 'Help and shortcuts',
    about: 'About Sidecall',
    quit: 'Quit Sidecall',
    dnd: 'Do not disturb',
    dndOn: 'do not disturb',
    lastCalls: 'Last calls',
    missedCall: 'missed',
    crmSignIn: (crm) => `Sign in to ${crm} again`,
    softphone: { connecting: 'softphone connecting…', registering: 'softphone registering…', registered: 'softphone ready', retrying: 'softphone offline, retrying', failed: 'softphone not registered: see Settings' },
    reportsWaiting: (n) => (n === 1 ? '1 call report waiting' : `${n} call reports waiting`),
    reportsFailed: (n) => (n === 1 ? '1 call report failed' : `${n} call reports failed`),
    state: { offline: 'not connected', connecting: 'connecting…', ready: 'connected' },
    call: { ringing: 'ringing', dialing: 'calling', connected: 'on call', onHold: 'on hold', recording: 'recording' },
    hiddenNumber: 'hidden number',
    missed: (n) => (n === 1 ? '1 missed call' : `${n} missed calls`),
  },
  ru: {
    callClipboard: 'Позвонить по номеру из буфера',
    open: 'Открыть Sidecall',
    settings: 'Настройки…',
    help: 'Справка и сочетания клавиш',
    about: 'О программе Sidecall',
    quit: 'Выйти из Sidecall',
    dnd: 'Не беспокоить',
    dndOn: 'не беспокоить',
    lastCalls: 'Последние звонки',
    missedCall: 'пропущен',
    crmSignIn: (crm) => `Войдите в ${crm} снова`,
    softphone: { connecting: 'софтфон подключается…', registering: 'софтфон регистрируется…', registered: 'софтфон готов', retrying: 'софтфон не в сети, повтор', failed: 'софтфон не зарегистрирован: см. Настройки' },
    reportsWaiting: (n) => `Ждут отправки в CRM: ${n}`,
    reportsFailed: (n) => `Не отправлено в CRM: ${n}`,
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
 * Do not disturb shows only while no call is up: a call says more.
 */
export function trayIconStateOf(status: ConnectionStatus, calls: CallsView | null = null, dnd?: DndStatus): TrayIconState {
  const connection = connectionTrayState(status);
  if (connection !== 'ready') return connection;
  return primaryCall(calls)?.state ?? (dndOn(dnd) ? 'dnd' : 'ready');
}

/** Do not disturb is set up on this desk and on. */
function dndOn(dnd: DndStatus | undefined): boolean {
  return dnd !== undefined && dnd.mode !== 'off' && dnd.state === 'on';
}

/**
 * Which artwork the tray uses: colour icons drawn for a light or a dark
 * taskbar (Windows as .ico, Linux as .png), or macOS template images (black
 * and alpha; the menu bar tints them for its theme and for the highlighted state).
 */
export type TrayIconStyle = 'light' | 'dark' | 'template';

export function trayIconStyle(platform: string, darkTheme: boolean): TrayIconStyle {
  if (platform === 'darwin') return 'template';
  return darkTheme ? 'dark' : 'light';
}

/**
 * The icon file for a state. Electron picks the `@2x` sibling of a PNG on
 * HiDPI screens by itself; a Windows .ico holds every size. Template images
 * have no red dot: macOS shows the count beside the icon instead (trayBadge).
 */
export function trayIconFile(state: TrayIconState, dot = false, style: TrayIconStyle = 'light', platform = 'linux'): string {
  if (style === 'template') return `${state}Template.png`;
  return `${state}${dot ? '-missed' : ''}${style === 'dark' ? '-dark' : ''}.${platform === 'win32' ? 'ico' : 'png'}`;
}

/** How the missed-calls count shows on this platform (see TrayBadge). */
export function trayBadge(missed: number, platform: string): TrayBadge {
  if (platform === 'darwin') return { dot: false, title: missed > 0 ? String(missed) : '', count: missed };
  return { dot: missed > 0, title: null, count: null };
}

/** How many calls the Last calls submenu offers. */
export const LAST_CALLS = 5;

/** Tooltip, icon, badge and menu for the connection and the calls, in the UI language. */
export function trayView(input: TrayInput): TrayView {
  const s = STRINGS[input.language];
  const icon = trayIconStateOf(input.status, input.calls, input.dnd);
  const missed = input.calls?.missed ?? 0;
  const badge = trayBadge(missed, input.platform);
  const status = statusPhrase(input, s);
  const dndShown = input.dnd !== undefined && input.dnd.mode !== 'off';
  const dndChecked = dndOn(input.dnd);
  const lastCalls = lastCallItems(input, s);
  const notes = [
    ...(missed > 0 ? [s.missed(missed)] : []),
    ...(input.softphone !== undefined && input.softphone !== 'off' ? [s.softphone[input.softphone]] : []),
    ...(input.crm?.state === 'needsSignIn' ? [s.crmSignIn(input.crm.displayName)] : []),
    ...((input.outbox?.failed.length ?? 0) > 0 ? [s.reportsFailed(input.outbox?.failed.length ?? 0)] : []),
    ...((input.outbox?.waiting ?? 0) > 0 ? [s.reportsWaiting(input.outbox?.waiting ?? 0)] : []),
  ];
  const update = input.update;
  return {
    icon,
    iconFile: trayIconFile(icon, badge.dot, trayIconStyle(input.platform, input.darkTheme ?? false), input.platform),
    badge,
    tooltip: `Sidecall — ${status}${dndChecked && icon !== 'dnd' ? ` · ${s.dndOn}` : ''}${missed > 0 ? ` · ${s.missed(missed)}` : ''}`,
    menu: [
      { kind: 'label', label: capitalize(status) },
      ...notes.map((label) => ({ kind: 'label', label: capitalize(label) }) as const),
      { kind: 'separator' },
      ...(dndShown ? [{ kind: 'dnd', label: s.dnd, checked: dndChecked } as const] : []),
      ...(lastCalls.length > 0 ? [{ kind: 'submenu', label: s.lastCalls, items: lastCalls } as const] : []),
      // Enabled even when offline: the core's refusal says why better than a grey item.
      { kind: 'action', action: 'callClipboard', label: s.callClipboard },
      { kind: 'separator' },
      ...(update ? [update.enabled ? ({ kind: 'action', action: 'restartToUpdate', label: update.label } as const) : ({ kind: 'label', label: update.label } as const), { kind: 'separator' } as const] : []),
      { kind: 'action', action: 'open', label: s.open },
      { kind: 'action', action: 'settings', label: s.settings },
      { kind: 'action', action: 'help', label: s.help },
      { kind: 'action', action: 'about', label: s.about },
      { kind: 'separator' },
      { kind: 'action', action: 'quit', label: s.quit },
    ],
  };
}

/** The newest calls that have a number to call back: "Ivan Petrov · 14:05", "8 (916) 123-45-67 — missed". */
function lastCallItems(input: TrayInput, s: Strings): TrayCallBack[] {
  const out: TrayCallBack[] = [];
  for (const item of input.recent ?? []) {
    if (out.length >= LAST_CALLS) break;
    const number = item.number?.e164 ?? item.call.remoteNumber;
    if (!number) continue;
    const name = item.contact?.name ?? remoteNameOf(item.call) ?? item.number?.display ?? number;
    const when = input.timeText ? ` · ${input.timeText(item.call.startedAt)}` : '';
    out.push({ kind: 'callBack', number, label: `${shorten(name)}${isMissed(item) ? ` — ${s.missedCall}` : ''}${when}` });
  }
  return out;
}

function shorten(name: string): string {
  return name.length > MAX_WHO ? `${name.slice(0, MAX_WHO - 1)}…` : name;
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
  if (!primary) return dndOn(input.dnd) ? `${s.state.ready} · ${s.dndOn}` : s.state.ready;
  const { call } = primary.view;
  const what =
    primary.state === 'ringing' ? s.call.ringing : primary.state === 'recording' ? s.call.recording : call.state === 'dialing' ? s.call.dialing : call.state === 'onHold' ? s.call.onHold : s.call.connected;
  const others = (input.calls?.live ?? []).filter((v) => v.call.state !== 'ended').length - 1;
  return `${what}: ${who(primary.view, s)}${others > 0 ? ` (+${others})` : ''}`;
}

/** The same name the pop-up card shows: the CRM contact, else the PBX's caller name, else the number. */
function who(v: CallView, s: Strings): string {
  const name = v.lookup.status === 'found' ? v.lookup.contact.name : (remoteNameOf(v.call) ?? v.number?.display ?? v.call.remoteNumber ?? s.hiddenNumber);
  return shorten(name);
}

/** The PBX's caller name, unless it only repeats the number (as many PBXs send it). */
export function remoteNameOf(call: Pick<Call, 'remoteName' | 'remoteNumber'>): string | undefined {
  return call.remoteName && call.remoteName !== call.remoteNumber ? call.remoteName : undefined;
}

/** An inbound or internal call nobody here answered (History's "missed", the tray's Last calls, the notifications). */
export function isMissed(item: HistoryItem): boolean {
  return item.call.direction !== 'outbound' && (item.call.result === 'missed' || item.call.result === 'rejected');
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

/** What the menu items do (tray.ts hands these to Electron). */
export interface TrayActions extends Readonly<Record<TrayAction, () => void>> {
  callBack(number: string): void;
  setDnd(on: boolean): void;
}

/** The part of Electron's MenuItemConstructorOptions the tray uses (kept here so this file needs no Electron). */
export interface TrayMenuTemplateItem {
  readonly type?: 'separator' | 'checkbox';
  readonly label?: string;
  readonly enabled?: boolean;
  readonly checked?: boolean;
  readonly click?: () => void;
  readonly submenu?: TrayMenuTemplateItem[];
}

/** Electron menu items for the model's items, each click calling its action. */
export function menuTemplate(items: readonly TrayMenuItem[], actions: TrayActions): TrayMenuTemplateItem[] {
  return items.map((item): TrayMenuTemplateItem => {
    switch (item.kind) {
      case 'separator':
        return { type: 'separator' };
      case 'label':
        return { label: item.label, enabled: false };
      case 'action':
        return { label: item.label, click: () => actions[item.action]() };
      case 'callBack':
        return { label: item.label, click: () => actions.callBack(item.number) };
      case 'dnd':
        // The item shows what the PBX has; a click asks for the opposite and the next view shows the outcome.
        return { label: item.label, type: 'checkbox', checked: item.checked, click: () => actions.setDnd(!item.checked) };
      case 'submenu':
        return { label: item.label, submenu: menuTemplate(item.items, actions) };
    }
  });
}
