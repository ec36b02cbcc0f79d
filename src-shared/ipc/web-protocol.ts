// Frames of the browser-mode WebSocket (src-main/hosts/web): the same contract
// as Electron IPC, wrapped with a request id.
import { z } from 'zod';
import { ReplySchema } from './contract';

export const WebClientFrameSchema = z
  .object({ type: z.literal('request'), id: z.number().int().nonnegative(), channel: z.string().max(64), payload: z.unknown() })
  .strict();
export type WebClientFrame = z.infer<typeof WebClientFrameSchema>;

export const WebServerFrameSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('reply'), id: z.number(), reply: ReplySchema }),
  z.object({ type: z.literal('event'), channel: z.string(), payload: z.unknown() }),
]);
export type WebServerFrame = z.infer<typeof WebServerFrameSchema>;

/** Browser mode URLs carry the per-launch secret as the first path segment: /s/<secret>/... */
export const WEB_SECRET_PREFIX = '/s/';
