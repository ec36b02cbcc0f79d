// Sidecall's main window, created on first show, hidden (not closed) when the
// operator closes it so the app lives on in the tray, and destroyed only on
// Quit; it opens where it was last time (window-placement.ts, fitted to the
// displays there are now). And what every window shares (popup-window.ts is
// the other one): the sandboxed, isolated webPreferences and the crash
// handling. Every window loads only app://sidecall.
import { BrowserWindow, screen, type WebContents, type WebPreferences } from 'electron';
import type { Logger } from '../../ports';
import { APP_ENTRY_URL } from './app-protocol';
import { MAIN_WINDOW, placeMainWindow, type Rect } from './window-placement';
import type { WindowStateStore } from './window-state';

export interface WindowOptions {
  /** Absolute path of the bundled preload (dist/main/preload.cjs). */
  readonly preload: string;
  /** Developer tools only in unpackaged builds. */
  readonly devTools: boolean;
  readonly log: Logger;
  /** Where the main window's size and position are kept between runs. */
  readonly state?: WindowStateStore;
}

/** Work areas of the displays now, the primary one first. */
function workAreas(): Rect[] {
  const primary = screen.getPrimaryDisplay();
  return [primary, ...screen.getAllDisplays().filter((d) => d.id !== primary.id)].map((d) => d.workArea);
}

/** How long the window must stay put before its bounds are written (a drag moves it many times a second). */
const SAVE_DELAY_MS = 500;

export interface Windows {
  /** Shows (creating if needed) and focuses the main window. */
  showMain(): BrowserWindow;
  /** Whether the main window is shown and has the keyboard (both false before it exists). */
  mainState(): { readonly visible: boolean; readonly focused: boolean };
  isOurWebContents(contents: WebContents): boolean;
  webContents(): WebContents[];
  /** From now on closing a window really closes it (Quit). */
  allowClose(): void;
}

/**
 * The webPreferences of every Sidecall window (main and pop-up): sandboxed,
 * isolated, no Node anywhere, only our preload, no devtools when packaged.
 */
export function secureWebPreferences(opts: { readonly preload: string; readonly devTools: boolean }): WebPreferences {
  return {
    preload: opts.preload,
    contextIsolation: true,
    sandbox: true,
    nodeIntegration: false,
    nodeIntegrationInSubFrames: false,
    nodeIntegrationInWorker: false,
    webSecurity: true,
    allowRunningInsecureContent: false,
    webviewTag: false,
    navigateOnDragDrop: false,
    spellcheck: false,
    devTools: opts.devTools,
    // The softphone lives in the main window, often hidden in the tray: throttled timers would miss SIP re-registers and keep-alives.
    backgroundThrottling: false,
  };
}

/** Logs a window's crashed or failed page and reloads it once after a crash. */
export function watchRenderer(win: BrowserWindow, name: string, log: Logger): void {
  let lastReload = 0;
  win.webContents.on('render-process-gone', (_event, details) => {
    log.error('window renderer gone', { window: name, reason: details.reason, exitCode: details.exitCode });
    // Reload once after a crash; a page that crashes again right away stays down (no crash loop).
    if (details.reason === 'clean-exit' || win.isDestroyed() || Date.now() - lastReload < 30_000) return;
    lastReload = Date.now();
    win.webContents.reload();
  });
  win.webContents.on('did-fail-load', (_event, code, description, url, isMainFrame) => {
    if (isMainFrame) log.error('window failed to load', { window: name, code, description, url });
  });
}

/** Runs `fn` once the page in `contents` has loaded, so its preload is there to receive IPC. */
export function whenLoaded(contents: WebContents, fn: () => void): void {
  if (contents.isDestroyed()) return;
  if (contents.isLoading()) contents.once('did-finish-load', fn);
  else fn();
}

export function createWindows(opts: WindowOptions): Windows {
  let main: BrowserWindow | null = null;
  let quitting = false;
  const ours = new Set<BrowserWindow>();

  function createMain(): BrowserWindow {
    const placement = placeMainWindow(opts.state?.read(), workAreas());
    const win = new BrowserWindow({
      ...placement.bounds,
      minWidth: MAIN_WINDOW.min.width,
      minHeight: MAIN_WINDOW.min.height,
      show: false,
      title: 'Sidecall',
      autoHideMenuBar: true,
      webPreferences: secureWebPreferences(opts),
    });
    ours.add(win);
    let saveTimer: ReturnType<typeof setTimeout> | undefined;
    const save = (): void => {
      if (saveTimer !== undefined) clearTimeout(saveTimer);
      saveTimer = undefined;
      if (win.isDestroyed() || win.isMinimized()) return;
      // The normal bounds, also while maximized: un-maximizing next time returns there.
      opts.state?.write({ bounds: win.getNormalBounds(), maximized: win.isMaximized() });
    };
    const saveSoon = (): void => {
      if (saveTimer !== undefined) clearTimeout(saveTimer);
      saveTimer = setTimeout(save, SAVE_DELAY_MS);
    };
    win.on('resize', saveSoon);
    win.on('move', saveSoon);
    win.on('close', (event) => {
      save();
      if (quitting) return;
      // The tray app keeps running: closing the window only hides it.
      event.preventDefault();
      win.hide();
    });
    win.on('closed', () => {
      ours.delete(win);
      if (main === win) main = null;
    });
    watchRenderer(win, 'main', opts.log);
    win.once('ready-to-show', () => {
      if (placement.maximized) win.maximize();
      win.show();
      win.focus();
    });
    win.loadURL(APP_ENTRY_URL).catch((error: unknown) => opts.log.error('could not load the main window', { error }));
    return win;
  }

  return {
    showMain() {
      if (main && !main.isDestroyed()) {
        if (main.isMinimized()) main.restore();
        main.show();
        main.focus();
        return main;
      }
      main = createMain();
      return main;
    },
    mainState() {
      if (!main || main.isDestroyed()) return { visible: false, focused: false };
      return { visible: main.isVisible() && !main.isMinimized(), focused: main.isFocused() };
    },
    isOurWebContents(contents) {
      for (const win of ours) if (!win.isDestroyed() && win.webContents === contents) return true;
      return false;
    },
    webContents() {
      return [...ours].filter((w) => !w.isDestroyed()).map((w) => w.webContents);
    },
    allowClose() {
      quitting = true;
    },
  };
}
