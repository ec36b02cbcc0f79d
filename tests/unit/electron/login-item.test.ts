// Start at login per platform, the XDG autostart entry, and starting hidden.
import { describe, expect, it } from 'vitest';
import { autostartEntry, loginItemPlan, startsHidden } from '../../../src-main/hosts/electron/login-item';

const base = { packaged: true, enabled: true, execPath: '/opt/Sidecall/sidecall', home: '/home/op' };

describe('loginItemPlan', () => {
  it('Windows: Electron login item starting hidden', () => {
    expect(loginItemPlan({ ...base, platform: 'win32', execPath: 'C:\\Program Files\\Sidecall\\Sidecall.exe' })).toEqual({
      kind: 'electron',
      settings: { openAtLogin: true, path: 'C:\\Program Files\\Sidecall\\Sidecall.exe', args: ['--hidden'] },
    });
    expect(loginItemPlan({ ...base, platform: 'win32', enabled: false })).toMatchObject({ settings: { openAtLogin: false } });
  });

  it('macOS: Electron login item (hidden start is read from wasOpenedAtLogin)', () => {
    expect(loginItemPlan({ ...base, platform: 'darwin' })).toEqual({ kind: 'electron', settings: { openAtLogin: true } });
  });

  it('Linux: an XDG autostart file, the AppImage itself when run as one; removed when off', () => {
    expect(loginItemPlan({ ...base, platform: 'linux' })).toEqual({ kind: 'autostartFile', file: '/home/op/.config/autostart/sidecall.desktop', content: autostartEntry('/opt/Sidecall/sidecall') });
    expect(loginItemPlan({ ...base, platform: 'linux', appImage: '/home/op/Apps/Sidecall 1.0.AppImage', xdgConfigHome: '/home/op/.cfg' })).toMatchObject({
      file: '/home/op/.cfg/autostart/sidecall.desktop',
      content: expect.stringContaining('Exec="/home/op/Apps/Sidecall 1.0.AppImage" --hidden\n'),
    });
    // A relative XDG_CONFIG_HOME is invalid per the spec: the default is used.
    expect(loginItemPlan({ ...base, platform: 'linux', xdgConfigHome: 'cfg' })).toMatchObject({ file: '/home/op/.config/autostart/sidecall.desktop' });
    expect(loginItemPlan({ ...base, platform: 'linux', enabled: false })).toMatchObject({ kind: 'autostartFile', content: null });
  });

  it('a development run registers nothing (it would start the bare Electron binary at login)', () => {
    expect(loginItemPlan({ ...base, platform: 'win32', packaged: false })).toEqual({ kind: 'none', reason: 'development run' });
  });
});

describe('autostartEntry', () => {
  it('quotes and escapes the path as the Desktop Entry specification asks', () => {
    const entry = autostartEntry('/opt/My "Apps"/100% $side`call`');
    expect(entry).toContain('Exec="/opt/My \\"Apps\\"/100%% \\$side\\`call\\`" --hidden\n');
    expect(entry.startsWith('[Desktop Entry]\nType=Application\nName=Sidecall\n')).toBe(true);
    expect(autostartEntry('/opt/sidecall')).toContain('Exec=/opt/sidecall --hidden\n');
  });
});

describe('startsHidden', () => {
  it('by --hidden before the link separator, or macOS wasOpenedAtLogin', () => {
    expect(startsHidden(['/opt/sidecall', '--hidden'], false)).toBe(true);
    expect(startsHidden(['/opt/sidecall'], false)).toBe(false);
    expect(startsHidden(['/opt/sidecall'], true)).toBe(true);
    // After `--` it is data (a link), not a switch.
    expect(startsHidden(['/opt/sidecall', '--', '--hidden'], false)).toBe(false);
  });
});
