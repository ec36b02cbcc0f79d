// "Copy diagnostics": what support gets from a desk, as one text the operator
// pastes into a ticket. Built in main (core/diagnostics) without secrets.
import { z } from 'zod';

export const DiagnosticsReportSchema = z.object({
  /** Plain text, sections with headings; safe to paste anywhere. */
  text: z.string(),
  generatedAt: z.number(),
});
export type DiagnosticsReport = z.infer<typeof DiagnosticsReportSchema>;
