// Dialling the clipboard (tray, global shortcut) and the shortcut setting:
// what is handed to the core, one call per press, the shortcut following
// settings and surviving another app owning it, and the notices' text.
import { describe, expect, it, vi } from 'vitest';
import {
  MAX_CLIPBOARD_NUMBER_LENGTH,
  clipboardNotice,
  clipboardNumber,
  createDialGuard,
  createHotkeyBinding,
  hotkeyNotice,
  linkNotice,
} from '../../../src-main/hosts/electron/clipboard-dial';
import { SettingsPatchSchema, SettingsSchema, defaultSettings } from '../../../src-shared/domain/settings';

describe('clipboardNumber', () => {
  it('trims what was copied and leaves validation to the core', () => {
    expect(clipboardNumber('  +7 (916) 123-45-67\n')).toEqual({ ok: true, number: '+7 (916) 123-45-67' });
    // Not a number, but short: the core refuses it with its own message (nothing reaches the PBX).
    expect(clipboardNumber('tel:123\r\nAction: Originate')).toEqual({ ok: true, number: 'tel:123\r\nAction: Originate' });
  });

  it('refuses an empty clipboard and text longer than 64 characters before it crosses', () => {
    expect(clipboardNumber('')).toEqual({ ok: false, reason: 'empty' });
    expect(clipboardNumber(' \n\t ')).toEqual({ ok: false, reason: 'empty' });
    expect(clipboardNumber('1'.repeat(MAX_CLIPBOARD_NUMBER_LENGTH))).toMatchObject({ ok: true });
    expect(clipboardNumber('1'.repeat(MAX_CLIPBOARD_NUMBER_LENGTH + 1))).toEqual({ ok: false, reason: 'tooLong' });
    expect(MAX_CLIPBOARD_NUMBER_LENGTH).toBe(64);
  });
});

describe('createDialGuard', () => {
  it('lets one dial run at a time and ignores the same number again right after (key repeat, double click)', () => {
    let now = 0;
    const guard = createDialGuard({ now: () => now, windowMs: 1500 });
    expect(guard.begin('+79161234567')).toBe(true);
    expect(guard.begin('+79161234568')).toBe(false); // one in flight
    guard.end();
    now = 1000;
    expect(guard.begin('+79161234567')).toBe(false); // the same number, too soon
    expect(guard.begin('+79161234568')).toBe(true); // another number is a new call
    guard.end();
    now = 3000;
    expect(guard.begin('+79161234568')).toBe(true);
  });
});

describe('createHotkeyBinding', () => {
  function setup(taken: readonly string[] = []) {
    const registered = new Map<string, () => void>();
    const failures: string[] = [];
    const onPress = vi.fn();
    const binding = createHotkeyBinding({
      port: {
        register(accelerator, callback) {
          if (accelerator === 'Bogus') throw new Error('conversion failure');
          if (taken.includes(accelerator)) return false;
          registered.set(accelerator, callback);
          return true;
        },
        unregister: (accelerator) => void registered.delete(accelerator),
      },
      onPress,
      onFailure: (accelerator) => failures.push(accelerator),
    });
    return { binding, registered, failures, onPress };
  }

  it('is off by default, registers when set and calls back on a press', () => {
    const t = setup();
    t.binding.set('');
    expect(t.registered.size).toBe(0);
    t.binding.set('CommandOrControl+Shift+D');
    expect([...t.registered.keys()]).toEqual(['CommandOrControl+Shift+D']);
    t.registered.get('CommandOrControl+Shift+D')?.();
    expect(t.onPress).toHaveBeenCalledOnce();
  });

  it('re-registers only when the setting changed, and unregisters when cleared and on quit', () => {
    const t = setup();
    t.binding.set('CommandOrControl+Shift+D');
    t.binding.set('CommandOrControl+Shift+D'); // another field saved: nothing to do
    expect([...t.registered.keys()]).toEqual(['CommandOrControl+Shift+D']);
    t.binding.set('Alt+F9');
    expect([...t.registered.keys()]).toEqual(['Alt+F9']);
    t.binding.set('');
    expect(t.registered.size).toBe(0);
    t.binding.set('Alt+F9');
    t.binding.dispose();
    expect(t.registered.size).toBe(0);
  });

  it('reports a shortcut another app owns (or one Electron cannot read) once per setting, and keeps going', () => {
    const t = setup(['CommandOrControl+Shift+D']);
    t.binding.set('CommandOrControl+Shift+D');
    t.binding.set('CommandOrControl+Shift+D'); // language saved: no second notification
    expect(t.failures).toEqual(['CommandOrControl+Shift+D']);
    expect(t.registered.size).toBe(0);
    t.binding.set('Bogus');
    expect(t.failures).toEqual(['CommandOrControl+Shift+D', 'Bogus']);
    t.binding.set('Alt+F9');
    expect([...t.registered.keys()]).toEqual(['Alt+F9']);
  });
});

