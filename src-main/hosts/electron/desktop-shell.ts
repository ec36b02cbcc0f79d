// The tray and everything that follows the core on the desktop: the tray icon
// and menu (tray-model.ts), the pop-up window, native notifications for
// missed calls, for "the CRM needs you to sign in again" and for a call
// ringing while the main window is hidden or in the background, Do not disturb
// and Last calls from the tray, and start at login following the settings.
// main.ts builds it once the core has started; it only listens to the core's
// events and sends the same requests the UI would.
import { SoftphoneStatusSchema, type SoftphoneRegistration } from '../../../src-shared/softphone/status';
import { nativeTheme } from 'electron';
import type { SidecallCore } from '../../core/app';
import type { Logger } from '../../ports';
import { CallsViewSchema, HistoryItemSchema, type CallsView, type HistoryItem } from '../../../src-shared/domain/calls-view';
import { ConnectionStatusSchema, type ConnectionStatus } from '../../../src-shared/domain/connection';
import { CrmStatusSchema, OutboxStatusSchema, type CrmStatus, type OutboxStatusView } from '../../../src-shared/domain/crm-status';
import { DndStatusSchema, type DndStatus } from '../../../src-shared/domain/dnd';
import type { Language, Settings } from '../../../src-shared/domain/settings';
import { SettingsViewSchema } from '../../../src-shared/ipc/contract';
import type { Notify } from './dial-actions';
import type { PopupWindow } from './popup-window';
import { crmSignInDue, crmSignInNotice, incomingCallNotices, missedCallNotices, trayRefusalNotice, type MainWindowState } from './shell-notices';
import { createTray } from './tray';
import { trayLanguage, trayView, type TrayAction, type TrayLanguage } from './tray-model';

/** How many History entries the shell keeps for the tray and the missed-call notifications. */
const RECENT = 10;

export interface DesktopShellOptions {
  readonly core: SidecallCore;
  readonly systemLanguage: TrayLanguage;
  readonly popup: PopupWindow;
  /** Folder with the tray icons (dist/main/tray). */
  readonly iconDir: string;
  readonly platform: string;
  readonly notify: Notify;
  readonly log: Logger;
  /** The menu items main.ts implements (windows, clipboard, updates, quit). */
  readonly actions: Readonly<Record<TrayAction, () => void>>;
  /** Opens the main window on a page (notification clicks). */
  readonly openPage: (page: 'history' | 'settings') => void;
  /** app.setBadgeCount (macOS Dock). */
  readonly setBadgeCount: (count: number) => void;
  /** Settings now and after every change (the clipboard shortcut, start at login). */
  readonly onSettings: (settings: Settings) => void;
  /** The updater's tray entry, asked on every redraw; null: none. */
  readonly update?: (language: TrayLanguage) => { readonly label: string; readonly enabled: boolean } | null;
  /** Calls that ended before this are History, not news: no notification. */
  readonly startedAt: number;
  /** The main window now: an incoming call is notified only when it is hidden or not focused. */
  readonly mainWindow: () => MainWindowState;
  /** The incoming-call notification was clicked: the main window in front, the keyboard on the ringing call. */
  readonly focusCall: () => void;
}

export interface DesktopShell {
  language(): TrayLanguage;
  /** Redraws the tray (e.g. the updater's status changed). */
  refresh(): void;
  /**
   * A native notification "<CRM>: sign in again"; clicking it opens Settings.
   * The shell calls it itself when `crm.status` turns to needsSignIn; a host or
   * integrator that learns it otherwise may call it directly.
   */
  notifyCrmSignIn(crmName: string): void;
  dispose(): void;
}

