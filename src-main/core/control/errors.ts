// The one error type of call control. `code` is stable (the UI and the IPC
// edge switch on it), `message` is English for the operator: what happened and
// what to do. Errors of the AMI layer are translated here so nothing above
// sees AmiActionError & co.; the original stays in `cause` for the log.
import { AmiCodecError } from '../ami/codec';
import { AmiActionError, AmiError } from '../ami/connection/errors';

export type CallControlErrorCode =
  /** The number or extension typed/clicked is not dialable (parseDialTarget said why). */
  | 'invalidNumber'
  /** An input other than a number is malformed (call id, option). */
  | 'invalidInput'
  /** A setting resolves to something that cannot be sent (device, context). */
  | 'badSettings'
  | 'callNotFound'
  /** The call is over (or not yet connected where that matters). */
  | 'callEnded'
  /** None of my channels in the call is live, or its name is not safe to send. */
  | 'noChannel'
  /** The other party's channel is unknown or ambiguous. */
  | 'noRemoteChannel'
  /** A click-to-call is already being placed. */
  | 'dialInProgress'
  /** There is no consultation call to complete or cancel. */
  | 'noConsultation'
  /** MixMonitor refused for lack of write=system (direct mode). */
  | 'recordingNotPermitted'
  /** The least-privilege recording context is not installed or refused the request. */
  | 'recordingDialplanFailed'
  /** In `pbx` mode Sidecall does not start recordings. */
  | 'recordingByPbx'
  | 'notRecording'
  /** The AMI user lacks the permission for this action. */
  | 'permissionDenied'
  /** Asterisk answered `Response: Error` (its message is in the text). */
  | 'amiRefused'
  /** Not connected to the PBX, or the connection dropped while waiting. */
  | 'notConnected'
  | 'timeout'
  /** Needs an event source the control was built without. */
  | 'unavailable';

/** What crosses IPC: plain data, like AppErrorData. */
export interface CallControlErrorData {
  readonly code: CallControlErrorCode;
  readonly message: string;
}

/** Thrown by every CallControl method; nothing was sent unless the PBX itself refused. */
export class CallControlError extends Error {
  readonly code: CallControlErrorCode;

  constructor(code: CallControlErrorCode, message: string, options?: { readonly cause?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'CallControlError';
    this.code = code;
  }

  toData(): CallControlErrorData {
    return { code: this.code, message: this.message };
  }
}

/**
 * Translates a failure of an AMI action into a CallControlError. `what` names
 * the operator's action ("Transfer", "Hang up"); `onPermissionDenied` lets the
 * caller give a more specific text (recording).
 */
export function controlErrorFrom(err: unknown, what: string, onPermissionDenied?: () => CallControlError): CallControlError {
  if (err instanceof CallControlError) return err;
  if (err instanceof AmiActionError) {
    if (err.permissionDenied) {
      return (
        onPermissionDenied?.() ??
        new CallControlError('permissionDenied', `${what} failed: the PBX does not allow Sidecall's AMI user to do this (${err.action}: Permission denied). Ask IT to run \`sidecall ami-config\` for this user.`, { cause: err })
      );
    }
    return new CallControlError('amiRefused', `${what} failed: the PBX refused it (${err.action}: ${err.asteriskMessage}).`, { cause: err });
  }
  if (err instanceof AmiCodecError) {
    // Validation runs before anything is built, so this means a value slipped through: say so plainly.
    return new CallControlError('invalidInput', `${what} was not sent: a value contains characters the PBX protocol cannot carry (${err.field ?? 'field'}).`, { cause: err });
  }
  if (err instanceof AmiError) {
    switch (err.code) {
      case 'not-ready':
      case 'disconnected':
        return new CallControlError('notConnected', `${what} failed: ${err.message}`, { cause: err });
      case 'timeout':
        return new CallControlError('timeout', `${what} failed: ${err.message}`, { cause: err });
      case 'invalid-request':
        return new CallControlError('invalidInput', `${what} was not sent: ${err.message}`, { cause: err });
      default:
        return new CallControlError('amiRefused', `${what} failed: ${err.message}`, { cause: err });
    }
  }
  const text = err instanceof Error ? err.message : String(err);
  return new CallControlError('amiRefused', `${what} failed: ${text}`, { cause: err });
}
