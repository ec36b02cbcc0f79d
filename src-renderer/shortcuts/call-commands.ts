// What a call shortcut does with the calls now live, as pure data: the IPC
// request to send, a field to focus, or why nothing can be done (said aloud
// through the live region). The softphone registers its own answer, hang-up
// and mute (see shortcut-registry.ts): these are the defaults for a desk phone
// driven through AMI, where answering and muting happen on the phone.
import type { CallsView, CallView } from '../../src-shared/domain/calls-view';
import type { ShortcutAction } from './keymap';

export type CallCommand =
  | { readonly kind: 'request'; readonly channel: 'calls.hangup'; readonly payload: { readonly callId: string } }
  | { readonly kind: 'request'; readonly channel: 'calls.park'; readonly payload: { readonly callId: string } }
  | { readonly kind: 'request'; readonly channel: 'calls.record'; readonly payload: { readonly callId: string; readonly action: 'start' | 'stop' | 'resume' } }
  | { readonly kind: 'request'; readonly channel: 'demo.phone'; readonly payload: { readonly action: 'answer' } }
  | { readonly kind: 'focus'; readonly target: 'transfer' | 'dialPad' }
  | { readonly kind: 'navigate'; readonly page: 'help' }
  | { readonly kind: 'unavailable'; readonly reason: 'noCall' | 'noRinging' | 'answerOnPhone' | 'muteNeedsSoftphone' };

const live = (calls: CallsView): CallView[] => calls.live.filter((v) => v.call.state !== 'ended');

/** The call the operator is talking on (or placing): connected first, then on hold, then dialing. */
export function activeCall(calls: CallsView): CallView | undefined {
  const l = live(calls);
  return l.find((v) => v.call.state === 'connected') ?? l.find((v) => v.call.state === 'onHold') ?? l.find((v) => v.call.state === 'dialing');
}

export function ringingCall(calls: CallsView): CallView | undefined {
  return live(calls).find((v) => v.call.state === 'ringing');
}

export function callCommand(action: ShortcutAction, calls: CallsView): CallCommand {
  switch (action) {
    case 'answer': {
      const ringing = ringingCall(calls);
      if (!ringing) return { kind: 'unavailable', reason: 'noRinging' };
      // Through AMI a desk phone cannot be made to pick up; the demo phone can.
      return calls.demo ? { kind: 'request', channel: 'demo.phone', payload: { action: 'answer' } } : { kind: 'unavailable', reason: 'answerOnPhone' };
    }
    case 'hangUp': {
      // The call being talked on before one that rings: Ctrl+Shift+H mid-call must not reject the newcomer instead.
      const call = activeCall(calls) ?? ringingCall(calls);
      return call ? { kind: 'request', channel: 'calls.hangup', payload: { callId: call.call.id } } : { kind: 'unavailable', reason: 'noCall' };
    }
    case 'hold': {
      const call = live(calls).find((v) => v.call.state === 'connected');
      return call ? { kind: 'request', channel: 'calls.park', payload: { callId: call.call.id } } : { kind: 'unavailable', reason: 'noCall' };
    }
    case 'record': {
      const call = live(calls).find((v) => v.call.state === 'connected' || v.call.state === 'onHold');
      if (!call) return { kind: 'unavailable', reason: 'noCall' };
      const rec = call.call.recording.state;
      return { kind: 'request', channel: 'calls.record', payload: { callId: call.call.id, action: rec === 'off' ? 'start' : rec === 'paused' ? 'resume' : 'stop' } };
    }
    case 'transfer':
      return activeCall(calls) ? { kind: 'focus', target: 'transfer' } : { kind: 'unavailable', reason: 'noCall' };
    case 'mute':
      return { kind: 'unavailable', reason: 'muteNeedsSoftphone' };
    case 'dialPad':
      return { kind: 'focus', target: 'dialPad' };
    case 'help':
      return { kind: 'navigate', page: 'help' };
  }
}
