// The state of the PBX connection as the UI shows it.
import { z } from 'zod';

export const ConnectionStatusSchema = z.discriminatedUnion('state', [
  /** No PBX configured: the demo PBX runs, or nothing does. */
  z.object({ state: z.literal('unconfigured') }),
  z.object({ state: z.literal('connecting'), target: z.string() }),
  z.object({ state: z.literal('loggingIn'), target: z.string() }),
  z.object({ state: z.literal('ready'), target: z.string(), since: z.number(), filtering: z.string().optional() }),
  z.object({ state: z.literal('reconnecting'), target: z.string(), retryAt: z.number(), attempt: z.number().int(), reason: z.string() }),
  /** Login refused: waits for new settings instead of retrying. */
  z.object({ state: z.literal('loginRefused'), target: z.string(), reason: z.string() }),
  z.object({ state: z.literal('error'), target: z.string(), reason: z.string() }),
]);
export type ConnectionStatus = z.infer<typeof ConnectionStatusSchema>;
