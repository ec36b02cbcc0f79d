// The one error type of the AMI codec. Decoding never throws it (it is carried in
// an `error` frame so the stream keeps going); encoding throws it, so a value that
// would inject a header never reaches the socket.

/** What went wrong; stable strings that tests and diagnostics can switch on. */
export type AmiCodecErrorCode =
  | 'line-too-long'
  | 'too-many-headers'
  | 'message-too-long'
  | 'invalid-value'
  | 'malformed';

/** A codec error: `code` says what, `field` names the header involved when there is one. */
export class AmiCodecError extends Error {
  readonly code: AmiCodecErrorCode;
  readonly field?: string;

  constructor(code: AmiCodecErrorCode, message: string, field?: string) {
    super(message);
    this.name = 'AmiCodecError';
    this.code = code;
    if (field !== undefined) this.field = field;
  }
}
