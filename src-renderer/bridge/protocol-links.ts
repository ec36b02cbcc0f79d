// Browser mode's tel: links: the page registers itself as the tel: handler
// (navigator.registerProtocolHandler, same origin, the per-launch secret path),
// and a link opened with it arrives as `?link=<uri>`, which goes to main as
// `links.open` (validated there; the confirm card follows). The parameter is
// removed from the address bar at once so a reload does not dial again.
import { sidecall } from '.';

export const LINK_PARAM = 'link';

/** Takes a pending `?link=` off the URL and hands it to main; resolves to main's refusal message, if any. */
export async function consumeLinkFromUrl(): Promise<string | undefined> {
  const url = new URL(window.location.href);
  const uri = url.searchParams.get(LINK_PARAM);
  if (uri === null) return undefined;
  url.searchParams.delete(LINK_PARAM);
  window.history.replaceState(null, '', url.toString());
  try {
    await sidecall().request('links.open', { uri: uri.slice(0, 4096) });
    return undefined;
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
}

/** Whether this browser can make Sidecall its tel: handler (browser mode only). */
export function canRegisterTelHandler(): boolean {
  return typeof navigator.registerProtocolHandler === 'function' && window.sidecall === undefined;
}

/** Asks the browser to open tel: links with this page (it shows its own permission prompt). */
export function registerTelHandler(): void {
  const base = `${window.location.origin}${window.location.pathname}`;
  navigator.registerProtocolHandler('tel', `${base}?${LINK_PARAM}=%s`);
}
