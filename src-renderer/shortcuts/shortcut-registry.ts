// Who handles a shortcut: a stack per action, newest first. The App registers
// the defaults (call-commands.ts) once; a part of the UI that can do better
// (the softphone answering in the app, muting its microphone) registers its
// own handler while it is mounted and wins. A handler returning false passes
// the key on to the one registered before it.
import type { ShortcutAction } from './keymap';

/** Returns false to pass the key on; anything else (nothing, true) means handled. */
export type ShortcutHandler = () => unknown;

export interface ShortcutRegistry {
  register(action: ShortcutAction, handler: ShortcutHandler): () => void;
  /** Runs the newest handler that takes it; false when none did. */
  run(action: ShortcutAction): boolean;
}

export function createShortcutRegistry(): ShortcutRegistry {
  const stacks = new Map<ShortcutAction, ShortcutHandler[]>();
  return {
    register(action, handler) {
      const stack = stacks.get(action) ?? [];
      stacks.set(action, [...stack, handler]);
      return () => {
        const now = stacks.get(action) ?? [];
        const i = now.lastIndexOf(handler);
        if (i >= 0) stacks.set(action, [...now.slice(0, i), ...now.slice(i + 1)]);
      };
    },
    run(action) {
      const stack = stacks.get(action) ?? [];
      for (let i = stack.length - 1; i >= 0; i--) {
        if (stack[i]?.() !== false) return true;
      }
      return false;
    },
  };
}
