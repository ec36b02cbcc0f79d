// Tray state -> icon, badge, tooltip and menu; and the icons those names point at exist.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Call } from '../../../src-shared/domain/call';
import type { CallsView, CallView } from '../../../src-shared/domain/calls-view';
import type { ConnectionStatus } from '../../../src-shared/domain/connection';
import {
  TRAY_ICON_STATES,
  connectionTrayState,
  primaryCall,
  trayBadge,
  trayIconFile,
  trayIconStateOf,
  trayLanguage,
  trayView,
  type TrayInput,
  type TrayView,
} from '../../../src-main/hosts/electron/tray-model';

const ready: ConnectionStatus = { state: 'ready', target: 'pbx:5038', since: 1 };
const connecting: ConnectionStatus[] = [
  { state: 'connecting', target: 'pbx:5038' },
  { state: 'loggingIn', target: 'pbx:5038' },
  { state: 'reconnecting', target: 'pbx:5038', retryAt: 2, attempt: 1, reason: 'ECONNRESET' },
];
const offline: ConnectionStatus[] = [
  { state: 'unconfigured' },
  { state: 'loginRefused', target: 'pbx:5038', reason: 'bad secret' },
  { state: 'error', target: 'pbx:5038', reason: 'x' },
];

function callView(id: string, state: Call['state'], extra: Partial<Call> = {}, view: Partial<CallView> = {}): CallView {
  const call: Call = {
    id,
    linkedids: [id],
    extension: '101',
    direction: 'inbound',
    state,
    remoteNumber: '89161234567',
    startedAt: 1,
    transfers: [],
    legs: [],
    recording: { state: 'off', files: [] },
    ...extra,
  };
  return { call, number: { display: '8 (916) 123-45-67', e164: '+79161234567', kind: 'external' }, lookup: { status: 'pending' }, pop: true, ...view };
}
const calls = (live: CallView[], missed = 0): CallsView => ({ live, missed, demo: false });
const input = (over: Partial<TrayInput> = {}): TrayInput => ({ status: ready, calls: calls([]), language: 'en', platform: 'linux', ...over });
const labels = (v: TrayView): string[] => v.menu.map((i) => (i.kind === 'separator' ? '-' : i.kind === 'label' ? `[${i.label}]` : i.label));

describe('tray state', () => {
  it('maps the connection: ready, connecting while a (re)connect is under way, offline otherwise', () => {
    expect(connectionTrayState(ready)).toBe('ready');
    for (const s of connecting) expect(connectionTrayState(s)).toBe('connecting');
    for (const s of offline) expect(connectionTrayState(s)).toBe('offline');
    expect(trayIconStateOf(ready)).toBe('ready');
  });

  it('shows the calls when connected: ringing before recording before on call', () => {
    expect(trayIconStateOf(ready, calls([callView('a', 'ringing')]))).toBe('ringing');
    expect(trayIconStateOf(ready, calls([callView('a', 'connected')]))).toBe('onCall');
    expect(trayIconStateOf(ready, calls([callView('a', 'onHold')]))).toBe('onCall');
    expect(trayIconStateOf(ready, calls([callView('a', 'dialing', { direction: 'outbound' })]))).toBe('onCall');
    expect(trayIconStateOf(ready, calls([callView('a', 'connected', { recording: { state: 'recording', files: ['f'] } })]))).toBe('recording');
    // Paused is not recording: the line is not being recorded right now.
    expect(trayIconStateOf(ready, calls([callView('a', 'connected', { recording: { state: 'paused', files: ['f'] } })]))).toBe('onCall');
    // A second call ringing while one is recorded: the ring needs the operator now.
    const both = calls([callView('a', 'connected', { recording: { state: 'recording', files: ['f'] } }), callView('b', 'ringing')]);
    expect(trayIconStateOf(ready, both)).toBe('ringing');
    expect(primaryCall(both)?.view.call.id).toBe('b');
    // Ended calls still in the list do not count; no calls at all is ready.
    expect(trayIconStateOf(ready, calls([callView('a', 'ended')]))).toBe('ready');
    expect(trayIconStateOf(ready, null)).toBe('ready');
  });

  it('puts the connection first: calls are stale while it is down', () => {
    const ringing = calls([callView('a', 'ringing')]);
    for (const s of connecting) expect(trayIconStateOf(s, ringing)).toBe('connecting');
    for (const s of offline) expect(trayIconStateOf(s, ringing)).toBe('offline');
  });
});

describe('missed-calls badge', () => {
  it('is a red-dot icon on Windows and Linux, the title and Dock badge on macOS', () => {
    expect(trayBadge(3, 'win32')).toEqual({ dot: true, title: null, count: null });
    expect(trayBadge(3, 'linux')).toEqual({ dot: true, title: null, count: null });
    expect(trayBadge(0, 'linux')).toEqual({ dot: false, title: null, count: null });
    expect(trayBadge(3, 'darwin')).toEqual({ dot: false, title: '3', count: 3 });
    // macOS clears what it showed before when the count drops to zero.
    expect(trayBadge(0, 'darwin')).toEqual({ dot: false, title: '', count: 0 });
  });

  it('names the icon variant', () => {
    expect(trayIconFile('ringing')).toBe('ringing.png');
    expect(trayIconFile('ringing', true)).toBe('ringing-missed.png');
  });

  it('is counted in the tooltip and the menu, with Russian plurals', () => {
    expect(trayView(input({ calls: calls([], 1) })).tooltip).toBe('Sidecall — connected · 1 missed call');
    expect(trayView(input({ calls: calls([], 3) })).tooltip).toBe('Sidecall — connected · 3 missed calls');
    expect(labels(trayView(input({ calls: calls([], 3) })))).toEqual(['[Connected]', '[3 missed calls]', '-', 'Call number in clipboard', '-', 'Open Sidecall', 'Settings…', '-', 'Quit Sidecall']);
    const ru = (n: number): string => trayView(input({ language: 'ru', calls: calls([], n) })).tooltip;
    expect(ru(1)).toBe('Sidecall — подключено · 1 пропущенный звонок');
    expect(ru(3)).toBe('Sidecall — подключено · 3 пропущенных звонка');
    expect(ru(5)).toBe('Sidecall — подключено · 5 пропущенных звонков');
    expect(ru(11)).toBe('Sidecall — подключено · 11 пропущенных звонков');
    expect(ru(21)).toBe('Sidecall — подключено · 21 пропущенный звонок');
    expect(ru(22)).toBe('Sidecall — подключено · 22 пропущенных звонка');
    expect(ru(112)).toBe('Sidecall — подключено · 112 пропущенных звонков');
  });
});

