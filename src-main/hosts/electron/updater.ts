// Self-update in the Electron host: thin glue between core/updates (the plan,
// the status, the schedule, the texts) and electron-updater. It follows the
// `updates` settings and IT's locks, creates an updater only when the plan is
// on (with no update folder configured nothing is loaded and nothing leaves
// the machine), looks at the scheduled times, tells the operator once when an
// update is ready, and installs only through restartToUpdate(), which the tray
// calls and which refuses during a call.
import fs from 'node:fs';
import path from 'node:path';
import type { AppUpdater } from 'electron-updater';
import type { SidecallCore } from '../../core/app';
import type { Logger } from '../../ports';
import {
  INITIAL_STATUS,
  becameReady,
  describeUpdates,
  installKind,
  nextCheckAt,
  readyNotice,
  reduceUpdate,
  restartDecision,
  restartNotice,
  samePlan,
  updateMenuItem,
  updatePlan,
  type InstallKind,
  type RestartDecision,
  type UpdateEvent,
  type UpdateLanguage,
  type UpdateMenuItem,
  type UpdatePlan,
  type UpdateStatus,
} from '../../core/updates';
import { CallsViewSchema } from '../../../src-shared/domain/calls-view';
import { SettingsViewSchema, type SettingsView } from '../../../src-shared/ipc/contract';
import type { Notify } from './dial-actions';
import { checkOnce, configureUpdater, recordsPublisher, watchUpdater } from './updater-feed';

/** What the tray (and diagnostics) use. */
export interface Updates {
  status(): UpdateStatus;
  /** Called on every status change; returns the unsubscribe. */
  onStatus(listener: (status: UpdateStatus) => void): () => void;
  /** The tray's update entry (null: show none); its action calls restartToUpdate(). */
  menuItem(language: UpdateLanguage): UpdateMenuItem | null;
  /** One line for About / "Copy diagnostics". */
  describe(language: UpdateLanguage): string;
  /** Quits and installs a downloaded update, unless a call is up (then a notification says so). */
  restartToUpdate(): RestartDecision;
  dispose(): void;
}

/** The part of Electron's `app` used here (the tests' fake app has just these). */
export interface UpdaterApp {
  readonly isPackaged: boolean;
  getName(): string;
}

export interface UpdatesOptions {
  readonly core: SidecallCore;
  readonly app: UpdaterApp;
  readonly log: Logger;
  readonly notify: Notify;
  readonly language: () => UpdateLanguage;
  readonly platform?: string;
}

