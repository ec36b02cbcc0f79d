// Dialling the number in the clipboard (tray item and global shortcut) and
// keeping that shortcut registered, as pure logic; main.ts plugs in Electron's
// clipboard, globalShortcut and notifications. What is dialled is validated by
// the core (`calls.dial`), never here: this only refuses what is plainly not a
// number before it crosses, and keeps one press from placing two calls.
import type { TrayLanguage } from './tray-model';

/** Longer clipboard text is not a phone number (the core's own limit for typed numbers is lower still). */
export const MAX_CLIPBOARD_NUMBER_LENGTH = 64;

export type ClipboardNumber = { readonly ok: true; readonly number: string } | { readonly ok: false; readonly reason: 'empty' | 'tooLong' };

/** The clipboard's text as a number to hand to `calls.dial`: trimmed, at most 64 characters. */
export function clipboardNumber(text: string): ClipboardNumber {
  const number = text.trim();
  if (number === '') return { ok: false, reason: 'empty' };
  if (number.length > MAX_CLIPBOARD_NUMBER_LENGTH) return { ok: false, reason: 'tooLong' };
  return { ok: true, number };
}

export interface DialGuard {
  /** True when a dial of `number` may start now; false while one is in flight or right after the same number. */
  begin(number: string): boolean;
  /** The dial finished (placed or refused). */
  end(): void;
}

/**
 * Keeps a held-down shortcut (key repeat) or a double click in the tray from
 * ringing the operator's phone twice: one dial at a time, and the same number
 * again only after `windowMs`.
 */
export function createDialGuard(opts: { readonly now: () => number; readonly windowMs?: number }): DialGuard {
  const windowMs = opts.windowMs ?? 1500;
  let inFlight = false;
  let last: { readonly number: string; readonly at: number } | undefined;
  return {
    begin(number) {
      const at = opts.now();
      if (inFlight) return false;
      if (last && last.number === number && at - last.at < windowMs) return false;
      inFlight = true;
      last = { number, at };
      return true;
    },
    end() {
      inFlight = false;
    },
  };
}

export interface HotkeyPort {
  /** globalShortcut.register: false (or a throw, for an accelerator Electron cannot read) when it is not ours. */
  register(accelerator: string, callback: () => void): boolean;
  unregister(accelerator: string): void;
}

export interface HotkeyBinding {
  /** The accelerator from settings ('' = off); re-registers only when it changed. */
  set(accelerator: string): void;
  /** Unregisters (quit). */
  dispose(): void;
}

/**
 * The clipboard shortcut follows `dial.clipboardHotkey`. A failed registration
 * (another app owns the keys) is reported once per setting: `settings.changed`
 * fires for every saved field, and re-trying each time would repeat the
 * notification for something the operator did not touch.
 */
export function createHotkeyBinding(opts: {
  readonly port: HotkeyPort;
  readonly onPress: () => void;
  readonly onFailure: (accelerator: string, error: unknown) => void;
}): HotkeyBinding {
  let wanted = '';
  let registered: string | undefined;
  const release = (): void => {
    if (registered === undefined) return;
    opts.port.unregister(registered);
    registered = undefined;
  };
  return {
    set(accelerator) {
      if (accelerator === wanted) return;
      wanted = accelerator;
      release();
      if (accelerator === '') return;
      let ok = false;
      let error: unknown;
      try {
        ok = opts.port.register(accelerator, opts.onPress);
      } catch (e) {
        error = e;
      }
      if (ok) registered = accelerator;
      else opts.onFailure(accelerator, error);
    },
    dispose() {
      release();
      wanted = '';
    },
  };
}

export interface Notice {
  readonly title: string;
  readonly body: string;
}

const TEXT: Readonly<
  Record<TrayLanguage, { readonly clipboardTitle: string; readonly empty: string; readonly tooLong: string; readonly linkTitle: string; readonly hotkeyTitle: string; readonly hotkeyTaken: (a: string) => string }>
> = {
  en: {
    clipboardTitle: 'Could not call the number in the clipboard',
    empty: 'The clipboard has no text. Copy a phone number first.',
    tooLong: `The clipboard holds more than a phone number (over ${MAX_CLIPBOARD_NUMBER_LENGTH} characters). Copy just the number.`,
    linkTitle: 'Sidecall',
    hotkeyTitle: 'Shortcut not available',
    hotkeyTaken: (a) => `${a} could not be set up: another app may be using it. Choose another shortcut for calling the clipboard number in Settings.`,
  },
  ru: {
    clipboardTitle: 'Не удалось позвонить по номеру из буфера',
    empty: 'Буфер обмена пуст. Сначала скопируйте номер телефона.',
    tooLong: `В буфере обмена больше, чем номер телефона (длиннее ${MAX_CLIPBOARD_NUMBER_LENGTH} символов). Скопируйте только номер.`,
    linkTitle: 'Sidecall',
    hotkeyTitle: 'Сочетание клавиш недоступно',
    hotkeyTaken: (a) => `Не удалось назначить ${a}: возможно, его уже использует другая программа. Выберите другое сочетание для звонка по номеру из буфера в настройках.`,
  },
};

const LINK_REFUSED = 'This link cannot be called: ';

/** A clipboard dial that did not start: ours (empty, too long) or the core's message. */
export function clipboardNotice(language: TrayLanguage, failure: { readonly reason: 'empty' | 'tooLong' } | { readonly message: string }): Notice {
  const t = TEXT[language];
  const body = 'message' in failure ? failure.message : failure.reason === 'empty' ? t.empty : t.tooLong;
  return { title: t.clipboardTitle, body };
}

/**
 * A link the core refused (or could not dial). The core's refusal already reads
 * "This link cannot be called: <reason>"; anything else gets that prefix. The
 * reason comes from the core's fixed messages, never from the link's text.
 */
export function linkNotice(language: TrayLanguage, message: string): Notice {
  return { title: TEXT[language].linkTitle, body: message.startsWith(LINK_REFUSED) ? message : `${LINK_REFUSED}${message}` };
}

/** The shortcut could not be registered. */
export function hotkeyNotice(language: TrayLanguage, accelerator: string): Notice {
  const t = TEXT[language];
  return { title: t.hotkeyTitle, body: t.hotkeyTaken(accelerator) };
}
