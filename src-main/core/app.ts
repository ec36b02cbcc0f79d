// Composition root of the core: builds the services from the ports a host hands
// in and exposes one request dispatcher and one event stream. Both hosts
// (Electron, browser mode) run exactly this.
import type { ConnectionStatus } from '../../src-shared/domain/connection';
import type { AppInfo, EventChannel, EventOf, Reply, SettingsView } from '../../src-shared/ipc/contract';
import type { Clock, LoggerFactory, SecretStore, SettingsStore } from '../ports';
import type { ConnectionSource, ConnectionSourceFactory } from './connection/connection-source';
import { createRouter, type Router } from './ipc/router';
import { AppError } from '../../src-shared/errors';
import { patchPaths } from './settings/layered-settings';

/** Keychain account of the operator's AMI secret. */
export const AMI_SECRET_ACCOUNT = 'pbx/ami-secret';

export interface CoreDeps {
  readonly settings: SettingsStore;
  readonly secrets: SecretStore;
  readonly clock: Clock;
  readonly log: LoggerFactory;
  readonly info: Omit<AppInfo, 'settingsLocation'>;
  readonly connection: ConnectionSourceFactory;
}

export type CoreEventListener = <C extends EventChannel>(channel: C, payload: EventOf<C>) => void;

export interface SidecallCore {
  dispatch: Router['dispatch'];
  /** Subscribes to every event channel; returns the unsubscribe. */
  subscribe(listener: CoreEventListener): () => void;
  start(): Promise<void>;
  dispose(): Promise<void>;
}

export function createCore(deps: CoreDeps): SidecallCore {
  const log = deps.log('app');
  const listeners = new Set<CoreEventListener>();
  const emit = <C extends EventChannel>(channel: C, payload: EventOf<C>): void => {
    for (const l of listeners) {
      try {
        l(channel, payload);
      } catch (error) {
        log.error('event listener failed', { channel, error });
      }
    }
  };

  const connection: ConnectionSource = deps.connection();
  const offStatus = connection.onStatus((s: ConnectionStatus) => emit('connection.status', s));

  async function view(): Promise<SettingsView> {
    const loaded = deps.settings.load();
    const keychain = deps.secrets.status();
    const amiSecretSet = keychain.available ? (await deps.secrets.get(AMI_SECRET_ACCOUNT)) !== null : false;
    return {
      settings: loaded.settings,
      locked: [...loaded.lockedPaths],
      problems: loaded.problems.map((p) => ({ ...p })),
      secrets: { amiSecretSet },
      keychain: { ...keychain },
    };
  }

  async function reconfigure(): Promise<void> {
    const { settings } = deps.settings.load();
    const secret = deps.secrets.status().available ? await deps.secrets.get(AMI_SECRET_ACCOUNT) : null;
    connection.configure({ pbx: settings.pbx, secret });
  }

  const router = createRouter(
    {
      'app.info': () => ({ ...deps.info, settingsLocation: deps.settings.location }),
      'settings.get': () => view(),
      'settings.update': async ({ patch, amiSecret }) => {
        // The secret goes first: if the keychain refuses it, no setting changes either.
        if (typeof amiSecret === 'string') {
          if (!deps.secrets.status().available) {
            throw new AppError('secrets.unavailable', deps.secrets.status().reason ?? 'The OS keychain is unavailable.');
          }
          await deps.secrets.set(AMI_SECRET_ACCOUNT, amiSecret);
        } else if (amiSecret === null) {
          await deps.secrets.delete(AMI_SECRET_ACCOUNT);
        }
        deps.settings.update(patch);
        log.info('settings saved', { fields: patchPaths(patch), keychainEntry: amiSecret === undefined ? 'unchanged' : amiSecret === null ? 'removed' : 'replaced' });
        const next = await view();
        emit('settings.changed', next);
        await reconfigure();
        return next;
      },
      'connection.get': () => connection.status(),
      'diagnostics.ping': ({ nonce }) => ({ nonce, receivedAt: deps.clock.now() }),
    },
    deps.log('ipc'),
  );

  return {
    dispatch: (channel, payload): Promise<Reply> => router.dispatch(channel, payload),
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    async start() {
      log.info('starting', { version: deps.info.version, host: deps.info.host, settings: deps.settings.location, keychain: deps.secrets.status().backend });
      const loaded = deps.settings.load();
      for (const p of loaded.problems) log.warn('settings problem', { path: p.path, problem: p.message, source: p.source });
      await reconfigure();
    },
    async dispose() {
      offStatus();
      listeners.clear();
      await connection.dispose();
    },
  };
}
