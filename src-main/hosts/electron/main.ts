// Entry point of the Electron host (the product): single-instance lock,
// sandbox everywhere, the core from adapters/bootstrap.ts, the app:// scheme,
// security guards, IPC, the tray, the main window and the screen-pop window;
// tel:/callto:/sip: links from the OS (argv, second instance, macOS open-url)
// and dialling the clipboard from the tray or a global shortcut; the optional
// system-wide answer/hang-up shortcuts (call-hotkeys.ts); the desktop shell
// (desktop-shell.ts: tray, notifications, Do not disturb, start at login).
// Bundled by scripts/build-main.mjs to dist/main/main.mjs; run by `npm start`.
import os from 'node:os';
import path from 'node:path';
import { Menu, app, dialog, globalShortcut, protocol, safeStorage, session, shell, type BrowserWindow } from 'electron';
import { KeytarSecretStore } from '../../adapters/secrets/keytar-secret-store';
import { HostOptionsError, languageFromLocale, parseHostOptions, type HostOptions } from '../../adapters/host-options';
import { bootstrapCore } from '../../adapters/bootstrap';
import type { SidecallCore } from '../../core/app';
import type { Logger } from '../../ports';
import { createLoggerFactory, streamSink } from '../../core/log/logger';
import { AppError } from '../../../src-shared/errors';
import { SYSTEM_BROWSER_URL } from '../../../src-shared/ipc/contract';
import { APP_SCHEME } from './app-protocol';
import { serveAppProtocol } from './app-protocol-handler';
import { hardenSession, hardenWebContents } from './hardening';
import { registerIpc } from './ipc-main';
import { linkNotice } from './clipboard-dial';
import { createCallHotkeys } from './call-hotkeys';
import { callHotkeyNotice } from './shell-notices';
import { createClipboardDial, createNotifier, type Notify } from './dial-actions';
import { REGISTER_PROTOCOLS_SWITCH, hasSwitch, launchLink, protocolRegistrations } from './launch-args';
import { createLinkInbox, type InboxLink } from './link-inbox';
import { createPopupWindow } from './popup-window';
import { SafeStorageSecretStore } from './safe-storage-secret-store';
import { chooseSecretStore } from './secrets';
import { startUpdates, type Updates } from './updater';
import type { TrayLanguage } from './tray-model';
import { createWindows, whenLoaded } from './windows';
import { fileWindowStateStore } from './window-state';
import { startDesktopShell } from './desktop-shell';
import { startsHidden } from './login-item';
import { createStartAtLogin } from './start-at-login';
import { APP_VERSION } from '../../adapters/host-options';

/** Where the bundle's siblings are: dist/main/{preload.cjs,tray/} and dist/renderer. */
const HERE = import.meta.dirname;
const PRELOAD = path.join(HERE, 'preload.cjs');
const TRAY_ICONS = path.join(HERE, 'tray');
const RENDERER = path.join(HERE, '..', 'renderer');

// Both must happen before `ready`: the scheme's privileges are fixed when
// Chromium starts, and enableSandbox covers every renderer, including ones we
// did not create ourselves.
protocol.registerSchemesAsPrivileged([
  // standard: a real origin ('self' in the CSP); secure: a secure context (getUserMedia for the softphone).
  // corsEnabled stays off: with it, any origin could read app:// responses.
  { scheme: APP_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true, codeCache: true } },
]);
app.enableSandbox();

// Read once, before anything else can touch process.argv: options and the cold-start link come from it.
const launchArgv: readonly string[] = [...process.argv];
const options = readOptions();
// --data-dir moves Chromium's profile too, so test runs and a second profile never share one.
if (options.dataDir) app.setPath('userData', options.dataDir);

// Links wait here until the core can take them (see link-inbox.ts). Until the
// core's log exists, what the inbox does goes to stderr.
const linkLog = lateBoundLogger(createLoggerFactory(streamSink((line) => process.stderr.write(line)))('electron/links'));
const inbox = createLinkInbox({ now: () => Date.now() });
const receiveLink = (link: InboxLink): void => {
  const outcome = inbox.push(link);
  // Never the link itself: it is untrusted text (and may be a customer's number).
  if (outcome !== 'delivered') linkLog.info(`link ${outcome}`, { source: link.source });
};

/** Set once the windows exist; a second instance before that needs nothing: startup shows the window. */
let showMainWhenUp: () => void = () => undefined;

