// Draws the tray icons (resources/tray/<state>.png at 16 px and <state>@2x.png
// at 32 px, and <state>-missed[@2x].png with a red dot for the missed-calls
// badge on Windows and Linux) with nothing but zlib. One per state of
// src-main/hosts/electron/tray-model.ts: a grey ring "offline", an amber open
// ring "connecting", a green disc "ready", an amber disc with a white centre
// "ringing", a blue disc "onCall", the blue disc with a red centre "recording".
// Deterministic, so running it again changes no bytes. Run it when adding a
// state: `node scripts/make-tray-icons.mjs`. Proper artwork per platform and
// theme (macOS template images, light/dark) is still to come.
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';

const OUT_DIR = path.resolve(import.meta.dirname, '../resources/tray');

const WHITE = [255, 255, 255];
const RED = [220, 38, 38];
const BLUE = [37, 99, 235];
const BLUE_EDGE = [29, 78, 190];
const AMBER = [217, 119, 6];
const AMBER_EDGE = [160, 82, 4];

/** A filled disc of `fill` with a darker rim, the shape of every "connected" state. */
const disc = (fill, edge) => (r) => (r <= 0.82 ? fill : r <= 0.92 ? edge : null);

/**
 * state -> how one point is coloured, or null for transparent. (r, x, y) are in
 * units of the icon: centre 0,0, radius 1, y pointing down.
 */
const STATES = {
  ready: (r) => (r <= 0.82 ? [31, 157, 85] : r <= 0.92 ? [20, 110, 60] : null),
  offline: (r) => (r >= 0.56 && r <= 0.86 ? [138, 138, 138] : null),
  // The ring of "offline" in amber, open at the top right like a spinner.
  connecting: (r, x, y) => (r >= 0.56 && r <= 0.86 && !(x > 0 && y < 0) ? AMBER : null),
  ringing: (r, x, y) => (r <= 0.32 ? WHITE : disc(AMBER, AMBER_EDGE)(r, x, y)),
  onCall: disc(BLUE, BLUE_EDGE),
  recording: (r, x, y) => (r <= 0.32 ? RED : r <= 0.44 ? WHITE : disc(BLUE, BLUE_EDGE)(r, x, y)),
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

if (process.argv[1] && path.resolve(process.argv[1]) === path.resolve(import.meta.filename)) {
  fs.mkdirSync(OUT_DIR, { recursive: true });
  for (const [state, plain] of Object.entries(STATES)) {
    for (const [variant, colourAt] of [['', plain], ['-missed', withMissedDot(plain)]]) {
      for (const [suffix, size] of [['', 16], ['@2x', 32]]) {
        const file = path.join(OUT_DIR, `${state}${variant}${suffix}.png`);
        fs.writeFileSync(file, drawPng(size, colourAt));
        process.stdout.write(`wrote ${path.relative(process.cwd(), file)} (${size}x${size})\n`);
      }
    }
  }
}
