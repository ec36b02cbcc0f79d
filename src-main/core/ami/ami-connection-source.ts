// The app's ConnectionSource backed by a real AmiConnection: turns the PBX
// settings + keychain secret into a connection config, reports what is missing
// in the operator's words, and exposes the AmiEventSource the call tracker and
// call control consume. Unconfigured (demo mode) while no PBX host is set.
import type { ConnectionStatus } from '../../../src-shared/domain/connection';
import type { PbxSettings } from '../../../src-shared/domain/settings';
import type { Clock, LoggerFactory } from '../../ports';
import { describeTarget, type ConnectionSource, type ConnectionTarget } from '../connection/connection-source';
import { AmiConnection, type AmiConnectionConfig, type AmiTimingOptions } from './connection/connection';
import type { AmiTransport } from './connection/transport';
import type { AmiEventSource } from './event-source';

/** Connection options beyond the settings: private CA, auth form, defaults for the channel pattern and declared PBX eventfilter. */
export type AmiExtraOptions = Partial<Pick<AmiConnectionConfig, 'ca' | 'rejectUnauthorized' | 'pbxEventFilter' | 'auth' | 'channelPattern' | 'filterAction'>>;

export interface AmiConnectionSourceDeps {
  readonly transport: AmiTransport;
  readonly clock: Clock;
  readonly log: LoggerFactory;
  readonly random?: () => number;
  readonly timing?: AmiTimingOptions;
  readonly options?: AmiExtraOptions;
}

/** A ConnectionSource that also hands out the AMI event source. */
export interface AmiConnectionSource extends ConnectionSource {
  /** Events, resync and actions of the operator's AMI session. */
  readonly ami: AmiEventSource;
  /** Tries again now after a refused login or while waiting to reconnect (a "Retry" button). */
  retryNow(): void;
}

/** What is missing from the settings to log in, phrased for the operator; undefined when nothing is. */
export function missingForLogin(pbx: PbxSettings, secret: string | null): string | undefined {
  const missing: string[] = [];
  if (pbx.amiUser === '') missing.push('the AMI user');
  if (secret === null || secret === '') missing.push('the AMI secret');
  if (pbx.extension === '') missing.push('your extension');
  if (missing.length === 0) return undefined;
  if (missing.length === 1) {
    if (missing[0] === 'the AMI secret') return 'No AMI secret stored: enter it in Settings -> PBX';
    if (missing[0] === 'the AMI user') return 'No AMI user set: enter it in Settings -> PBX';
    return 'No extension set: enter yours in Settings -> PBX';
  }
  const list = `${missing.slice(0, -1).join(', ')} and ${missing[missing.length - 1] ?? ''}`;
  return `Enter ${list} in Settings -> PBX`;
}

/** Builds the source; the AmiConnection inside is created once and reconfigured on every settings change. */
export function createAmiConnectionSource(deps: AmiConnectionSourceDeps): AmiConnectionSource {
  const log = deps.log('ami/source');
  const connection = new AmiConnection({
    transport: deps.transport,
    clock: deps.clock,
    log: deps.log('ami/connection'),
    ...(deps.random === undefined ? {} : { random: deps.random }),
    ...(deps.timing === undefined ? {} : { timing: deps.timing }),
  });
  const listeners = new Set<(s: ConnectionStatus) => void>();
  // A settings problem shown instead of the connection's own state.
  let problem: ConnectionStatus | undefined;

  const emit = (s: ConnectionStatus): void => {
    for (const l of [...listeners]) {
      try {
        l(s);
      } catch (error) {
        log.error('status listener failed', { error });
      }
    }
  };
  connection.onStatus((s) => {
    if (problem === undefined) emit(s);
  });

  return {
    ami: connection,
    status: () => problem ?? connection.status(),
    onStatus(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    configure({ pbx, secret }: ConnectionTarget) {
      if (pbx.host === '') {
        problem = undefined;
        connection.configure(null);
        return;
      }
      const missing = missingForLogin(pbx, secret);
      if (missing !== undefined) {
        problem = { state: 'error', target: describeTarget(pbx), reason: missing };
        connection.configure(null);
        log.info('AMI not started', { reason: missing });
        emit(problem);
        return;
      }
      // A settings problem disconnected the connection (configure(null)), so this
      // configure is a change and announces its own status.
      problem = undefined;
      connection.configure({
        host: pbx.host,
        port: pbx.port,
        tls: pbx.tls,
        username: pbx.amiUser,
        secret: secret ?? '',
        extension: pbx.extension,
        ...deps.options,
        // IT-level settings (usually locked by --config) win over the built-in options.
        ...(pbx.channelPattern === undefined || pbx.channelPattern === '' ? {} : { channelPattern: pbx.channelPattern }),
        ...(pbx.eventFilter === undefined ? {} : { pbxEventFilter: pbx.eventFilter }),
      });
    },
    retryNow: () => connection.retryNow(),
    async dispose() {
      listeners.clear();
      await connection.dispose();
    },
  };
}
