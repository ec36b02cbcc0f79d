// `window.sidecall` as the preload builds it, over a fake ipcRenderer.
import { describe, expect, it, vi } from 'vitest';
import { eventChannels, requestChannels, type Reply } from '../../../src-shared/ipc/contract';
import { createBridgeApi, type BridgeTransport } from '../../../src-main/hosts/electron/bridge-api';

const channels = { request: Object.keys(requestChannels), event: Object.keys(eventChannels) };

function fakeTransport(reply: (channel: string, payload: unknown) => unknown = () => ({ ok: true, result: null })) {
  let deliver: (channel: unknown, payload: unknown) => void = () => undefined;
  const invoke = vi.fn(async (channel: string, payload: unknown) => reply(channel, payload));
  const transport: BridgeTransport = {
    invoke,
    onEvent(d) {
      deliver = d;
    },
  };
  return { transport, invoke, emit: (channel: unknown, payload: unknown) => deliver(channel, payload) };
}

const flush = (): Promise<void> => new Promise((r) => setTimeout(r, 0));

describe('request', () => {
  it('sends contract channels and resolves with the result', async () => {
    const t = fakeTransport((channel, payload) => ({ ok: true, result: { channel, payload } }) satisfies Reply);
    const api = createBridgeApi(t.transport, channels);
    await expect(api.request('diagnostics.ping', { nonce: 'n' })).resolves.toEqual({ channel: 'diagnostics.ping', payload: { nonce: 'n' } });
  });

  it('refuses unknown channels without sending anything', async () => {
    const t = fakeTransport();
    const api = createBridgeApi(t.transport, channels);
    const call = api.request as (c: string, p: unknown) => Promise<unknown>;
    await expect(call('fs.readFile', {})).rejects.toMatchObject({ code: 'ipc.unknownChannel' });
    await expect(call('__proto__', {})).rejects.toMatchObject({ code: 'ipc.unknownChannel' });
    await expect((api.request as (c: unknown, p: unknown) => Promise<unknown>)(42, {})).rejects.toMatchObject({ code: 'ipc.unknownChannel' });
    expect(t.invoke).not.toHaveBeenCalled();
  });

  it('rejects with plain {code, message, issues} data, which survives contextBridge', async () => {
    const t = fakeTransport(() => ({ ok: false, error: { code: 'ipc.invalidRequest', message: 'Invalid request for settings.update.', issues: [{ path: 'patch.pbx.port', message: 'settings.error.port' }] } }));
    const api = createBridgeApi(t.transport, channels);
    const error: unknown = await api.request('settings.update', { patch: { pbx: { port: 0 } } }).catch((e: unknown) => e);
    expect(error).toEqual({ name: 'SidecallRequestError', code: 'ipc.invalidRequest', message: 'Invalid request for settings.update.', issues: [{ path: 'patch.pbx.port', message: 'settings.error.port' }] });
    expect(Object.getPrototypeOf(error)).toBe(Object.prototype);
    expect(structuredClone(error)).toEqual(error);
  });

  it('turns a malformed reply or a broken transport into an internal error saying what to do', async () => {
    const malformed = createBridgeApi(fakeTransport(() => ({ ok: 'yes' })).transport, channels);
    await expect(malformed.request('app.info', {})).rejects.toMatchObject({ code: 'internal', message: expect.stringContaining('Restart Sidecall') });
    const noCode = createBridgeApi(fakeTransport(() => ({ ok: false, error: { message: 'x' } })).transport, channels);
    await expect(noCode.request('app.info', {})).rejects.toMatchObject({ code: 'internal' });
    const broken = createBridgeApi(fakeTransport(() => { throw new Error('No handler registered for sidecall:request\nstack'); }).transport, channels);
    await expect(broken.request('app.info', {})).rejects.toMatchObject({ code: 'internal', message: expect.stringContaining('No handler registered for sidecall:request)') });
  });
});

describe('on', () => {
  it('delivers contract events to their listeners until unsubscribed', () => {
    const t = fakeTransport();
    const api = createBridgeApi(t.transport, channels);
    const seen: unknown[] = [];
    const off = api.on('connection.status', (s) => seen.push(s));
    t.emit('connection.status', { state: 'unconfigured' });
    t.emit('settings.changed', { nope: true });
    off();
    t.emit('connection.status', { state: 'connecting', target: 'x' });
    expect(seen).toEqual([{ state: 'unconfigured' }]);
  });

  it('drops events on channels outside the contract', () => {
    const t = fakeTransport();
    const api = createBridgeApi(t.transport, channels);
    const listener = vi.fn();
    api.on('connection.status', listener);
    t.emit('connection.status.evil', {});
    t.emit(undefined, {});
    expect(listener).not.toHaveBeenCalled();
  });

  it('refuses unknown channels and non-function listeners', () => {
    const api = createBridgeApi(fakeTransport().transport, channels);
    const on = api.on as (c: unknown, l: unknown) => () => void;
    expect(() => on('ipc.raw', () => undefined)).toThrow(/Unknown event channel/);
    expect(() => on('connection.status', 'nope')).toThrow(/listener function/);
  });

  it('keeps one failing listener from starving the others', () => {
    const t = fakeTransport();
    const errors: unknown[] = [];
    const api = createBridgeApi(t.transport, channels, (e) => errors.push(e));
    const good = vi.fn();
    api.on('connection.status', () => {
      throw new Error('boom');
    });
    api.on('connection.status', good);
    t.emit('connection.status', { state: 'unconfigured' });
    expect(good).toHaveBeenCalledOnce();
    expect(errors).toHaveLength(1);
  });

  it('keeps the last ui.navigate for the first listener (the tray can ask before React subscribes)', async () => {
    const t = fakeTransport();
    const api = createBridgeApi(t.transport, channels);
    t.emit('ui.navigate', { page: 'home' });
    t.emit('ui.navigate', { page: 'settings' });
    t.emit('connection.status', { state: 'unconfigured' }); // not sticky: lost without a listener
    const nav = vi.fn();
    const status = vi.fn();
    api.on('connection.status', status);
    api.on('ui.navigate', nav);
    expect(nav).not.toHaveBeenCalled(); // delivered after `on` returns
    await flush();
    expect(nav).toHaveBeenCalledExactlyOnceWith({ page: 'settings' });
    expect(status).not.toHaveBeenCalled();
    const second = vi.fn();
    api.on('ui.navigate', second);
    await flush();
    expect(second).not.toHaveBeenCalled();
  });

  it('keeps the last links.pending too: a link that started the app asks for its card before React subscribes', async () => {
    const t = fakeTransport();
    const api = createBridgeApi(t.transport, channels);
    const pending = { id: 'a1', number: { display: '8 (916) 123-45-67', e164: '+79161234567', kind: 'external' }, scheme: 'tel' };
    t.emit('links.pending', pending);
    const card = vi.fn();
    api.on('links.pending', card);
    await flush();
    expect(card).toHaveBeenCalledExactlyOnceWith(pending);
  });
});
