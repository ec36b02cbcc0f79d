// A global shortcut setting in Electron's accelerator syntax (the clipboard
// dial, the answer/hang-up shortcuts of the shell). Its own module so that
// settings.ts and shell-settings.ts can both use it without importing each other.
import { z } from 'zod';

/**
 * A global shortcut in Electron's accelerator syntax, e.g. `CommandOrControl+Shift+D`;
 * empty means none. Canonical spelling only, and at least one modifier other than
 * Shift (and not AltGr): a system-wide bare or Shift-only key would swallow what
 * the operator types in every other app.
 */
const HOTKEY_PATTERN = /^(?:(?:CommandOrControl|CmdOrCtrl|Command|Cmd|Control|Ctrl|Alt|Option|Super|Meta|Shift)\+){1,4}(?:[A-Z0-9]|F(?:[1-9]|1[0-9]|2[0-4])|Space|Insert|Delete|Home|End|PageUp|PageDown|Up|Down|Left|Right|num[0-9])$/;
export const HotkeySchema = z
  .string()
  .trim()
  .max(80)
  .refine((v) => v === '' || (HOTKEY_PATTERN.test(v) && hotkeyModifiersOk(v.split('+').slice(0, -1))), {
    message: 'The shortcut must look like CommandOrControl+Shift+D: one to four different modifiers (at least one besides Shift), then a letter, digit, F1-F24 or a named key',
  });

function hotkeyModifiersOk(modifiers: readonly string[]): boolean {
  return new Set(modifiers).size === modifiers.length && modifiers.some((m) => m !== 'Shift');
}
