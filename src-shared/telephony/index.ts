// Telephony input: the one place where numbers, links, CallerID names and channel
// names are validated before any of them reaches an AMI action. Pure (no Node, no
// DOM): main validates for real; the renderer may run the same checks as you type.
export {
  parseDialTarget,
  validateCallerIdName,
  validateChannelName,
  DIAL_STRING,
  MAX_DIAL_INPUT_LENGTH,
  MAX_DIAL_DIGITS,
  MAX_E164_DIGITS,
  MAX_EXTENSION_DIGITS,
  MAX_CALLER_ID_NAME_LENGTH,
  MAX_CHANNEL_NAME_LENGTH,
} from './dial-target';
export type { DialTarget, DialTargetKind, DialTargetOptions, DialTargetResult, DialTargetWarning, CallerIdNameResult, ChannelNameResult } from './dial-target';
export { parseCallLink, dialTargetFromLink, linkFromArgv, MAX_LINK_LENGTH } from './link';
export type { CallLink, CallLinkResult, CallLinkScheme, DialLinkResult } from './link';
export { messages } from './errors';
export type {
  InputError,
  DialTargetError,
  DialTargetErrorCode,
  CallLinkError,
  CallLinkErrorCode,
  ChannelNameError,
  ChannelNameErrorCode,
  CallerIdNameError,
  CallerIdNameErrorCode,
  TelephonyInputErrorCode,
} from './errors';
