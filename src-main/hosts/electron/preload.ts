// The preload of every Sidecall window: exposes `window.sidecall` (request /
// on, see bridge-api.ts) through contextBridge and nothing else — no generic
// send, no ipcRenderer, no Node. It runs sandboxed, so scripts/build-main.mjs
// bundles it to CommonJS with only 'electron' left as a require.
import { contextBridge, ipcRenderer } from 'electron';
import { createBridgeApi, IPC_EVENT, IPC_REQUEST, type ChannelNames } from './bridge-api';

/** The contract's channel names, baked in by scripts/build-main.mjs (esbuild `define`). */
declare const SIDECALL_CHANNELS: ChannelNames;

const api = createBridgeApi({
  invoke: (channel, payload) => ipcRenderer.invoke(IPC_REQUEST, channel, payload),
  onEvent(deliver) {
    // The IpcRendererEvent stays here: its `sender` is ipcRenderer itself.
    ipcRenderer.on(IPC_EVENT, (_event, channel: unknown, payload: unknown) => deliver(channel, payload));
  },
}, SIDECALL_CHANNELS);

contextBridge.exposeInMainWorld('sidecall', { request: api.request, on: api.on });
