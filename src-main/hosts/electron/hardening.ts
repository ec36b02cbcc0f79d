// The Electron host's security defaults, applied once at startup: every web
// contents (ours or any that appears later) may not open windows, navigate away
// from app://, attach webviews or download; the session grants only the
// softphone's microphone and notifications, and refuses every request that
// would fetch remote content. The decisions themselves are in security-policy.ts.
import type { App, Session } from 'electron';
import type { Logger } from '../../ports';
import { externalUrlToOpen, isNavigationAllowed, isPermissionAllowed, isRequestAllowed, urlForLog } from './security-policy';

export interface HardeningOptions {
  readonly app: App;
  /** shell.openExternal; called only with https URLs. */
  readonly openExternal: (url: string) => Promise<void>;
  readonly log: Logger;
}

/** Guards every web contents as it is created (register before the first window). */
export function hardenWebContents({ app, openExternal, log }: HardeningOptions): void {
  const openOutside = (url: string): void => {
    const external = externalUrlToOpen(url);
    if (!external) return;
    openExternal(external).catch((error: unknown) => log.warn('could not open link in the browser', { url: urlForLog(external), error }));
  };

  app.on('web-contents-created', (_event, contents) => {
    // A link with target=_blank or window.open: never a new Electron window; https goes to the browser.
    contents.setWindowOpenHandler(({ url }) => {
      if (externalUrlToOpen(url)) openOutside(url);
      else log.warn('blocked window.open', { url: urlForLog(url) });
      return { action: 'deny' };
    });
    // A plain link click in our page: stay put, but let the operator follow an https link in the browser.
    contents.on('will-navigate', (event) => {
      if (isNavigationAllowed(event.url)) return;
      event.preventDefault();
      if (externalUrlToOpen(event.url)) openOutside(event.url);
      else log.warn('blocked navigation', { url: urlForLog(event.url) });
    });
    // Sub-frames too (will-navigate covers only the top frame); the CSP already refuses frames.
    contents.on('will-frame-navigate', (event) => {
      if (event.isMainFrame || isNavigationAllowed(event.url)) return;
      event.preventDefault();
      log.warn('blocked frame navigation', { url: urlForLog(event.url) });
    });
    contents.on('will-redirect', (event) => {
      if (isNavigationAllowed(event.url)) return;
      event.preventDefault();
      log.warn('blocked redirect', { url: urlForLog(event.url) });
    });
    contents.on('will-attach-webview', (event) => {
      event.preventDefault();
      log.warn('blocked webview');
    });
  });
}

/** Permissions, downloads and remote requests for one session (after app ready). */
export function hardenSession(session: Session, log: Logger, extraOrigins: () => readonly string[] = () => []): void {
  session.setPermissionRequestHandler((_contents, permission, callback, details) => {
    const allowed = isPermissionAllowed(permission, details.requestingUrl);
    if (!allowed) log.warn('denied permission', { permission, url: urlForLog(details.requestingUrl) });
    callback(allowed);
  });
  session.setPermissionCheckHandler((_contents, permission, requestingOrigin) => isPermissionAllowed(permission, requestingOrigin));
  session.setDevicePermissionHandler(() => false);
  session.on('will-download', (event, item) => {
    event.preventDefault();
    log.warn('blocked download', { url: urlForLog(item.getURL()) });
  });
  session.webRequest.onBeforeRequest({ urls: ['<all_urls>'] }, (details, callback) => {
    const allowed = isRequestAllowed(details.url, extraOrigins());
    if (!allowed) log.warn('blocked request', { url: urlForLog(details.url), type: details.resourceType });
    callback({ cancel: !allowed });
  });
}
