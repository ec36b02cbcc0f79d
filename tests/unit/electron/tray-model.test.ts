// Tray state -> icon, badge, tooltip and menu (Do not disturb, Last calls,
// CRM and report lines, the update entry); the icon file per platform and
// taskbar theme; and the icons those names point at exist and are exactly
// what scripts/make-tray-icons.mjs draws.
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { describe, expect, it } from 'vitest';
import type { Call } from '../../../src-shared/domain/call';
import type { CallsView, CallView, HistoryItem } from '../../../src-shared/domain/calls-view';
import type { ConnectionStatus } from '../../../src-shared/domain/connection';
import {
  TRAY_ICON_STATES,
  menuTemplate,
  connectionTrayState,
  primaryCall,
  trayBadge,
  trayIconFile,
  trayIconStateOf,
  trayIconStyle,
  trayLanguage,
  trayView,
  type TrayActions,
  type TrayInput,
  type TrayView,
} from '../../../src-main/hosts/electron/tray-model';
import { ICO_SIZES, trayIconFiles } from '../../../scripts/make-tray-icons.mjs';

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
const labels = (v: TrayView): string[] =>
  v.menu.map((i) => (i.kind === 'separator' ? '-' : i.kind === 'label' ? `[${i.label}]` : i.kind === 'dnd' ? `${i.checked ? '☑' : '☐'} ${i.label}` : i.kind === 'submenu' ? `${i.label} >` : i.label));
