// What the app needs from "the PBX connection": its status and a way to apply
// new settings. The AMI layer (core/ami) provides the real one; the
// `unconfiguredSource` below is what runs before a PBX is set.
import type { ConnectionStatus } from '../../../src-shared/domain/connection';
import type { PbxSettings } from '../../../src-shared/domain/settings';

export interface ConnectionTarget {
  readonly pbx: PbxSettings;
  /** The AMI secret from the keychain, or null when none is stored. */
  readonly secret: string | null;
}

export interface ConnectionSource {
  status(): ConnectionStatus;
  onStatus(listener: (status: ConnectionStatus) => void): () => void;
  /** Applies new settings: reconnects when the target changed. */
  configure(target: ConnectionTarget): void;
  dispose(): Promise<void>;
}

export type ConnectionSourceFactory = () => ConnectionSource;

/** Describes the PBX for the UI, e.g. `pbx.example.com:5038 (TLS) as op101`. */
export function describeTarget(pbx: PbxSettings): string {
  return `${pbx.host}:${pbx.port}${pbx.tls ? ' (TLS)' : ''}${pbx.amiUser ? ` as ${pbx.amiUser}` : ''}`;
}
