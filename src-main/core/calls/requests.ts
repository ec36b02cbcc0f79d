// Notes from Sidecall's own call control. Some actions leave no trace in the
// events the tracker sees: an AMI Redirect raises no transfer event (traces
// README item 5), MixMonitorStart carries no file name and VarSet needs
// read=dialplan (item 4), and an Originate that never creates a channel shows
// only as an OriginateResponse. The control layer tells the tracker what it
// asked for, after the PBX accepted it, through these pure functions.
import type { Transfer } from '../../../src-shared/domain/call';
import { addRecordingFile } from './recording';
import type { CallTrackerState } from './state';
import { ORIGINATE_TTL_MS, Tx } from './state';

export interface OriginateRequestNote {
  /** The ActionID of the Originate (its OriginateResponse carries it back). */
  readonly actionId: string;
  /** The Originate Channel, e.g. `PJSIP/101` (or `Local/101@...`). */
  readonly channel: string;
  /** The number being called for the operator. */
  readonly number?: string;
}

/** A click-to-call was sent: the call that appears (or the failure) gets this number. */
export function originateRequested(state: CallTrackerState, req: OriginateRequestNote, now: number): CallTrackerState {
  const tx = new Tx(state, now);
  // The PBX may have created the call before its reply to the Originate came back (the note is sent after
  // the reply): then the call is already open, unclaimed and without a number, and this note claims it.
  const early = req.number === undefined ? undefined : unclaimedOriginateCall(tx, req.channel);
  tx.originates = [
    ...tx.originates.filter((o) => now - o.requestedAt < ORIGINATE_TTL_MS && o.actionId !== req.actionId),
    { actionId: req.actionId, channel: req.channel, requestedAt: now, ...(req.number === undefined ? {} : { number: req.number }), ...(early === undefined ? {} : { callId: early }) },
  ];
  if (early !== undefined && req.number !== undefined) {
    const rec = tx.live(early);
    if (rec !== undefined) tx.put({ ...rec, call: { ...rec.call, remoteNumber: req.number } });
  }
  tx.touch();
  return tx.commit();
}

/** A live click-to-call on `device` (e.g. `PJSIP/101`) that no request has claimed and that has no number yet. */
function unclaimedOriginateCall(tx: Tx, device: string): string | undefined {
  const claimed = new Set(tx.originates.map((o) => o.callId).filter((id): id is string => id !== undefined));
  for (const id of tx.order) {
    const rec = tx.live(id);
    if (rec === undefined || rec.origin !== 'originate' || claimed.has(id) || rec.call.remoteNumber !== undefined) continue;
    const onDevice = [...tx.channels.values()].some((ch) => ch.callId === id && ch.mine && ch.name.startsWith(`${device}-`));
    if (onDevice) return id;
  }
  return undefined;
}

export interface TransferRequestNote {
  readonly callId: string;
  readonly kind: Extract<Transfer['kind'], 'redirect' | 'blind' | 'attended' | 'park'>;
  /** Target extension, number or parking slot. */
  readonly to?: string;
}

/** Sidecall transferred the call (e.g. by AMI Redirect, which raises no event). */
export function transferRequested(state: CallTrackerState, req: TransferRequestNote, now: number): CallTrackerState {
  const rec = state.records.get(req.callId);
  if (rec === undefined || rec.call.state === 'ended') return state;
  const tx = new Tx(state, now);
  const transfer: Transfer = { kind: req.kind, direction: 'out', from: state.config.extension, at: now, ...(req.to === undefined ? {} : { to: req.to }) };
  tx.put({ ...rec, call: { ...rec.call, transfers: [...rec.call.transfers, transfer] } });
  return tx.commit();
}

export interface RecordingRequestNote {
  readonly callId: string;
  /** The file name passed to MixMonitor; a full path from VarSet replaces it later. */
  readonly file: string;
}

/** Sidecall started MixMonitor with this file: known even without read=dialplan. */
export function recordingRequested(state: CallTrackerState, req: RecordingRequestNote, now: number): CallTrackerState {
  const rec = state.records.get(req.callId);
  if (rec === undefined || rec.call.state === 'ended') return state;
  const tx = new Tx(state, now);
  tx.put({ ...rec, call: { ...rec.call, recording: addRecordingFile(rec.call.recording, req.file) } });
  return tx.commit();
}