export async function startDesktopShell(opts: DesktopShellOptions): Promise<DesktopShell> {
  const { core, log } = opts;
  let status: ConnectionStatus = { state: 'unconfigured' };
  let calls: CallsView | null = null;
  let language: Language = 'system';
  let settings: Settings | undefined;
  let dnd: DndStatus | undefined;
  let recent: readonly HistoryItem[] = [];
  let crm: CrmStatus | undefined;
  let outbox: OutboxStatusView | undefined;
  const notifiedMissed = new Set<string>();
  const notifiedRinging = new Set<string>();
  const lang = (): TrayLanguage => trayLanguage(language, opts.systemLanguage);
  const timeText = (at: number): string => new Date(at).toLocaleTimeString(lang(), { hour: '2-digit', minute: '2-digit' });

  const onSettings = (next: Settings): void => {
    settings = next;
    language = next.language;
    opts.onSettings(next);
  };

  // Results and events are already validated by the core; parsing here only gives them their types.
  const [initial, view, live, dndNow, crmNow, outboxNow] = await Promise.all([
    core.dispatch('connection.get', {}),
    core.dispatch('settings.get', {}),
    core.dispatch('calls.get', {}),
    core.dispatch('dnd.get', {}),
    core.dispatch('crm.status', {}),
    core.dispatch('outbox.status', {}),
  ]);
  if (initial.ok) status = ConnectionStatusSchema.parse(initial.result);
  if (view.ok) onSettings(SettingsViewSchema.parse(view.result).settings);
  if (live.ok) calls = CallsViewSchema.parse(live.result);
  if (dndNow.ok) dnd = DndStatusSchema.parse(dndNow.result);
  if (crmNow.ok) crm = CrmStatusSchema.parse(crmNow.result);
  if (outboxNow.ok) outbox = OutboxStatusSchema.parse(outboxNow.result);
  let softphone: SoftphoneRegistration | undefined;

  const current = () =>
    trayView({
      status,
      calls,
      language: lang(),
      platform: opts.platform,
      darkTheme: nativeTheme.shouldUseDarkColors,
      ...(dnd ? { dnd } : {}),
      recent,
      ...(crm ? { crm } : {}),
      ...(outbox ? { outbox } : {}),
      ...(softphone ? { softphone } : {}),
      update: opts.update?.(lang()) ?? null,
      timeText,
    });

  const tray = createTray({
    iconDir: opts.iconDir,
    initial: current(),
    actions: {
      ...opts.actions,
      callBack: (number) => {
        void core.dispatch('calls.dial', { number, source: 'history' }).then((r) => {
          if (!r.ok) opts.notify(trayRefusalNotice(lang(), 'callBack', r.error.message));
        });
      },
      setDnd: (on) => {
        void core.dispatch('dnd.set', { on }).then((r) => {
          if (r.ok) return;
          log.warn('DND not changed from the tray', { code: r.error.code });
          opts.notify(trayRefusalNotice(lang(), 'dnd', r.error.message));
          // The checkbox flipped itself when clicked: draw what the PBX has again.
          redraw();
        });
      },
    },
    setBadgeCount: opts.setBadgeCount,
    log,
  });
  const redraw = (): void => tray.show(current());
  if (calls) opts.popup.update(calls);

  const notifyCrmSignIn = (crmName: string): void => opts.notify(crmSignInNotice(lang(), crmName), () => opts.openPage('settings'));

  let historyRequest = 0;
  /** The newest History entries: for Last calls, and the missed calls to tell about. */
  const loadRecent = (): void => {
    const mine = ++historyRequest;
    void core.dispatch('history.list', { limit: RECENT }).then((r) => {
      // An older answer arriving late must not undo a newer one.
      if (!r.ok || mine !== historyRequest) return;
      recent = (r.result as { items: unknown[] }).items.map((i) => HistoryItemSchema.parse(i));
      const notices = missedCallNotices(recent, notifiedMissed, opts.startedAt, lang());
      if (settings?.shell.notifyMissedCalls !== false) for (const n of notices) opts.notify(n, () => opts.openPage('history'));
      redraw();
    });
  };
  loadRecent();

  const onTheme = (): void => redraw();
  nativeTheme.on('updated', onTheme);
  const off = core.subscribe((channel, payload) => {
    switch (channel) {
      case 'connection.status':
        status = ConnectionStatusSchema.parse(payload);
        break;
      case 'settings.changed':
        onSettings(SettingsViewSchema.parse(payload).settings);
        break;
      case 'calls.changed':
        calls = CallsViewSchema.parse(payload);
        opts.popup.update(calls);
        for (const { notice } of incomingCallNotices(calls, notifiedRinging, lang(), opts.mainWindow())) opts.notify(notice, opts.focusCall);
        break;
      case 'dnd.changed':
        dnd = DndStatusSchema.parse(payload);
        break;
      case 'history.changed':
        loadRecent();
        return;
      case 'crm.status': {
        const next = CrmStatusSchema.parse(payload);
        if (crmSignInDue(crm, next)) notifyCrmSignIn(next.displayName);
        crm = next;
        break;
      }
      case 'outbox.changed':
        outbox = OutboxStatusSchema.parse(payload);
        break;
      case 'softphone.status':
        softphone = SoftphoneStatusSchema.parse(payload).registration;
        break;
      default:
        return;
    }
    redraw();
  });

  return {
    language: lang,
    refresh: () => redraw(),
    notifyCrmSignIn,
    dispose() {
      off();
      nativeTheme.off('updated', onTheme);
      tray.dispose();
    },
  };
}
