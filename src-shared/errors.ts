// Errors as plain data: what crosses IPC is `{ code, message, details? }`, never an
// Error object (which the structured clone and JSON would strip anyway). `message`
// is written for the user and says what they can do about it.
import { z } from 'zod';

export const ErrorCodeSchema = z.enum([
  'ipc.unknownChannel',
  'ipc.invalidRequest',
  'ipc.untrustedSender',
  'settings.invalid',
  'settings.writeFailed',
  'settings.locked',
  'secrets.unavailable',
  'secrets.failed',
  'crm.unsupported',
  'crm.failed',
  'demo.unavailable',
  'control.unavailable',
  'control.failed',
  'internal',
]);
export type ErrorCode = z.infer<typeof ErrorCodeSchema>;

export const IssueSchema = z.object({ path: z.string(), message: z.string() });
export type Issue = z.infer<typeof IssueSchema>;

export const AppErrorDataSchema = z.object({
  code: ErrorCodeSchema,
  message: z.string(),
  /** Field-level problems, e.g. from schema validation: path `pbx.port`, message key. */
  issues: z.array(IssueSchema).optional(),
});
export type AppErrorData = z.infer<typeof AppErrorDataSchema>;

/** An error the core throws on purpose; converted to AppErrorData at the IPC edge. */
export class AppError extends Error {
  readonly code: ErrorCode;
  readonly issues: readonly Issue[] | undefined;
  constructor(code: ErrorCode, message: string, options?: { issues?: readonly Issue[]; cause?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'AppError';
    this.code = code;
    this.issues = options?.issues;
  }
  toData(): AppErrorData {
    return this.issues ? { code: this.code, message: this.message, issues: [...this.issues] } : { code: this.code, message: this.message };
  }
}

/** Turns zod issues into dotted-path issues the UI can put next to the field. */
export function issuesFromZod(error: z.ZodError): Issue[] {
  return error.issues.map((i) => ({ path: i.path.map(String).join('.') || '(root)', message: i.message }));
}
