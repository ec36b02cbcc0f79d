// The optional system-wide answer and hang-up shortcuts (shell.callHotkeys,
// off by default). Each follows its setting through createHotkeyBinding
// (clipboard-dial.ts): registered when set, re-registered when changed, a
// combination another app owns reported once. A press is handed to onPress,
// which main.ts wires to "bring the main window forward and run the in-app
// shortcut", so the action takes the same path as Ctrl+Shift+A / Ctrl+Shift+H
// (softphone first, else the desk phone through AMI).
import type { CallHotkeys } from '../../../src-shared/domain/shell-settings';
import { createHotkeyBinding, type HotkeyPort } from './clipboard-dial';
import type { CallHotkeyAction } from './shell-notices';

export const CALL_HOTKEY_ACTIONS: readonly CallHotkeyAction[] = ['answer', 'hangUp'];

export interface CallHotkeyBindings {
  set(hotkeys: CallHotkeys): void;
  dispose(): void;
}

export function createCallHotkeys(opts: {
  readonly port: HotkeyPort;
  readonly onPress: (action: CallHotkeyAction) => void;
  readonly onFailure: (accelerator: string, action: CallHotkeyAction, error: unknown) => void;
}): CallHotkeyBindings {
  const bindings = CALL_HOTKEY_ACTIONS.map((action) => ({
    action,
    binding: createHotkeyBinding({ port: opts.port, onPress: () => opts.onPress(action), onFailure: (accelerator, error) => opts.onFailure(accelerator, action, error) }),
  }));
  let current: CallHotkeys = { answer: '', hangUp: '' };
  return {
    set(hotkeys) {
      if (hotkeys.answer === current.answer && hotkeys.hangUp === current.hangUp) return;
      current = { answer: hotkeys.answer, hangUp: hotkeys.hangUp };
      // All released first: swapping the two combinations must not find the old owner still holding one.
      for (const { binding } of bindings) binding.dispose();
      for (const { action, binding } of bindings) binding.set(current[action]);
    },
    dispose() {
      for (const { binding } of bindings) binding.dispose();
      current = { answer: '', hangUp: '' };
    },
  };
}
