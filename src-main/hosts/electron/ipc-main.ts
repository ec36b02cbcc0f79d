// The only place that touches ipcMain. One invoke channel carries every
// request to core.dispatch (which validates it against the contract); one send
// channel carries every event to our windows. A request from anything but the
// top frame of our own window showing app://sidecall is refused before the core
// sees it, so a stray iframe or a page that navigated away cannot drive the PBX.
import { ipcMain, type WebContents } from 'electron';
import type { EventChannel, EventOf, Reply } from '../../../src-shared/ipc/contract';
import type { SidecallCore } from '../../core/app';
import type { Logger } from '../../ports';
import { isAppUrl } from './app-protocol';
import { IPC_EVENT, IPC_REQUEST } from './bridge-api';
import { isTrustedSender, urlForLog } from './security-policy';

export interface IpcOptions {
  readonly core: SidecallCore;
  /** True for the web contents of a window Sidecall created. */
  readonly isOurWebContents: (contents: WebContents) => boolean;
  /** Every window that should receive events. */
  readonly targets: () => readonly WebContents[];
  readonly log: Logger;
}

export interface IpcBridge {
  /** Sends an event to one window, if it still shows our page. */
  sendTo<C extends EventChannel>(contents: WebContents, channel: C, payload: EventOf<C>): void;
  /** Sends an event to every window. */
  broadcast<C extends EventChannel>(channel: C, payload: EventOf<C>): void;
  dispose(): void;
}

const UNTRUSTED: Reply = {
  ok: false,
  error: { code: 'ipc.untrustedSender', message: 'This page is not part of Sidecall and may not use it. Reopen Sidecall from the tray.' },
};

export function registerIpc(opts: IpcOptions): IpcBridge {
  ipcMain.handle(IPC_REQUEST, async (event, channel: unknown, payload: unknown): Promise<Reply> => {
    const frame = event.senderFrame;
    const trusted = isTrustedSender({
      frameUrl: frame?.url,
      isMainFrame: frame !== null && frame.parent === null,
      isOurWindow: opts.isOurWebContents(event.sender),
    });
    if (!trusted) {
      opts.log.warn('refused request from untrusted sender', { url: urlForLog(frame?.url ?? '(frame gone)'), channel: String(channel).slice(0, 64) });
      return UNTRUSTED;
    }
    return opts.core.dispatch(channel, payload);
  });

  const sendTo = <C extends EventChannel>(contents: WebContents, channel: C, payload: EventOf<C>): void => {
    // Never hand app data to a page that is not ours (the navigation guards should make this impossible).
    if (contents.isDestroyed() || !isAppUrl(contents.getURL())) return;
    contents.send(IPC_EVENT, channel, payload);
  };
  const broadcast = <C extends EventChannel>(channel: C, payload: EventOf<C>): void => {
    for (const contents of opts.targets()) sendTo(contents, channel, payload);
  };
  const offCore = opts.core.subscribe(broadcast);

  return {
    sendTo,
    broadcast,
    dispose() {
      offCore();
      ipcMain.removeHandler(IPC_REQUEST);
    },
  };
}
