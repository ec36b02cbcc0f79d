// What the Electron host lets web content do, as pure decisions: which sender
// may call IPC, where a window may navigate, which URLs open in the system
// browser, which permissions and requests are allowed. hardening.ts and
// ipc-main.ts apply them; tests check them without Electron.
import { APP_SCHEME, isAppUrl } from './app-protocol';

export interface SenderFacts {
  /** URL of the frame that sent the IPC message (null when it is gone). */
  readonly frameUrl: string | null | undefined;
  /** The frame is the top frame of its page (not an iframe). */
  readonly isMainFrame: boolean;
  /** The page belongs to a window Sidecall created. */
  readonly isOurWindow: boolean;
}

/** IPC is answered only for the top frame of our own windows showing our own page. */
export function isTrustedSender(facts: SenderFacts): boolean {
  return facts.isOurWindow && facts.isMainFrame && isAppUrl(facts.frameUrl);
}

/** A link worth handing to the system browser: https only (no file:, no custom schemes, no http). */
export function externalUrlToOpen(url: string): string | null {
  try {
    const parsed = new URL(url);
    return parsed.protocol === 'https:' && parsed.hostname !== '' ? parsed.toString() : null;
  } catch {
    return null;
  }
}

/** Our pages may navigate only within app://sidecall (e.g. a reload). */
export function isNavigationAllowed(url: string): boolean {
  return isAppUrl(url);
}

/**
 * 'media' for the softphone's microphone, 'notifications' for call alerts,
 * 'clipboard-sanitized-write' for "Copy diagnostics" (writing only: reading the
 * clipboard stays refused); everything else is refused.
 */
const GRANTED_PERMISSIONS: ReadonlySet<string> = new Set(['media', 'notifications', 'clipboard-sanitized-write']);

/** Grants a permission only to our own origin and only from the list above. */
export function isPermissionAllowed(permission: string, requestingUrl: string | undefined): boolean {
  return GRANTED_PERMISSIONS.has(permission) && isAppUrl(requestingUrl);
}

/**
 * No remote content: a request leaves the app only when its origin was added
 * on purpose (`extraOrigins`, e.g. the PBX's WebSocket for the softphone later).
 * data: and blob: are local; devtools: is the developer tools' own UI.
 */
export function isRequestAllowed(url: string, extraOrigins: readonly string[] = []): boolean {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return false;
  }
  if (parsed.protocol === `${APP_SCHEME}:`) return isAppUrl(url);
  if (parsed.protocol === 'data:' || parsed.protocol === 'blob:' || parsed.protocol === 'devtools:') return true;
  return extraOrigins.includes(parsed.origin);
}

/** Shortens a URL for a log line (no query string: it may carry tokens). */
export function urlForLog(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.protocol}//${parsed.host}${parsed.pathname}`.slice(0, 200);
  } catch {
    return url.slice(0, 80);
  }
}
