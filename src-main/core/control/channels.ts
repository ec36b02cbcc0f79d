// Which channel an action names, read from the tracker state: my live channels
// of a call, the other party's channel in my conversation, the consultation
// leg of an attended transfer. Pure functions over CallTrackerState; every name
// returned passed validateChannelName, so it can go into an action as it is.
// (Candidates for the tracker's selectors.ts: they only read its state.)
import type { CallRecord, CallTrackerState, TrackedChannel } from '../calls';
import { CallControlError } from './errors';
import { isSafeChannel } from './validation';

const MAX_ID_LENGTH = 200;

/** The live call `callId`, or CallControlError (invalidInput, callNotFound, callEnded). */
export function liveRecord(state: CallTrackerState, callId: unknown): CallRecord {
  if (typeof callId !== 'string' || callId === '' || callId.length > MAX_ID_LENGTH) throw new CallControlError('invalidInput', 'No call was given.');
  const rec = state.records.get(callId);
  if (rec === undefined) throw new CallControlError('callNotFound', 'This call is no longer in the call list.');
  if (rec.call.state === 'ended') throw new CallControlError('callEnded', 'This call has already ended.');
  return rec;
}

/** My live channels of the call, newest first, whose names are safe to send; `refused` hears about the others. */
export function myChannels(state: CallTrackerState, callId: string, refused?: (name: string) => void): TrackedChannel[] {
  const out: TrackedChannel[] = [];
  for (const ch of state.channels.values()) if (ch.mine && ch.callId === callId) out.push(ch);
  return out.reverse().filter((ch) => {
    if (isSafeChannel(ch.name)) return true;
    refused?.(ch.name);
    return false;
  });
}

/** My newest live channel of the call, or `noChannel`. */
export function myChannel(state: CallTrackerState, callId: string, refused?: (name: string) => void): TrackedChannel {
  const ch = myChannels(state, callId, refused)[0];
  if (ch === undefined) throw new CallControlError('noChannel', 'Your phone is not (or no longer) on this call.');
  return ch;
}

/** The other side's channels of the call the tracker knows (any name). */
export function remoteChannels(state: CallTrackerState, callId: string): TrackedChannel[] {
  const out: TrackedChannel[] = [];
  for (const ch of state.channels.values()) if (!ch.mine && ch.callId === callId) out.push(ch);
  return out;
}

/**
 * The other party's channel in my conversation: the one in my bridge, else the
 * one that dialled me (inbound: trace e's Local ;2), else one my channel dialled
 * (outbound: trace c's Local ;1), else the only other channel. The Dial relation
 * matters because with the operator filter the other side's BridgeEnter is
 * usually not delivered. Ambiguity is refused rather than guessed.
 */
export function peerOf(state: CallTrackerState, callId: string, me: TrackedChannel): TrackedChannel {
  const others = remoteChannels(state, callId).filter((c) => c.uniqueid !== me.uniqueid);
  const pick =
    (me.bridgeId === undefined ? undefined : others.find((c) => c.bridgeId === me.bridgeId)) ??
    (me.dialedBy === undefined ? undefined : others.find((c) => c.uniqueid === me.dialedBy)) ??
    others.find((c) => c.dialedBy === me.uniqueid) ??
    (others.length === 1 ? others[0] : undefined);
  if (pick === undefined) throw new CallControlError('noRemoteChannel', "Sidecall cannot tell which channel is the other party's in this call; use your phone for this one.");
  if (!isSafeChannel(pick.name)) throw new CallControlError('noRemoteChannel', `The other party's channel name ${JSON.stringify(pick.name)} is not safe to send to the PBX.`);
  return pick;
}

/**
 * The consultation leg of an attended transfer: a channel of the call that was
 * not there before the Atxfer, preferably `Local/<exten>@<context>-xxxxxxxx;1`
 * (what bridge_basic.c's dial_transfer requests). Undefined until the tracker
 * has seen it (the DialBegin from my channel).
 */
export function consultationLeg(state: CallTrackerState, callId: string, c: { readonly exten: string; readonly context: string; readonly before: ReadonlySet<string> }): TrackedChannel | undefined {
  const fresh = remoteChannels(state, callId).filter((ch) => !c.before.has(ch.uniqueid) && isSafeChannel(ch.name));
  return fresh.find((ch) => ch.name.startsWith(`Local/${c.exten}@${c.context}-`)) ?? (fresh.length === 1 ? fresh[0] : undefined);
}

/** Channels that may carry a MixMonitor of the call: where the tracker saw one start, then mine, then the other party's. */
export function recordingCandidates(state: CallTrackerState, callId: string): string[] {
  const rec = state.records.get(callId);
  const names: string[] = [];
  for (const uid of Object.keys(rec?.recordingOn ?? {})) {
    const name = state.channels.get(uid)?.name;
    if (name !== undefined && isSafeChannel(name)) names.push(name);
  }
  const mine = myChannels(state, callId);
  for (const ch of mine) names.push(ch.name);
  const me = mine[0];
  if (me !== undefined) {
    try {
      names.push(peerOf(state, callId, me).name);
    } catch {
      // No identifiable other party: only the channels above are tried.
    }
  }
  return [...new Set(names)];
}
