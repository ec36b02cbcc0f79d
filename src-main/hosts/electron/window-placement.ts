// Where the main window opens, as pure decisions: the size and position it had
// last time, kept only where it is still visible. Displays change between runs
// (a laptop undocked, a monitor unplugged, resolution or scaling changed), so
// the saved bounds are fitted into the work area of the display they overlap
// most; a window that is (all but) off every display opens centred on the
// primary display instead. window-state.ts stores the bounds; windows.ts applies them.
import { z } from 'zod';

export interface Rect {
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
}

export interface Size {
  readonly width: number;
  readonly height: number;
}

export const MAIN_WINDOW = {
  /** First start: the size the UI is laid out for. */
  size: { width: 440, height: 680 },
  min: { width: 360, height: 480 },
} as const;

const RectSchema = z.object({ x: z.number().int(), y: z.number().int(), width: z.number().int().min(1).max(100_000), height: z.number().int().min(1).max(100_000) });

export const WindowStateSchema = z.object({
  /** The normal (not maximized) bounds. */
  bounds: RectSchema,
  maximized: z.boolean().default(false),
});
export type WindowState = z.infer<typeof WindowStateSchema>;

/** A window with at least this much on a display (enough to see and grab) stays on it; less is as good as lost. */
const MIN_VISIBLE = { width: 64, height: 32 } as const;

/** The area of a and b together, or 0 when less than MIN_VISIBLE of `a` is on `b`. */
function overlap(a: Rect, b: Rect): number {
  const w = Math.min(a.x + a.width, b.x + b.width) - Math.max(a.x, b.x);
  const h = Math.min(a.y + a.height, b.y + b.height) - Math.max(a.y, b.y);
  return w >= Math.min(MIN_VISIBLE.width, a.width) && h >= Math.min(MIN_VISIBLE.height, a.height) ? w * h : 0;
}

function clampSize(size: Size, area: Rect, min: Size): Size {
  // Never larger than the work area, never smaller than the minimum (unless the work area is).
  return {
    width: Math.max(Math.min(min.width, area.width), Math.min(size.width, area.width)),
    height: Math.max(Math.min(min.height, area.height), Math.min(size.height, area.height)),
  };
}

function centred(size: Size, area: Rect): Rect {
  return { x: Math.round(area.x + (area.width - size.width) / 2), y: Math.round(area.y + (area.height - size.height) / 2), ...size };
}

/** Moves `r` (already no larger than `area`) the least distance that puts it wholly inside `area`. */
function inside(r: Rect, area: Rect): Rect {
  const x = Math.min(Math.max(r.x, area.x), area.x + area.width - r.width);
  const y = Math.min(Math.max(r.y, area.y), area.y + area.height - r.height);
  return { x: Math.round(x), y: Math.round(y), width: r.width, height: r.height };
}

/**
 * The bounds to open the main window with. `workAreas[0]` is the primary
 * display's. The title bar counts most: a window whose top edge is off every
 * display cannot be dragged back, so it is moved inside like any other.
 */
export function placeMainWindow(saved: WindowState | undefined, workAreas: readonly Rect[], defaults: { readonly size: Size; readonly min: Size } = MAIN_WINDOW): { readonly bounds: Rect; readonly maximized: boolean } {
  const primary = workAreas[0] ?? { x: 0, y: 0, width: defaults.size.width, height: defaults.size.height };
  if (!saved) return { bounds: centred(clampSize(defaults.size, primary, defaults.min), primary), maximized: false };
  const wanted = saved.bounds;
  let best: Rect | undefined;
  let bestOverlap = 0;
  for (const area of workAreas) {
    const o = overlap(wanted, area);
    if (o > bestOverlap) {
      best = area;
      bestOverlap = o;
    }
  }
  if (!best) {
    return { bounds: centred(clampSize(wanted, primary, defaults.min), primary), maximized: saved.maximized };
  }
  const size = clampSize(wanted, best, defaults.min);
  return { bounds: inside({ x: wanted.x, y: wanted.y, ...size }, best), maximized: saved.maximized };
}
