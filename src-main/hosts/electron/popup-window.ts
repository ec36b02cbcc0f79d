// The screen-pop window: a small frameless window with only the pop cards
// (app://sidecall/index.html#popup -> PopupApp), above every other window and
// over full-screen apps, shown without taking keyboard focus on the display
// where the mouse is. It follows `calls.changed`: up while a live call has
// `pop: true`, hidden when none has. The decisions are in popup-model.ts; this
// file only applies them. Same sandbox, isolation and preload as the main window.
import { BrowserWindow, screen, type WebContents } from 'electron';
import type { CallsView } from '../../../src-shared/domain/calls-view';
import type { Logger } from '../../ports';
import { APP_POPUP_URL } from './app-protocol';
import { planPopup, popupBounds, popupCardCount, popupWindowType, replanPopup, type PopupPlacement, type PopupPlan, type Rect } from './popup-model';
import { secureWebPreferences, watchRenderer, whenLoaded } from './windows';

export interface PopupWindowOptions {
  /** Absolute path of the bundled preload (dist/main/preload.cjs). */
  readonly preload: string;
  readonly devTools: boolean;
  /** process.platform (the macOS window type differs). */
  readonly platform: string;
  readonly log: Logger;
}

export interface PopupWindow {
  /** Creates the hidden window and loads its page now, so the first pop only has to show it. */
  prepare(): void;
  /** Shows, resizes or hides the window for the calls now live. */
  update(calls: CallsView): void;
  isOurWebContents(contents: WebContents): boolean;
  webContents(): WebContents[];
  dispose(): void;
}

export function createPopupWindow(opts: PopupWindowOptions): PopupWindow {
  let win: BrowserWindow | null = null;
  /** Where the visible window is; null while hidden. */
  let placement: PopupPlacement | null = null;
  let cards = 0;

  function create(): BrowserWindow {
    const type = popupWindowType(opts.platform);
    const w = new BrowserWindow({
      ...popupBounds(screen.getPrimaryDisplay().workArea, 1),
      show: false,
      frame: false,
      // Opaque: a transparent window costs a compositing layer and, on
      // Windows and Linux without a compositor, shows garbage behind the cards.
      transparent: false,
      resizable: false,
      movable: false,
      minimizable: false,
      maximizable: false,
      fullscreenable: false,
      // Never the key window: a ring must not take the keystrokes the operator
      // is typing into the CRM (and on Linux this also keeps the WM from
      // moving it to one workspace).
      focusable: false,
      alwaysOnTop: true,
      skipTaskbar: true,
      title: 'Sidecall',
      ...(type ? { type } : {}),
      webPreferences: {
        ...secureWebPreferences(opts),
        // The page renders its cards while hidden, so they are painted the
        // moment the window shows (the screen-pop latency budget is 100 ms).
        backgroundThrottling: false,
      },
    });
    // 'screen-saver' is the highest level that still takes mouse clicks: above
    // other always-on-top windows and (with the next call) full-screen apps.
    w.setAlwaysOnTop(true, 'screen-saver');
    // Once, at creation: on macOS this call briefly switches the process type,
    // which hides the window and the Dock icon for a moment (Electron's
    // VisibleOnAllWorkspacesOptions docs); doing it on every pop would blink.
    w.setVisibleOnAllWorkspaces(true, { visibleOnFullScreen: true });
    w.on('closed', () => {
      if (win !== w) return;
      win = null;
      placement = null;
    });
    watchRenderer(w, 'popup', opts.log);
    w.loadURL(APP_POPUP_URL).catch((error: unknown) => opts.log.error('could not load the pop-up window', { error }));
    return w;
  }

  function ensure(): BrowserWindow {
    if (!win || win.isDestroyed()) win = create();
    return win;
  }

  function workAreaAtCursor(): Rect {
    return screen.getDisplayNearestPoint(screen.getCursorScreenPoint()).workArea;
  }

  function apply(plan: PopupPlan): void {
    placement = plan.placement;
    const { action } = plan;
    switch (action.kind) {
      case 'none':
        return;
      case 'hide':
        if (win && !win.isDestroyed()) win.hide();
        return;
      case 'resize':
        ensure().setBounds(action.bounds);
        return;
      case 'show': {
        const w = ensure();
        w.setBounds(action.bounds);
        // Another always-on-top window (a presentation, a meeting bar) may have
        // been raised above ours while it was hidden; this puts ours back on top.
        w.setAlwaysOnTop(true, 'screen-saver');
        // A window still loading would show a blank frame; show it once the page is there.
        whenLoaded(w.webContents, () => {
          if (win === w && placement && !w.isDestroyed()) w.showInactive();
        });
        return;
      }
    }
  }

  // A display change while the card is up (resolution, scaling, taskbar moved,
  // laptop undocked): keep it inside the work area of the display it is on now.
  const onDisplays = (): void => {
    if (!win || win.isDestroyed() || !placement) return;
    apply(replanPopup(placement, cards, screen.getDisplayMatching(placement.bounds).workArea));
  };
  screen.on('display-metrics-changed', onDisplays);
  screen.on('display-removed', onDisplays);

  return {
    prepare() {
      ensure();
    },
    update(calls) {
      cards = popupCardCount(calls);
      apply(planPopup(placement, cards, workAreaAtCursor));
    },
    isOurWebContents(contents) {
      return win !== null && !win.isDestroyed() && win.webContents === contents;
    },
    webContents() {
      return win && !win.isDestroyed() ? [win.webContents] : [];
    },
    dispose() {
      screen.off('display-metrics-changed', onDisplays);
      screen.off('display-removed', onDisplays);
      if (win && !win.isDestroyed()) win.destroy();
      win = null;
      placement = null;
    },
  };
}