if (!app.requestSingleInstanceLock()) {
  // Another Sidecall owns this profile; it receives our argv through 'second-instance'.
  app.quit();
} else {
  // Both before `ready`: macOS delivers the link that launched the app as an
  // early open-url, and a second instance can start while the core is still coming up.
  app.on('open-url', (event, url) => {
    event.preventDefault();
    receiveLink({ uri: url, source: 'open-url' });
  });
  app.on('second-instance', (_event, argv) => {
    const uri = launchLink(argv);
    if (uri !== undefined) receiveLink({ uri, source: 'second-instance' });
    // Without a link the operator started Sidecall again: show it (with one, delivering the link does).
    else showMainWhenUp();
  });
  // The link that started us (Windows, Linux) is queued now, not when the core
  // is up, so the same link forwarded again by a racing second launch counts as
  // a duplicate from the moment we started.
  const coldLink = launchLink(launchArgv);
  if (coldLink !== undefined) receiveLink({ uri: coldLink, source: 'argv' });
  app
    .whenReady()
    .then(() => start(options))
    .catch((error: unknown) => fatal(error));
}

function readOptions(): HostOptions {
  try {
    return parseHostOptions(process.argv, process.env);
  } catch (error) {
    if (!(error instanceof HostOptionsError)) throw error;
    process.stderr.write(`sidecall: ${error.message}\n`);
    process.exit(2);
  }
}

