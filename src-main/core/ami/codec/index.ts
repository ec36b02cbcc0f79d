// Public face of the AMI codec: bytes <-> messages, pure (no sockets, no timers).
// The connection layer, the filter and the AMI test server import from here only.
export { AmiCodecError } from './errors';
export type { AmiCodecErrorCode } from './errors';
export { getHeader, getHeaders, messageKind } from './message';
export type { AmiFrame, AmiHeader, AmiMessage, AmiMessageKind } from './message';
export { AmiDecoder } from './decoder';
export type { AcceptFrame, AmiDecoderOptions } from './decoder';
export { encodeAction, encodeMessage } from './encoder';
export type { ActionFieldValue } from './encoder';
export { ActionIdGenerator } from './action-id';
