// Call control: click-to-call, hang up, transfers, recording and park as AMI
// actions, with validated inputs and operator-facing errors. See README.md.
export { createCallControl, applyControlNote, DIAL_SOURCES } from './call-control';
export type {
  CallControl,
  CallControlDeps,
  ControlNote,
  DialOptions,
  DialSource,
  DialStarted,
  ParkResult,
  RecordingInfo,
  TransferStarted,
} from './call-control';
export { CallControlError, controlErrorFrom } from './errors';
export type { CallControlErrorCode, CallControlErrorData } from './errors';
export { originateOutcome, outcomeOfCall, noResponseOutcome } from './outcome';
export type { DialOutcome, DialOutcomeCode, OutcomeContext } from './outcome';
export {
  ControlSettingsSchema,
  DialSettingsSchema,
  TransferSettingsSchema,
  RecordingSettingsSchema,
  RecordingModeSchema,
  NumberFormatSchema,
  FILE_TEMPLATE_VARIABLES,
  defaultControlSettings,
} from './settings';
export type { ControlSettings, DialSettings, TransferSettings, RecordingSettings, RecordingMode, NumberFormat } from './settings';
export { expandCallerIdName, expandRecordingFile } from './templates';
export type { CallerIdNameValues, RecordingFileValues } from './templates';
export { RECORDING_DIALPLAN, recordingDialplan } from './recording-dialplan';
export type { DialNumberSettings, DialTarget, DialTargetKind } from './validation';
export { dialTarget, extenFor } from './validation';
