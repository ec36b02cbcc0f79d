// How Sidecall drives electron-updater, without Electron itself: the settings
// every updater gets (the generic feed from the plan, no web installer, no
// downgrade, install only when the operator asks), the translation of its
// events into core/updates' UpdateEvent, and reading app-update.yml to know
// whether Windows installers will be signature-checked. Kept apart from
// updater.ts so tests can run it against a real electron-updater and a real
// HTTP update folder in plain Node.
import { load } from 'js-yaml';
import type { AppUpdater, ProgressInfo, UpdateDownloadedEvent, UpdateInfo } from 'electron-updater';
import type { Logger } from '../../ports';
import type { UpdateEvent, UpdateFeed } from '../../core/updates';

/** Applies the plan's feed and Sidecall's update rules to an updater. */
export function configureUpdater(updater: AppUpdater, feed: UpdateFeed, log: Logger): void {
  updater.logger = {
    info: (message?: unknown) => log.info(String(message)),
    warn: (message?: unknown) => log.warn(String(message)),
    error: (message?: unknown) => log.error(String(message)),
    debug: (message: string) => log.debug(message),
  };
  // Found updates download in the background; installing waits for the
  // operator's "Restart to update" (never at quit: a per-machine Windows
  // install would raise an elevation prompt while the desk logs off).
  updater.autoDownload = true;
  updater.autoInstallOnAppQuit = false;
  updater.autoRunAppAfterInstall = true;
  updater.allowDowngrade = false;
  updater.allowPrerelease = false;
  // A web installer fetches its payload later, outside the signature check of the installer itself.
  updater.disableWebInstaller = true;
  updater.forceDevUpdateConfig = false;
  // The channel decides the file read: latest.yml, latest-mac.yml, latest-linux.yml.
  updater.setFeedURL({ provider: 'generic', url: feed.url, channel: feed.channel });
}

/** Forwards the updater's events to `emit` as UpdateEvents; returns the unsubscribe. */
export function watchUpdater(updater: AppUpdater, emit: (event: UpdateEvent) => void, now: () => number): () => void {
  const onChecking = (): void => emit({ type: 'checking' });
  const onAvailable = (info: UpdateInfo): void => emit({ type: 'available', version: info.version });
  const onNotAvailable = (): void => emit({ type: 'not-available', at: now() });
  const onProgress = (progress: ProgressInfo): void => emit({ type: 'progress', percent: progress.percent });
  const onDownloaded = (info: UpdateDownloadedEvent): void => emit({ type: 'downloaded', version: info.version });
  const onError = (error: Error): void => emit({ type: 'error', at: now(), message: error.message });
  updater.on('checking-for-update', onChecking);
  updater.on('update-available', onAvailable);
  updater.on('update-not-available', onNotAvailable);
  updater.on('download-progress', onProgress);
  updater.on('update-downloaded', onDownloaded);
  updater.on('error', onError);
  return () => {
    updater.off('checking-for-update', onChecking);
    updater.off('update-available', onAvailable);
    updater.off('update-not-available', onNotAvailable);
    updater.off('download-progress', onProgress);
    updater.off('update-downloaded', onDownloaded);
    updater.off('error', onError);
  };
}

/**
 * One look for an update; a found one downloads in the background. Failures
 * arrive as the updater's `error` event, so the promises here only need to be
 * kept from becoming unhandled rejections.
 */
export function checkOnce(updater: AppUpdater): Promise<void> {
  return updater.checkForUpdates().then(
    async (result) => {
      await result?.downloadPromise?.catch(() => undefined);
    },
    () => undefined,
  );
}

/**
 * True when app-update.yml (written by electron-builder next to the app's
 * resources when `publish` is configured) names the signing publisher: only then
 * does electron-updater compare a downloaded Windows installer's Authenticode
 * signer with it. An unsigned build records none, and nothing would be checked.
 */
export function recordsPublisher(appUpdateYml: string): boolean {
  let doc: unknown;
  try {
    doc = load(appUpdateYml);
  } catch {
    return false;
  }
  if (typeof doc !== 'object' || doc === null) return false;
  const name: unknown = (doc as Record<string, unknown>)['publisherName'];
  const names = Array.isArray(name) ? name : [name];
  return names.length > 0 && names.every((n) => typeof n === 'string' && n.trim() !== '');
}
