// The built Electron bundle (dist/main/main.mjs as build-main.mjs makes it),
// started against a fake `electron` module: Electron itself cannot run here, so
// this checks the wiring around it — what happens before `ready`, the window's
// webPreferences, app:// serving with the CSP, the IPC sender checks, the
// guards, the tray, hide-on-close and a clean quit. The fake records calls and
// hands back what Electron would; it is not a model of Electron's behaviour.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { buildMain } from '../../../scripts/build-main.mjs';

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
interface FakeWindow extends FakeEmitter {
  readonly options: { webPreferences: Record<string, unknown> };
  readonly webContents: FakeWebContents;
  visible: boolean;
  destroyed: boolean;
  close(): void;
}
interface FakeTray {
  image: { path: string; isEmpty(): boolean };
  tooltip: string;
  menu: { items: { label?: string; type?: string; click?: () => void }[] };
  destroyed: boolean;
  emit(event: string): boolean;
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
  }
  const app = new App();
  state.app = app;

  class BrowserWindow extends EventEmitter {
    readonly webContents = new WebContents();
    visible = false;
    destroyed = false;
    constructor(readonly options: { webPreferences: Record<string, unknown> }) {
      super();
      state.windows.push(this);
      app.emit('web-contents-created', newEvent(), this.webContents);
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
      this.visible = true;
    }
    hide(): void {
      this.visible = false;
    }
    focus(): void {}
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
    setContextMenu(menu: unknown): void {
      this.menu = menu;
    }
    destroy(): void {
      this.destroyed = true;
    }
  }

  return {
    __fake: state,
    app,
    BrowserWindow,
    Tray,
    Menu: { buildFromTemplate: (items: unknown[]) => ({ items }) },
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
    dialog: { showErrorBox: (title: string) => calls.push(`showErrorBox:${title}`) },
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
});

describe('after ready', () => {
  beforeAll(async () => {
    fake.ready();
    win = await until(() => fake.windows[0], 'the main window');
    await until(() => (win.visible ? true : undefined), 'the window to show');
  });

  it('opens one sandboxed, isolated window on app://sidecall with the bundled preload', () => {
    expect(fake.windows).toHaveLength(1);
    expect(win.options.webPreferences).toMatchObject({ contextIsolation: true, sandbox: true, nodeIntegration: false, webSecurity: true, webviewTag: false });
    const preload = win.options.webPreferences['preload'] as string;
    expect(preload).toBe(path.join(tmp, 'dist/main/preload.cjs'));
    expect(fs.existsSync(preload)).toBe(true);
    expect(win.webContents.getURL()).toBe('app://sidecall/index.html');
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
    expect(tray.menu.items.map((i) => i.label ?? i.type)).toEqual(['Open Sidecall', 'Settings…', 'separator', 'Quit Sidecall']);

    win.visible = false;
    tray.menu.items[1]?.click?.();
    expect(win.visible).toBe(true);
    expect(win.webContents.sent.at(-1)).toEqual(['sidecall:event', 'ui.navigate', { page: 'settings' }]);
    win.visible = false;
    tray.emit('click');
    expect(win.visible).toBe(true);
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

  it('hides the window on close, shows it for a second instance, and keeps running with no window', () => {
    win.close();
    expect(win.destroyed).toBe(false);
    expect(win.visible).toBe(false);
    fake.app.emit('second-instance', fake.newEvent(), ['/opt/Sidecall/sidecall', '--', 'callto:101'], '/');
    expect(win.visible).toBe(true);
    expect(fake.windows).toHaveLength(1);
    expect(fake.app.listenerCount('window-all-closed')).toBeGreaterThan(0);
  });

  it('quits from the tray: closes the window, disposes the core, removes IPC and the tray', async () => {
    const tray = fake.trays[0];
    tray?.menu.items.find((i) => i.label === 'Quit Sidecall')?.click?.();
    expect(win.destroyed).toBe(true);
    await until(() => (fake.quitted ? true : undefined), 'the app to quit');
    expect(fake.ipcHandlers.size).toBe(0);
    expect(tray?.destroyed).toBe(true);
    expect(fake.calls.filter((c) => c.startsWith('showErrorBox') || c.startsWith('exit'))).toEqual([]);
  });
});
