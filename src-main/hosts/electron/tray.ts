// The tray icon and its menu, drawn from trayView() (tray-model.ts). Clicking
// the icon opens the main window; the menu has the status lines, Do not
// disturb, Last calls (call back), Call number in clipboard, Restart to update,
// Open, Settings, Help, About and Quit. The icon file follows the platform and
// the taskbar theme (tray-model trayIconFile); the missed-calls badge is a
// red-dot variant on Windows and Linux, the title beside the icon and the Dock
// badge on macOS.
import path from 'node:path';
import { Menu, Tray, nativeImage, type NativeImage } from 'electron';
import type { Logger } from '../../ports';
import { menuTemplate, type TrayActions, type TrayView } from './tray-model';

export interface TrayOptions {
  /** Folder with the tray icons (dist/main/tray, copied from resources/tray by build-main). */
  readonly iconDir: string;
  readonly initial: TrayView;
  readonly actions: TrayActions;
  /** app.setBadgeCount (macOS Dock badge); called only when the view asks for it. */
  readonly setBadgeCount: (count: number) => void;
  readonly log: Logger;
}

export interface TrayController {
  show(view: TrayView): void;
  dispose(): void;
}

export function createTray(opts: TrayOptions): TrayController {
  const image = (view: TrayView): NativeImage => {
    const img = nativeImage.createFromPath(path.join(opts.iconDir, view.iconFile));
    if (img.isEmpty()) opts.log.warn('tray icon missing; run `npm run build:main`', { iconDir: opts.iconDir, icon: view.iconFile });
    return img;
  };
  const tray = new Tray(image(opts.initial));
  tray.on('click', () => opts.actions.open());

  let current: TrayView | null = null;
  // A checkbox flips itself when clicked; until the PBX answered, the menu
  // may show what is not so. The next show() rebuilds it even if the view is the same.
  let menuStale = false;
  const actions: TrayActions = {
    ...opts.actions,
    setDnd: (on) => {
      menuStale = true;
      opts.actions.setDnd(on);
    },
  };
  // calls.changed arrives on every lookup answer and every second of nothing
  // new; only what actually changed is handed to the OS (a new menu or image
  // on each event would make the icon flicker on some Linux panels).
  const show = (view: TrayView): void => {
    if (current && !menuStale && JSON.stringify(current) === JSON.stringify(view)) return;
    if (!current || current.iconFile !== view.iconFile) tray.setImage(image(view));
    if (!current || current.tooltip !== view.tooltip) tray.setToolTip(view.tooltip);
    if (view.badge.title !== null && (!current || current.badge.title !== view.badge.title)) tray.setTitle(view.badge.title);
    if (view.badge.count !== null && (!current || current.badge.count !== view.badge.count)) opts.setBadgeCount(view.badge.count);
    if (!current || menuStale || JSON.stringify(current.menu) !== JSON.stringify(view.menu)) tray.setContextMenu(Menu.buildFromTemplate(menuTemplate(view.menu, actions)));
    menuStale = false;
    current = view;
  };
  show(opts.initial);

  return {
    show,
    dispose() {
      tray.destroy();
    },
  };
}
