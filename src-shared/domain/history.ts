// A finished call as History shows it: the tracker's call plus the contact the
// screen pop found for it.
import { z } from 'zod';
import { CallSchema } from './call';
import { ContactSchema } from './contact';

export const HistoryEntrySchema = z
  .object({
    call: CallSchema,
    contact: ContactSchema.optional(),
  })
  .readonly();
export type HistoryEntry = z.infer<typeof HistoryEntrySchema>;

export const HistoryFilterSchema = z
  .object({
    /** Free text: number, name or company. */
    text: z.string().max(100).optional(),
    result: z.enum(['all', 'missed', 'answered']).default('all'),
    direction: z.enum(['all', 'inbound', 'outbound', 'internal']).default('all'),
    limit: z.number().int().min(1).max(1000).default(200),
  })
  .strict();
export type HistoryFilter = z.infer<typeof HistoryFilterSchema>;
