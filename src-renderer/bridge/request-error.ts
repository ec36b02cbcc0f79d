// A failed request as the UI handles it: code, user-facing message and
// field-level issues (to show next to form fields).
import type { AppErrorData, Issue } from '../../src-shared/errors';

export class SidecallRequestError extends Error {
  readonly code: AppErrorData['code'];
  readonly issues: readonly Issue[];
  constructor(data: AppErrorData) {
    super(data.message);
    this.name = 'SidecallRequestError';
    this.code = data.code;
    this.issues = data.issues ?? [];
  }
}

/** Reads code/message/issues from whatever the bridge threw: the Electron preload rejects with a plain `{ code, message, issues }` object, because contextBridge keeps only `message` of an Error. */
export function toRequestError(error: unknown): SidecallRequestError {
  if (error instanceof SidecallRequestError) return error;
  const e = error as Partial<AppErrorData> & { message?: unknown };
  return new SidecallRequestError({
    code: typeof e.code === 'string' ? (e.code as AppErrorData['code']) : 'internal',
    message: typeof e.message === 'string' ? e.message : String(error),
    ...(Array.isArray(e.issues) ? { issues: e.issues as Issue[] } : {}),
  });
}
