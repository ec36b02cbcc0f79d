// The screen-pop window's decisions: when it is up, its size and corner on
// each display, and that updates with the same cards neither move nor re-show it.
import { describe, expect, it, vi } from 'vitest';
import type { Call } from '../../../src-shared/domain/call';
import type { CallsView, CallView } from '../../../src-shared/domain/calls-view';
import { POPUP_LAYOUT, planPopup, popupBounds, popupCardCount, popupWindowType, replanPopup, type PopupPlacement, type Rect } from '../../../src-main/hosts/electron/popup-model';

function callView(id: string, state: Call['state'], pop: boolean): CallView {
  const call: Call = { id, linkedids: [id], extension: '101', direction: 'inbound', state, startedAt: 1, transfers: [], legs: [], recording: { state: 'off', files: [] } };
  return { call, lookup: { status: 'pending' }, pop };
}
const view = (...live: CallView[]): CallsView => ({ live, missed: 0, demo: false });

// A 1920x1080 screen with a 40 px taskbar at the bottom, and a second one to its left at 1.5x scaling.
const primary: Rect = { x: 0, y: 0, width: 1920, height: 1040 };
const left: Rect = { x: -1280, y: 0, width: 1280, height: 720 };

describe('popupCardCount', () => {
  it('counts the live calls whose card should be up', () => {
    expect(popupCardCount(view())).toBe(0);
    expect(popupCardCount(view(callView('a', 'connected', false)))).toBe(0);
    expect(popupCardCount(view(callView('a', 'ringing', true), callView('b', 'connected', false), callView('c', 'onHold', true)))).toBe(2);
    // An ended call is never popped, whatever the flag says.
    expect(popupCardCount(view(callView('a', 'ended', true)))).toBe(0);
  });
});

describe('popupBounds', () => {
  it('is about 380x240 for one card, at the bottom-right of the work area, clear of its edges', () => {
    const b = popupBounds(primary, 1);
    expect(b).toEqual({ x: 1920 - 12 - 380, y: 1040 - 12 - 240, width: 380, height: 240 });
  });

  it('grows upwards with stacked cards, up to three, then stops (the page scrolls)', () => {
    const one = popupBounds(primary, 1);
    const two = popupBounds(primary, 2);
    const three = popupBounds(primary, 3);
    expect(two.height).toBe(one.height + POPUP_LAYOUT.card + POPUP_LAYOUT.gap);
    expect(three.height).toBe(two.height + POPUP_LAYOUT.card + POPUP_LAYOUT.gap);
    for (const b of [two, three]) {
      expect(b.x).toBe(one.x);
      expect(b.y + b.height).toBe(one.y + one.height); // bottom edge stays put
    }
    expect(popupBounds(primary, 9)).toEqual(three);
  });

  it('stays inside any work area: negative origins, and screens smaller than the window', () => {
    const b = popupBounds(left, 3);
    expect(b.x + b.width).toBe(left.x + left.width - 12);
    expect(b.y).toBeGreaterThanOrEqual(left.y + 12);
    expect(b.y + b.height).toBe(left.y + left.height - 12);
    const tiny: Rect = { x: 0, y: 0, width: 320, height: 200 };
    const t = popupBounds(tiny, 2);
    expect(t).toEqual({ x: 12, y: 12, width: 296, height: 176 });
    // A taskbar on the left or top moves the work area's origin; the corner follows it.
    const shifted: Rect = { x: 60, y: 30, width: 1860, height: 1050 };
    expect(popupBounds(shifted, 1)).toEqual({ x: 60 + 1860 - 12 - 380, y: 30 + 1050 - 12 - 240, width: 380, height: 240 });
  });

  it('gives whole pixels for fractional work areas (scaled displays)', () => {
    const b = popupBounds({ x: 0.5, y: 0, width: 1365.33, height: 767.5 }, 1);
    for (const v of Object.values(b)) expect(Number.isInteger(v)).toBe(true);
  });
});

describe('planPopup', () => {
  it('shows on the display with the mouse when the first card pops, and hides when none is left', () => {
    const cursor = vi.fn(() => left);
    const shown = planPopup(null, 1, cursor);
    expect(shown.action).toEqual({ kind: 'show', bounds: popupBounds(left, 1) });
    expect(shown.placement).toEqual({ workArea: left, bounds: popupBounds(left, 1) });
    expect(cursor).toHaveBeenCalledTimes(1);

    const hidden = planPopup(shown.placement, 0, cursor);
    expect(hidden).toEqual({ placement: null, action: { kind: 'hide' } });
    expect(planPopup(null, 0, cursor)).toEqual({ placement: null, action: { kind: 'none' } });
  });

  it('does nothing for updates with the same cards (a CRM answer, a timer tick), even if the mouse moved to another screen', () => {
    const first = planPopup(null, 1, () => primary);
    const cursor = vi.fn(() => left);
    const again = planPopup(first.placement, 1, cursor);
    expect(again.action).toEqual({ kind: 'none' });
    expect(again.placement).toBe(first.placement);
    expect(cursor).not.toHaveBeenCalled();
  });

  it('resizes on the same display when a card comes or goes, and not beyond the cap', () => {
    const one = planPopup(null, 1, () => primary);
    const two = planPopup(one.placement, 2, () => left);
    expect(two.action).toEqual({ kind: 'resize', bounds: popupBounds(primary, 2) });
    const three = planPopup(two.placement, 3, () => left);
    expect(three.action).toEqual({ kind: 'resize', bounds: popupBounds(primary, 3) });
    expect(planPopup(three.placement, 5, () => left).action).toEqual({ kind: 'none' });
    expect(planPopup(three.placement, 1, () => left).action).toEqual({ kind: 'resize', bounds: popupBounds(primary, 1) });
  });

  it('picks the display again the next time it appears', () => {
    const first = planPopup(null, 1, () => primary);
    const gone = planPopup(first.placement, 0, () => primary);
    expect(planPopup(gone.placement, 1, () => left).action).toEqual({ kind: 'show', bounds: popupBounds(left, 1) });
  });
});

describe('replanPopup', () => {
  it('moves a visible pop-up into the new work area of its display, and ignores a hidden one', () => {
    const shown = planPopup(null, 1, () => primary);
    const smaller: Rect = { x: 0, y: 0, width: 1600, height: 860 };
    const moved = replanPopup(shown.placement, 1, smaller);
    expect(moved.action).toEqual({ kind: 'resize', bounds: popupBounds(smaller, 1) });
    expect(moved.placement?.workArea).toEqual(smaller);
    expect(replanPopup(moved.placement, 1, smaller).action).toEqual({ kind: 'none' });
    expect(replanPopup(null, 1, smaller)).toEqual({ placement: null, action: { kind: 'none' } });
  });

  it('keeps the new work area even when the bounds come out the same', () => {
    const shown = planPopup(null, 1, () => primary);
    // The taskbar moved from the bottom to the left: the bottom-right corner is the same.
    const taskbarLeft: Rect = { x: 60, y: 0, width: 1860, height: 1040 };
    const next = replanPopup(shown.placement, 1, taskbarLeft);
    expect(next.action).toEqual({ kind: 'none' });
    expect((next.placement as PopupPlacement).workArea).toEqual(taskbarLeft);
  });
});

describe('popupWindowType', () => {
  it('is a panel on macOS (floats over full-screen Spaces), the default elsewhere', () => {
    expect(popupWindowType('darwin')).toBe('panel');
    expect(popupWindowType('win32')).toBeUndefined();
    expect(popupWindowType('linux')).toBeUndefined();
  });
});
