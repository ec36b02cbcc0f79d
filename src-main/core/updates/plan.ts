// Whether this copy of Sidecall may update itself, and from where: a pure
// decision over the `updates` settings, IT's locks, how the app was installed
// and whether the installer's signature can be checked. The Electron adapter
// (hosts/electron/updater.ts) gathers those facts; nothing here touches disk
// or network, and nothing is ever fetched unless the plan says `on`.
import type { UpdateSettings } from '../../../src-shared/domain/update-settings';

/**
 * How this copy was installed. Only NSIS (Windows), the macOS app (DMG/zip) and
 * the AppImage replace themselves; MSI, deb, rpm and pacman installs belong to
 * IT's deployment tool or the package manager, which would not know about a
 * copy that swapped itself out.
 */
export type InstallKind = 'nsis' | 'msi' | 'mac' | 'appimage' | 'deb' | 'rpm' | 'pacman' | 'development' | 'unknown';

export interface InstallFacts {
  /** process.platform. */
  readonly platform: string;
  /** app.isPackaged. */
  readonly packaged: boolean;
  /** Windows: the NSIS uninstaller (`Uninstall Sidecall.exe`) sits next to the executable; an MSI install has none. */
  readonly nsisUninstaller: boolean;
  /** Linux: started from an AppImage (the APPIMAGE environment variable is set). */
  readonly appImage: boolean;
  /** Linux: the contents of resources/package-type that electron-builder writes into deb/rpm/pacman builds. */
  readonly packageType?: string;
}

export function installKind(facts: InstallFacts): InstallKind {
  if (!facts.packaged) return 'development';
  switch (facts.platform) {
    case 'win32':
      return facts.nsisUninstaller ? 'nsis' : 'msi';
    case 'darwin':
      return 'mac';
    case 'linux': {
      if (facts.appImage) return 'appimage';
      const type = facts.packageType?.trim();
      return type === 'deb' || type === 'rpm' || type === 'pacman' ? type : 'unknown';
    }
    default:
      return 'unknown';
  }
}

/** Why there is no update check, each with its own words for the user (see notices.ts). */
export type UpdatesOffReason =
  /** The operator turned updates off. */
  | 'disabled'
  /** IT turned them off and locked the setting. */
  | 'disabled-by-policy'
  /** No update folder configured: the default; Sidecall never looks on the internet. */
  | 'no-url'
  /** A development run (npm start): nothing to replace. */
  | 'development'
  /** MSI, deb, rpm or pacman: updated by IT's deployment or the package manager. */
  | 'managed-install'
  /** A Windows build without a signing publisher recorded: a downloaded installer could not be checked. */
  | 'unsigned'
  /** An install this code does not know how to update (e.g. a bare unpacked folder on Linux). */
  | 'unsupported';

export interface UpdateFeed {
  readonly provider: 'generic';
  /** The update folder, always ending in `/` so file names resolve inside it. */
  readonly url: string;
  readonly channel: 'latest';
}

export type UpdatePlan = { readonly kind: 'off'; readonly reason: UpdatesOffReason } | { readonly kind: 'on'; readonly feed: UpdateFeed };

export interface PlanInput {
  readonly settings: UpdateSettings;
  /** Dotted setting paths IT locked (SettingsView.locked). */
  readonly locked: readonly string[];
  readonly install: InstallKind;
  /**
   * Whether a downloaded update's signature will be checked. Windows: the build
   * recorded its signing publisher (publisherName in app-update.yml), which
   * electron-updater compares with the new installer's Authenticode signer.
   * macOS always (Squirrel.Mac refuses an app not signed like the running one);
   * the AppImage has only the SHA-512 from the https update folder.
   */
  readonly signatureChecked: boolean;
}

/** True when `path` or one of its parents is among the locked paths. */
export function isLocked(locked: readonly string[], path: string): boolean {
  return locked.some((l) => l === path || path.startsWith(`${l}.`));
}

export function updatePlan(input: PlanInput): UpdatePlan {
  const off = (reason: UpdatesOffReason): UpdatePlan => ({ kind: 'off', reason });
  if (!input.settings.enabled) return off(isLocked(input.locked, 'updates.enabled') ? 'disabled-by-policy' : 'disabled');
  const url = input.settings.url.trim();
  if (url === '') return off('no-url');
  switch (input.install) {
    case 'development':
      return off('development');
    case 'msi':
    case 'deb':
    case 'rpm':
    case 'pacman':
      return off('managed-install');
    case 'unknown':
      return off('unsupported');
    case 'nsis':
    case 'mac':
    case 'appimage':
      break;
  }
  if (input.install === 'nsis' && !input.signatureChecked) return off('unsigned');
  return { kind: 'on', feed: { provider: 'generic', url: url.endsWith('/') ? url : `${url}/`, channel: input.settings.channel ?? 'latest' } };
}

/** Two plans that configure the updater the same way (a settings change elsewhere must not restart it). */
export function samePlan(a: UpdatePlan, b: UpdatePlan): boolean {
  if (a.kind === 'off') return b.kind === 'off' && a.reason === b.reason;
  if (b.kind === 'off') return false;
  return a.feed.url === b.feed.url && a.feed.channel === b.feed.channel;
}
