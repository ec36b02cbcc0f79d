// Call-control settings live in src-shared/domain/control-settings.ts (part of
// the Settings schema the UI edits); re-exported here for the control code.
export * from '../../../src-shared/domain/control-settings';
