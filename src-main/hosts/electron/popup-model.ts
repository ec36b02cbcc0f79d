// The screen-pop window's decisions, as pure data: whether it should be up,
// how big it is for a number of cards, where it sits in a display's work area,
// and what to ask of the window on each `calls.changed` so it never flashes
// or jumps. popup-window.ts applies them; tests check them without Electron.
import type { CallsView } from '../../../src-shared/domain/calls-view';

export interface Rect {
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
}

/**
 * Sizes in DIPs. Main does not know how tall the rendered cards are, so each
 * gets room for the tallest kind: header, name, number, company, manager,
 * "Open in CRM" and a row of buttons measure about 220 px in Chromium (a card
 * without a CRM contact about 125); the stack has 8 px padding and 8 px gaps
 * (PopupApp). Three cards (704 px) still fit a 768 px laptop screen.
 * Beyond MAX_CARDS the window stops growing and the page scrolls, so a burst
 * of calls never covers the operator's whole screen.
 */
export const POPUP_LAYOUT = {
  width: 380,
  card: 224,
  gap: 8,
  padding: 8,
  maxCards: 3,
  /** Distance from the work area's edges. */
  margin: 12,
} as const;

/** How many cards the pop-up shows: the live calls whose card should be up now. */
export function popupCardCount(view: CallsView): number {
  return view.live.filter((v) => v.pop && v.call.state !== 'ended').length;
}

/**
 * The window's bounds for `cards` cards at the bottom-right of a work area.
 * Bottom-right, not top-right: the top-right corner of a maximized or
 * full-screen window holds its close button, the browser's menu and the CRM's
 * own header buttons, which the operator is about to click; the bottom-right
 * is next to the tray icon (Windows, most Linux panels) where a desktop app's
 * news is expected, and a taller stack grows upwards into empty page space.
 */
export function popupBounds(workArea: Rect, cards: number): Rect {
  const { width, card, gap, padding, maxCards, margin } = POPUP_LAYOUT;
  const shown = Math.max(1, Math.min(cards, maxCards));
  const wanted = padding * 2 + shown * card + (shown - 1) * gap;
  // A work area smaller than the window (tiny or heavily scaled screens): fit inside it.
  const w = Math.max(1, Math.min(width, workArea.width - 2 * margin));
  const h = Math.max(1, Math.min(wanted, workArea.height - 2 * margin));
  return {
    x: Math.round(workArea.x + workArea.width - margin - w),
    y: Math.round(workArea.y + workArea.height - margin - h),
    width: Math.round(w),
    height: Math.round(h),
  };
}

/** Where the visible pop-up is: the work area it was placed in and its bounds there. */
export interface PopupPlacement {
  readonly workArea: Rect;
  readonly bounds: Rect;
}

export type PopupAction =
  /** Nothing to do: same cards, or still hidden. */
  | { readonly kind: 'none' }
  /** Was hidden: place it and show it without taking focus. */
  | { readonly kind: 'show'; readonly bounds: Rect }
  /** Visible already: new size (a card came or went), same display. */
  | { readonly kind: 'resize'; readonly bounds: Rect }
  | { readonly kind: 'hide' };

export interface PopupPlan {
  /** null while hidden. */
  readonly placement: PopupPlacement | null;
  readonly action: PopupAction;
}

/**
 * The next step for `cards` cards. The display is chosen only when the pop-up
 * appears (`workAreaAtCursor` is not even asked otherwise): moving the mouse to
 * another screen during a call must not make the card jump away from where
 * the operator saw it. While visible, only a changed size moves the window.
 */
export function planPopup(current: PopupPlacement | null, cards: number, workAreaAtCursor: () => Rect): PopupPlan {
  if (cards <= 0) return { placement: null, action: current ? { kind: 'hide' } : { kind: 'none' } };
  if (!current) {
    const workArea = workAreaAtCursor();
    const bounds = popupBounds(workArea, cards);
    return { placement: { workArea, bounds }, action: { kind: 'show', bounds } };
  }
  return relayout(current, current.workArea, cards);
}

/**
 * The visible pop-up after its display changed (resolution, scaling, taskbar
 * moved, display unplugged): `workArea` is the one of the display it is on
 * now. Hidden: nothing to do until it shows again.
 */
export function replanPopup(current: PopupPlacement | null, cards: number, workArea: Rect): PopupPlan {
  if (!current || cards <= 0) return { placement: current, action: { kind: 'none' } };
  return relayout(current, workArea, cards);
}

function relayout(current: PopupPlacement, workArea: Rect, cards: number): PopupPlan {
  const bounds = popupBounds(workArea, cards);
  if (sameRect(bounds, current.bounds) && sameRect(workArea, current.workArea)) return { placement: current, action: { kind: 'none' } };
  return { placement: { workArea, bounds }, action: sameRect(bounds, current.bounds) ? { kind: 'none' } : { kind: 'resize', bounds } };
}

export function sameRect(a: Rect, b: Rect): boolean {
  return a.x === b.x && a.y === b.y && a.width === b.width && a.height === b.height;
}

/**
 * BrowserWindow `type` of the pop-up. On macOS a 'panel' is the window kind
 * that can float over another app's full-screen Space without activating
 * Sidecall (electron/electron#34388); elsewhere the default type is right.
 */
export function popupWindowType(platform: string): 'panel' | undefined {
  return platform === 'darwin' ? 'panel' : undefined;
}
