// Entry point of the Electron host (the product): single-instance lock,
// sandbox everywhere, the core from adapters/bootstrap.ts, the app:// scheme,
// security guards, IPC, the tray, the main window and the screen-pop window.
// Bundled by scripts/build-main.mjs to dist/main/main.mjs; run by `npm start`.
import path from 'node:path';
import { app, dialog, protocol, safeStorage, session, shell } from 'electron';
import { KeytarSecretStore } from '../../adapters/secrets/keytar-secret-store';
import { HostOptionsError, languageFromLocale, parseHostOptions, type HostOptions } from '../../adapters/host-options';
import { bootstrapCore } from '../../adapters/bootstrap';
import type { SidecallCore } from '../../core/app';
import type { Logger } from '../../ports';
import { createLoggerFactory, streamSink } from '../../core/log/logger';
import { CallsViewSchema, type CallsView } from '../../../src-shared/domain/calls-view';
import { ConnectionStatusSchema, type ConnectionStatus } from '../../../src-shared/domain/connection';
import type { Language } from '../../../src-shared/domain/settings';
import { SettingsViewSchema } from '../../../src-shared/ipc/contract';
import { APP_SCHEME } from './app-protocol';
import { serveAppProtocol } from './app-protocol-handler';
import { hardenSession, hardenWebContents } from './hardening';
import { registerIpc } from './ipc-main';
import { linkArgs } from './launch-args';
import { createPopupWindow, type PopupWindow } from './popup-window';
import { SafeStorageSecretStore } from './safe-storage-secret-store';
import { chooseSecretStore } from './secrets';
import { createTray } from './tray';
import { trayLanguage, trayView } from './tray-model';
import { createWindows, whenLoaded } from './windows';

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

const options = readOptions();
// --data-dir moves Chromium's profile too, so test runs and a second profile never share one.
if (options.dataDir) app.setPath('userData', options.dataDir);

if (!app.requestSingleInstanceLock()) {
  // Another Sidecall owns this profile; it receives our argv through 'second-instance'.
  app.quit();
} else {
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
  const { core, log } = bootstrapCore({ host: 'electron', dataDir, options: opts, secrets, systemLanguage });
  secretsLog.bind(log('electron/secrets'));
  const hostLog = log('electron/main');

  hardenWebContents({ app, openExternal: (url) => shell.openExternal(url), log: log('electron/guard') });
  hardenSession(session.defaultSession, log('electron/guard'));
  serveAppProtocol(session.defaultSession.protocol, RENDERER, log('electron/protocol'));

  const windows = createWindows({ preload: PRELOAD, devTools: !app.isPackaged, log: log('electron/windows') });
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
  const desktop = await startShell(core, systemLanguage, popup, {
    open: () => void windows.showMain(),
    settings: () => {
      const win = windows.showMain();
      whenLoaded(win.webContents, () => ipc.sendTo(win.webContents, 'ui.navigate', { page: 'settings' }));
    },
    quit: () => app.quit(),
  }, log('electron/tray'));

  handleLaunch(process.argv, hostLog);
  app.on('second-instance', (_event, argv) => {
    windows.showMain();
    handleLaunch(argv, hostLog);
  });
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
    desktop.dispose();
    popup.dispose();
    ipc.dispose();
    core
      .dispose()
      .catch((error: unknown) => hostLog.error('shutdown failed', { error }))
      .finally(() => app.quit());
  });

  windows.showMain();
  // Loaded now and kept hidden, so a ring only has to show it.
  popup.prepare();
  hostLog.info('started', { dataDir, keychain: secrets.status().backend, packaged: app.isPackaged });
}

/**
 * The tray and the pop-up window follow the core: the connection state, the
 * live calls (ringing, on call, recording, the pop cards), the missed count
 * and the UI language.
 */
async function startShell(
  core: SidecallCore,
  systemLanguage: 'en' | 'ru',
  popup: PopupWindow,
  actions: { open: () => void; settings: () => void; quit: () => void },
  log: Logger,
): Promise<{ dispose(): void }> {
  let status: ConnectionStatus = { state: 'unconfigured' };
  let calls: CallsView | null = null;
  let language: Language = 'system';
  // Results and events are already validated by the core; parsing here only gives them their types.
  const [initial, view, live] = await Promise.all([core.dispatch('connection.get', {}), core.dispatch('settings.get', {}), core.dispatch('calls.get', {})]);
  if (initial.ok) status = ConnectionStatusSchema.parse(initial.result);
  if (view.ok) language = SettingsViewSchema.parse(view.result).settings.language;
  if (live.ok) calls = CallsViewSchema.parse(live.result);

  const current = () => trayView({ status, calls, language: trayLanguage(language, systemLanguage), platform: process.platform });
  const tray = createTray({ iconDir: TRAY_ICONS, initial: current(), actions, setBadgeCount: (n) => void app.setBadgeCount(n), log });
  if (calls) popup.update(calls);
  const off = core.subscribe((channel, payload) => {
    if (channel === 'connection.status') status = ConnectionStatusSchema.parse(payload);
    else if (channel === 'settings.changed') language = SettingsViewSchema.parse(payload).settings.language;
    else if (channel === 'calls.changed') {
      calls = CallsViewSchema.parse(payload);
      popup.update(calls);
    } else return;
    tray.show(current());
  });
  return {
    dispose() {
      off();
      tray.dispose();
    },
  };
}

/**
 * A launch command line (ours, or a second instance's). Links are recorded
 * here; dialling them is the protocol-handler work (tel:, callto:, sip:).
 */
function handleLaunch(argv: readonly string[], log: Logger): void {
  const links = linkArgs(argv);
  if (links.length > 0) log.info('launched with links', { links });
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
