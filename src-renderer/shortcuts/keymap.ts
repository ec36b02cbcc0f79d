// The in-app keyboard shortcuts, as pure data: which key combination does
// what, matching a keydown to an action, and how each is written for the
// Help page. Keys are matched by their physical position (KeyboardEvent.code),
// so Ctrl+Shift+H is the same key on a Russian layout, where it types "Р".
// Every combination holds Ctrl (Cmd on macOS) and Shift, so none of them types
// text or clashes with editing keys while the operator types in a field.
export const SHORTCUT_ACTIONS = ['answer', 'hangUp', 'mute', 'hold', 'transfer', 'record', 'dialPad', 'help'] as const;
export type ShortcutAction = (typeof SHORTCUT_ACTIONS)[number];

export interface Shortcut {
  /** KeyboardEvent.code, e.g. `KeyA`, `F1`. */
  readonly code: string;
  /** Ctrl on Windows and Linux, Cmd on macOS. */
  readonly mod: boolean;
  readonly shift: boolean;
}

export const SHORTCUTS: Readonly<Record<ShortcutAction, Shortcut>> = {
  answer: { code: 'KeyA', mod: true, shift: true },
  hangUp: { code: 'KeyH', mod: true, shift: true },
  mute: { code: 'KeyM', mod: true, shift: true },
  // P for "park": Sidecall holds a call by parking the other party.
  hold: { code: 'KeyP', mod: true, shift: true },
  transfer: { code: 'KeyX', mod: true, shift: true },
  record: { code: 'KeyR', mod: true, shift: true },
  // K for "keypad".
  dialPad: { code: 'KeyK', mod: true, shift: true },
  help: { code: 'F1', mod: false, shift: false },
};

export interface KeyInput {
  readonly code: string;
  readonly ctrlKey: boolean;
  readonly metaKey: boolean;
  readonly shiftKey: boolean;
  readonly altKey: boolean;
  /** A held key repeating: one press is one action. */
  readonly repeat?: boolean;
}

/** The action of a keydown, if it is exactly one of the shortcuts (no extra modifiers: AltGr is Ctrl+Alt on Windows). */
export function matchShortcut(ev: KeyInput, mac: boolean): ShortcutAction | undefined {
  if (ev.repeat || ev.altKey) return undefined;
  const mod = mac ? ev.metaKey : ev.ctrlKey;
  const other = mac ? ev.ctrlKey : ev.metaKey;
  if (other) return undefined;
  return SHORTCUT_ACTIONS.find((a) => {
    const s = SHORTCUTS[a];
    return s.code === ev.code && s.mod === mod && s.shift === ev.shiftKey;
  });
}

function keyName(code: string): string {
  return code.startsWith('Key') ? code.slice(3) : code.startsWith('Digit') ? code.slice(5) : code;
}

/** "Ctrl+Shift+A" (Windows, Linux) or "⇧⌘A" (macOS, in Apple's order). */
export function shortcutLabel(action: ShortcutAction, mac: boolean): string {
  const s = SHORTCUTS[action];
  const key = keyName(s.code);
  if (mac) return `${s.shift ? '⇧' : ''}${s.mod ? '⌘' : ''}${key}`;
  return [...(s.mod ? ['Ctrl'] : []), ...(s.shift ? ['Shift'] : []), key].join('+');
}

/** aria-keyshortcuts value ("Control+Shift+A", "Meta+Shift+A"). */
export function ariaKeyShortcuts(action: ShortcutAction, mac: boolean): string {
  const s = SHORTCUTS[action];
  return [...(s.mod ? [mac ? 'Meta' : 'Control'] : []), ...(s.shift ? ['Shift'] : []), keyName(s.code)].join('+');
}

/** macOS by the page's own platform string (the renderer has no process.platform). */
export function isMacPlatform(platform: string): boolean {
  return /^(darwin|mac)/i.test(platform);
}
