// The tray icon and its menu, drawn from trayView() (tray-model.ts). Clicking
// the icon opens the main window; the menu offers Open, Settings and Quit.
import path from 'node:path';
import { Menu, Tray, nativeImage, type MenuItemConstructorOptions, type NativeImage } from 'electron';
import type { Logger } from '../../ports';
import { trayIconFile, type TrayAction, type TrayView } from './tray-model';

export interface TrayOptions {
  /** Folder with the tray PNGs (dist/main/tray, copied from resources/tray by build-main). */
  readonly iconDir: string;
  readonly initial: TrayView;
  readonly actions: Readonly<Record<TrayAction, () => void>>;
  readonly log: Logger;
}

export interface TrayController {
  show(view: TrayView): void;
  dispose(): void;
}

export function createTray(opts: TrayOptions): TrayController {
  const image = (view: TrayView): NativeImage => {
    const img = nativeImage.createFromPath(path.join(opts.iconDir, trayIconFile(view.icon)));
    if (img.isEmpty()) opts.log.warn('tray icon missing; run `npm run build:main`', { iconDir: opts.iconDir, icon: view.icon });
    return img;
  };
  const tray = new Tray(image(opts.initial));
  tray.on('click', () => opts.actions.open());

  let current: TrayView | null = null;
  const show = (view: TrayView): void => {
    if (current && current.icon === view.icon && current.tooltip === view.tooltip && sameMenu(current, view)) return;
    if (!current || current.icon !== view.icon) tray.setImage(image(view));
    tray.setToolTip(view.tooltip);
    const template: MenuItemConstructorOptions[] = view.menu.map((item) =>
      item.kind === 'separator' ? { type: 'separator' } : { label: item.label, click: () => opts.actions[item.action]() },
    );
    tray.setContextMenu(Menu.buildFromTemplate(template));
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

function sameMenu(a: TrayView, b: TrayView): boolean {
  return JSON.stringify(a.menu) === JSON.stringify(b.menu);
}
