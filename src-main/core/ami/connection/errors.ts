// Typed errors of the AMI connection and its actions. Each carries a stable
// `code` for callers to switch on and a message written for the operator (what
// happened and what they can do). The codec's own AmiCodecError (a value with CR
// or LF, naming the field) passes through unchanged: nothing is sent in that case.
import type { AmiMessage } from '../codec';
import { getHeader } from '../codec';

export type AmiErrorCode = 'action-failed' | 'timeout' | 'disconnected' | 'not-ready' | 'bad-response' | 'invalid-request';

/** Base class: `code` says what, `action` names the AMI action involved. */
export class AmiError extends Error {
  readonly code: AmiErrorCode;
  readonly action: string;

  constructor(code: AmiErrorCode, action: string, message: string, options?: { readonly cause?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'AmiError';
    this.code = code;
    this.action = action;
  }
}

/** Asterisk answered `Response: Error`; `asteriskMessage` is its `Message:` verbatim (e.g. "Permission denied"). */
export class AmiActionError extends AmiError {
  readonly asteriskMessage: string;
  readonly response: AmiMessage;

  constructor(action: string, response: AmiMessage) {
    const said = getHeader(response, 'Message') ?? '(no message)';
    super('action-failed', action, `The PBX refused ${action}: ${said}${hintFor(said)}`);
    this.name = 'AmiActionError';
    this.asteriskMessage = said;
    this.response = response;
  }

  /** The AMI user lacks the write= class this action needs (see asterisk-ami.md, Permissions). */
  get permissionDenied(): boolean {
    return /permission denied/i.test(this.asteriskMessage);
  }
}

function hintFor(said: string): string {
  if (/permission denied/i.test(said)) return ' (the AMI user lacks the permission: ask IT to run `sidecall ami-config` for it)';
  return '';
}

/** No reply (or, for an event list, no `...Complete` event) within the action's timeout. */
export class AmiTimeoutError extends AmiError {
  readonly timeoutMs: number;

  constructor(action: string, timeoutMs: number) {
    super('timeout', action, `The PBX did not answer ${action} within ${formatSeconds(timeoutMs)}: it may be overloaded or the network is slow; try again`);
    this.name = 'AmiTimeoutError';
    this.timeoutMs = timeoutMs;
  }
}

/** The connection closed while the action waited for its reply; it may or may not have run on the PBX. */
export class AmiDisconnectedError extends AmiError {
  readonly reason: string;

  constructor(action: string, reason: string) {
    super('disconnected', action, `${action} got no reply because the connection to the PBX closed (${reason}); check the call state before trying again`);
    this.name = 'AmiDisconnectedError';
    this.reason = reason;
  }
}

/** The action was not sent: the connection is not logged in and resynchronised yet. */
export class AmiNotReadyError extends AmiError {
  readonly state: string;

  constructor(action: string, state: string) {
    super('not-ready', action, `${action} was not sent: Sidecall is not connected to the PBX (${state}); try again when it shows Ready`);
    this.name = 'AmiNotReadyError';
    this.state = state;
  }
}

/** The PBX answered with something a typed action cannot read (a missing or malformed field). */
export class AmiBadResponseError extends AmiError {
  readonly response: AmiMessage;

  constructor(action: string, detail: string, response: AmiMessage) {
    super('bad-response', action, `The PBX answered ${action} in an unexpected form (${detail}); please report this with the log`);
    this.name = 'AmiBadResponseError';
    this.response = response;
  }
}

/** The caller asked for something the action cannot express; nothing was sent. `field` names the parameter. */
export class AmiRequestError extends AmiError {
  readonly field: string;

  constructor(action: string, field: string, problem: string) {
    super('invalid-request', action, `${action} was not sent: ${field} ${problem}`);
    this.name = 'AmiRequestError';
    this.field = field;
  }
}

/** `1500` -> `1.5 s`, `10000` -> `10 s`. */
export function formatSeconds(ms: number): string {
  const s = ms / 1000;
  return `${Number.isInteger(s) ? s : s.toFixed(1)} s`;
}
