// The built Electron bundle (dist/main/main.mjs as build-main.mjs makes it),
// started against a fake `electron` module: Electron itself cannot run here, so
// this checks the wiring around it — what happens before `ready`, the windows'
// webPreferences, app:// serving with the CSP, the IPC sender checks, the
// guards, the tray and its states, the screen-pop window driven by demo calls,
// tel:/callto:/sip: links (before ready, cold start, second instance, hostile
// ones), dialling the clipboard from the tray and the global shortcut up to
// the Originate an AMI test server receives, hide-on-close and a clean quit.
// The fake records calls and hands back what Electron would; it is not a
// model of Electron's behaviour.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { buildMain } from '../../../scripts/build-main.mjs';
import { getHeader, type AmiMessage } from '../../../src-main/core/ami/codec/message';
import { startAmiServer, type AmiServer } from '../../support/ami-server';

interface FakeEvent {
  defaultPrevented: boolean;
  preventDefault(): void;
  readonly [key: string]: unknown;
}
type Listener = (...args: never[]) => unknown;
interface FakeEmitter {
  emit(event: string, ...args: unknown[]): boolean;
  listenerCount(event: string): number;
}
interface FakeWebContents extends FakeEmitter {
  readonly sent: unknown[][];
  windowOpenHandler?: (details: { url: string }) => { action: string };
  getURL(): string;
}
interface Rect {
  x: number;
  y: number;
  width: number;
  height: number;
}
interface FakeWindow extends FakeEmitter {
  readonly options: { webPreferences: Record<string, unknown>; [key: string]: unknown };
  readonly webContents: FakeWebContents;
  /** Every method call on the window that matters here, in order: [name, ...args]. */
  readonly log: unknown[][];
  bounds: Rect;
  visible: boolean;
  focused: boolean;
  destroyed: boolean;
  close(): void;
  hide(): void;
}
interface FakeMenuItem {
  label?: string;
  type?: string;
  enabled?: boolean;
  checked?: boolean;
  click?: () => void;
  submenu?: FakeMenuItem[];
}
interface FakeTray {
  image: { path: string; isEmpty(): boolean };
  tooltip: string;
  title: string | undefined;
  menu: { items: FakeMenuItem[] };
  destroyed: boolean;
  emit(event: string): boolean;
}
interface FakeDisplay {
  readonly id: number;
  bounds: Rect;
  workArea: Rect;
}
interface FakeState {
  readonly calls: string[];
  readonly schemes: { scheme: string; privileges: Record<string, boolean> }[];
  readonly paths: Map<string, string>;
  readonly windows: FakeWindow[];
  readonly trays: FakeTray[];
  readonly opened: string[];
  readonly ipcHandlers: Map<string, (event: unknown, ...args: unknown[]) => Promise<unknown>>;
  protocolHandler?: (request: Request) => Promise<Response>;
  permissionRequest?: (wc: unknown, permission: string, cb: (ok: boolean) => void, details: { requestingUrl: string }) => void;
  beforeRequest?: (details: { url: string; resourceType: string }, cb: (r: { cancel: boolean }) => void) => void;
  readonly sessionListeners: Map<string, Listener>;
  readonly displays: FakeDisplay[];
  cursor: { x: number; y: number };
  readonly screen: FakeEmitter;
  readonly badgeCounts: number[];
  readonly notifications: { title: string; body: string; click?: () => void }[];
  readonly messageBoxes: { title?: string; message: string; detail?: string }[];
  applicationMenu: unknown;
  clipboardText: string;
  readonly shortcuts: Map<string, () => void>;
  /** Accelerators another app owns: register() answers false. */
  readonly takenShortcuts: Set<string>;
  quitted: boolean;
  ready(): void;
  readonly app: FakeEmitter & { quit(): void };
  newEvent(fields?: Record<string, unknown>): FakeEvent;
  otherWebContents(): FakeWebContents;
}

