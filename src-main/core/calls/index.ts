// The call tracker: AMI events -> the calls of my extension. A pure "duck":
// getEmptyState(config), reduce(state, event, now), resync(state, channels, now),
// notes from our own call control, and selectors. The app wires it to the AMI
// connection (parseAmiEvent from ../ami/events) and publishes changedCalls().
export { getEmptyState } from './state';
export type { CallTrackerState, CallRecord, TrackedChannel, OriginateRequest, TransferHint, CallOrigin } from './state';
export { reduce, tick } from './reducer';
export { resync } from './resync';
export { originateRequested, transferRequested, recordingRequested } from './requests';
export type { OriginateRequestNote, TransferRequestNote, RecordingRequestNote } from './requests';
export {
  selectCalls,
  selectLiveCalls,
  selectCall,
  selectEndedCalls,
  acknowledgeEnded,
  changedCalls,
  selectTrackedLinkedids,
  selectMyChannels,
  selectRemoteChannels,
} from './selectors';
export type { CallsDiff } from './selectors';
export { resolveTrackerConfig, isMyChannel, isMyDevice, isInternalNumber, DEFAULT_INTERNAL_NUMBER_PATTERN } from './config';
export type { TrackerConfig, ResolvedTrackerConfig } from './config';
