// The operator's Do not disturb as the UI and the tray see it (dnd.get,
// dnd.set, dnd.changed). How it reaches the PBX is Settings -> shell.dnd.
import { z } from 'zod';

export const DndStatusSchema = z.object({
  /** `off`: not set up on this desk (no menu item). */
  mode: z.enum(['featureCode', 'astdb', 'off']),
  /** As the PBX reported it (DBGet) or as Sidecall last set it; unknown until either happened. */
  state: z.enum(['on', 'off', 'unknown']),
  /** Why it cannot be used or read right now, in the operator's words. */
  problem: z.string().optional(),
});
export type DndStatus = z.infer<typeof DndStatusSchema>;
