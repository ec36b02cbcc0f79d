// A finished call as it is reported to the CRM: built from the tracker's Call
// when it ends (src-main/core/reporting/call-log.ts), written to the outbox on
// disk, then handed to the CRM connector. Everything a connector needs is here,
// so a delivery after a restart does not depend on any other state.
import { z } from 'zod';
import { CallDirectionSchema, TransferSchema } from './call';

/** How the call went, as CRMs understand results (the tracker's finer results fold into these). */
export const CallLogResultSchema = z.enum(['answered', 'missed', 'busy', 'noAnswer', 'failed', 'answeredElsewhere', 'rejected', 'cancelled']);
export type CallLogResult = z.infer<typeof CallLogResultSchema>;

export const CallLogSchema = z
  .object({
    /** Outbox key: the tracker's call id (the call's Linkedid, `/n` for a re-join). */
    id: z.string().min(1).max(200),
    linkedid: z.string().min(1).max(200),
    direction: CallDirectionSchema,
    /** The other party: as the PBX gave it, E.164 when it parsed, digits only. */
    number: z
      .object({
        raw: z.string().max(100),
        e164: z.string().max(20).optional(),
        digits: z.string().max(40),
        /** In the CRM's preferred form (after the CRM number rules), when it differs. */
        crm: z.string().max(40).optional(),
      })
      .readonly(),
    remoteName: z.string().max(200).optional(),
    /** My extension. */
    extension: z.string().max(20),
    /** The CRM user of my extension (Settings -> CRM user map), when mapped. */
    crmUserId: z.string().max(100).optional(),
    /** Unix ms. */
    startedAt: z.number(),
    answeredAt: z.number().optional(),
    endedAt: z.number(),
    /** Seconds talking (answer to end) and waiting (start to answer, or to end when unanswered). */
    talkSeconds: z.number().int().min(0),
    waitSeconds: z.number().int().min(0),
    result: CallLogResultSchema,
    /** Who answered when it was answered elsewhere / by the number I called. */
    answeredBy: z.string().max(100).optional(),
    transfers: z.array(TransferSchema).readonly(),
    recording: z
      .object({
        /** Signed/expiring link from the recording-link template. */
        url: z.string().max(2000).optional(),
        files: z.array(z.string().max(500)).readonly(),
      })
      .readonly(),
    /** The contact the screen pop found (CRM id), so the connector need not search again. */
    contactId: z.string().max(100).optional(),
    /** Reporting rules in force when the call ended. */
    rules: z
      .object({
        createUnknown: z.boolean(),
        missedCallTask: z.boolean(),
      })
      .readonly(),
  })
  .readonly();
export type CallLog = z.infer<typeof CallLogSchema>;
