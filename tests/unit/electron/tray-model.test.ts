// Tray state -> icon, tooltip and menu; and the icons those names point at exist.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ConnectionStatus } from '../../../src-shared/domain/connection';
import { TRAY_ICON_STATES, trayIconFile, trayIconStateOf, trayLanguage, trayView } from '../../../src-main/hosts/electron/tray-model';

const ready: ConnectionStatus = { state: 'ready', target: 'pbx:5038', since: 1 };
const others: ConnectionStatus[] = [
  { state: 'unconfigured' },
  { state: 'connecting', target: 'pbx:5038' },
  { state: 'loggingIn', target: 'pbx:5038' },
  { state: 'reconnecting', target: 'pbx:5038', retryAt: 2, attempt: 1, reason: 'ECONNRESET' },
  { state: 'loginRefused', target: 'pbx:5038', reason: 'bad secret' },
  { state: 'error', target: 'pbx:5038', reason: 'x' },
];

describe('trayView', () => {
  it('shows ready only for a ready connection', () => {
    expect(trayIconStateOf(ready)).toBe('ready');
    for (const s of others) expect(trayIconStateOf(s)).toBe('offline');
  });

  it('offers Open, Settings and Quit, in English and Russian', () => {
    const en = trayView(ready, 'en');
    expect(en.icon).toBe('ready');
    expect(en.tooltip).toBe('Sidecall — connected');
    expect(en.menu.map((i) => (i.kind === 'action' ? i.action : '-'))).toEqual(['open', 'settings', '-', 'quit']);
    expect(en.menu.filter((i) => i.kind === 'action').map((i) => i.label)).toEqual(['Open Sidecall', 'Settings…', 'Quit Sidecall']);

    const ru = trayView({ state: 'unconfigured' }, 'ru');
    expect(ru.icon).toBe('offline');
    expect(ru.tooltip).toBe('Sidecall — нет подключения');
    expect(ru.menu.filter((i) => i.kind === 'action').map((i) => i.label)).toEqual(['Открыть Sidecall', 'Настройки…', 'Выйти из Sidecall']);
  });

  it('follows the Settings language, or the OS for "system"', () => {
    expect(trayLanguage('system', 'ru')).toBe('ru');
    expect(trayLanguage('en', 'ru')).toBe('en');
    expect(trayLanguage('ru', 'en')).toBe('ru');
  });
});

describe('tray icons', () => {
  const dir = path.resolve(import.meta.dirname, '../../../resources/tray');
  it.each(TRAY_ICON_STATES.flatMap((s) => [[trayIconFile(s), 16], [trayIconFile(s).replace('.png', '@2x.png'), 32]] as const))(
    '%s is a %ipx RGBA PNG',
    (file, size) => {
      const png = fs.readFileSync(path.join(dir, file));
      expect(png.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
      expect(png.subarray(12, 16).toString('ascii')).toBe('IHDR');
      expect(png.readUInt32BE(16)).toBe(size);
      expect(png.readUInt32BE(20)).toBe(size);
      expect(png[25]).toBe(6);
    },
  );
});
