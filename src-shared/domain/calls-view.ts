// What the UI receives about calls: each live call with its screen-pop state
// (the number at once, the CRM contact when the lookup answers), the missed
// badge, and whether the embedded demo PBX is what Sidecall is connected to.
import { z } from 'zod';
import { ReportMarkSchema } from './crm-status';
import { CallSchema } from './call';
import { ContactLookupSchema, ContactSchema } from './contact';

/** A number ready to show: formatted for reading, with its E.164 form when known. */
export const DisplayNumberSchema = z
  .object({
    display: z.string(),
    e164: z.string().optional(),
    kind: z.enum(['external', 'extension', 'short', 'invalid']),
  })
  .readonly();
export type DisplayNumber = z.infer<typeof DisplayNumberSchema>;

export const CallViewSchema = z
  .object({
    call: CallSchema,
    number: DisplayNumberSchema.optional(),
    lookup: ContactLookupSchema,
    /** Show the pop-up card for this call now (per the screen-pop settings). */
    pop: z.boolean(),
  })
  .readonly();
export type CallView = z.infer<typeof CallViewSchema>;

export const CallsViewSchema = z
  .object({
    live: z.array(CallViewSchema).readonly(),
    /** Missed calls not yet seen in History (the badge). */
    missed: z.number().int().nonnegative(),
    demo: z.boolean(),
  })
  .readonly();
export type CallsView = z.infer<typeof CallsViewSchema>;

export const HistoryItemSchema = z
  .object({
    call: CallSchema,
    number: DisplayNumberSchema.optional(),
    contact: ContactSchema.optional(),
    /** Whether the call reached the CRM (absent: not reported). */
    report: ReportMarkSchema.optional(),
  })
  .readonly();
export type HistoryItem = z.infer<typeof HistoryItemSchema>;
