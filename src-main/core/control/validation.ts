// The one door to the shared validators (src-shared/telephony): every number,
// extension, CallerID name and channel name call control puts into an AMI
// action passes through here first. Call control adds nothing of its own to
// what a valid number is; it turns a refusal into a CallControlError, picks
// the form of the number the dialplan expects, and re-checks the few strings it
// assembles itself (exten with a prefix, device).
import type { RewriteRule } from '../../../src-shared/phone';
import type { DialTarget } from '../../../src-shared/telephony';
import { DIAL_STRING, parseDialTarget, validateCallerIdName, validateChannelName } from '../../../src-shared/telephony';
import { CallControlError } from './errors';
import type { NumberFormat } from './settings';

export type { DialTarget, DialTargetKind } from '../../../src-shared/telephony';

/** What parseDialTarget needs from Settings -> Numbers. */
export interface DialNumberSettings {
  readonly defaultRegion: string;
  readonly rules: readonly RewriteRule[];
}

/** Parses what the operator typed or clicked; throws `invalidNumber` with parseDialTarget's message. */
export function dialTarget(input: unknown, numbers: DialNumberSettings, opts: { readonly allowFeatureCodes: boolean }): DialTarget {
  if (typeof input !== 'string') throw new CallControlError('invalidNumber', 'There is no number to dial. Enter a phone number or an extension.');
  const r = parseDialTarget(input, { defaultRegion: numbers.defaultRegion, rules: numbers.rules, allowFeatureCodes: opts.allowFeatureCodes });
  if (!r.ok) throw new CallControlError('invalidNumber', r.error.message);
  // The validator promises this shape; an Exten is never built unless it holds.
  if (!DIAL_STRING.test(r.target.dial)) throw new CallControlError('invalidNumber', `${r.target.display} cannot be dialled.`);
  return r.target;
}

// What an Exten may be after Sidecall added an outbound prefix (at most 8 characters).
const EXTEN = /^\+?[0-9*#]{1,28}$/;

/**
 * The Exten for a target: outside numbers in the form the dialplan expects
 * (Settings → Calls → number format: national `8...` when the number is a
 * verified one of the home country, E.164 `+...`, or as dialled), with the
 * outbound prefix in front; extensions and short numbers exactly as dialled.
 */
export function extenFor(target: DialTarget, format: NumberFormat, outboundPrefix: string): string {
  let number = target.dial;
  if (target.kind === 'external') {
    if (format === 'national') number = target.national ?? target.dial;
    else if (format === 'e164') number = target.e164 ?? target.dial;
    number = `${outboundPrefix}${number}`;
  }
  if (!EXTEN.test(number)) throw new CallControlError('badSettings', `The outbound prefix ${JSON.stringify(outboundPrefix)} makes ${target.display} undialable: check Settings → Calls.`);
  return number;
}

/** The CallerID name if the shared validator accepts it (cleaned and cut by it), else undefined. */
export function callerIdName(name: string): string | undefined {
  if (name === '') return undefined;
  const r = validateCallerIdName(name);
  return r.ok ? r.name : undefined;
}

/** Whether a channel name may go into an AMI action (one Tech/, no pattern, no CR/LF, no `&` or `,`). */
export function isSafeChannel(name: string): boolean {
  return validateChannelName(name).ok;
}
