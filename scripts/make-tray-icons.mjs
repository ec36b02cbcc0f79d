// Draws the tray icons with nothing but zlib, one set per state of
// src-main/hosts/electron/tray-model.ts (TRAY_ICON_STATES):
// - <state>[-missed][-dark].png at 16 px and @2x at 32 px: colour icons for a
//   light (default) or a dark (-dark) taskbar or panel, -missed with the red
//   dot of the missed-calls badge (Windows and Linux have no badge);
// - the same four as <state>[-missed][-dark].ico for Windows (16, 20, 24, 32,
//   40 and 48 px PNG entries: 100% to 300% scaling, as Electron recommends ICO there);
// - <state>Template.png and @2x: macOS template images, black and alpha only,
//   which the menu bar tints for light, dark and highlighted (the count of
//   missed calls goes beside the icon there, so no dot).
// Colour: a grey ring "offline", an amber open ring "connecting", a green disc
// "ready", a red disc with a white bar "dnd", an amber disc with a white centre
// "ringing", a blue disc "onCall", the blue disc with a red centre "recording".
// The template shapes differ by form alone, since colour is gone: ring, open
// ring, disc, disc with a bar, dot with two waves, thick ring, dot in a ring.
// Deterministic, so running it again changes no bytes:
// `node scripts/make-tray-icons.mjs`; tests/unit/electron/tray-model.test.ts
// fails if a file is missing, stale or extra.
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';

const OUT_DIR = path.resolve(import.meta.dirname, '../resources/tray');

const WHITE = [255, 255, 255];
const BLACK = [0, 0, 0];
const RED = [220, 38, 38];
const RED_EDGE = [160, 24, 24];
const BLUE = [37, 99, 235];
const BLUE_EDGE = [29, 78, 190];
const AMBER = [217, 119, 6];
const AMBER_EDGE = [160, 82, 4];
const GREEN = [31, 157, 85];
const GREEN_EDGE = [20, 110, 60];

/** A filled disc of `fill` with a rim, the shape of every "connected" state. */
const disc = (fill, edge) => (r) => (r <= 0.82 ? fill : r <= 0.92 ? edge : null);

/**
 * Colour artwork: state -> how one point is coloured, or null for transparent.
 * (r, x, y) are in units of the icon: centre 0,0, radius 1, y pointing down.
 * On a dark taskbar the grey ring is lighter and the rims light, so every
 * edge stays visible against it.
 */
const colourStates = (dark) => {
  const rim = (edge) => (dark ? [230, 230, 230] : edge);
  return {
    offline: (r) => (r >= 0.56 && r <= 0.86 ? (dark ? [200, 200, 200] : [118, 118, 118]) : null),
    // The ring of "offline" in amber, open at the top right like a spinner.
    connecting: (r, x, y) => (r >= 0.56 && r <= 0.86 && !(x > 0 && y < 0) ? AMBER : null),
    ready: disc(GREEN, rim(GREEN_EDGE)),
    dnd: (r, x, y) => (Math.abs(y) <= 0.16 && Math.abs(x) <= 0.52 ? WHITE : disc(RED, rim(RED_EDGE))(r, x, y)),
    ringing: (r, x, y) => (r <= 0.32 ? WHITE : disc(AMBER, rim(AMBER_EDGE))(r, x, y)),
    onCall: disc(BLUE, rim(BLUE_EDGE)),
    recording: (r, x, y) => (r <= 0.32 ? RED : r <= 0.44 ? WHITE : disc(BLUE, rim(BLUE_EDGE))(r, x, y)),
  };
};

/** macOS template shapes (black; the alpha is the shape). */
const ink = (on) => (on ? BLACK : null);
const TEMPLATE_STATES = {
  offline: (r) => ink(r >= 0.62 && r <= 0.84),
  connecting: (r, x, y) => ink(r >= 0.62 && r <= 0.84 && !(x > 0 && y < 0)),
  ready: (r) => ink(r <= 0.84),
  dnd: (r, x, y) => ink(r <= 0.84 && !(Math.abs(y) <= 0.16 && Math.abs(x) <= 0.56)),
  ringing: (r) => ink(r <= 0.3 || (r >= 0.5 && r <= 0.62) || (r >= 0.78 && r <= 0.9)),
  onCall: (r) => ink(r >= 0.4 && r <= 0.86),
  recording: (r) => ink(r <= 0.34 || (r >= 0.6 && r <= 0.86)),
};

/** The missed-calls badge: a red dot with a white rim at the top right, over any state. */
const withMissedDot = (colourAt) => (r, x, y) => {
  const d = Math.hypot(x - 0.68, y + 0.68);
  return d <= 0.3 ? RED : d <= 0.42 ? WHITE : colourAt(r, x, y);
};

