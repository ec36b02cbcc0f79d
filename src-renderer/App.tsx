// The main window: header with connection state, pages (Calls, History,
// Settings), the screen-pop cards on top, theme and language from Settings.
import { useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useAppState } from './hooks/use-app-state';
import { useCalls } from './hooks/use-calls';
import { useThemeLanguage } from './hooks/use-theme-language';
import { HomePage } from './pages/HomePage';
import { HistoryPage } from './pages/HistoryPage';
import { SettingsPage } from './pages/SettingsPage';
import { HelpPage } from './pages/HelpPage';
import { ShortcutsProvider } from './shortcuts/ShortcutsProvider';
import { ringingCall } from './shortcuts/call-commands';
import { isMacPlatform } from './shortcuts/keymap';
import { SoftphoneShortcuts } from './shortcuts/SoftphoneShortcuts';
import { connectionTone } from './components/ConnectionCard';
import { CallCard, callTitle } from './components/CallCard';
import { sidecall } from './bridge';
import { LinkConfirm } from './components/LinkConfirm';
import { consumeLinkFromUrl } from './bridge/protocol-links';
import { SoftphoneProvider, useSoftphoneHost, withSoftphonePops } from './softphone/use-softphone';
import { SoftphoneCalls, SoftphoneStatusPill } from './components/SoftphonePanel';
import type { CallsView } from '../src-shared/domain/calls-view';

type Page = 'home' | 'history' | 'settings' | 'help';

export function App() {
  const { t } = useTranslation();
  const state = useAppState();
  const amiCalls = useCalls();
  const softphone = useSoftphoneHost(state.view?.settings.softphone, amiCalls);
  const calls = withSoftphonePops(amiCalls, softphone);
  const [page, setPage] = useState<Page>('home');
  const settings = state.view?.settings;

  useThemeLanguage(settings, state.info);
  const [linkError, setLinkError] = useState<string>();
  // Browser mode: a tel: link opened through the registered protocol handler.
  useEffect(() => {
    void consumeLinkFromUrl().then(setLinkError);
  }, []);
  // The tray's "Settings" item (Electron host) asks the window to show a page.
  useEffect(() => sidecall().on('ui.navigate', ({ page: next }) => setPage(next)), []);
  // Browser mode: CRM sign-in pages open in a new tab of this browser (main validated the address).
  useEffect(() => sidecall().on('ui.openExternal', ({ url }) => void window.open(url, '_blank', 'noopener')), []);
  // Browser mode only: the Electron host has its own always-on-top pop-up window for this.
  useIncomingNotifications(state.info?.host === 'web' ? calls : undefined, t('call.hiddenNumber'), (who) => t('call.notificationTitle', { who }));

  const popped = calls.live.filter((v) => v.pop);
  const ringing = (view: CallsView): string | undefined => {
    const v = ringingCall(view);
    return v ? callTitle(v, t('call.hiddenNumber')) : undefined;
  };
  return (
    <ShortcutsProvider calls={calls} mac={isMacPlatform(state.info?.platform ?? navigator.platform)} navigate={setPage} callerName={ringing}>
    <SoftphoneProvider value={softphone}>
    <SoftphoneShortcuts />
    <div className="shell">
      <header className="topbar">
        <div className="brand">
          <img src="./favicon.svg" alt="" width={22} height={22} />
          <span>{t('app.title')}</span>
        </div>
        <span className={`pill pill-${connectionTone(state.connection)}`} data-testid="header-state">
          <span className={`dot dot-${connectionTone(state.connection)}`} aria-hidden="true" />
          {!state.connection ? '…' : calls.demo && state.connection.state === 'ready' ? t('connection.demoReady') : t(`connection.${state.connection.state}`, { seconds: '' })}
        </span>
        <SoftphoneStatusPill />
      </header>
      <nav className="tabs" aria-label={t('nav.main')}>
        {(['home', 'history', 'settings', 'help'] as const).map((p) => (
          <button key={p} type="button" className={`tab${page === p ? ' tab-active' : ''}`} aria-current={page === p ? 'page' : undefined} onClick={() => setPage(p)} data-testid={`nav-${p}`}>
            {t(`nav.${p}`)}
            {p === 'history' && calls.missed > 0 ? (
              <span className="badge" data-testid="missed-badge" aria-label={t('nav.missedBadge', { count: calls.missed })}>
                {calls.missed}
              </span>
            ) : null}
          </button>
        ))}
      </nav>
      <LinkConfirm />
      {linkError ? (
        <div className="banner banner-error link-error" role="alert" data-testid="link-error">
          {linkError}
        </div>
      ) : null}
      <SoftphoneCalls />
      {popped.length > 0 ? (
        <section className="pop-stack" aria-live="assertive" aria-label={t('call.incoming')}>
          {popped.map((v) => (
            <CallCard key={v.call.id} view={v} variant="pop" demo={calls.demo} />
          ))}
        </section>
      ) : null}
      <main className="content">
        {state.loadError ? (
          <div className="banner banner-error" role="alert">
            {state.loadError}
          </div>
        ) : page === 'home' ? (
          <HomePage connection={state.connection} calls={calls} region={settings?.numbers.defaultRegion ?? 'RU'} onOpenSettings={() => setPage('settings')} />
        ) : page === 'history' ? (
          <HistoryPage />
        ) : page === 'help' ? (
          <HelpPage info={state.info} />
        ) : (
          <SettingsPage view={state.view} location={state.info?.settingsLocation} onSaved={state.setView} />
        )}
      </main>
      <footer className="footer muted small">
        <span data-testid="app-version">{state.info ? t('app.version', { version: state.info.version }) : ''}</span>
        <span>{state.info ? (state.info.host === 'web' ? t('app.hostWeb') : t('app.hostElectron')) : ''}</span>
      </footer>
    </div>
    </SoftphoneProvider>
    </ShortcutsProvider>
  );
}

/** Browser mode: a desktop notification for a ringing call while the page is in the background. */
function useIncomingNotifications(calls: CallsView | undefined, hidden: string, title: (who: string) => string): void {
  const notified = useRef(new Set<string>());
  useEffect(() => {
    if (!calls || typeof Notification === 'undefined' || Notification.permission !== 'granted' || !document.hidden) return;
    for (const v of calls.live) {
      if (!v.pop || v.call.state !== 'ringing' || notified.current.has(v.call.id)) continue;
      notified.current.add(v.call.id);
      const n = new Notification(title(callTitle(v, hidden)), { body: v.number?.display ?? '', tag: v.call.id });
      n.onclick = () => window.focus();
    }
  }, [calls, hidden, title]);
}