const TAIL_EN = ['Call number in clipboard', '-', 'Open Sidecall', 'Settings…', 'Help and shortcuts', 'About Sidecall', '-', 'Quit Sidecall'];

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

  it('names the icon variant for the platform and the taskbar theme', () => {
    expect(trayIconFile('ringing')).toBe('ringing.png');
    expect(trayIconFile('ringing', true)).toBe('ringing-missed.png');
    expect(trayIconFile('ringing', true, 'dark')).toBe('ringing-missed-dark.png');
    expect(trayIconFile('ringing', false, 'light', 'win32')).toBe('ringing.ico');
    expect(trayIconFile('ringing', true, 'dark', 'win32')).toBe('ringing-missed-dark.ico');
    // macOS template images carry no dot: the count is the title beside the icon.
    expect(trayIconFile('ringing', true, 'template', 'darwin')).toBe('ringingTemplate.png');
    expect(trayIconStyle('darwin', true)).toBe('template');
    expect(trayIconStyle('win32', true)).toBe('dark');
    expect(trayIconStyle('linux', false)).toBe('light');
    expect(trayView(input({ platform: 'win32', darkTheme: true, calls: calls([], 2) })).iconFile).toBe('ready-missed-dark.ico');
    expect(trayView(input({ platform: 'darwin', darkTheme: true, calls: calls([], 2) })).iconFile).toBe('readyTemplate.png');
    expect(trayView(input({ platform: 'linux', calls: calls([callView('a', 'ringing')]) })).iconFile).toBe('ringing.png');
  });

  it('is counted in the tooltip and the menu, with Russian plurals', () => {
    expect(trayView(input({ calls: calls([], 1) })).tooltip).toBe('Sidecall — connected · 1 missed call');
    expect(trayView(input({ calls: calls([], 3) })).tooltip).toBe('Sidecall — connected · 3 missed calls');
    expect(labels(trayView(input({ calls: calls([], 3) })))).toEqual(['[Connected]', '[3 missed calls]', '-', ...TAIL_EN]);
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
  it('offers a status line, Call number in clipboard, Open, Settings, Help, About and Quit, in English and Russian', () => {
    const en = trayView(input());
    expect(en.icon).toBe('ready');
    expect(en.badge).toEqual({ dot: false, title: null, count: null });
    expect(en.tooltip).toBe('Sidecall — connected');
    expect(en.menu.map((i) => (i.kind === 'action' ? i.action : i.kind === 'label' ? 'status' : i.kind === 'separator' ? '-' : i.kind))).toEqual([
      'status',
      '-',
      'callClipboard',
      '-',
      'open',
      'settings',
      'help',
      'about',
      '-',
      'quit',
    ]);
    expect(labels(en)).toEqual(['[Connected]', '-', ...TAIL_EN]);

    const ru = trayView(input({ status: { state: 'unconfigured' }, language: 'ru' }));
    expect(ru.icon).toBe('offline');
    expect(ru.tooltip).toBe('Sidecall — нет подключения');
    // Offline too: the core's refusal tells the operator why better than a greyed-out item would.
    expect(labels(ru)).toEqual(['[Нет подключения]', '-', 'Позвонить по номеру из буфера', '-', 'Открыть Sidecall', 'Настройки…', 'Справка и сочетания клавиш', 'О программе Sidecall', '-', 'Выйти из Sidecall']);
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

describe('Do not disturb', () => {
  it('is a checkbox showing what the PBX has, and the icon while no call is up; hidden when not set up', () => {
    const on = trayView(input({ dnd: { mode: 'featureCode', state: 'on' } }));
    expect(on.icon).toBe('dnd');
    expect(on.tooltip).toBe('Sidecall — connected · do not disturb');
    expect(labels(on).slice(0, 3)).toEqual(['[Connected · do not disturb]', '-', '☑ Do not disturb']);
    expect(labels(trayView(input({ dnd: { mode: 'astdb', state: 'unknown' } })))[2]).toBe('☐ Do not disturb');
    expect(labels(trayView(input({ dnd: { mode: 'off', state: 'unknown' } })))).toEqual(['[Connected]', '-', ...TAIL_EN]);
    // A call says more than DND; the tooltip still says DND is on.
    const ringing = trayView(input({ dnd: { mode: 'featureCode', state: 'on' }, calls: calls([callView('a', 'ringing')]) }));
    expect(ringing.icon).toBe('ringing');
    expect(ringing.tooltip).toBe('Sidecall — ringing: 8 (916) 123-45-67 · do not disturb');
    // Offline: the connection state first.
    expect(trayView(input({ status: { state: 'unconfigured' }, dnd: { mode: 'featureCode', state: 'on' } })).icon).toBe('offline');
    expect(labels(trayView(input({ language: 'ru', dnd: { mode: 'featureCode', state: 'off' } })))[2]).toBe('☐ Не беспокоить');
  });
});

describe('Last calls', () => {
  const item = (id: string, over: Partial<Call> = {}, extra: Partial<HistoryItem> = {}): HistoryItem => ({
    call: { ...callView(id, 'ended').call, result: 'answered', startedAt: Date.UTC(2026, 0, 1, 9, 5), ...over },
    number: { display: '8 (916) 123-45-67', e164: '+79161234567', kind: 'external' },
    ...extra,
  });

  it('offers the newest five with a number, named, missed ones marked, each calling its number back', () => {
    const recent = [
      item('1', {}, { contact: { id: 'c', name: 'Ivan Petrov', phones: [] } }),
      item('2', { result: 'missed' }),
      item('3', { remoteNumber: undefined }, { number: undefined }),
      item('4', { direction: 'outbound', result: 'missed', remoteName: 'ACME' }),
      item('5', { remoteNumber: '102', direction: 'internal' }, { number: undefined }),
      item('6'),
      item('7'),
      item('8'),
    ];
    const view = trayView(input({ recent, timeText: () => '09:05' }));
    const sub = view.menu.find((i) => i.kind === 'submenu');
    expect(sub).toEqual({
      kind: 'submenu',
      label: 'Last calls',
      items: [
        { kind: 'callBack', number: '+79161234567', label: 'Ivan Petrov · 09:05' },
        { kind: 'callBack', number: '+79161234567', label: '8 (916) 123-45-67 — missed · 09:05' },
        { kind: 'callBack', number: '+79161234567', label: 'ACME · 09:05' },
        { kind: 'callBack', number: '102', label: '102 · 09:05' },
        { kind: 'callBack', number: '+79161234567', label: '8 (916) 123-45-67 · 09:05' },
      ],
    });
    expect(labels(view)).toEqual(['[Connected]', '-', 'Last calls >', ...TAIL_EN]);
    expect(trayView(input({ recent: [] })).menu.some((i) => i.kind === 'submenu')).toBe(false);
  });
});

describe('CRM, reports and updates', () => {
  it('says when the CRM wants a new sign-in and how many reports wait or failed', () => {
    const v = trayView(input({ crm: { state: 'needsSignIn', displayName: 'amoCRM' }, outbox: { waiting: 3, failed: [{ id: 'x', number: '1', endedAt: 1, reason: 'r' }] } }));
    expect(labels(v).slice(0, 4)).toEqual(['[Connected]', '[Sign in to amoCRM again]', '[1 call report failed]', '[3 call reports waiting]']);
    expect(labels(trayView(input({ crm: { state: 'connected', displayName: 'amoCRM' }, outbox: { waiting: 0, failed: [] } })))).toEqual(['[Connected]', '-', ...TAIL_EN]);
  });

  it('shows the softphone registration while it is on, in the UI language', () => {
    expect(labels(trayView(input({ softphone: 'registered' })))).toContain('[Softphone ready]');
    expect(labels(trayView(input({ softphone: 'retrying', language: 'ru' })))).toContain('[Софтфон не в сети, повтор]');
    expect(labels(trayView(input({ softphone: 'off' })))).toEqual(labels(trayView(input({}))));
  });

  it('shows the updater entry: a Restart to update action, or a line while downloading', () => {
    const ready = trayView(input({ update: { label: 'Restart to update to 1.2.0', enabled: true } }));
    expect(ready.menu).toContainEqual({ kind: 'action', action: 'restartToUpdate', label: 'Restart to update to 1.2.0' });
    const downloading = trayView(input({ update: { label: 'Downloading 1.2.0… 40%', enabled: false } }));
    expect(downloading.menu).toContainEqual({ kind: 'label', label: 'Downloading 1.2.0… 40%' });
    expect(trayView(input({ update: null })).menu.some((i) => i.kind === 'action' && i.action === 'restartToUpdate')).toBe(false);
  });
});

describe('menu template', () => {
  it('turns the model into Electron items whose clicks call the right action with its argument', () => {
    const called: string[] = [];
    const actions: TrayActions = {
      callClipboard: () => called.push('clipboard'),
      open: () => called.push('open'),
      settings: () => called.push('settings'),
      help: () => called.push('help'),
      about: () => called.push('about'),
      restartToUpdate: () => called.push('restart'),
      quit: () => called.push('quit'),
      callBack: (n) => called.push(`callBack:${n}`),
      setDnd: (on) => called.push(`dnd:${on}`),
    };
    const view = trayView(input({ dnd: { mode: 'astdb', state: 'on' }, recent: [{ call: { ...callView('1', 'ended').call, result: 'answered', remoteNumber: '102' }, number: { display: '102', kind: 'extension' } }] }));
    const items = menuTemplate(view.menu, actions);
    const dnd = items.find((i) => i.type === 'checkbox');
    expect(dnd).toMatchObject({ label: 'Do not disturb', checked: true });
    dnd?.click?.();
    const sub = items.find((i) => i.label === 'Last calls');
    const back = Array.isArray(sub?.submenu) ? sub.submenu[0] : undefined;
    back?.click?.();
    items.find((i) => i.label === 'About Sidecall')?.click?.();
    expect(called).toEqual(['dnd:false', 'callBack:102', 'about']);
    expect(items[0]).toEqual({ label: 'Connected · do not disturb', enabled: false });
  });
});

/** The RGBA pixels of one of our PNGs (8-bit RGBA, filter 0 on every row, as the script writes them). */
function rgba(png: Buffer): Buffer {
  const size = png.readUInt32BE(16);
  const idat: Buffer[] = [];
  for (let off = 8; off < png.length; ) {
    const len = png.readUInt32BE(off);
    if (png.subarray(off + 4, off + 8).toString('ascii') === 'IDAT') idat.push(png.subarray(off + 8, off + 8 + len));
    off += 12 + len;
  }
  const raw = zlib.inflateSync(Buffer.concat(idat));
  return Buffer.concat(Array.from({ length: size }, (_, y) => raw.subarray(y * (1 + size * 4) + 1, (y + 1) * (1 + size * 4))));
}

describe('tray icons', () => {
  const dir = path.resolve(import.meta.dirname, '../../../resources/tray');
  const drawn = trayIconFiles();
  const named = TRAY_ICON_STATES.flatMap((s) => [
    ...(['light', 'dark'] as const).flatMap((style) => [false, true].flatMap((dot) => [trayIconFile(s, dot, style, 'linux'), trayIconFile(s, dot, style, 'win32')])),
    trayIconFile(s, false, 'template', 'darwin'),
  ]);

  it('has every file the model can name, with its @2x sibling for PNGs', () => {
    for (const f of named) {
      expect(fs.existsSync(path.join(dir, f)), f).toBe(true);
      if (f.endsWith('.png')) expect(fs.existsSync(path.join(dir, f.replace('.png', '@2x.png'))), f).toBe(true);
    }
  });

  it.each(named.filter((f) => f.endsWith('.png')).flatMap((f) => [[f, 16], [f.replace('.png', '@2x.png'), 32]] as const))('%s is a %ipx RGBA PNG', (file, size) => {
    const png = fs.readFileSync(path.join(dir, file));
    expect(png.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
    expect(png.subarray(12, 16).toString('ascii')).toBe('IHDR');
    expect(png.readUInt32BE(16)).toBe(size);
    expect(png.readUInt32BE(20)).toBe(size);
    expect(png[25]).toBe(6);
  });

  it('Windows .ico files hold a PNG for each scaling from 100% to 300%', () => {
    for (const f of named.filter((n) => n.endsWith('.ico'))) {
      const ico = fs.readFileSync(path.join(dir, f));
      expect([ico.readUInt16LE(0), ico.readUInt16LE(2), ico.readUInt16LE(4)], f).toEqual([0, 1, ICO_SIZES.length]);
      ICO_SIZES.forEach((size, i) => {
        const e = 6 + 16 * i;
        expect(ico[e]).toBe(size);
        const offset = ico.readUInt32LE(e + 12);
        expect(ico.subarray(offset + 1, offset + 4).toString('ascii')).toBe('PNG');
        expect(ico.readUInt32BE(offset + 16)).toBe(size);
      });
    }
  });

  it('macOS template images are black and alpha only (the menu bar tints them)', () => {
    const templates = [...drawn].filter(([name]) => name.includes('Template'));
    expect(templates).toHaveLength(TRAY_ICON_STATES.length * 2);
    for (const [name, png] of templates) {
      expect(name).toMatch(/^[a-zA-Z]+Template(@2x)?\.png$/);
      const size = png.readUInt32BE(16);
      const pixels = rgba(png);
      let opaque = 0;
      for (let i = 0; i < size * size; i++) {
        const [r, g, b, a] = [pixels[i * 4], pixels[i * 4 + 1], pixels[i * 4 + 2], pixels[i * 4 + 3]];
        expect([r, g, b], `${name} pixel ${i}`).toEqual([0, 0, 0]);
        if ((a ?? 0) > 0) opaque++;
      }
      // A shape, not an empty or a full square.
      expect(opaque).toBeGreaterThan(size * size * 0.15);
      expect(opaque).toBeLessThan(size * size * 0.9);
    }
  });

  it('are exactly what scripts/make-tray-icons.mjs draws (no stray or stale files)', () => {
    expect(fs.readdirSync(dir).filter((f) => /\.(png|ico)$/.test(f)).sort()).toEqual([...drawn.keys()].sort());
    for (const [name, bytes] of drawn) expect(fs.readFileSync(path.join(dir, name)).equals(bytes), name).toBe(true);
  });
});