vi.mock('electron', async () => {
  const { EventEmitter } = await import('node:events');
  const nodeFs = await import('node:fs');
  const calls: string[] = [];
  const newEvent = (fields: Record<string, unknown> = {}): FakeEvent => ({
    ...fields,
    defaultPrevented: false,
    preventDefault() {
      this.defaultPrevented = true;
    },
  });
  let resolveReady: () => void = () => undefined;
  const readyPromise = new Promise<void>((r) => (resolveReady = r));

  class WebContents extends EventEmitter {
    readonly sent: unknown[][] = [];
    url = '';
    loading = false;
    windowOpenHandler?: (details: { url: string }) => { action: string };
    send(...args: unknown[]): void {
      this.sent.push(args);
    }
    getURL(): string {
      return this.url;
    }
    isLoading(): boolean {
      return this.loading;
    }
    isDestroyed(): boolean {
      return false;
    }
    reload(): void {}
    setWindowOpenHandler(handler: (details: { url: string }) => { action: string }): void {
      this.windowOpenHandler = handler;
    }
  }

  const state = {
    calls,
    schemes: [] as { scheme: string; privileges: Record<string, boolean> }[],
    paths: new Map<string, string>([['userData', '/nonexistent/default-user-data']]),
    windows: [] as BrowserWindow[],
    trays: [] as Tray[],
    opened: [] as string[],
    ipcHandlers: new Map<string, (event: unknown, ...args: unknown[]) => Promise<unknown>>(),
    protocolHandler: undefined as undefined | ((request: Request) => Promise<Response>),
    permissionRequest: undefined as unknown,
    beforeRequest: undefined as unknown,
    sessionListeners: new Map<string, Listener>(),
    // A 1920x1080 screen with a 40 px taskbar at the bottom, and a smaller one to its left.
    displays: [
      { id: 1, bounds: { x: 0, y: 0, width: 1920, height: 1080 }, workArea: { x: 0, y: 0, width: 1920, height: 1040 } },
      { id: 2, bounds: { x: -1280, y: 0, width: 1280, height: 720 }, workArea: { x: -1280, y: 0, width: 1280, height: 720 } },
    ] as FakeDisplay[],
    cursor: { x: 100, y: 100 },
    screen: undefined as unknown,
    badgeCounts: [] as number[],
    notifications: [] as { title: string; body: string; click?: () => void }[],
    messageBoxes: [] as { title?: string; message: string; detail?: string }[],
    applicationMenu: 'default' as unknown,
    clipboardText: '',
    shortcuts: new Map<string, () => void>(),
    takenShortcuts: new Set<string>(),
    quitted: false,
    ready: () => resolveReady(),
    app: undefined as unknown,
    newEvent,
    otherWebContents: () => new WebContents(),
  };

  class App extends EventEmitter {
    readonly isPackaged = false;
    enableSandbox(): void {
      calls.push('enableSandbox');
    }
    requestSingleInstanceLock(): boolean {
      calls.push('requestSingleInstanceLock');
      return true;
    }
    whenReady(): Promise<void> {
      calls.push('whenReady');
      return readyPromise;
    }
    setPath(name: string, value: string): void {
      calls.push(`setPath:${name}`);
      state.paths.set(name, value);
    }
    getPath(name: string): string {
      return state.paths.get(name) ?? `/nonexistent/${name}`;
    }
    getLocale(): string {
      return 'ru-RU';
    }
    setAppUserModelId(): void {}
    getLoginItemSettings(): { wasOpenedAtLogin: boolean } {
      return { wasOpenedAtLogin: false };
    }
    setLoginItemSettings(): void {
      calls.push('setLoginItemSettings');
    }
    quit(): void {
      this.emit('before-quit', newEvent());
      for (const w of [...state.windows]) if (!w.destroyed) w.close();
      if (state.windows.some((w) => !w.destroyed)) return;
      const willQuit = newEvent();
      this.emit('will-quit', willQuit);
      if (!willQuit.defaultPrevented) state.quitted = true;
    }
    exit(code: number): void {
      calls.push(`exit:${code}`);
    }
    setBadgeCount(count: number): boolean {
      state.badgeCounts.push(count);
      return true;
    }
    isDefaultProtocolClient(scheme: string): boolean {
      calls.push(`isDefaultProtocolClient:${scheme}`);
      return false;
    }
    setAsDefaultProtocolClient(scheme: string): boolean {
      calls.push(`setAsDefaultProtocolClient:${scheme}`);
      return true;
    }
  }
  const app = new App();
  state.app = app;

  class BrowserWindow extends EventEmitter {
    readonly webContents = new WebContents();
    readonly log: unknown[][] = [];
    bounds: Rect;
    visible = false;
    focused = false;
    destroyed = false;
    constructor(readonly options: { webPreferences: Record<string, unknown>; x?: number; y?: number; width?: number; height?: number }) {
      super();
      this.bounds = { x: options.x ?? 0, y: options.y ?? 0, width: options.width ?? 800, height: options.height ?? 600 };
      state.windows.push(this);
      app.emit('web-contents-created', newEvent(), this.webContents);
    }
    setAlwaysOnTop(...args: unknown[]): void {
      this.log.push(['setAlwaysOnTop', ...args]);
    }
    setVisibleOnAllWorkspaces(...args: unknown[]): void {
      this.log.push(['setVisibleOnAllWorkspaces', ...args]);
    }
    setBounds(bounds: Rect): void {
      this.log.push(['setBounds', bounds]);
      this.bounds = { ...bounds };
    }
    getBounds(): Rect {
      return { ...this.bounds };
    }
    getNormalBounds(): Rect {
      return { ...this.bounds };
    }
    isMaximized(): boolean {
      return false;
    }
    maximize(): void {
      this.log.push(['maximize']);
    }
    isVisible(): boolean {
      return this.visible;
    }
    showInactive(): void {
      this.log.push(['showInactive']);
      this.visible = true;
    }
    destroy(): void {
      this.destroyed = true;
      this.emit('closed');
    }
    async loadURL(url: string): Promise<void> {
      this.webContents.url = url;
      this.webContents.loading = true;
      setTimeout(() => {
        this.webContents.loading = false;
        this.webContents.emit('did-finish-load');
        this.emit('ready-to-show');
      }, 5);
    }
    show(): void {
      this.log.push(['show']);
      this.visible = true;
    }
    hide(): void {
      this.log.push(['hide']);
      this.visible = false;
      this.focused = false;
    }
    focus(): void {
      this.log.push(['focus']);
      this.focused = true;
    }
    isFocused(): boolean {
      return this.focused;
    }
    isMinimized(): boolean {
      return false;
    }
    restore(): void {}
    isDestroyed(): boolean {
      return this.destroyed;
    }
    close(): void {
      const event = newEvent();
      this.emit('close', event);
      if (event.defaultPrevented) return;
      this.destroyed = true;
      this.emit('closed');
    }
  }

  class Tray extends EventEmitter {
    tooltip = '';
    title: string | undefined = undefined;
    menu: unknown = null;
    destroyed = false;
    constructor(public image: unknown) {
      super();
      state.trays.push(this);
    }
    setImage(image: unknown): void {
      this.image = image;
    }
    setToolTip(t: string): void {
      this.tooltip = t;
    }
    setTitle(t: string): void {
      this.title = t;
    }
    setContextMenu(menu: unknown): void {
      this.menu = menu;
    }
    destroy(): void {
      this.destroyed = true;
    }
  }

  const inside = (r: Rect, x: number, y: number): boolean => x >= r.x && x < r.x + r.width && y >= r.y && y < r.y + r.height;
  const primary = (): FakeDisplay => {
    const d = state.displays[0];
    if (!d) throw new Error('no displays');
    return d;
  };
  class Screen extends EventEmitter {
    getCursorScreenPoint(): { x: number; y: number } {
      return { ...state.cursor };
    }
    getPrimaryDisplay(): FakeDisplay {
      return primary();
    }
    getDisplayNearestPoint(p: { x: number; y: number }): FakeDisplay {
      return state.displays.find((d) => inside(d.bounds, p.x, p.y)) ?? primary();
    }
    getAllDisplays(): FakeDisplay[] {
      return [...state.displays];
    }
    getDisplayMatching(r: Rect): FakeDisplay {
      return this.getDisplayNearestPoint({ x: r.x + r.width / 2, y: r.y + r.height / 2 });
    }
  }
  const screen = new Screen();
  state.screen = screen;

  class Notification {
    static isSupported(): boolean {
      return true;
    }
    #click: (() => void) | undefined;
    constructor(readonly options: { title: string; body: string }) {}
    on(event: string, listener: () => void): void {
      if (event === 'click') this.#click = listener;
    }
    show(): void {
      state.notifications.push({ title: this.options.title, body: this.options.body, ...(this.#click ? { click: this.#click } : {}) });
    }
  }
  const nativeTheme = Object.assign(new EventEmitter(), { shouldUseDarkColors: false });

  return {
    __fake: state,
    app,
    screen,
    BrowserWindow,
    Tray,
    Menu: {
      buildFromTemplate: (items: unknown[]) => ({ items }),
      setApplicationMenu: (menu: unknown) => {
        state.applicationMenu = menu;
      },
    },
    nativeTheme,
    nativeImage: { createFromPath: (p: string) => ({ path: p, isEmpty: () => !nodeFs.existsSync(p) }) },
    protocol: {
      registerSchemesAsPrivileged(schemes: { scheme: string; privileges: Record<string, boolean> }[]) {
        calls.push('registerSchemesAsPrivileged');
        state.schemes.push(...schemes);
      },
    },
    session: {
      defaultSession: {
        protocol: {
          handle(scheme: string, handler: (request: Request) => Promise<Response>) {
            calls.push(`protocol.handle:${scheme}`);
            state.protocolHandler = handler;
          },
        },
        setPermissionRequestHandler(h: unknown) {
          state.permissionRequest = h;
        },
        setPermissionCheckHandler() {},
        setDevicePermissionHandler() {},
        on(event: string, listener: Listener) {
          state.sessionListeners.set(event, listener);
        },
        webRequest: {
          onBeforeRequest(_filter: unknown, h: unknown) {
            state.beforeRequest = h;
          },
        },
      },
    },
    ipcMain: {
      handle(channel: string, handler: (event: unknown, ...args: unknown[]) => Promise<unknown>) {
        state.ipcHandlers.set(channel, handler);
      },
      removeHandler(channel: string) {
        state.ipcHandlers.delete(channel);
      },
    },
    shell: {
      async openExternal(url: string) {
        state.opened.push(url);
      },
    },
    dialog: {
      showErrorBox: (title: string) => calls.push(`showErrorBox:${title}`),
      showMessageBox: async (options: { title?: string; message: string; detail?: string }) => {
        state.messageBoxes.push(options);
        return { response: 0 };
      },
    },
    Notification,
    // Electron 45's clipboard reads asynchronously.
    clipboard: { readText: async () => state.clipboardText },
    globalShortcut: {
      register(accelerator: string, callback: () => void): boolean {
        if (state.takenShortcuts.has(accelerator)) return false;
        state.shortcuts.set(accelerator, callback);
        return true;
      },
      unregister(accelerator: string): void {
        state.shortcuts.delete(accelerator);
      },
    },
    safeStorage: {
      isEncryptionAvailable: () => true,
      getSelectedStorageBackend: () => 'gnome_libsecret',
      encryptString: (s: string) => Buffer.from(`enc:${s}`).reverse(),
      decryptString: (b: Buffer) => Buffer.from(b).reverse().toString().slice(4),
    },
  };
});

let tmp: string;
let dataDir: string;
let fake: FakeState;
let win: FakeWindow;
let popup: FakeWindow;
const POPUP_URL = 'app://sidecall/index.html#popup';
const savedArgv = process.argv;

async function until<T>(get: () => T | undefined, what: string): Promise<T> {
  for (let i = 0; i < 200; i++) {
    const v = get();
    if (v !== undefined) return v;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`timed out waiting for ${what}`);
}

const trusted = (sender: FakeWebContents, url = 'app://sidecall/index.html', parent: unknown = null): unknown => ({ sender, senderFrame: { url, parent } });
async function invoke(event: unknown, channel: string, payload: unknown): Promise<{ ok: boolean; result?: unknown; error?: { code: string } }> {
  const handler = fake.ipcHandlers.get('sidecall:request');
  if (!handler) throw new Error('no IPC handler');
  return (await handler(event, channel, payload)) as { ok: boolean; result?: unknown; error?: { code: string } };
}
const get = (url: string, method = 'GET'): Promise<Response> => {
  if (!fake.protocolHandler) throw new Error('no app:// handler');
  return fake.protocolHandler(new Request(url, { method }));
};

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
async function untilAsync<T>(get: () => Promise<T | undefined>, what: string): Promise<T> {
  for (let i = 0; i < 200; i++) {
    const v = await get();
    if (v !== undefined) return v;
    await sleep(10);
  }
  throw new Error(`timed out waiting for ${what}`);
}

interface PendingLink {
  id: string;
  number: { display: string; e164?: string; kind: string };
  scheme: string;
}
/** The links.pending events a window received since `from` (an index into its sent messages). */
const pendingLinks = (w: FakeWindow, from = 0): PendingLink[] =>
  w.webContents.sent.slice(from).filter((m) => m[0] === 'sidecall:event' && m[1] === 'links.pending').map((m) => m[2] as PendingLink);
const events = (w: FakeWindow, channel: string, from = 0): unknown[] => w.webContents.sent.slice(from).filter((m) => m[0] === 'sidecall:event' && m[1] === channel).map((m) => m[2]);
const logText = (): string => {
  const dir = path.join(dataDir, 'logs');
  return fs.readdirSync(dir).map((f) => fs.readFileSync(path.join(dir, f), 'utf8')).join('');
};
const HOSTILE_LINK = 'tel:123%0d%0aChannel: Local/666@evil';

beforeAll(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'sidecall-main-wiring-'));
  dataDir = path.join(tmp, 'user-data');
  const built = await buildMain({ outDir: path.join(tmp, 'dist/main'), logLevel: 'error' });
  fs.mkdirSync(path.join(tmp, 'dist/renderer/assets'), { recursive: true });
  fs.writeFileSync(path.join(tmp, 'dist/renderer/index.html'), '<!doctype html><div id="root"></div><script type="module" src="./assets/app.js"></script>');
  fs.writeFileSync(path.join(tmp, 'dist/renderer/assets/app.js'), 'export {};');
  fs.writeFileSync(path.join(tmp, 'dist/secret.txt'), 'outside the renderer folder');
  process.argv = ['/opt/Sidecall/sidecall', '--data-dir', dataDir, '--', 'tel:+74951234567'];
  const electron = (await import('electron')) as unknown as { __fake: FakeState };
  fake = electron.__fake;
  await import(built.main);
});
afterAll(() => {
  process.argv = savedArgv;
  fs.rmSync(tmp, { recursive: true, force: true });
});