export function startUpdates(opts: UpdatesOptions): Updates {
  const { core, log } = opts;
  const platform = opts.platform ?? process.platform;
  const startedAt = Date.now();
  const install = detectInstall(opts.app, platform);
  const signatureChecked = platform !== 'win32' || windowsPublisherRecorded();
  const listeners = new Set<(status: UpdateStatus) => void>();
  let status: UpdateStatus = INITIAL_STATUS;
  let plan: UpdatePlan = { kind: 'off', reason: 'no-url' };
  let updater: AppUpdater | null = null;
  let unwatch: () => void = () => undefined;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let liveCalls = 0;
  let disposed = false;
  // Plan changes run one after another: creating the updater is asynchronous.
  let planQueue: Promise<void> = Promise.resolve();

  function apply(event: UpdateEvent): void {
    if (disposed) return;
    const before = status;
    status = reduceUpdate(status, event);
    if (status === before) return;
    if (becameReady(before, status) && status.state === 'ready') opts.notify(readyNotice(status.version, opts.language()));
    for (const listener of listeners) {
      try {
        listener(status);
      } catch (error) {
        log.error('update status listener failed', { error });
      }
    }
    schedule();
  }

  function schedule(): void {
    if (timer !== undefined) clearTimeout(timer);
    timer = undefined;
    const at = nextCheckAt(status, startedAt, Date.now());
    if (at === null || disposed) return;
    timer = setTimeout(check, Math.max(0, at - Date.now()));
    timer.unref?.();
  }

  function check(): void {
    timer = undefined;
    if (disposed || updater === null || plan.kind !== 'on') return;
    void checkOnce(updater);
  }

  async function setPlan(next: UpdatePlan): Promise<void> {
    if (disposed || samePlan(plan, next)) return;
    plan = next;
    if (next.kind === 'on') {
      updater ??= await createUpdater(platform, install, (e) => apply(e), log, (off) => (unwatch = off));
      if (disposed) return;
      configureUpdater(updater, next.feed, log);
      log.info('updates on', { install, feed: next.feed.url });
    } else {
      log.info('updates off', { reason: next.reason, install });
    }
    apply({ type: 'plan', plan: next });
  }

  function onSettings(view: SettingsView): void {
    const next = updatePlan({ settings: view.settings.updates, locked: view.locked, install, signatureChecked });
    planQueue = planQueue.then(() => setPlan(next)).catch((error: unknown) => log.error('could not apply the update settings', { error }));
  }

  // Results and events are validated by the core; parsing here only gives them their types.
  void Promise.all([core.dispatch('settings.get', {}), core.dispatch('calls.get', {})]).then(([view, calls]) => {
    if (calls.ok) liveCalls = CallsViewSchema.parse(calls.result).live.length;
    if (view.ok) onSettings(SettingsViewSchema.parse(view.result));
  });
  const off = core.subscribe((channel, payload) => {
    if (channel === 'settings.changed') onSettings(SettingsViewSchema.parse(payload));
    else if (channel === 'calls.changed') liveCalls = CallsViewSchema.parse(payload).live.length;
  });

  return {
    status: () => status,
    onStatus(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    menuItem: (language) => updateMenuItem(status, language),
    describe: (language) => describeUpdates(status, language, (at) => new Date(at).toLocaleString(language)),
    restartToUpdate() {
      const decision = restartDecision(status, liveCalls);
      log.info('restart to update', { decision });
      const notice = restartNotice(decision, opts.language());
      if (notice) opts.notify(notice);
      if (decision === 'restart' && updater !== null) {
        const u = updater;
        // Silent installer, then Sidecall starts again; our will-quit handler still closes the PBX connection first.
        setImmediate(() => u.quitAndInstall(true, true));
      }
      return decision;
    },
    dispose() {
      disposed = true;
      if (timer !== undefined) clearTimeout(timer);
      off();
      unwatch();
      listeners.clear();
    },
  };
}

/** The facts installKind() needs, read from the running app. */
function detectInstall(app: UpdaterApp, platform: string): InstallKind {
  if (!app.isPackaged) return installKind({ platform, packaged: false, nsisUninstaller: false, appImage: false });
  const exeDir = path.dirname(process.execPath);
  let packageType: string | undefined;
  if (platform === 'linux') {
    try {
      packageType = fs.readFileSync(path.join(process.resourcesPath, 'package-type'), 'utf8');
    } catch {
      packageType = undefined;
    }
  }
  return installKind({
    platform,
    packaged: true,
    nsisUninstaller: platform === 'win32' && fs.existsSync(path.join(exeDir, `Uninstall ${app.getName()}.exe`)),
    appImage: platform === 'linux' && typeof process.env['APPIMAGE'] === 'string' && process.env['APPIMAGE'] !== '',
    ...(packageType === undefined ? {} : { packageType }),
  });
}

function windowsPublisherRecorded(): boolean {
  try {
    return recordsPublisher(fs.readFileSync(path.join(process.resourcesPath, 'app-update.yml'), 'utf8'));
  } catch {
    return false;
  }
}

/** electron-updater is loaded only here, the first time the plan is on. */
async function createUpdater(platform: string, install: InstallKind, emit: (e: UpdateEvent) => void, log: Logger, setUnwatch: (off: () => void) => void): Promise<AppUpdater> {
  const { AppImageUpdater, MacUpdater, NsisUpdater } = await import('electron-updater');
  const updater: AppUpdater = platform === 'win32' ? new NsisUpdater() : platform === 'darwin' ? new MacUpdater() : new AppImageUpdater();
  setUnwatch(watchUpdater(updater, emit, () => Date.now()));
  log.debug('updater created', { install });
  return updater;
}
