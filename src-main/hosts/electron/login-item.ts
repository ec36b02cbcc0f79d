// Start at login (Settings -> shell.startAtLogin), as pure decisions. Windows
// and macOS have it in Electron (app.setLoginItemSettings); Linux desktops
// read ~/.config/autostart/*.desktop (XDG Autostart), which Electron does not
// write. Started at login, Sidecall goes straight to the tray: `--hidden` on
// Windows and Linux, macOS tells us through wasOpenedAtLogin. Only packaged
// builds register: a development run would register the bare Electron binary.
import path from 'node:path';

export const HIDDEN_SWITCH = '--hidden';

export type LoginItemPlan =
  | { readonly kind: 'electron'; readonly settings: { readonly openAtLogin: boolean; readonly path?: string; readonly args?: readonly string[] } }
  | { readonly kind: 'autostartFile'; readonly file: string; readonly content: string | null }
  | { readonly kind: 'none'; readonly reason: string };

export interface LoginItemInput {
  readonly platform: string;
  readonly packaged: boolean;
  readonly enabled: boolean;
  readonly execPath: string;
  /** Linux AppImage: the .AppImage file (APPIMAGE); execPath is inside a temporary mount then. */
  readonly appImage?: string;
  readonly home: string;
  readonly xdgConfigHome?: string;
}

/** One Exec argument, quoted as the Desktop Entry specification asks (and % doubled: field codes). */
function desktopArg(arg: string): string {
  const escaped = arg.replace(/%/g, '%%');
  return /[\s"'\\$`<>|&;()*?#~]/.test(escaped) ? `"${escaped.replace(/(["`$\\])/g, '\\$1')}"` : escaped;
}

/** The XDG autostart entry that starts Sidecall in the tray. */
export function autostartEntry(exec: string): string {
  return [
    '[Desktop Entry]',
    'Type=Application',
    'Name=Sidecall',
    'Comment=Screen pop and click-to-call for Asterisk',
    `Exec=${desktopArg(exec)} ${HIDDEN_SWITCH}`,
    'Terminal=false',
    'X-GNOME-Autostart-enabled=true',
    '',
  ].join('\n');
}

export function loginItemPlan(input: LoginItemInput): LoginItemPlan {
  if (!input.packaged) return { kind: 'none', reason: 'development run' };
  if (input.platform === 'win32') return { kind: 'electron', settings: { openAtLogin: input.enabled, path: input.execPath, args: [HIDDEN_SWITCH] } };
  if (input.platform === 'darwin') return { kind: 'electron', settings: { openAtLogin: input.enabled } };
  if (input.platform === 'linux') {
    const config = input.xdgConfigHome && path.isAbsolute(input.xdgConfigHome) ? input.xdgConfigHome : path.join(input.home, '.config');
    return { kind: 'autostartFile', file: path.join(config, 'autostart', 'sidecall.desktop'), content: input.enabled ? autostartEntry(input.appImage ?? input.execPath) : null };
  }
  return { kind: 'none', reason: `not supported on ${input.platform}` };
}

/** Started by the login item: no window, only the tray (a link in argv still opens one). */
export function startsHidden(argv: readonly string[], wasOpenedAtLogin: boolean): boolean {
  const end = argv.indexOf('--');
  return wasOpenedAtLogin || (end === -1 ? argv : argv.slice(0, end)).includes(HIDDEN_SWITCH);
}