async function start(opts: HostOptions): Promise<void> {
  if (process.platform === 'win32') app.setAppUserModelId('com.sidecall.desktop');
  const dataDir = app.getPath('userData');
  // The secret store is needed to build the core, whose loggers also write the
  // log file; until then the store logs to stderr, afterwards to both.
  const secretsLog = lateBoundLogger(createLoggerFactory(streamSink((line) => process.stderr.write(line)))('electron/secrets'));
  const secrets = await chooseSecretStore({
    keychain: () => KeytarSecretStore.open(opts.keychainService),
    safeStorage: () => SafeStorageSecretStore.open({ file: path.join(dataDir, 'secrets.json'), safeStorage, platform: process.platform, log: secretsLog }),
    log: secretsLog,
  });
  const systemLanguage = languageFromLocale(app.getLocale());
  // Late-bound: the updater starts after the core, and diagnostics may be asked for before.
  const late: { updates?: Updates } = {};
  const { core, log, logDir } = bootstrapCore({
    host: 'electron',
    dataDir,
    options: opts,
    secrets,
    systemLanguage,
    browser: { open: (url) => openInSystemBrowser(url) },
    // The OS log folder (~/Library/Logs/Sidecall on macOS); --data-dir keeps everything of a test run together.
    ...(opts.dataDir ? {} : { logDir: app.getPath('logs') }),
    hostInfo: () => ({ electron: process.versions.electron, chrome: process.versions.chrome, packaged: app.isPackaged, updates: late.updates?.describe('en') ?? 'not started' }),
  });
  secretsLog.bind(log('electron/secrets'));
  const hostLog = log('electron/main');
  linkLog.bind(log('electron/links'));
  registerProtocols(opts, hostLog);

  hardenWebContents({ app, openExternal: (url) => shell.openExternal(url), log: log('electron/guard') });
  hardenSession(session.defaultSession, log('electron/guard'), () => core.connectOrigins());
  serveAppProtocol(session.defaultSession.protocol, RENDERER, log('electron/protocol'), () => core.connectOrigins());

  // Windows and Linux get no menu bar (its default accelerators would reload the page or take our shortcuts);
  // macOS keeps the standard menus Cmd+C / Cmd+V need.
  if (process.platform !== 'darwin') Menu.setApplicationMenu(null);
  const windows = createWindows({ preload: PRELOAD, devTools: !app.isPackaged, log: log('electron/windows'), state: fileWindowStateStore(dataDir) });
  const popup = createPopupWindow({ preload: PRELOAD, devTools: !app.isPackaged, platform: process.platform, log: log('electron/popup') });
  // Registered before the shell's own subscription, so a page gets each
  // calls.changed before the pop-up window is shown for it.
  const ipc = registerIpc({
    core,
    isOurWebContents: (c) => windows.isOurWebContents(c) || popup.isOurWebContents(c),
    targets: () => [...windows.webContents(), ...popup.webContents()],
    log: log('electron/ipc'),
  });

  await core.start();
  const notify = createNotifier(log('electron/notify'));
  // Late-bound: the tray needs the dialler's action, the dialler the tray's language.
  let language: () => TrayLanguage = () => systemLanguage;
  const clipboardDial = createClipboardDial({ core, language: () => language(), notify, log: log('electron/dial') });
  // Self-update (off unless settings name an update folder); the tray's "Restart to update" calls updates.restartToUpdate().
  const updates = startUpdates({ core, app, log: log('electron/updates'), notify, language: () => language() });
  late.updates = updates;
  const openPage = (page: 'history' | 'settings' | 'help'): void => {
    const win = windows.showMain();
    whenLoaded(win.webContents, () => ipc.sendTo(win.webContents, 'ui.navigate', { page }));
  };
  // The system-wide answer/hang-up shortcuts and the incoming-call notification's click:
  // the main window in front, then the page does what its own shortcut does.
  const toPage = (action: 'answer' | 'hangUp' | 'focusCall'): void => {
    const win = windows.showMain();
    whenLoaded(win.webContents, () => ipc.sendTo(win.webContents, 'ui.shortcut', { action }));
  };
  const callHotkeys = createCallHotkeys({
    port: { register: (accelerator, callback) => globalShortcut.register(accelerator, callback), unregister: (accelerator) => globalShortcut.unregister(accelerator) },
    onPress: (action) => toPage(action),
    onFailure: (accelerator, action, error) => {
      hostLog.warn('call shortcut not registered', { accelerator, action, error });
      notify(callHotkeyNotice(language(), accelerator, action));
    },
  });
  const startAtLogin = createStartAtLogin({ app, platform: process.platform, env: process.env, execPath: process.execPath, home: os.homedir(), log: log('electron/login-item') });
  const desktop = await startDesktopShell({
    core,
    systemLanguage,
    popup,
    iconDir: TRAY_ICONS,
    platform: process.platform,
    notify,
    log: log('electron/tray'),
    actions: {
      callClipboard: () => void clipboardDial.dial('tray').catch((error: unknown) => hostLog.error('clipboard call failed', { error })),
      open: () => void windows.showMain(),
      settings: () => openPage('settings'),
      help: () => openPage('help'),
      about: () => showAbout(() => language(), updates, logDir),
      restartToUpdate: () => void updates.restartToUpdate(),
      quit: () => app.quit(),
    },
    openPage,
    setBadgeCount: (n) => void app.setBadgeCount(n),
    onSettings: (settings) => {
      clipboardDial.setHotkey(settings.dial.clipboardHotkey);
      callHotkeys.set(settings.shell.callHotkeys);
      startAtLogin(settings.shell.startAtLogin);
    },
    update: (lang) => updates.menuItem(lang),
    startedAt: Date.now(),
    mainWindow: () => windows.mainState(),
    focusCall: () => toPage('focusCall'),
  });
  language = desktop.language;
  const offUpdates = updates.onStatus(() => desktop.refresh());

  showMainWhenUp = () => void windows.showMain();
  inbox.open((link) => openLink(core, link, () => windows.showMain(), notify, () => language(), linkLog));
  // macOS: clicking the Dock icon of a running app.
  app.on('activate', () => void windows.showMain());
  // A listener here keeps Electron from quitting when the last window closes: the tray stays.
  app.on('window-all-closed', () => undefined);

  let disposed = false;
  app.on('before-quit', () => windows.allowClose());
  app.on('will-quit', (event) => {
    if (disposed) return;
    // Let the core close the PBX connection and flush before the process ends.
    event.preventDefault();
    disposed = true;
    // Nothing may bring a window back while quitting.
    showMainWhenUp = () => undefined;
    inbox.close();
    clipboardDial.dispose();
    callHotkeys.dispose();
    offUpdates();
    updates.dispose();
    desktop.dispose();
    popup.dispose();
    ipc.dispose();
    core
      .dispose()
      .catch((error: unknown) => hostLog.error('shutdown failed', { error }))
      .finally(() => app.quit());
  });

  // Started by the login item: only the tray. (A link in argv showed the window already.)
  if (!startsHidden(launchArgv, process.platform === 'darwin' && app.getLoginItemSettings().wasOpenedAtLogin)) windows.showMain();
  // Loaded now and kept hidden, so a ring only has to show it.
  popup.prepare();
  hostLog.info('started', { dataDir, keychain: secrets.status().backend, packaged: app.isPackaged });
}

