// Types of scripts/make-tray-icons.mjs for the TypeScript tests that import it.
import type { Buffer } from 'node:buffer';
/** Every tray icon file the script writes: name -> bytes. */
export function trayIconFiles(): Map<string, Buffer>;
/** Sizes inside each Windows .ico. */
export const ICO_SIZES: readonly number[];
/** An RGBA PNG of `size` px from a colour function. */
export function drawPng(size: number, colourAt: (r: number, x: number, y: number) => readonly number[] | null): Buffer;
