// Public face of the AMI connection: the self-healing session, its transport
// port, the backoff schedule and the typed errors actions reject with.
export { AmiConnection, describeAmiTarget } from './connection';
export type { AmiConnectionConfig, AmiConnectionDeps, AmiConnectionDiagnostics, AmiTimingOptions } from './connection';
export type { AmiSocket, AmiTransport, AmiTransportTarget } from './transport';
export { netTransport } from './net-transport';
export { Backoff, backoffCeiling, DEFAULT_BACKOFF } from './backoff';
export type { BackoffOptions } from './backoff';
export { PendingActions } from './pending';
export {
  AmiError,
  AmiActionError,
  AmiTimeoutError,
  AmiDisconnectedError,
  AmiNotReadyError,
  AmiBadResponseError,
  AmiRequestError,
  formatSeconds,
} from './errors';
export type { AmiErrorCode } from './errors';