describe('dial.clipboardHotkey setting', () => {
  const parse = (v: unknown) => SettingsSchema.safeParse({ dial: { clipboardHotkey: v } });

  it('defaults to off, also for settings saved before it existed', () => {
    expect(defaultSettings().dial.clipboardHotkey).toBe('');
    expect(SettingsSchema.parse({ dial: { confirmLinks: false } }).dial).toMatchObject({ confirmLinks: false, clipboardHotkey: '' });
    expect(SettingsPatchSchema.safeParse({ dial: { clipboardHotkey: 'CommandOrControl+Shift+D' } }).success).toBe(true);
  });

  it('accepts Electron accelerators with a real modifier', () => {
    for (const ok of ['CommandOrControl+Shift+D', 'CmdOrCtrl+Alt+9', 'Control+F12', 'Super+Shift+Space', 'Alt+num5', 'Ctrl+Alt+Shift+Meta+F24', ' Alt+F9 ']) {
      expect(parse(ok).success, ok).toBe(true);
    }
  });

  it('refuses a bare key, Shift or AltGr alone, repeated modifiers, unknown keys and anything else', () => {
    for (const bad of [
      'D',
      'F9',
      'Shift+D',
      'AltGr+D',
      'Control+Control+D',
      'CommandOrControl+Shift+d',
      'commandorcontrol+shift+D',
      'Ctrl+Shift+',
      'Ctrl++',
      'Ctrl+Shift+D+E',
      'Ctrl+F25',
      'Ctrl+\r\nShift+D',
      'Ctrl+Shift+D\u0000',
      'Ctrl+Alt+Shift+Meta+Super+D',
      'Ctrl+Ж',
      1,
    ]) {
      expect(parse(bad).success, JSON.stringify(bad)).toBe(false);
    }
    // Surrounding white space (a pasted line end) is trimmed like every other text setting; what is stored is clean.
    expect(parse('Ctrl+Shift+D\r\n').data?.dial.clipboardHotkey).toBe('Ctrl+Shift+D');
  });
});

describe('notices', () => {
  it('says why the clipboard was not called, in the UI language, with the core\'s own message when it refused', () => {
    expect(clipboardNotice('en', { reason: 'empty' })).toEqual({ title: 'Could not call the number in the clipboard', body: 'The clipboard has no text. Copy a phone number first.' });
    expect(clipboardNotice('ru', { reason: 'tooLong' }).body).toMatch(/^В буфере обмена больше, чем номер телефона/);
    expect(clipboardNotice('en', { message: 'The number contains letters.' })).toEqual({ title: 'Could not call the number in the clipboard', body: 'The number contains letters.' });
  });

  it('shows a refused link as "This link cannot be called: <reason>", without doubling the core\'s prefix', () => {
    expect(linkNotice('en', 'This link cannot be called: it contains control characters')).toEqual({ title: 'Sidecall', body: 'This link cannot be called: it contains control characters' });
    expect(linkNotice('ru', 'No PBX connection is configured.')).toEqual({ title: 'Sidecall', body: 'This link cannot be called: No PBX connection is configured.' });
  });

  it('names the shortcut that could not be set up', () => {
    expect(hotkeyNotice('en', 'Alt+F9')).toMatchObject({ title: 'Shortcut not available', body: expect.stringContaining('Alt+F9') });
    expect(hotkeyNotice('ru', 'Alt+F9').title).toBe('Сочетание клавиш недоступно');
  });
});