const CRC_TABLE = new Uint32Array(256).map((_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(buf) {
  let c = 0xffffffff;
  for (const byte of buf) c = CRC_TABLE[(c ^ byte) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type, data) {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([len, body, crc]);
}

/** An RGBA PNG from a size and a colour function; 4x4 supersampling gives smooth edges. */
export function drawPng(size, colourAt) {
  const SS = 4;
  const rows = [];
  for (let y = 0; y < size; y++) {
    const row = Buffer.alloc(1 + size * 4); // filter byte 0 (None) + pixels
    for (let x = 0; x < size; x++) {
      let r = 0, g = 0, b = 0, hits = 0;
      for (let sy = 0; sy < SS; sy++) {
        for (let sx = 0; sx < SS; sx++) {
          const px = ((x + (sx + 0.5) / SS) / size) * 2 - 1;
          const py = ((y + (sy + 0.5) / SS) / size) * 2 - 1;
          const c = colourAt(Math.hypot(px, py), px, py);
          if (c) {
            r += c[0];
            g += c[1];
            b += c[2];
            hits++;
          }
        }
      }
      const o = 1 + x * 4;
      if (hits > 0) {
        row[o] = Math.round(r / hits);
        row[o + 1] = Math.round(g / hits);
        row[o + 2] = Math.round(b / hits);
        row[o + 3] = Math.round((255 * hits) / (SS * SS));
      }
    }
    rows.push(row);
  }
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(size, 0);
  ihdr.writeUInt32BE(size, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 6; // colour type RGBA
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', zlib.deflateSync(Buffer.concat(rows), { level: 9 })),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

/** A Windows .ico whose entries are PNGs (Vista and later read them at any size). */
export function icoFrom(pngs) {
  const header = Buffer.alloc(6);
  header.writeUInt16LE(0, 0);
  header.writeUInt16LE(1, 2); // 1 = icon
  header.writeUInt16LE(pngs.length, 4);
  let offset = 6 + 16 * pngs.length;
  const entries = pngs.map(({ size, png }) => {
    const e = Buffer.alloc(16);
    e[0] = size >= 256 ? 0 : size;
    e[1] = size >= 256 ? 0 : size;
    e[2] = 0; // no palette
    e[3] = 0;
    e.writeUInt16LE(1, 4); // planes
    e.writeUInt16LE(32, 6); // bits per pixel
    e.writeUInt32LE(png.length, 8);
    e.writeUInt32LE(offset, 12);
    offset += png.length;
    return e;
  });
  return Buffer.concat([header, ...entries, ...pngs.map((p) => p.png)]);
}

/** Windows tray icon sizes: 16 px at 100% up to 48 px at 300% scaling. */
export const ICO_SIZES = [16, 20, 24, 32, 40, 48];

/** Every file this script writes: name -> bytes. */
export function trayIconFiles() {
  const files = new Map();
  for (const dark of [false, true]) {
    for (const [state, plain] of Object.entries(colourStates(dark))) {
      for (const [variant, colourAt] of [['', plain], ['-missed', withMissedDot(plain)]]) {
        const base = `${state}${variant}${dark ? '-dark' : ''}`;
        // Drawn once per size: the 16 and 32 px PNGs are also entries of the .ico.
        const pngs = ICO_SIZES.map((size) => ({ size, png: drawPng(size, colourAt) }));
        const at = (size) => pngs.find((p) => p.size === size).png;
        files.set(`${base}.png`, at(16));
        files.set(`${base}@2x.png`, at(32));
        files.set(`${base}.ico`, icoFrom(pngs));
      }
    }
  }
  for (const [state, shape] of Object.entries(TEMPLATE_STATES)) {
    files.set(`${state}Template.png`, drawPng(16, shape));
    files.set(`${state}Template@2x.png`, drawPng(32, shape));
  }
  return files;
}

if (process.argv[1] && path.resolve(process.argv[1]) === path.resolve(import.meta.filename)) {
  fs.mkdirSync(OUT_DIR, { recursive: true });
  const files = trayIconFiles();
  for (const old of fs.readdirSync(OUT_DIR)) if (!files.has(old) && /\.(png|ico)$/.test(old)) fs.rmSync(path.join(OUT_DIR, old));
  for (const [name, bytes] of files) fs.writeFileSync(path.join(OUT_DIR, name), bytes);
  process.stdout.write(`wrote ${files.size} tray icons to ${path.relative(process.cwd(), OUT_DIR)}\n`);
}
