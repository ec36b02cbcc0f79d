// A CRM contact as the screen pop shows it, and the state of looking one up.
import { z } from 'zod';

export const ContactSchema = z
  .object({
    /** The CRM's own id (opaque). */
    id: z.string(),
    name: z.string(),
    company: z.string().optional(),
    /** The manager responsible for this contact in the CRM. */
    responsible: z.object({ name: z.string(), extension: z.string().optional() }).readonly().optional(),
    /** "Open in CRM": an http(s) URL of the contact's card. */
    url: z.string().url().refine((u) => /^https?:\/\//i.test(u), { message: 'http(s) only' }).optional(),
    phones: z.array(z.string()).readonly(),
  })
  .readonly();
export type Contact = z.infer<typeof ContactSchema>;

/** Where a lookup for a call's number stands. */
export const ContactLookupSchema = z.discriminatedUnion('status', [
  z.object({ status: z.literal('pending') }),
  z.object({ status: z.literal('found'), contact: ContactSchema }),
  z.object({ status: z.literal('notFound'), canCreate: z.boolean() }),
  /** The CRM did not answer in time or failed; `message` says what to do. */
  z.object({ status: z.literal('error'), message: z.string() }),
  /** Not looked up: hidden number, internal call, or no CRM configured. */
  z.object({ status: z.literal('skipped'), reason: z.enum(['noNumber', 'internal', 'noCrm']) }),
]);
export type ContactLookup = z.infer<typeof ContactLookupSchema>;
