// `window.sidecall` for browser mode: the same SidecallApi as the Electron
// preload, carried over the loopback WebSocket of src-main/hosts/web. The page
// URL holds the per-launch secret (/s/<secret>/), and so does the socket URL.
import { ReplySchema, isEventChannel, type SidecallApi, type EventChannel } from '../../src-shared/ipc/contract';
import { WebServerFrameSchema, WEB_SECRET_PREFIX } from '../../src-shared/ipc/web-protocol';
import { SidecallRequestError } from './request-error';

type Listener = (payload: unknown) => void;

export interface WebBridge extends SidecallApi {
  /** Fires with true/false when the socket to the host opens or drops. */
  onLink(listener: (up: boolean) => void): () => void;
}

export function socketUrl(loc: Pick<Location, 'host' | 'pathname' | 'protocol'>): string {
  const prefixEnd = loc.pathname.indexOf('/', WEB_SECRET_PREFIX.length);
  const base = prefixEnd === -1 ? loc.pathname : loc.pathname.slice(0, prefixEnd);
  return `${loc.protocol === 'https:' ? 'wss' : 'ws'}://${loc.host}${base}/ws`;
}

export function createWebBridge(url: string = socketUrl(window.location)): WebBridge {
  let ws: WebSocket | null = null;
  let nextId = 1;
  let retryMs = 250;
  const pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  const listeners = new Map<EventChannel, Set<Listener>>();
  const linkListeners = new Set<(up: boolean) => void>();
  let resolveReady: (s: WebSocket) => void = () => undefined;
  let ready: Promise<WebSocket> = new Promise((r) => (resolveReady = r));
  open();

  function open(): void {
    const sock = new WebSocket(url);
    sock.addEventListener('open', () => {
      ws = sock;
      retryMs = 250;
      resolveReady(sock);
      for (const l of linkListeners) l(true);
    });
    sock.addEventListener('message', (ev) => onMessage(String(ev.data)));
    sock.addEventListener('close', () => {
      if (ws === sock) {
        ws = null;
        ready = new Promise((r) => (resolveReady = r));
        for (const l of linkListeners) l(false);
        for (const [, p] of pending) p.reject(new SidecallRequestError({ code: 'internal', message: 'The connection to Sidecall was lost; try again.' }));
        pending.clear();
      }
      // The host may be restarting: retry with backoff; new requests wait for the socket.
      setTimeout(open, retryMs);
      retryMs = Math.min(retryMs * 2, 5000);
    });
  }

  function onMessage(text: string): void {
    let raw: unknown;
    try {
      raw = JSON.parse(text);
    } catch {
      return;
    }
    const frame = WebServerFrameSchema.safeParse(raw);
    if (!frame.success) return;
    if (frame.data.type === 'event') {
      const channel = frame.data.channel;
      if (!isEventChannel(channel)) return;
      for (const l of listeners.get(channel) ?? []) l(frame.data.payload);
      return;
    }
    const p = pending.get(frame.data.id);
    if (!p) return;
    pending.delete(frame.data.id);
    const reply = ReplySchema.parse(frame.data.reply);
    if (reply.ok) p.resolve(reply.result);
    else p.reject(new SidecallRequestError(reply.error));
  }

  const api: WebBridge = {
    async request(channel, payload) {
      const sock = ws ?? (await ready);
      const id = nextId++;
      const result = new Promise<unknown>((resolve, reject) => pending.set(id, { resolve, reject }));
      sock.send(JSON.stringify({ type: 'request', id, channel, payload }));
      return result as never;
    },
    on(channel, listener) {
      const set = listeners.get(channel) ?? new Set<Listener>();
      listeners.set(channel, set);
      set.add(listener as Listener);
      return () => set.delete(listener as Listener);
    },
    onLink(listener) {
      linkListeners.add(listener);
      return () => linkListeners.delete(listener);
    },
  };
  return api;
}
