// The connection source used until a PBX connection exists for the settings:
// it reports "unconfigured" when no PBX host is set and "connecting" otherwise.
import type { ConnectionStatus } from '../../../src-shared/domain/connection';
import { describeTarget, type ConnectionSource, type ConnectionTarget } from './connection-source';

export function createUnconfiguredSource(): ConnectionSource {
  let current: ConnectionStatus = { state: 'unconfigured' };
  const listeners = new Set<(s: ConnectionStatus) => void>();
  return {
    status: () => current,
    onStatus(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    configure({ pbx }: ConnectionTarget) {
      current = pbx.host === '' ? { state: 'unconfigured' } : { state: 'connecting', target: describeTarget(pbx) };
      for (const l of listeners) l(current);
    },
    async dispose() {
      listeners.clear();
    },
  };
}
