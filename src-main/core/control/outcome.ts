// How a click-to-call ended, in the operator's words. Two sources:
// - the OriginateResponse event of the Originate (the first leg: the operator's
//   own device), whose Reason is the control frame Asterisk last saw on it;
// - the tracked call (the second leg: the number), whose result the call
//   tracker derives from DialEnd/Hangup.
//
// Reason values (main/pbx.c, pbx_dial_reason(); numbers from
// include/asterisk/frame.h, enum ast_control_frame_type):
//   4 AST_CONTROL_ANSWER     answered
//   1 AST_CONTROL_HANGUP     the device hung up before answering
//   3 AST_CONTROL_RINGING    still ringing when the Originate timed out (older Asterisk)
//   5 AST_CONTROL_BUSY       cause 17 user busy
//   8 AST_CONTROL_CONGESTION cause 21 rejected, 27 out of order, 34/42 congestion ...
//   0                        anything else: unknown or unregistered endpoint, no answer
// Asterisk 22 says 0 for an unknown device, an unregistered one and a ring
// timeout alike (ami-traces README point 3, traces b and i). What tells them
// apart is whether the device's channel ever existed: Sidecall gives the
// Originate a ChannelId, so any event with that Uniqueid proves my phone rang.
// https://docs.asterisk.org/Latest_API/API_Documentation/AMI_Events/OriginateResponse/
import type { Call } from '../../../src-shared/domain/call';
import type { OriginateResponseEvent } from '../ami/events';

export type DialOutcomeCode =
  /** My phone answered; Asterisk now dials the number (the tracked call takes over). */
  | 'answered'
  /** My phone could not be rung at all (unknown, unregistered or unreachable device). */
  | 'deviceOffline'
  /** My phone rang and was not picked up in time. */
  | 'deviceNoAnswer'
  /** My phone hung up (declined) before answering. */
  | 'deviceHungUp'
  /** My phone is busy (another call, Do Not Disturb). */
  | 'deviceBusy'
  /** The PBX reported congestion or a rejected call on my device's leg. */
  | 'congestion'
  /** The number was busy / did not answer / could not be reached (from the tracked call). */
  | 'numberBusy'
  | 'numberNoAnswer'
  | 'numberFailed'
  /** Another reason code. */
  | 'failed'
  /** No OriginateResponse arrived (connection lost or the PBX never said). */
  | 'noResponse';

/** What the UI shows for a click-to-call once its fate is known. */
export interface DialOutcome {
  readonly ok: boolean;
  readonly code: DialOutcomeCode;
  /** English text for the operator. */
  readonly message: string;
  /** The call id the tracker gives this call (the Originate ChannelId). */
  readonly callId: string;
  readonly actionId: string | undefined;
  /** The number as shown to the operator. */
  readonly number: string;
  /** OriginateResponse Reason, when it came from there. */
  readonly reason?: number;
}

export interface OutcomeContext {
  /** The Originate Channel (`PJSIP/101`). */
  readonly device: string;
  readonly number: string;
  readonly timeoutSec: number;
  /** An event named the device's channel (our ChannelId) before the response. */
  readonly channelSeen: boolean;
  /** Q.850 cause of the device channel's Hangup, when seen: Asterisk 22 reports Reason 0 for busy and declined too. */
  readonly deviceHangupCause?: number;
}

/** The code and message for an OriginateResponse of a click-to-call. */
export function originateOutcome(ev: Pick<OriginateResponseEvent, 'success' | 'reason'>, ctx: OutcomeContext): { readonly ok: boolean; readonly code: DialOutcomeCode; readonly message: string } {
  const { device, number } = ctx;
  if (ev.success || ev.reason === 4) return { ok: true, code: 'answered', message: `Your phone answered; calling ${number}…` };
  switch (ev.reason) {
    case 0:
      if (ctx.channelSeen && ctx.deviceHangupCause === 17) {
        return { ok: false, code: 'deviceBusy', message: `Your phone (${device}) is busy (another call or Do Not Disturb); ${number} was not called.` };
      }
      if (ctx.channelSeen && ctx.deviceHangupCause === 21) {
        return { ok: false, code: 'deviceHungUp', message: `Your phone (${device}) declined the call, so ${number} was not called.` };
      }
      return ctx.channelSeen
        ? { ok: false, code: 'deviceNoAnswer', message: `Your phone (${device}) rang but was not picked up within ${ctx.timeoutSec} s, so ${number} was not called.` }
        : {
            ok: false,
            code: 'deviceOffline',
            message: `Your phone (${device}) could not be reached: it may be switched off or not registered. ${number} was not called.`,
          };
    case 3:
      return { ok: false, code: 'deviceNoAnswer', message: `Your phone (${device}) rang but was not picked up within ${ctx.timeoutSec} s, so ${number} was not called.` };
    case 1:
      return { ok: false, code: 'deviceHungUp', message: `Your phone (${device}) hung up before the call to ${number} was placed.` };
    case 5:
      return { ok: false, code: 'deviceBusy', message: `Your phone (${device}) is busy (another call or Do Not Disturb); ${number} was not called.` };
    case 8:
      return { ok: false, code: 'congestion', message: `The PBX could not reach your phone (${device}): the line is congested or the call was rejected. Try again in a moment.` };
    default:
      return { ok: false, code: 'failed', message: `The PBX could not place the call to ${number} (Originate reason ${ev.reason}).` };
  }
}

/** The message when no OriginateResponse arrived in time. */
export function noResponseOutcome(number: string): { readonly ok: false; readonly code: 'noResponse'; readonly message: string } {
  return { ok: false, code: 'noResponse', message: `The PBX did not report how the call to ${number} went; check your phone and the call list.` };
}

/**
 * The second leg's outcome from a tracked call that ended: busy, no answer or
 * unreachable number. Undefined for calls that were answered, cancelled by the
 * operator, or failed on the first leg (those are the OriginateResponse's).
 */
export function outcomeOfCall(call: Call): { readonly code: DialOutcomeCode; readonly message: string } | undefined {
  if (call.state !== 'ended' || call.answeredAt !== undefined) return undefined;
  const number = call.remoteNumber ?? 'The number';
  switch (call.result) {
    case 'busy':
      return { code: 'numberBusy', message: `${number} is busy.` };
    case 'noAnswer':
      return { code: 'numberNoAnswer', message: `${number} did not answer.` };
    case 'failed':
      // A failure with no leg of mine answered is the first leg's (OriginateResponse) story.
      if (!call.legs.some((l) => l.answeredAt !== undefined)) return undefined;
      return { code: 'numberFailed', message: `The call to ${number} could not be completed: the number may be wrong or the line unavailable.` };
    default:
      return undefined;
  }
}
