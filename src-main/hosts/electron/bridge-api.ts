// The body of `window.sidecall` in Electron, kept free of Electron imports so
// it is unit-tested in Node; preload.ts only plugs ipcRenderer into it. It is
// bundled into the sandboxed preload, so it imports nothing at run time: the
// contract's channel names are handed in (build-main.mjs bakes them into the
// preload), which keeps zod and the schemas out of every window's preload.
//
// Why failed requests reject with plain data and not an Error: contextBridge
// copies only the `message` of an Error into the page, dropping `code` and
// `issues`; a plain object crosses intact. The renderer's toRequestError()
// turns it back into a SidecallRequestError.
import type { EventChannel, RequestChannel, SidecallApi } from '../../../src-shared/ipc/contract';
import type { AppErrorData, ErrorCode, Issue } from '../../../src-shared/errors';

/** ipcMain.handle channel carrying every request: (channel, payload) -> Reply. */
export const IPC_REQUEST = 'sidecall:request';
/** webContents.send channel carrying every event: (channel, payload). */
export const IPC_EVENT = 'sidecall:event';

/** What the preload plugs in: ipcRenderer.invoke and ipcRenderer.on, reduced to our two channels. */
export interface BridgeTransport {
  invoke(channel: RequestChannel, payload: unknown): Promise<unknown>;
  onEvent(deliver: (channel: unknown, payload: unknown) => void): void;
}

/** The contract's channel names (Object.keys of requestChannels / eventChannels). */
export interface ChannelNames {
  readonly request: readonly string[];
  readonly event: readonly string[];
}

/** What a failed request rejects with (see the header for why it is not an Error). */
export interface BridgeFailure extends AppErrorData {
  readonly name: 'SidecallRequestError';
}

/**
 * Events kept for the first listener when none is registered yet: the tray's
 * "Settings" can open the window and ask for a page before React has
 * subscribed, and a link that started the app asks for its confirm card just
 * as early.
 */
const STICKY_EVENTS: ReadonlySet<EventChannel> = new Set<EventChannel>(['ui.navigate', 'links.pending']);

function failure(code: ErrorCode, message: string, issues?: readonly Issue[]): BridgeFailure {
  return issues ? { name: 'SidecallRequestError', code, message, issues: issues.map((i) => ({ path: i.path, message: i.message })) } : { name: 'SidecallRequestError', code, message };
}

function isIssue(value: unknown): value is Issue {
  return typeof value === 'object' && value !== null && typeof (value as Issue).path === 'string' && typeof (value as Issue).message === 'string';
}

/** Reads the Reply envelope by hand: it is three fields, and the renderer validates `result` against the contract anyway. */
function readReply(raw: unknown): { ok: true; result: unknown } | { ok: false; error: BridgeFailure } {
  if (typeof raw === 'object' && raw !== null) {
    const r = raw as { ok?: unknown; result?: unknown; error?: unknown };
    if (r.ok === true) return { ok: true, result: r.result };
    if (r.ok === false && typeof r.error === 'object' && r.error !== null) {
      const e = r.error as { code?: unknown; message?: unknown; issues?: unknown };
      if (typeof e.code === 'string' && typeof e.message === 'string') {
        const issues = Array.isArray(e.issues) ? e.issues.filter(isIssue) : undefined;
        return { ok: false, error: failure(e.code as ErrorCode, e.message, issues) };
      }
    }
  }
  return { ok: false, error: failure('internal', 'Sidecall received a malformed reply from its main process. Restart Sidecall; if this keeps happening, send the log to support.') };
}

function describe(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).split('\n')[0]?.slice(0, 200) ?? '';
}

/** Builds `window.sidecall`: requests only on contract channels, listeners only on contract events. */
export function createBridgeApi(
  transport: BridgeTransport,
  channels: ChannelNames,
  reportListenerError: (error: unknown) => void = (e) => console.error(e),
): SidecallApi {
  const requestNames: ReadonlySet<string> = new Set(channels.request);
  const eventNames: ReadonlySet<string> = new Set(channels.event);
  const isRequestChannel = (name: unknown): name is RequestChannel => typeof name === 'string' && requestNames.has(name);
  const isEventChannel = (name: unknown): name is EventChannel => typeof name === 'string' && eventNames.has(name);
  const listeners = new Map<EventChannel, Set<(payload: unknown) => void>>();
  const pending = new Map<EventChannel, unknown>();

  transport.onEvent((channel, payload) => {
    if (!isEventChannel(channel)) return; // main sends only contract events; anything else is dropped
    const set = listeners.get(channel);
    if (!set || set.size === 0) {
      if (STICKY_EVENTS.has(channel)) pending.set(channel, payload);
      return;
    }
    for (const listener of [...set]) {
      try {
        listener(payload);
      } catch (error) {
        reportListenerError(error);
      }
    }
  });

  const api: SidecallApi = {
    async request(channel, payload) {
      if (!isRequestChannel(channel)) {
        throw failure('ipc.unknownChannel', `Unknown request channel: ${String(channel).slice(0, 64)}`);
      }
      let raw: unknown;
      try {
        raw = await transport.invoke(channel, payload);
      } catch (error) {
        throw failure('internal', `Sidecall could not reach its main process (${describe(error)}). Restart Sidecall; if this keeps happening, send the log to support.`);
      }
      const reply = readReply(raw);
      if (!reply.ok) throw reply.error;
      return reply.result as never;
    },
    on(channel, listener) {
      if (!isEventChannel(channel)) throw new Error(`Unknown event channel: ${String(channel).slice(0, 64)}`);
      if (typeof listener !== 'function') throw new TypeError('sidecall.on needs a listener function.');
      const l = listener as (payload: unknown) => void;
      let set = listeners.get(channel);
      if (!set) {
        set = new Set();
        listeners.set(channel, set);
      }
      set.add(l);
      if (pending.has(channel)) {
        const payload = pending.get(channel);
        pending.delete(channel);
        // After `on` has returned, like any other event.
        queueMicrotask(() => {
          if (!set.has(l)) return;
          try {
            l(payload);
          } catch (error) {
            reportListenerError(error);
          }
        });
      }
      return () => {
        set.delete(l);
      };
    },
  };
  return api;
}
