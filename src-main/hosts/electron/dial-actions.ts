// The desktop's ways to start a call without the window: "Call number in
// clipboard" in the tray and the global shortcut (`dial.clipboardHotkey`), and
// the native notifications that tell the operator when a call or a link could
// not be placed. Thin glue over clipboard-dial.ts: Electron's clipboard,
// globalShortcut and Notification in, `calls.dial` out.
import { Notification, clipboard, globalShortcut } from 'electron';
import type { SidecallCore } from '../../core/app';
import type { Logger } from '../../ports';
import { clipboardNotice, clipboardNumber, createDialGuard, createHotkeyBinding, hotkeyNotice, type Notice } from './clipboard-dial';
import type { TrayLanguage } from './tray-model';

/** Shows a notice; `onClick` runs when the operator clicks it (e.g. open History). */
export type Notify = (notice: Notice, onClick?: () => void) => void;

/** A native notification; where the OS has none, the log is all there is. */
export function createNotifier(log: Logger): Notify {
  return (notice, onClick) => {
    if (!Notification.isSupported()) {
      log.warn('notifications unsupported; not shown', { title: notice.title });
      return;
    }
    try {
      const n = new Notification({ title: notice.title, body: notice.body });
      if (onClick) n.on('click', onClick);
      n.show();
    } catch (error) {
      // A notification is a courtesy: failing to show one must not break what reported it.
      log.warn('could not show a notification', { error });
    }
  };
}

export interface ClipboardDial {
  /** Dials what the clipboard holds (tray item, shortcut). Resolves when the core answered. */
  dial(trigger: 'tray' | 'hotkey'): Promise<void>;
  /** The accelerator from settings ('' = off). */
  setHotkey(accelerator: string): void;
  dispose(): void;
}

export function createClipboardDial(opts: {
  readonly core: SidecallCore;
  readonly language: () => TrayLanguage;
  readonly notify: Notify;
  readonly log: Logger;
}): ClipboardDial {
  const guard = createDialGuard({ now: () => Date.now() });

  async function dial(trigger: 'tray' | 'hotkey'): Promise<void> {
    const parsed = clipboardNumber(await clipboard.readText());
    if (!parsed.ok) {
      opts.log.info('clipboard holds no number to call', { trigger, reason: parsed.reason });
      opts.notify(clipboardNotice(opts.language(), parsed));
      return;
    }
    if (!guard.begin(parsed.number)) {
      opts.log.debug('clipboard call ignored: the same call was just started', { trigger });
      return;
    }
    try {
      // The core validates the number like typed input; nothing is sent to the PBX before that.
      const reply = await opts.core.dispatch('calls.dial', { number: parsed.number, source: 'clipboard' });
      if (reply.ok) opts.log.info('clipboard call placed', { trigger });
      else {
        opts.log.warn('clipboard call not placed', { trigger, code: reply.error.code });
        opts.notify(clipboardNotice(opts.language(), { message: reply.error.message }));
      }
    } finally {
      guard.end();
    }
  }

  const hotkey = createHotkeyBinding({
    port: {
      register: (accelerator, callback) => globalShortcut.register(accelerator, callback),
      unregister: (accelerator) => globalShortcut.unregister(accelerator),
    },
    onPress: () => void dial('hotkey').catch((error: unknown) => opts.log.error('clipboard call failed', { error })),
    onFailure: (accelerator, error) => {
      // The app keeps running without the shortcut: the tray item does the same.
      opts.log.warn('could not register the clipboard shortcut', { accelerator, ...(error === undefined ? {} : { error }) });
      opts.notify(hotkeyNotice(opts.language(), accelerator));
    },
  });

  return {
    dial,
    setHotkey: (accelerator) => hotkey.set(accelerator),
    dispose: () => hotkey.dispose(),
  };
}
