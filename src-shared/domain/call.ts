// A call of the operator's extension as the UI, the screen pop and reporting see
// it: one logical call per Asterisk Linkedid, whatever legs, transfers and
// re-dials happened inside it. Built by the call tracker in
// src-main/core/calls from AMI events; this schema is what crosses IPC.
import { z } from 'zod';

/** Who started it: someone called me (inbound), I called out (outbound), or the other side is an extension (internal). */
export const CallDirectionSchema = z.enum(['inbound', 'outbound', 'internal']);
export type CallDirection = z.infer<typeof CallDirectionSchema>;

/**
 * - `ringing`: my phone rings for a call to me;
 * - `dialing`: I am calling out (my phone rings first for a click-to-call, then the other side);
 * - `connected` / `onHold`: talking, or either side put the call on hold (or it is parked);
 * - `ended`: over; `result` says how.
 */
export const CallStateSchema = z.enum(['ringing', 'dialing', 'connected', 'onHold', 'ended']);
export type CallState = z.infer<typeof CallStateSchema>;

/**
 * How an ended call went, from my extension's point of view:
 * - `answered`: I talked to the other side;
 * - `missed`: it rang here and nobody answered (caller gave up, timeout, queue moved on);
 * - `rejected`: it rang here and I declined it;
 * - `answeredElsewhere`: it rang here but a colleague answered (queue, ring group, pickup);
 * - `busy` / `noAnswer`: I called out and the other side was busy / did not answer;
 * - `cancelled`: I called out and hung up (or did not pick up my own phone for a click-to-call) before an answer;
 * - `failed`: the call could not be placed (Originate failure, unreachable, congestion).
 */
export const CallResultSchema = z.enum(['answered', 'missed', 'rejected', 'answeredElsewhere', 'busy', 'noAnswer', 'cancelled', 'failed']);
export type CallResult = z.infer<typeof CallResultSchema>;

export const RecordingStateSchema = z.enum(['off', 'recording', 'paused']);
export type RecordingState = z.infer<typeof RecordingStateSchema>;

export const RecordingSchema = z
  .object({
    state: RecordingStateSchema,
    /** The file of the current (or last) recording, as Asterisk names it (MIXMONITOR_FILENAME). */
    file: z.string().optional(),
    /** Every file recorded during the call, in order (a call recorded twice has two). */
    files: z.array(z.string()).readonly(),
  })
  .readonly();
export type Recording = z.infer<typeof RecordingSchema>;

/**
 * One transfer in the life of the call.
 * - `blind`, `attended`: Asterisk's BlindTransfer / AttendedTransfer (phone or feature code);
 * - `redirect`: AMI Redirect, which raises no transfer event (seen from the call's channels, or told by our own request);
 * - `pickup`: the call was picked up from another phone (`in`) or from mine (`out`);
 * - `park`: parked (`to` is the slot) or retrieved from a parking slot.
 * `out` means the call left my extension; `in` means it came to me from another one.
 */
export const TransferSchema = z
  .object({
    kind: z.enum(['blind', 'attended', 'redirect', 'pickup', 'park']),
    direction: z.enum(['in', 'out']),
    at: z.number(),
    /** Who handed the call over (extension or number), when known. */
    from: z.string().optional(),
    /** Where it went (extension, number or parking slot), when known. */
    to: z.string().optional(),
  })
  .readonly();
export type Transfer = z.infer<typeof TransferSchema>;

/** One of my channels in the call (a re-ring from a queue, a consultation call, a pickup each add one). */
export const CallLegSchema = z
  .object({
    channel: z.string(),
    uniqueid: z.string(),
    startedAt: z.number(),
    answeredAt: z.number().optional(),
    endedAt: z.number().optional(),
    /** Q.850 cause of the Hangup of this channel (16 normal, 17 busy, 19 no answer, 21 rejected, 26 answered elsewhere). */
    hangupCause: z.number().int().optional(),
  })
  .readonly();
export type CallLeg = z.infer<typeof CallLegSchema>;

export const HangupCauseSchema = z
  .object({
    code: z.number().int(),
    text: z.string().optional(),
  })
  .readonly();
export type HangupCause = z.infer<typeof HangupCauseSchema>;

export const CallSchema = z
  .object({
    /** The Linkedid the call was first seen with (plus `/n` if my extension rejoins a call it already left and reported). */
    id: z.string(),
    /** Every Linkedid the call has had (a transfer or a pickup can merge two). */
    linkedids: z.array(z.string()).readonly(),
    /** My extension, e.g. `101`. */
    extension: z.string(),
    direction: CallDirectionSchema,
    state: CallStateSchema,
    /** Present once `state` is `ended`. */
    result: CallResultSchema.optional(),
    /** The other party's number as the PBX gave it (normalize it for lookups). */
    remoteNumber: z.string().optional(),
    remoteName: z.string().optional(),
    /** Who answered: my extension, the number I called, or the colleague who took it. */
    answeredBy: z.string().optional(),
    startedAt: z.number(),
    answeredAt: z.number().optional(),
    endedAt: z.number().optional(),
    hangupCause: HangupCauseSchema.optional(),
    /** Which side hung up, when the events say so. */
    hangupBy: z.enum(['me', 'remote']).optional(),
    /** The queue it came through. */
    queue: z.string().optional(),
    /** Parking slot while (or when last) parked. */
    parkingSlot: z.string().optional(),
    transfers: z.array(TransferSchema).readonly(),
    legs: z.array(CallLegSchema).readonly(),
    recording: RecordingSchema,
    /** Rebuilt from CoreShowChannels after a reconnect: times before that are approximate. */
    restored: z.boolean().optional(),
    /** It ended while the AMI connection was down: end time and result are the best guess at resync. */
    endedWhileDisconnected: z.boolean().optional(),
  })
  .readonly();
export type Call = z.infer<typeof CallSchema>;
