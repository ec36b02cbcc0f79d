// What the UI sees of the CRM connection and of call reporting: states and
// counts, never a token or a secret.
import { z } from 'zod';
import { CrmKindSchema } from './crm-settings';

export const CrmConnectionStateSchema = z.enum([
  /** No CRM chosen in Settings -> CRM. */
  'none',
  /** Chosen but a required field or secret is missing (`message` says which). */
  'incomplete',
  /** Ready to connect: the operator has not signed in yet (or signed out). */
  'signedOut',
  /** The browser is open for sign-in, or the app waits for a pasted code. */
  'signingIn',
  'connected',
  /** The CRM refused the stored token: the operator must sign in again; reports wait meanwhile. */
  'needsSignIn',
  /** Last attempt failed for another reason (network, configuration); `message` says what to do. */
  'error',
]);
export type CrmConnectionState = z.infer<typeof CrmConnectionStateSchema>;

export const CrmStatusSchema = z.object({
  kind: CrmKindSchema,
  /** "amoCRM (example.amocrm.ru)". */
  displayName: z.string(),
  state: CrmConnectionStateSchema,
  /** "connected as ...": account or user name, when the CRM told us. */
  account: z.string().optional(),
  message: z.string().optional(),
  /** State `incomplete`: the Settings field to fill in (its label key under `crm.field`), so the UI can say it in the operator's language. */
  missing: z.string().optional(),
  /** How this CRM signs in: browser (OAuth), or a stored credential (token, webhook, API key). */
  signIn: z.enum(['oauth', 'credential', 'none']),
  /** While signing in: waiting for the browser redirect, or for the operator to paste the code. */
  waitingFor: z.enum(['redirect', 'paste']).optional(),
  capabilities: z.array(z.string()),
});
export type CrmStatus = z.infer<typeof CrmStatusSchema>;

export const OutboxFailureSchema = z.object({
  id: z.string(),
  number: z.string(),
  endedAt: z.number(),
  /** The CRM's own words, or what to do. */
  reason: z.string(),
});
export type OutboxFailureView = z.infer<typeof OutboxFailureSchema>;

export const OutboxStatusSchema = z.object({
  /** A delivery is in flight. */
  sending: z.boolean(),
  waiting: z.number().int().min(0),
  failed: z.array(OutboxFailureSchema),
  /** Sending stopped until the operator acts: sign in again, or choose a CRM. */
  paused: z.enum(['needsSignIn', 'noCrm']).optional(),
  lastError: z.string().optional(),
  nextAttemptAt: z.number().optional(),
});
export type OutboxStatusView = z.infer<typeof OutboxStatusSchema>;

/** Per call in History: whether it reached the CRM. */
export const ReportMarkSchema = z.enum(['sent', 'waiting', 'failed']);
export type ReportMark = z.infer<typeof ReportMarkSchema>;