describe('before ready', () => {
  it('registers app:// as a privileged scheme, enables the sandbox and takes the single-instance lock, using --data-dir', () => {
    expect(fake.calls.slice(0, 5)).toEqual(['registerSchemesAsPrivileged', 'enableSandbox', 'setPath:userData', 'requestSingleInstanceLock', 'whenReady']);
    expect(fake.schemes).toEqual([{ scheme: 'app', privileges: expect.objectContaining({ standard: true, secure: true, supportFetchAPI: true }) }]);
    expect(fake.paths.get('userData')).toBe(dataDir);
    expect(fake.windows).toHaveLength(0);
  });

  it('takes a macOS open-url before ready and keeps it for when the core is up', () => {
    const event = fake.newEvent();
    fake.app.emit('open-url', event, 'tel:+7-495-765-43-21');
    // Handled: macOS must not look for another handler.
    expect(event.defaultPrevented).toBe(true);
    expect(fake.windows).toHaveLength(0);
  });
});

describe('after ready', () => {
  beforeAll(async () => {
    fake.ready();
    win = await until(() => fake.windows.find((w) => w.webContents.getURL() === 'app://sidecall/index.html'), 'the main window');
    await until(() => (win.visible ? true : undefined), 'the window to show');
    popup = await until(() => fake.windows.find((w) => w.webContents.getURL() === POPUP_URL), 'the pop-up window');
  });

  it('opens the main window, and the pop-up window hidden, both sandboxed and isolated on app://sidecall with the bundled preload', () => {
    expect(fake.windows).toHaveLength(2);
    for (const w of [win, popup]) {
      expect(w.options.webPreferences).toMatchObject({ contextIsolation: true, sandbox: true, nodeIntegration: false, webSecurity: true, webviewTag: false });
      const preload = w.options.webPreferences['preload'] as string;
      expect(preload).toBe(path.join(tmp, 'dist/main/preload.cjs'));
      expect(fs.existsSync(preload)).toBe(true);
    }
    // Neither window's timers may be throttled: the pop-up must appear at once, the main window holds the softphone.
    expect(popup.options.webPreferences).toEqual(win.options.webPreferences);
    expect(win.options.webPreferences).toMatchObject({ backgroundThrottling: false });
    expect(win.webContents.getURL()).toBe('app://sidecall/index.html');
    expect(popup.visible).toBe(false);
  });

  it('after the core started: the link that started the app (argv), then the open-url from before ready, each as one confirm card', async () => {
    const links = await until(() => {
      const p = pendingLinks(win);
      return p.length >= 2 ? p : undefined;
    }, 'both early links');
    await sleep(50);
    expect(pendingLinks(win)).toHaveLength(2);
    expect(links.map((l) => [l.scheme, l.number.e164])).toEqual([
      ['tel', '+74951234567'],
      ['tel', '+74957654321'],
    ]);
    expect(win.visible).toBe(true);
    // A development run registers no protocol handler (it would take tel: from the developer's softphone).
    expect(fake.calls.filter((c) => c.includes('DefaultProtocolClient'))).toEqual([]);
  });

  it('serves dist/renderer on app:// with the CSP, and nothing outside it', async () => {
    const page = await get('app://sidecall/index.html');
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(page.headers.get('content-security-policy')).toMatch(/default-src 'none'; script-src 'self'/);
    expect(page.headers.get('x-content-type-options')).toBe('nosniff');
    expect(await page.text()).toContain('<div id="root">');
    expect((await get('app://sidecall/assets/app.js')).headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect((await get('app://sidecall/..%2fsecret.txt')).status).toBe(403);
    expect((await get('app://sidecall/nope.js')).status).toBe(404);
    expect((await get('app://sidecall/index.html', 'POST')).status).toBe(405);
    expect((await get('app://sidecall/index.html', 'HEAD')).status).toBe(200);
  });

  it('answers IPC from our page and refuses every other sender before the core sees it', async () => {
    await expect(invoke(trusted(win.webContents), 'diagnostics.ping', { nonce: 'n1' })).resolves.toMatchObject({ ok: true, result: { nonce: 'n1' } });
    await expect(invoke(trusted(win.webContents), 'diagnostics.ping', { nonce: '' })).resolves.toMatchObject({ ok: false, error: { code: 'ipc.invalidRequest' } });
    await expect(invoke(trusted(win.webContents), 'shell.exec', {})).resolves.toMatchObject({ ok: false, error: { code: 'ipc.unknownChannel' } });
    for (const event of [
      trusted(win.webContents, 'https://evil.example/'),
      trusted(win.webContents, 'app://sidecall/index.html', { url: 'app://sidecall/' }), // an iframe
      trusted(fake.otherWebContents()), // not one of our windows
      { sender: win.webContents, senderFrame: null }, // frame already gone
    ]) {
      await expect(invoke(event, 'diagnostics.ping', { nonce: 'n2' })).resolves.toMatchObject({ ok: false, error: { code: 'ipc.untrustedSender' } });
    }
  });

  it('stores secrets with the safeStorage fallback when the keychain is unavailable, and pushes events to the window', async () => {
    const view = await invoke(trusted(win.webContents), 'settings.get', {});
    const keychain = (view.result as { keychain: { available: boolean; backend: string } }).keychain;
    expect(keychain.available).toBe(true);
    const sentBefore = win.webContents.sent.length;
    const updated = await invoke(trusted(win.webContents), 'settings.update', { patch: { language: 'en' }, amiSecret: 'pw-1' });
    expect(updated).toMatchObject({ ok: true, result: { secrets: { amiSecretSet: true }, settings: { language: 'en' } } });
    if (keychain.backend.startsWith('safeStorage')) {
      const file = path.join(dataDir, 'secrets.json');
      expect(fs.readFileSync(file, 'utf8')).not.toContain('pw-1');
      if (process.platform !== 'win32') expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    }
    const events = win.webContents.sent.slice(sentBefore);
    expect(events).toContainEqual(['sidecall:event', 'settings.changed', expect.objectContaining({ settings: expect.objectContaining({ language: 'en' }) })]);
  });

  it('shows the tray with the connection state and the UI language, and its Settings item opens Settings', async () => {
    const tray = fake.trays[0];
    if (!tray) throw new Error('no tray');
    // No PBX is configured, so the core runs demo mode and connects to the embedded demo PBX: the tray turns ready.
    await until(() => (tray.image.path === path.join(tmp, 'dist/main/tray/ready.png') ? true : undefined), 'tray ready icon');
    expect(tray.image.isEmpty()).toBe(false);
    // The language was switched to English by the previous test (the OS is Russian).
    expect(tray.tooltip).toBe('Sidecall — connected');
    expect(tray.menu.items.map((i) => i.label ?? i.type)).toEqual([
      'Connected',
      'separator',
      'Do not disturb',
      'Call number in clipboard',
      'separator',
      'Open Sidecall',
      'Settings…',
      'Help and shortcuts',
      'About Sidecall',
      'separator',
      'Quit Sidecall',
    ]);
    expect(tray.menu.items[0]).toMatchObject({ label: 'Connected', enabled: false });

    win.visible = false;
    tray.menu.items.find((i) => i.label === 'Settings…')?.click?.();
    expect(win.visible).toBe(true);
    expect(win.webContents.sent.at(-1)).toEqual(['sidecall:event', 'ui.navigate', { page: 'settings' }]);
    win.visible = false;
    tray.emit('click');
    expect(win.visible).toBe(true);
  });

  it('creates the pop-up frameless, unfocusable and always on top, over full-screen apps and IPC-trusted', async () => {
    expect(popup.options).toMatchObject({ show: false, frame: false, transparent: false, focusable: false, alwaysOnTop: true, skipTaskbar: true, resizable: false, width: 380, height: 240 });
    // A macOS-only 'panel'; this runs on another OS (the choice is in popup-model.test.ts).
    if (process.platform !== 'darwin') expect(popup.options['type']).toBeUndefined();
    expect(popup.log).toContainEqual(['setAlwaysOnTop', true, 'screen-saver']);
    expect(popup.log).toContainEqual(['setVisibleOnAllWorkspaces', true, { visibleOnFullScreen: true }]);
    expect(popup.log.filter(([m]) => m === 'setVisibleOnAllWorkspaces')).toHaveLength(1);
    await expect(invoke(trusted(popup.webContents, POPUP_URL), 'diagnostics.ping', { nonce: 'p1' })).resolves.toMatchObject({ ok: true, result: { nonce: 'p1' } });
    await expect(invoke(trusted(popup.webContents, 'https://evil.example/#popup'), 'diagnostics.ping', { nonce: 'p2' })).resolves.toMatchObject({ ok: false, error: { code: 'ipc.untrustedSender' } });
    expect(popup.webContents.windowOpenHandler?.({ url: 'file:///etc/passwd' })).toEqual({ action: 'deny' });
  });

  it('pops a ringing call without taking focus on the display with the mouse, keeps still on updates, hides when the caller gives up; the tray follows', async () => {
    const tray = fake.trays[0];
    if (!tray) throw new Error('no tray');
    const icon = (name: string): string => path.join(tmp, 'dist/main/tray', name);
    const lastCalls = (): { live: { pop: boolean; lookup: { status: string } }[]; missed: number } | undefined =>
      popup.webContents.sent.filter((m) => m[1] === 'calls.changed').at(-1)?.[2] as { live: { pop: boolean; lookup: { status: string } }[]; missed: number } | undefined;
    const logOf = (name: string): unknown[][] => popup.log.filter(([m]) => m === name);
    const winFocusBefore = win.log.filter(([m]) => m === 'focus').length;

    fake.cursor = { x: -600, y: 400 }; // on the left display
    const rang = await invoke(trusted(win.webContents), 'demo.simulateIncoming', {});
    expect(rang.ok).toBe(true);
    await until(() => (popup.visible ? true : undefined), 'the pop-up to show');
    // Placed at the bottom-right of the left display's work area, shown without activation.
    expect(popup.bounds).toEqual({ x: -12 - 380, y: 720 - 12 - 240, width: 380, height: 240 });
    expect(logOf('showInactive')).toHaveLength(1);
    expect(logOf('show')).toHaveLength(0);
    expect(logOf('focus')).toHaveLength(0);
    expect(win.log.filter(([m]) => m === 'focus')).toHaveLength(winFocusBefore);
    // Its page got the call before the window showed.
    expect(lastCalls()?.live.some((v) => v.pop)).toBe(true);

    await until(() => (tray.image.path === icon('ringing.png') ? true : undefined), 'the ringing tray icon');
    expect(tray.tooltip).toMatch(/^Sidecall — ringing: \S/);
    expect(tray.menu.items[0]).toMatchObject({ label: expect.stringMatching(/^Ringing: \S/), enabled: false });

    // The demo CRM answers the lookup: another calls.changed, with the mouse elsewhere now. No move, no re-show.
    fake.cursor = { x: 900, y: 500 };
    const boundsBefore = logOf('setBounds').length;
    await until(() => (lastCalls()?.live[0]?.lookup.status !== 'pending' ? true : undefined), 'the CRM lookup');
    await new Promise((r) => setTimeout(r, 50));
    expect(logOf('setBounds')).toHaveLength(boundsBefore);
    expect(logOf('showInactive')).toHaveLength(1);
    expect(popup.visible).toBe(true);

    // The display's work area shrinks (resolution change) while the card is up: it stays inside.
    const left = fake.displays[1];
    if (!left) throw new Error('no second display');
    left.workArea = { x: -1280, y: 0, width: 1280, height: 680 };
    fake.screen.emit('display-metrics-changed', fake.newEvent(), left, ['workArea']);
    expect(popup.bounds).toEqual({ x: -12 - 380, y: 680 - 12 - 240, width: 380, height: 240 });
    left.workArea = { x: -1280, y: 0, width: 1280, height: 720 };

    const notes = fake.notifications.length;
    const gaveUp = await invoke(trusted(win.webContents), 'demo.phone', { action: 'callerHangup' });
    expect(gaveUp.ok).toBe(true);
    await until(() => (!popup.visible ? true : undefined), 'the pop-up to hide');
    expect(popup.destroyed).toBe(false); // kept loaded for the next ring
    // A missed call: the red-dot icon (not macOS) and the count in the tooltip and the menu.
    await until(() => (tray.image.path === icon('ready-missed.png') ? true : undefined), 'the missed-calls tray icon');
    expect(tray.image.isEmpty()).toBe(false);
    expect(tray.tooltip).toBe('Sidecall — connected · 1 missed call');
    expect(tray.menu.items.slice(0, 2).map((i) => i.label)).toEqual(['Connected', '1 missed call']);
    expect(fake.badgeCounts).toEqual([]); // the Dock badge is macOS's

    // A native notification for the missed call; clicking it opens History.
    const missed = await until(() => fake.notifications[notes], 'the missed-call notification');
    expect(missed.title).toBe('Missed call');
    win.visible = false;
    missed.click?.();
    expect(win.visible).toBe(true);
    await until(() => (events(win, 'ui.navigate').some((e) => (e as { page: string }).page === 'history') ? true : undefined), 'History to open');
    // And in the tray's Last calls, marked missed, to call back.
    const last = await until(() => tray.menu.items.find((i) => i.label === 'Last calls'), 'the Last calls submenu');
    expect(last.submenu?.[0]?.label).toMatch(/ — missed · \d\d:\d\d( [AP]M)?$/);
    await sleep(50);
    expect(fake.notifications).toHaveLength(notes + 1);
  });

  it('Do not disturb from the tray: set on the (demo) PBX, shown checked and as the tray icon, and off again', async () => {
    const tray = fake.trays[0];
    if (!tray) throw new Error('no tray');
    const icon = (name: string): string => path.join(tmp, 'dist/main/tray', name);
    const item = (): FakeMenuItem | undefined => tray.menu.items.find((i) => i.label === 'Do not disturb');
    expect(item()).toMatchObject({ type: 'checkbox', checked: false });
    item()?.click?.();
    await until(() => (tray.image.path === icon('dnd-missed.png') ? true : undefined), 'the DND tray icon');
    expect(item()).toMatchObject({ checked: true });
    expect(tray.tooltip).toBe('Sidecall — connected · do not disturb · 1 missed call');
    const state = await invoke(trusted(win.webContents), 'dnd.get', {});
    expect(state).toMatchObject({ ok: true, result: { mode: 'astdb', state: 'on' } });
    expect(events(win, 'dnd.changed').at(-1)).toMatchObject({ state: 'on' });
    item()?.click?.();
    await until(() => (tray.image.path === icon('ready-missed.png') ? true : undefined), 'back to ready');
    expect(item()).toMatchObject({ checked: false });
  });

  it('Help and About from the tray; no menu bar on Windows and Linux', async () => {
    const tray = fake.trays[0];
    if (!tray) throw new Error('no tray');
    tray.menu.items.find((i) => i.label === 'Help and shortcuts')?.click?.();
    expect(win.webContents.sent.at(-1)).toEqual(['sidecall:event', 'ui.navigate', { page: 'help' }]);
    tray.menu.items.find((i) => i.label === 'About Sidecall')?.click?.();
    expect(fake.messageBoxes.at(-1)).toMatchObject({ title: 'About Sidecall', message: expect.stringMatching(/^Sidecall \d+\.\d+\.\d+/), detail: expect.stringContaining(path.join(dataDir, 'logs')) });
    if (process.platform !== 'darwin') expect(fake.applicationMenu).toBeNull();
  });

  it('"Copy diagnostics" over IPC: version, Electron, the log folder and recent log lines, no secret', async () => {
    const r = await invoke(trusted(win.webContents), 'diagnostics.collect', {});
    expect(r.ok).toBe(true);
    const text = (r.result as { text: string }).text;
    expect(text).toContain('"host": "electron"');
    expect(text).toContain(`"logDir": ${JSON.stringify(path.join(dataDir, 'logs'))}`);
    expect(text).toContain('"msg":"started"');
    // The AMI secret stored by an earlier test.
    expect(text).not.toContain('pw-1');
  });

  it('pops the next call on the display the mouse is on then, stays up while talking, and hides on hang-up', async () => {
    const tray = fake.trays[0];
    if (!tray) throw new Error('no tray');
    const icon = (name: string): string => path.join(tmp, 'dist/main/tray', name);
    fake.cursor = { x: 900, y: 500 }; // the primary display now
    await invoke(trusted(win.webContents), 'demo.simulateIncoming', { number: '+7 916 123-45-67' });
    await until(() => (popup.visible ? true : undefined), 'the pop-up to show again');
    expect(popup.bounds).toEqual({ x: 1920 - 12 - 380, y: 1040 - 12 - 240, width: 380, height: 240 });
    expect(popup.log.filter(([m]) => m === 'showInactive')).toHaveLength(2);
    await until(() => (tray.image.path === icon('ringing-missed.png') ? true : undefined), 'ringing with the missed dot');

    await invoke(trusted(win.webContents), 'demo.phone', { action: 'answer' });
    await until(() => (tray.image.path === icon('onCall-missed.png') ? true : undefined), 'the on-call tray icon');
    expect(tray.tooltip).toMatch(/^Sidecall — on call: .+ · 1 missed call$/);
    expect(popup.visible).toBe(true);

    await invoke(trusted(win.webContents), 'demo.phone', { action: 'hangup' });
    await until(() => (!popup.visible ? true : undefined), 'the pop-up to hide after the call');
    await until(() => (tray.image.path === icon('ready-missed.png') ? true : undefined), 'back to ready');
    expect(popup.log.filter(([m]) => m === 'focus' || m === 'show')).toEqual([]);
  });

  it("a second instance's link (with a Chromium switch inserted, delivered twice) ends in exactly one confirm card, the window shown and focused", async () => {
    win.close(); // hidden in the tray
    expect(win.visible).toBe(false);
    const from = win.webContents.sent.length;
    const focused = win.log.filter(([m]) => m === 'focus').length;
    const argv = ['/opt/Sidecall/sidecall', '--gpu-launcher=calc', '--', 'tel:+7-916-123-45-67'];
    fake.app.emit('second-instance', fake.newEvent(), argv, '/');
    // Windows can hand the same link over twice.
    fake.app.emit('second-instance', fake.newEvent(), [...argv], '/');
    await until(() => (pendingLinks(win, from).length > 0 ? true : undefined), 'the confirm card');
    await sleep(50);
    const links = pendingLinks(win, from);
    expect(links).toHaveLength(1);
    expect(links[0]).toMatchObject({ scheme: 'tel', number: { e164: '+79161234567' } });
    expect(win.visible).toBe(true);
    expect(win.log.filter(([m]) => m === 'focus').length).toBeGreaterThan(focused);
  });

  it('refuses a hostile link: no confirm card, a notification with the reason, and the link text in no log', async () => {
    const from = win.webContents.sent.length;
    const notes = fake.notifications.length;
    fake.app.emit('second-instance', fake.newEvent(), ['/opt/Sidecall/sidecall', '--', HOSTILE_LINK], '/');
    const note = await until(() => fake.notifications[notes], 'the refusal notification');
    expect(note.body).toMatch(/^This link cannot be called: \S/);
    expect(note.body).not.toMatch(/Local\/666|@evil|Channel:/);
    await sleep(50);
    expect(pendingLinks(win, from)).toEqual([]);
    expect(fake.notifications).toHaveLength(notes + 1);
    const logs = logText();
    expect(logs).toContain('link not called');
    expect(logs).not.toMatch(/Local\/666|@evil/);
  });

  it('a call ringing while the main window is hidden: a notification whose click shows the window on the call; system-wide answer/hang-up shortcuts, off by default, show it and run the page\'s own shortcut', async () => {
    const shortcutEvents = (from: number): unknown[] => events(win, 'ui.shortcut', from);
    const before = [...fake.shortcuts.keys()];
    const view = await invoke(trusted(win.webContents), 'settings.get', {});
    expect((view.result as { settings: { shell: { callHotkeys: unknown } } }).settings.shell.callHotkeys).toEqual({ answer: '', hangUp: '' });

    // In front and focused: the page's live region announces the call, no notification.
    const notes = fake.notifications.length;
    expect((await invoke(trusted(win.webContents), 'demo.simulateIncoming', {})).ok).toBe(true);
    await until(() => (popup.visible ? true : undefined), 'the pop-up to show');
    await sleep(30);
    expect(fake.notifications.slice(notes).filter((n) => /^(Incoming call|Входящий звонок): /.test(n.title))).toEqual([]);
    expect((await invoke(trusted(win.webContents), 'demo.phone', { action: 'callerHangup' })).ok).toBe(true);
    await until(() => (!popup.visible ? true : undefined), 'the pop-up to hide');

    // In the tray: a notification for the ringing call; its click brings the window forward, on the call.
    win.hide();
    const from = win.webContents.sent.length;
    expect((await invoke(trusted(win.webContents), 'demo.simulateIncoming', {})).ok).toBe(true);
    const incoming = await until(() => fake.notifications.slice(notes).find((n) => /^(Incoming call|Входящий звонок): \S/.test(n.title)), 'the incoming-call notification');
    expect(win.visible).toBe(false);
    incoming.click?.();
    expect(win.visible).toBe(true);
    expect(win.focused).toBe(true);
    await until(() => (shortcutEvents(from).length > 0 ? true : undefined), 'the page asked to focus the call');
    expect(shortcutEvents(from)).toEqual([{ action: 'focusCall' }]);

    // The shortcuts: registered from the settings; each press shows the window and hands the page its own action.
    const set = (callHotkeys: { answer?: string; hangUp?: string }) => invoke(trusted(win.webContents), 'settings.update', { patch: { shell: { callHotkeys } } });
    expect(await set({ answer: 'A' })).toMatchObject({ ok: false, error: { code: 'ipc.invalidRequest' } });
    expect((await set({ answer: 'Control+Alt+F1', hangUp: 'Control+Alt+F2' })).ok).toBe(true);
    expect([...fake.shortcuts.keys()].filter((k) => !before.includes(k)).sort()).toEqual(['Control+Alt+F1', 'Control+Alt+F2']);
    win.hide();
    const pressed = win.webContents.sent.length;
    fake.shortcuts.get('Control+Alt+F1')?.();
    expect(win.visible).toBe(true);
    await until(() => (shortcutEvents(pressed).length > 0 ? true : undefined), 'the answer shortcut reaching the page');
    win.hide();
    fake.shortcuts.get('Control+Alt+F2')?.();
    expect(win.visible).toBe(true);
    await until(() => (shortcutEvents(pressed).length > 1 ? true : undefined), 'the hang-up shortcut reaching the page');
    expect(shortcutEvents(pressed)).toEqual([{ action: 'answer' }, { action: 'hangUp' }]);

    // Taken by another app: said once, the app keeps running; off again releases them.
    const taken = fake.notifications.length;
    fake.takenShortcuts.add('Control+Alt+F3');
    expect((await set({ hangUp: 'Control+Alt+F3' })).ok).toBe(true);
    expect(fake.notifications.slice(taken)).toEqual([{ title: expect.stringMatching(/^(Shortcut not available|Сочетание клавиш недоступно)$/), body: expect.stringContaining('Control+Alt+F3') }]);
    expect((await set({ answer: '', hangUp: '' })).ok).toBe(true);
    expect([...fake.shortcuts.keys()]).toEqual(before);
    expect((await invoke(trusted(win.webContents), 'demo.phone', { action: 'callerHangup' })).ok).toBe(true);
    await until(() => (!popup.visible ? true : undefined), 'the pop-up to hide');
  });

  describe('dialling the clipboard against an AMI test server', () => {
    let server: AmiServer;
    const originates = (): AmiMessage[] => server.connections.flatMap((c) => c.actions).filter((a) => getHeader(a, 'Action') === 'Originate');
    const tray = (): FakeTray => {
      const t = fake.trays[0];
      if (!t) throw new Error('no tray');
      return t;
    };

    beforeAll(async () => {
      server = await startAmiServer({ loginFailureDelayMs: 0 });
      // The operator's phone refuses each click-to-call leg at once, so one call settles before the next is placed.
      server.phone('101').set({ answer: 'reject' });
    });
    afterAll(async () => {
      await server.close();
    });

    it('leaves demo mode for the PBX in settings, with the AMI secret stored through IPC', async () => {
      const updated = await invoke(trusted(win.webContents), 'settings.update', {
        patch: { pbx: { host: '127.0.0.1', port: server.port, amiUser: 'op101', extension: '101' } },
        amiSecret: 'op101secret',
      });
      expect(updated.ok).toBe(true);
      await untilAsync(async () => {
        const r = await invoke(trusted(win.webContents), 'connection.get', {});
        return (r.result as { state: string } | undefined)?.state === 'ready' ? true : undefined;
      }, 'the AMI connection to the test server');
      expect(server.connections.some((c) => c.username === 'op101')).toBe(true);
    });

    it('"Call number in clipboard" in the tray: exactly one Originate, my device first, the number in the dialplan', async () => {
      fake.clipboardText = '  +7 916 123-45-67\n';
      const from = win.webContents.sent.length;
      const notes = fake.notifications.length;
      tray().menu.items.find((i) => i.label === 'Call number in clipboard')?.click?.();
      await until(() => (originates().length > 0 ? true : undefined), 'the Originate');
      await until(() => (events(win, 'calls.outcome', from).length > 0 ? true : undefined), 'the click-to-call outcome');
      expect(originates()).toHaveLength(1);
      const o = originates()[0];
      if (!o) throw new Error('no Originate');
      expect(getHeader(o, 'Channel')).toBe('PJSIP/101');
      expect(getHeader(o, 'Exten')).toBe('89161234567');
      expect(getHeader(o, 'Context')).toBe('from-internal');
      expect(fake.notifications).toHaveLength(notes);
    });

    it('an empty clipboard or text the core refuses: a notification with the reason, nothing sent to the PBX', async () => {
      const notes = fake.notifications.length;
      fake.clipboardText = '   ';
      tray().menu.items.find((i) => i.label === 'Call number in clipboard')?.click?.();
      const empty = await until(() => fake.notifications[notes], 'the empty-clipboard notification');
      expect(empty).toEqual({ title: 'Could not call the number in the clipboard', body: 'The clipboard has no text. Copy a phone number first.' });

      // Short enough to pass the host's length check: the core's character gate refuses it.
      fake.clipboardText = '123\r\nAction: Hangup';
      tray().menu.items.find((i) => i.label === 'Call number in clipboard')?.click?.();
      const refused = await until(() => fake.notifications[notes + 1], 'the refusal notification');
      expect(refused.title).toBe('Could not call the number in the clipboard');
      expect(refused.body).toMatch(/control characters/);
      await sleep(50);
      expect(originates()).toHaveLength(1);
    });

    it('the clipboard shortcut: off by default, registered from settings, dials, and a shortcut another app owns is reported while the app keeps running', async () => {
      expect(fake.shortcuts.size).toBe(0);
      const set = (clipboardHotkey: string) => invoke(trusted(win.webContents), 'settings.update', { patch: { dial: { clipboardHotkey } } });
      expect((await set('CommandOrControl+Shift+D')).ok).toBe(true);
      expect([...fake.shortcuts.keys()]).toEqual(['CommandOrControl+Shift+D']);

      fake.clipboardText = '8 (495) 123-45-67';
      const from = win.webContents.sent.length;
      fake.shortcuts.get('CommandOrControl+Shift+D')?.();
      await until(() => (originates().length === 2 ? true : undefined), 'the second Originate');
      await until(() => (events(win, 'calls.outcome', from).length > 0 ? true : undefined), 'its outcome');
      expect(getHeader(originates()[1] ?? { headers: [] }, 'Exten')).toBe('84951234567');

      // A bare key would swallow typing in every app: the schema refuses it and the shortcut stays.
      expect(await set('D')).toMatchObject({ ok: false, error: { code: 'ipc.invalidRequest' } });
      expect([...fake.shortcuts.keys()]).toEqual(['CommandOrControl+Shift+D']);

      const notes = fake.notifications.length;
      fake.takenShortcuts.add('Alt+F9');
      expect((await set('Alt+F9')).ok).toBe(true);
      expect(fake.shortcuts.size).toBe(0);
      expect(fake.notifications.slice(notes)).toEqual([{ title: 'Shortcut not available', body: expect.stringContaining('Alt+F9') }]);
      // Saving something else does not repeat the notification.
      await invoke(trusted(win.webContents), 'settings.update', { patch: { language: 'en' } });
      expect(fake.notifications).toHaveLength(notes + 1);
      await expect(invoke(trusted(win.webContents), 'diagnostics.ping', { nonce: 'still-up' })).resolves.toMatchObject({ ok: true });

      // A free one again, so Quit can be seen to release it.
      expect((await set('Control+Alt+F8')).ok).toBe(true);
      expect([...fake.shortcuts.keys()]).toEqual(['Control+Alt+F8']);
    });

    it('a tel: link in argv, as the OS passes it, ends as exactly one Originate: after "Call" on the card, or at once when links dial without asking', async () => {
      const answered = originates().length;
      let from = win.webContents.sent.length;
      fake.app.emit('second-instance', fake.newEvent(), ['/opt/Sidecall/sidecall', '--gpu-launcher=calc', '--', 'tel:+7-916-765-43-21'], '/');
      const card = await until(() => pendingLinks(win, from)[0], 'the confirm card');
      await sleep(50);
      expect(originates()).toHaveLength(answered); // nothing dials before the operator says so
      expect(await invoke(trusted(win.webContents), 'links.answer', { id: card.id, accept: true })).toMatchObject({ ok: true });
      await until(() => (originates().length === answered + 1 ? true : undefined), 'the Originate for the link');
      await until(() => (events(win, 'calls.outcome', from).length > 0 ? true : undefined), 'its outcome');
      const o = originates()[answered];
      if (!o) throw new Error('no Originate');
      expect([getHeader(o, 'Channel'), getHeader(o, 'Exten'), getHeader(o, 'Context')]).toEqual(['PJSIP/101', '89167654321', 'from-internal']);

      expect((await invoke(trusted(win.webContents), 'settings.update', { patch: { dial: { confirmLinks: false } } })).ok).toBe(true);
      from = win.webContents.sent.length;
      const argv = ['/opt/Sidecall/sidecall', '--', 'callto:+74951112233'];
      fake.app.emit('second-instance', fake.newEvent(), argv, '/');
      fake.app.emit('second-instance', fake.newEvent(), [...argv], '/');
      await until(() => (originates().length === answered + 2 ? true : undefined), 'the Originate for the link dialled without asking');
      await until(() => (events(win, 'calls.outcome', from).length > 0 ? true : undefined), 'its outcome');
      await sleep(50);
      expect(originates()).toHaveLength(answered + 2);
      expect(getHeader(originates()[answered + 1] ?? { headers: [] }, 'Exten')).toBe('84951112233');
      expect(pendingLinks(win, from)).toEqual([]);
      await invoke(trusted(win.webContents), 'settings.update', { patch: { dial: { confirmLinks: true } } });
    });
  });

  it('blocks new windows, navigation away, downloads, foreign permissions and remote requests', async () => {
    const wc = win.webContents;
    expect(wc.windowOpenHandler?.({ url: 'https://crm.example.com/contacts/1' })).toEqual({ action: 'deny' });
    expect(wc.windowOpenHandler?.({ url: 'file:///etc/passwd' })).toEqual({ action: 'deny' });
    await until(() => (fake.opened.length > 0 ? true : undefined), 'openExternal');
    expect(fake.opened).toEqual(['https://crm.example.com/contacts/1']);

    const away = fake.newEvent({ url: 'https://evil.example/' });
    wc.emit('will-navigate', away);
    expect(away.defaultPrevented).toBe(true);
    const reload = fake.newEvent({ url: 'app://sidecall/index.html' });
    wc.emit('will-navigate', reload);
    expect(reload.defaultPrevented).toBe(false);
    const redirect = fake.newEvent({ url: 'http://127.0.0.1:9/' });
    wc.emit('will-redirect', redirect);
    expect(redirect.defaultPrevented).toBe(true);
    const frame = fake.newEvent({ url: 'https://evil.example/', isMainFrame: false });
    wc.emit('will-frame-navigate', frame);
    expect(frame.defaultPrevented).toBe(true);
    const webview = fake.newEvent();
    wc.emit('will-attach-webview', webview);
    expect(webview.defaultPrevented).toBe(true);

    const download = fake.newEvent();
    fake.sessionListeners.get('will-download')?.(...([download, { getURL: () => 'https://x.example/a.exe' }] as never[]));
    expect(download.defaultPrevented).toBe(true);

    const ask = (permission: string, url: string): boolean => {
      let granted: boolean | undefined;
      fake.permissionRequest?.(wc, permission, (ok) => (granted = ok), { requestingUrl: url });
      return granted === true;
    };
    expect(ask('media', 'app://sidecall/index.html')).toBe(true);
    expect(ask('notifications', 'app://sidecall/index.html')).toBe(true);
    expect(ask('geolocation', 'app://sidecall/index.html')).toBe(false);
    expect(ask('media', 'https://evil.example/')).toBe(false);

    const cancelled = (url: string): boolean => {
      let result: boolean | undefined;
      fake.beforeRequest?.({ url, resourceType: 'script' }, (r) => (result = r.cancel));
      return result === true;
    };
    expect(cancelled('https://cdn.example.com/x.js')).toBe(true);
    expect(cancelled('app://sidecall/assets/app.js')).toBe(false);
  });

  it('hides the window on close (remembering where it was), shows it for a second instance, and keeps running with no window', () => {
    // First start: the default size, centred on the primary display's work area.
    expect(win.options).toMatchObject({ x: 740, y: 180, width: 440, height: 680, minWidth: 360, minHeight: 480 });
    win.bounds = { x: 100, y: 80, width: 500, height: 700 };
    win.emit('move');
    win.close();
    expect(win.destroyed).toBe(false);
    expect(win.visible).toBe(false);
    expect(JSON.parse(fs.readFileSync(path.join(dataDir, 'window-state.json'), 'utf8'))).toEqual({ bounds: { x: 100, y: 80, width: 500, height: 700 }, maximized: false });
    fake.app.emit('second-instance', fake.newEvent(), ['/opt/Sidecall/sidecall', '--', 'callto:101'], '/');
    expect(win.visible).toBe(true);
    expect(fake.windows).toHaveLength(2);
    expect(fake.app.listenerCount('window-all-closed')).toBeGreaterThan(0);
  });

  it('quits from the tray: closes the window, disposes the core, removes IPC and the tray', async () => {
    const tray = fake.trays[0];
    tray?.menu.items.find((i) => i.label === 'Quit Sidecall')?.click?.();
    expect(win.destroyed).toBe(true);
    expect(popup.destroyed).toBe(true);
    await until(() => (fake.quitted ? true : undefined), 'the app to quit');
    expect(fake.ipcHandlers.size).toBe(0);
    expect(tray?.destroyed).toBe(true);
    expect(fake.shortcuts.size).toBe(0);
    expect(fake.calls.filter((c) => c.startsWith('showErrorBox') || c.startsWith('exit'))).toEqual([]);
  });
});
