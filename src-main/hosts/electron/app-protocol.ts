// The app:// scheme that serves the renderer bundle inside Electron. Pure (no
// Electron import) so the URL-to-file mapping, the part an attacker would poke
// at with `..`, `%2e%2e` or `%5c`, is unit-tested in plain Node.
import path from 'node:path';

export const APP_SCHEME = 'app';
export const APP_HOST = 'sidecall';
export const APP_ORIGIN = `${APP_SCHEME}://${APP_HOST}`;
/** The page every Sidecall window loads. */
export const APP_ENTRY_URL = `${APP_ORIGIN}/index.html`;
/** The same page in the screen-pop window: main.tsx renders only the pop cards for `#popup`. */
export const APP_POPUP_URL = `${APP_ENTRY_URL}#popup`;

/** True for any URL on our own origin (`app://sidecall/...`). */
export function isAppUrl(url: string | undefined | null): boolean {
  if (!url) return false;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return false;
  }
  return parsed.protocol === `${APP_SCHEME}:` && parsed.host === APP_HOST;
}

export type AssetResolution =
  | { readonly ok: true; readonly file: string }
  | { readonly ok: false; readonly status: 400 | 403 | 404; readonly reason: string };

/**
 * Maps an `app://sidecall/<path>` URL to a file under `rootDir`, refusing
 * anything that would leave it. `pathApi` is injectable so tests can check
 * Windows path rules on any OS.
 */
export function resolveAppAsset(rootDir: string, url: string, pathApi: path.PlatformPath = path): AssetResolution {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return { ok: false, status: 400, reason: 'malformed URL' };
  }
  if (parsed.protocol !== `${APP_SCHEME}:` || parsed.host !== APP_HOST) return { ok: false, status: 404, reason: 'not an app URL' };
  let rel: string;
  try {
    // The URL parser already collapsed literal `..`; decoding can bring back
    // `..`, `/` or `\` (`%2e%2e`, `%2f`, `%5c`), which the prefix check below catches.
    rel = decodeURIComponent(parsed.pathname);
  } catch {
    return { ok: false, status: 400, reason: 'malformed percent-encoding' };
  }
  if (rel.includes('\0')) return { ok: false, status: 400, reason: 'NUL in path' };
  rel = rel.replace(/^[/\\]+/, '');
  if (rel === '') rel = 'index.html';
  const root = pathApi.resolve(rootDir);
  const file = pathApi.resolve(root, rel);
  if (!file.startsWith(root + pathApi.sep)) return { ok: false, status: 403, reason: 'outside the renderer folder' };
  return { ok: true, file };
}

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.map': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.wav': 'audio/wav',
  '.mp3': 'audio/mpeg',
};

/** The Content-Type of a renderer file; unknown types are sent as bytes (with nosniff, never run). */
export function contentTypeOf(file: string): string {
  return CONTENT_TYPES[path.extname(file).toLowerCase()] ?? 'application/octet-stream';
}
