// The system-wide answer/hang-up shortcuts: off by default in the settings,
// registered only when set, each press handed on as its action, re-registered
// on change (also when the two swap), a taken combination reported, all
// released on dispose. The port stands in for Electron's globalShortcut.
import { describe, expect, it } from 'vitest';
import { createCallHotkeys } from '../../../src-main/hosts/electron/call-hotkeys';
import { ShellSettingsSchema } from '../../../src-shared/domain/shell-settings';
import { SettingsSchema } from '../../../src-shared/domain/settings';

function fakeShortcuts(taken: readonly string[] = []) {
  const registered = new Map<string, () => void>();
  return {
    registered,
    port: {
      register(accelerator: string, callback: () => void): boolean {
        if (taken.includes(accelerator) || registered.has(accelerator)) return false;
        registered.set(accelerator, callback);
        return true;
      },
      unregister(accelerator: string): void {
        registered.delete(accelerator);
      },
    },
  };
}

describe('shell.callHotkeys setting', () => {
  it('is off by default and takes only combinations with a modifier besides Shift', () => {
    expect(ShellSettingsSchema.parse({}).callHotkeys).toEqual({ answer: '', hangUp: '' });
    expect(SettingsSchema.parse({}).shell.callHotkeys).toEqual({ answer: '', hangUp: '' });
    expect(ShellSettingsSchema.safeParse({ callHotkeys: { answer: 'CommandOrControl+Alt+A' } }).success).toBe(true);
    expect(ShellSettingsSchema.safeParse({ callHotkeys: { answer: 'A' } }).success).toBe(false);
    expect(ShellSettingsSchema.safeParse({ callHotkeys: { hangUp: 'Shift+H' } }).success).toBe(false);
  });
});

describe('createCallHotkeys', () => {
  it('registers what is set, hands each press on as its action, and releases on dispose', () => {
    const keys = fakeShortcuts();
    const pressed: string[] = [];
    const hotkeys = createCallHotkeys({ port: keys.port, onPress: (a) => pressed.push(a), onFailure: () => undefined });
    hotkeys.set({ answer: '', hangUp: '' });
    expect(keys.registered.size).toBe(0);
    hotkeys.set({ answer: 'Control+Alt+A', hangUp: 'Control+Alt+H' });
    keys.registered.get('Control+Alt+A')?.();
    keys.registered.get('Control+Alt+H')?.();
    expect(pressed).toEqual(['answer', 'hangUp']);
    // Swapped: both still registered, each to its new action.
    hotkeys.set({ answer: 'Control+Alt+H', hangUp: 'Control+Alt+A' });
    keys.registered.get('Control+Alt+H')?.();
    expect(pressed.at(-1)).toBe('answer');
    hotkeys.set({ answer: 'Control+Alt+H', hangUp: '' });
    expect([...keys.registered.keys()]).toEqual(['Control+Alt+H']);
    hotkeys.dispose();
    expect(keys.registered.size).toBe(0);
  });

  it('reports a combination another app owns once, with the action it was for', () => {
    const keys = fakeShortcuts(['Control+Alt+F9']);
    const failures: string[] = [];
    const hotkeys = createCallHotkeys({ port: keys.port, onPress: () => undefined, onFailure: (a, action) => failures.push(`${action}:${a}`) });
    hotkeys.set({ answer: 'Control+Alt+A', hangUp: 'Control+Alt+F9' });
    hotkeys.set({ answer: 'Control+Alt+A', hangUp: 'Control+Alt+F9' });
    expect(failures).toEqual(['hangUp:Control+Alt+F9']);
    expect([...keys.registered.keys()]).toEqual(['Control+Alt+A']);
  });
});