/** About: version, runtime and update status, where the logs are. */
function showAbout(language: () => TrayLanguage, updates: Updates | undefined, logDir: string): void {
  const ru = language() === 'ru';
  void dialog.showMessageBox({
    type: 'info',
    title: ru ? 'О программе Sidecall' : 'About Sidecall',
    message: `Sidecall ${APP_VERSION}`,
    detail: [
      `Electron ${process.versions.electron ?? '?'} · Chromium ${process.versions.chrome ?? '?'} · Node.js ${process.versions.node}`,
      updates?.describe(language()) ?? '',
      `${ru ? 'Журналы' : 'Logs'}: ${logDir}`,
      ru ? 'Диагностика для поддержки: Справка -> Скопировать диагностику.' : 'Diagnostics for support: Help -> Copy diagnostics.',
    ]
      .filter(Boolean)
      .join('\n'),
    buttons: ['OK'],
  });
}

/**
 * Asks the OS to hand tel:, callto: and sip: links to this executable:
 * packaged builds on macOS and Linux (on Windows the installer registers the
 * app), a development run only with --register-protocols
 * (see protocolRegistrations for why, and for the `--` before the link).
 */
function registerProtocols(opts: HostOptions, log: Logger): void {
  const appPath = launchArgv[1];
  const registrations = protocolRegistrations({
    platform: process.platform,
    packaged: app.isPackaged,
    devFlag: hasSwitch(launchArgv, REGISTER_PROTOCOLS_SWITCH),
    execPath: process.execPath,
    ...(appPath === undefined ? {} : { appPath: path.resolve(appPath) }),
    ...(opts.dataDir === undefined ? {} : { dataDir: opts.dataDir }),
  });
  for (const r of registrations) {
    const args = [...r.args];
    if (app.isDefaultProtocolClient(r.scheme, r.path, args)) continue;
    // false: the OS refused (e.g. macOS without the scheme in Info.plist); links then go to another app.
    if (app.setAsDefaultProtocolClient(r.scheme, r.path, args)) log.info('registered as the link handler', { scheme: r.scheme });
    else log.warn('could not register as the link handler', { scheme: r.scheme });
  }
}

/**
 * One link from the OS, once the core is up: the main window comes to the
 * front (the confirm card shows there) and, once its page is loaded so the
 * event reaches it, the core takes the link. A refusal is logged by its code
 * only and shown as a notification with the core's reason.
 */
function openLink(core: SidecallCore, link: InboxLink, showMain: () => BrowserWindow, notify: Notify, language: () => TrayLanguage, log: Logger): void {
  const win = showMain();
  whenLoaded(win.webContents, () => {
    core.openLink(link.uri).then(
      () => log.info('link handed to the core', { source: link.source }),
      (error: unknown) => {
        // An AppError's message is the core's fixed text; anything else may carry arbitrary detail, so it stays in the log.
        const known = error instanceof AppError;
        log.warn('link not called', { source: link.source, code: known ? error.code : 'internal', ...(known ? {} : { error }) });
        notify(linkNotice(language(), known ? error.message : 'Sidecall could not handle it. See the log for details.'));
      },
    );
  });
}

/** A logger that forwards to `initial` until bind() hands it the real one. */
function lateBoundLogger(initial: Logger): Logger & { bind(next: Logger): void } {
  let target = initial;
  return {
    debug: (m, f) => target.debug(m, f),
    info: (m, f) => target.info(m, f),
    warn: (m, f) => target.warn(m, f),
    error: (m, f) => target.error(m, f),
    bind(next) {
      target = next;
    },
  };
}

function fatal(error: unknown): void {
  const message = error instanceof Error ? error.message : String(error);
  process.stderr.write(`sidecall: could not start: ${error instanceof Error ? (error.stack ?? message) : message}\n`);
  dialog.showErrorBox('Sidecall could not start', `${message}\n\nIf this keeps happening, start Sidecall from a terminal with \`npm start\` to see the details, or send the log folder to support.`);
  app.exit(1);
}

/** CRM sign-in pages in the operator's own browser (RFC 8252: never a window of ours); https, or http on loopback only. */
function openInSystemBrowser(url: string): Promise<void> {
  if (!SYSTEM_BROWSER_URL.test(url)) return Promise.reject(new Error('Refused to open a sign-in address that is not https'));
  return shell.openExternal(url);
}
