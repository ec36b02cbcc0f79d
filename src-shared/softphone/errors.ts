// The softphone's failures as codes with the operator's words (English here;
// the UI translates by code, see src-renderer/i18n `softphone.error.*`), and
// which of them are worth retrying: a wrong password, 403 or 404 stays wrong
// until someone changes Settings, so registration stops and says so; an
// unreachable server, a timeout or a 5xx may pass, so it retries with backoff.
import type { SoftphoneError, SoftphoneErrorCode, SoftphoneProbe } from './status';

const MESSAGES: Readonly<Record<SoftphoneErrorCode, string>> = {
  notConfigured: 'The softphone is not set up: enter the WebSocket URL and SIP URI in Settings -> Softphone.',
  noPassword: 'No SIP password is stored: enter it in Settings -> Softphone.',
  keychain: 'The OS keychain is unavailable, so the SIP password cannot be read.',
  wrongPassword: 'The PBX refused the SIP password (or the authentication user): check them in Settings -> Softphone.',
  forbidden: 'The PBX forbids this account to register (403): ask IT to check the SIP account and its allowed addresses.',
  notFound: 'The PBX does not know this SIP account (404): check the SIP URI (user and domain) in Settings -> Softphone.',
  unreachable: 'Cannot reach the PBX WebSocket: check the URL in Settings -> Softphone and the network. Retrying.',
  tls: 'The secure connection to the PBX failed (TLS certificate not trusted or not valid for this name): ask IT for a certificate this computer trusts.',
  blocked: 'The new WebSocket address is not allowed by the page yet: reload Sidecall.',
  timeout: 'The PBX did not answer in time. Retrying.',
  serverError: 'The PBX reported an error. Retrying.',
  rejected: 'The PBX refused the registration.',
  micDenied: 'Microphone access was denied: allow Sidecall to use the microphone (system or browser settings), then try again.',
  noMic: 'No microphone found: connect a headset or microphone.',
  micBusy: 'The microphone is in use by another application or cannot be opened.',
  deviceGone: 'The chosen audio device is not connected: pick another one in Settings -> Softphone.',
  media: 'The call audio could not be set up.',
  callFailed: 'The call could not be placed.',
  internal: 'The softphone hit an unexpected problem; details are in the log.',
};

/** Codes where trying again later can succeed without anyone changing anything. */
const RETRYABLE: ReadonlySet<SoftphoneErrorCode> = new Set(['unreachable', 'timeout', 'serverError']);

export function softphoneError(code: SoftphoneErrorCode, detail?: string): SoftphoneError {
  return { code, message: MESSAGES[code], ...(detail ? { detail: detail.slice(0, 300) } : {}) };
}

export function isRetryable(code: SoftphoneErrorCode): boolean {
  return RETRYABLE.has(code);
}

/**
 * A final REGISTER response other than 2xx. `authenticated`: our request
 * already carried credentials (sip.js answers one challenge itself; a second
 * 401/407 means they were refused).
 */
export function registerFailure(statusCode: number, reason: string, authenticated: boolean): SoftphoneError {
  const detail = `${statusCode} ${reason}`.trim();
  if (statusCode === 401 || statusCode === 407) return softphoneError(authenticated ? 'wrongPassword' : 'rejected', detail);
  if (statusCode === 403) return softphoneError('forbidden', detail);
  if (statusCode === 404 || statusCode === 604) return softphoneError('notFound', detail);
  if (statusCode === 408 || statusCode === 480 || statusCode === 504) return softphoneError('timeout', detail);
  if (statusCode >= 500 && statusCode < 600 && statusCode !== 501) return softphoneError('serverError', detail);
  return softphoneError('rejected', detail);
}

/** A WebSocket that would not open, told by main's probe of the same URL (undefined: no probe answer). */
export function transportFailure(probe: SoftphoneProbe | undefined, cspBlocked: boolean): SoftphoneError {
  if (cspBlocked) return softphoneError('blocked');
  if (!probe) return softphoneError('unreachable');
  switch (probe.result) {
    case 'tls':
      return softphoneError('tls', probe.detail);
    case 'timeout':
      return softphoneError('timeout', probe.detail);
    case 'notConfigured':
      return softphoneError('notConfigured');
    case 'http':
      // The server is there but refuses the upgrade (wrong path, no WebSocket module): retrying will not change it.
      return { ...softphoneError('rejected', probe.detail), message: `The server at the WebSocket URL refused the connection (${probe.detail}): check the path in Settings -> Softphone.` };
    case 'ok':
      // Node could connect but the browser could not: a certificate Node trusts and the browser does not, or a proxy in between.
      return softphoneError('unreachable', 'The server answers, but this window could not open the WebSocket (certificate or proxy).');
    default:
      return softphoneError('unreachable', probe.detail);
  }
}

/** getUserMedia / setSinkId failures by their DOMException name. */
export function mediaFailure(name: string, message: string): SoftphoneError {
  const detail = `${name}: ${message}`;
  switch (name) {
    case 'NotAllowedError':
    case 'SecurityError':
    case 'PermissionDeniedError':
      return softphoneError('micDenied', detail);
    case 'NotFoundError':
    case 'DevicesNotFoundError':
      return softphoneError('noMic', detail);
    case 'OverconstrainedError':
      return softphoneError('deviceGone', detail);
    case 'NotReadableError':
    case 'TrackStartError':
    case 'AbortError':
      return softphoneError('micBusy', detail);
    default:
      return softphoneError('media', detail);
  }
}