describe('trayView', () => {
  it('offers a status line, Call number in clipboard, Open, Settings and Quit, in English and Russian', () => {
    const en = trayView(input());
    expect(en.icon).toBe('ready');
    expect(en.badge).toEqual({ dot: false, title: null, count: null });
    expect(en.tooltip).toBe('Sidecall — connected');
    expect(en.menu.map((i) => (i.kind === 'action' ? i.action : i.kind === 'label' ? 'status' : '-'))).toEqual(['status', '-', 'callClipboard', '-', 'open', 'settings', '-', 'quit']);
    expect(labels(en)).toEqual(['[Connected]', '-', 'Call number in clipboard', '-', 'Open Sidecall', 'Settings…', '-', 'Quit Sidecall']);

    const ru = trayView(input({ status: { state: 'unconfigured' }, language: 'ru' }));
    expect(ru.icon).toBe('offline');
    expect(ru.tooltip).toBe('Sidecall — нет подключения');
    // Offline too: the core's refusal tells the operator why better than a greyed-out item would.
    expect(labels(ru)).toEqual(['[Нет подключения]', '-', 'Позвонить по номеру из буфера', '-', 'Открыть Sidecall', 'Настройки…', '-', 'Выйти из Sidecall']);
    expect(trayView(input({ status: connecting[2] ?? ready })).tooltip).toBe('Sidecall — connecting…');
  });

  it('says who is on the line: the number at once, the CRM name when found, the PBX name, or hidden', () => {
    const ringing = trayView(input({ calls: calls([callView('a', 'ringing')], 2) }));
    expect(ringing.icon).toBe('ringing');
    expect(ringing.badge.dot).toBe(true);
    expect(ringing.tooltip).toBe('Sidecall — ringing: 8 (916) 123-45-67 · 2 missed calls');
    expect(labels(ringing)[0]).toBe('[Ringing: 8 (916) 123-45-67]');

    const found = callView('a', 'connected', {}, { lookup: { status: 'found', contact: { id: '1', name: 'Ivan Petrov', phones: [] } } });
    expect(trayView(input({ calls: calls([found]) })).tooltip).toBe('Sidecall — on call: Ivan Petrov');
    expect(trayView(input({ calls: calls([callView('a', 'onHold', { remoteName: 'ACME desk' })]) })).tooltip).toBe('Sidecall — on hold: ACME desk');
    const hidden = callView('a', 'ringing', { remoteNumber: undefined }, { number: undefined });
    expect(trayView(input({ language: 'ru', calls: calls([hidden]) })).tooltip).toBe('Sidecall — звонит: скрытый номер');
    const recorded = callView('a', 'connected', { recording: { state: 'recording', files: ['f'] } });
    expect(labels(trayView(input({ calls: calls([recorded, callView('b', 'onHold')]) })))[0]).toBe('[Recording: 8 (916) 123-45-67 (+1)]');
    expect(labels(trayView(input({ language: 'ru', calls: calls([callView('a', 'dialing', { direction: 'outbound' })]) })))[0]).toBe('[Набор номера: 8 (916) 123-45-67]');
  });

  it('keeps the tooltip short with a very long name (Windows cuts tooltips at 127 characters)', () => {
    const long = callView('a', 'ringing', { remoteName: 'X'.repeat(300) });
    const view = trayView(input({ calls: calls([long], 999) }));
    expect(view.tooltip.length).toBeLessThan(128);
    expect(view.tooltip).toContain('…');
  });

  it('follows the Settings language, or the OS for "system"', () => {
    expect(trayLanguage('system', 'ru')).toBe('ru');
    expect(trayLanguage('en', 'ru')).toBe('en');
    expect(trayLanguage('ru', 'en')).toBe('ru');
  });
});

describe('tray icons', () => {
  const dir = path.resolve(import.meta.dirname, '../../../resources/tray');
  const files = TRAY_ICON_STATES.flatMap((s) => [false, true].map((dot) => trayIconFile(s, dot)));
  it.each(files.flatMap((f) => [[f, 16], [f.replace('.png', '@2x.png'), 32]] as const))('%s is a %ipx RGBA PNG', (file, size) => {
    const png = fs.readFileSync(path.join(dir, file));
    expect(png.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
    expect(png.subarray(12, 16).toString('ascii')).toBe('IHDR');
    expect(png.readUInt32BE(16)).toBe(size);
    expect(png.readUInt32BE(20)).toBe(size);
    expect(png[25]).toBe(6);
  });

  it('are exactly what scripts/make-tray-icons.mjs draws (no stray or stale files)', () => {
    const expected = files.flatMap((f) => [f, f.replace('.png', '@2x.png')]).sort();
    expect(fs.readdirSync(dir).filter((f) => f.endsWith('.png')).sort()).toEqual(expected);
  });
});
