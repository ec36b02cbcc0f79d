// What the outbox writes to its journal: one record per change that must
// survive a restart. Replaying the records in order (outbox-state.ts) rebuilds
// the queue exactly; a compacted journal is the same records for what is live.
// Backoff and rate-limit waits are not journaled: after a restart everything
// waiting is simply due again.
import { z } from 'zod';
import { CallLogSchema } from '../../../../src-shared/domain/call-log';

const Id = z.string().min(1).max(200);

export const OutboxRecordSchema = z.discriminatedUnion('type', [
  /** A call log accepted into the outbox (written before any request). */
  z.object({ type: z.literal('enqueue'), at: z.number(), log: CallLogSchema }),
  /** One step of a multi-step delivery is done at the CRM; its result is handed back on the next try. */
  z.object({ type: z.literal('step'), at: z.number(), id: Id, name: z.string().min(1).max(100), result: z.unknown() }),
  /** The CRM refused the call for good; kept in the failed list with the CRM's words. */
  z.object({ type: z.literal('failed'), at: z.number(), id: Id, reason: z.string().max(2000) }),
  /** The operator asked to try a failed call again. */
  z.object({ type: z.literal('retry'), at: z.number(), id: Id }),
  /** The CRM confirmed the call (also stands alone in a compacted journal: a delivered id, kept for duplicates). */
  z.object({ type: z.literal('done'), at: z.number(), id: Id }),
  /** The operator gave up on the call. */
  z.object({ type: z.literal('discard'), at: z.number(), id: Id }),
]);
export type OutboxRecord = z.infer<typeof OutboxRecordSchema>;
