// What answer, hang up, mute and hold do when the softphone is the phone, as
// pure data over its calls: which call and which action, or nothing (then
// the key goes on to the defaults in call-commands.ts, which use AMI).
import type { PhoneCall } from '../../src-shared/softphone/calls';
import type { ShortcutAction } from './keymap';

export type SoftphoneCommand =
  | { readonly kind: 'answer'; readonly id: string }
  | { readonly kind: 'hangup'; readonly id: string }
  | { readonly kind: 'mute'; readonly id: string; readonly on: boolean }
  | { readonly kind: 'hold'; readonly id: string; readonly on: boolean };

/** The call being talked on: not on hold first, else the one on hold. */
function talking(calls: readonly PhoneCall[]): PhoneCall | undefined {
  const up = calls.filter((c) => c.state === 'connected' || c.state === 'dialing');
  return up.find((c) => !c.held) ?? up[0];
}

export function softphoneCommand(action: ShortcutAction, calls: readonly PhoneCall[]): SoftphoneCommand | undefined {
  const ringing = calls.find((c) => c.state === 'ringing' && c.direction === 'inbound');
  const current = talking(calls);
  switch (action) {
    case 'answer':
      return ringing ? { kind: 'answer', id: ringing.id } : undefined;
    case 'hangUp': {
      const call = current ?? ringing;
      return call ? { kind: 'hangup', id: call.id } : undefined;
    }
    case 'mute':
      return current && current.state === 'connected' ? { kind: 'mute', id: current.id, on: !current.muted } : undefined;
    case 'hold':
      return current && current.state === 'connected' ? { kind: 'hold', id: current.id, on: !current.held } : undefined;
    default:
      return undefined;
  }
}
