// The tray icon and its menu, drawn from trayView() (tray-model.ts). Clicking
// the icon opens the main window; the menu has a status line, then Call number
// in clipboard, Open, Settings and Quit. The missed-calls badge is a red-dot icon variant on
// Windows and Linux, the title beside the icon and the Dock badge on macOS.
import path from 'node:path';
import { Menu, Tray, nativeImage, type MenuItemConstructorOptions, type NativeImage } from 'electron';
import type { Logger } from '../../ports';
import { trayIconFile, type TrayAction, type TrayView } from './tray-model';

export interface TrayOptions {
  /** Folder with the tray PNGs (dist/main/tray, copied from resources/tray by build-main). */
  readonly iconDir: string;
  readonly initial: TrayView;
  readonly actions: Readonly<Record<TrayAction, () => void>>;
  /** app.setBadgeCount (macOS Dock badge); called only when the view asks for it. */
  readonly setBadgeCount: (count: number) => void;
  readonly log: Logger;
}

export interface TrayController {
  show(view: TrayView): void;
  dispose(): void;
}

export function createTray(opts: TrayOptions): TrayController {
  const iconFile = (view: TrayView): string => trayIconFile(view.icon, view.badge.dot);
  const image = (view: TrayView): NativeImage => {
    const img = nativeImage.createFromPath(path.join(opts.iconDir, iconFile(view)));
    if (img.isEmpty()) opts.log.warn('tray icon missing; run `npm run build:main`', { iconDir: opts.iconDir, icon: iconFile(view) });
    return img;
  };
  const tray = new Tray(image(opts.initial));
  tray.on('click', () => opts.actions.open());

  let current: TrayView | null = null;
  // calls.changed arrives on every lookup answer and every second of nothing
  // new; only what actually changed is handed to the OS (a new menu or image
  // on each event would make the icon flicker on some Linux panels).
  const show = (view: TrayView): void => {
    if (current && JSON.stringify(current) === JSON.stringify(view)) return;
    if (!current || iconFile(current) !== iconFile(view)) tray.setImage(image(view));
    if (!current || current.tooltip !== view.tooltip) tray.setToolTip(view.tooltip);
    if (view.badge.title !== null && (!current || current.badge.title !== view.badge.title)) tray.setTitle(view.badge.title);
    if (view.badge.count !== null && (!current || current.badge.count !== view.badge.count)) opts.setBadgeCount(view.badge.count);
    if (!current || JSON.stringify(current.menu) !== JSON.stringify(view.menu)) {
      const template: MenuItemConstructorOptions[] = view.menu.map((item) =>
        item.kind === 'separator'
          ? { type: 'separator' }
          : item.kind === 'label'
            ? { label: item.label, enabled: false }
            : { label: item.label, click: () => opts.actions[item.action]() },
      );
      tray.setContextMenu(Menu.buildFromTemplate(template));
    }
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
