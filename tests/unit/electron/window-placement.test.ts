// Where the main window opens with one, two or three displays, after displays
// were unplugged, rearranged or rescaled.
import { describe, expect, it } from 'vitest';
import { MAIN_WINDOW, WindowStateSchema, placeMainWindow, type Rect } from '../../../src-main/hosts/electron/window-placement';

// Work areas: a 1920x1080 primary with a 40 px taskbar, a 1280x1024 to its left, a 2560x1440 to its right and higher.
const PRIMARY: Rect = { x: 0, y: 0, width: 1920, height: 1040 };
const LEFT: Rect = { x: -1280, y: 0, width: 1280, height: 1024 };
const RIGHT: Rect = { x: 1920, y: -360, width: 2560, height: 1400 };
const saved = (bounds: Rect, maximized = false) => ({ bounds, maximized });

describe('placeMainWindow', () => {
  it('first start: the default size, centred on the primary display', () => {
    expect(placeMainWindow(undefined, [PRIMARY, LEFT])).toEqual({ bounds: { x: 740, y: 180, width: 440, height: 680 }, maximized: false });
  });

  it('reopens exactly where it was on any display that is still there', () => {
    for (const b of [
      { x: 100, y: 50, width: 500, height: 700 },
      { x: -1200, y: 100, width: 600, height: 800 },
      { x: 3000, y: -300, width: 900, height: 1200 },
    ]) {
      expect(placeMainWindow(saved(b), [PRIMARY, LEFT, RIGHT]).bounds).toEqual(b);
    }
    expect(placeMainWindow(saved({ x: 100, y: 50, width: 500, height: 700 }, true), [PRIMARY]).maximized).toBe(true);
  });

  it('on a display that was unplugged: centred on the primary one, size kept', () => {
    const onRight = { x: 3000, y: -300, width: 900, height: 900 };
    expect(placeMainWindow(saved(onRight), [PRIMARY, LEFT]).bounds).toEqual({ x: 510, y: 70, width: 900, height: 900 });
  });

  it('hanging over an edge or under the taskbar: moved the least distance to be wholly visible', () => {
    // Mostly on the primary display, bottom under the taskbar and right edge off-screen.
    expect(placeMainWindow(saved({ x: 1600, y: 600, width: 440, height: 680 }), [PRIMARY]).bounds).toEqual({ x: 1480, y: 360, width: 440, height: 680 });
    // Title bar above the top of the screen: it could not be dragged back.
    expect(placeMainWindow(saved({ x: 200, y: -200, width: 440, height: 680 }), [PRIMARY]).bounds).toEqual({ x: 200, y: 0, width: 440, height: 680 });
    // Only a sliver left on screen (under 64 px wide): as good as lost, so centred.
    expect(placeMainWindow(saved({ x: 1880, y: 100, width: 440, height: 680 }), [PRIMARY]).bounds).toEqual({ x: 740, y: 180, width: 440, height: 680 });
    expect(placeMainWindow(saved({ x: 1800, y: 100, width: 440, height: 680 }), [PRIMARY]).bounds).toEqual({ x: 1480, y: 100, width: 440, height: 680 });
  });

  it('across two displays: kept on the one it overlaps most', () => {
    const straddling = { x: -300, y: 100, width: 500, height: 600 }; // 300 px on LEFT, 200 px on PRIMARY
    expect(placeMainWindow(saved(straddling), [PRIMARY, LEFT]).bounds).toEqual({ x: -500, y: 100, width: 500, height: 600 });
  });

  it('larger than the display it is on now (resolution lowered, scaling raised): shrunk to its work area, never below the minimum', () => {
    const small: Rect = { x: 0, y: 0, width: 1366, height: 728 };
    expect(placeMainWindow(saved({ x: 0, y: 0, width: 1800, height: 1000 }), [small]).bounds).toEqual({ x: 0, y: 0, width: 1366, height: 728 });
    expect(placeMainWindow(saved({ x: 10, y: 10, width: 100, height: 100 }), [PRIMARY]).bounds).toEqual({ x: 10, y: 10, ...MAIN_WINDOW.min });
    // A work area smaller than the minimum: the work area wins.
    const tiny: Rect = { x: 0, y: 0, width: 320, height: 400 };
    expect(placeMainWindow(undefined, [tiny]).bounds).toEqual({ x: 0, y: 0, width: 320, height: 400 });
  });

  it('reads only a well-formed saved state', () => {
    expect(WindowStateSchema.safeParse({ bounds: { x: 1, y: 2, width: 3, height: 4 } }).success).toBe(true);
    expect(WindowStateSchema.safeParse({ bounds: { x: 1.5, y: 2, width: 3, height: 4 } }).success).toBe(false);
    expect(WindowStateSchema.safeParse({ bounds: { x: 1, y: 2, width: 0, height: 4 } }).success).toBe(false);
    expect(WindowStateSchema.safeParse({}).success).toBe(false);
  });
});
