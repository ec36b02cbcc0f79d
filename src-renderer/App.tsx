// The main window: header with connection state, two pages (Calls, Settings),
// theme and language applied from Settings.
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useAppState } from './hooks/use-app-state';
import { HomePage } from './pages/HomePage';
import { SettingsPage } from './pages/SettingsPage';
import { connectionTone } from './components/ConnectionCard';
import { applyLanguage } from './i18n';
import { sidecall } from './bridge';

type Page = 'home' | 'settings';

export function App() {
  const { t } = useTranslation();
  const state = useAppState();
  const [page, setPage] = useState<Page>('home');
  const settings = state.view?.settings;

  useEffect(() => {
    if (settings && state.info) applyLanguage(settings.language, state.info.systemLanguage);
  }, [settings, state.info]);
  // The tray's "Settings" item (Electron host) asks the window to show a page.
  useEffect(() => sidecall().on('ui.navigate', ({ page: next }) => setPage(next)), []);
  useEffect(() => {
    document.documentElement.dataset['theme'] = settings?.theme ?? 'system';
  }, [settings?.theme]);

  return (
    <div className="shell">
      <header className="topbar">
        <div className="brand">
          <img src="./favicon.svg" alt="" width={22} height={22} />
          <span>{t('app.title')}</span>
        </div>
        <span className={`pill pill-${connectionTone(state.connection)}`} data-testid="header-state">
          <span className={`dot dot-${connectionTone(state.connection)}`} aria-hidden="true" />
          {state.connection ? t(`connection.${state.connection.state}`, { seconds: '' }) : '…'}
        </span>
      </header>
      <nav className="tabs" aria-label={t('nav.main')}>
        {(['home', 'settings'] as const).map((p) => (
          <button key={p} type="button" className={`tab${page === p ? ' tab-active' : ''}`} aria-current={page === p ? 'page' : undefined} onClick={() => setPage(p)} data-testid={`nav-${p}`}>
            {t(`nav.${p}`)}
          </button>
        ))}
      </nav>
      <main className="content">
        {state.loadError ? (
          <div className="banner banner-error" role="alert">
            {state.loadError}
          </div>
        ) : page === 'home' ? (
          <HomePage connection={state.connection} onOpenSettings={() => setPage('settings')} />
        ) : (
          <SettingsPage view={state.view} location={state.info?.settingsLocation} onSaved={state.setView} />
        )}
      </main>
      <footer className="footer muted small">
        <span data-testid="app-version">{state.info ? t('app.version', { version: state.info.version }) : ''}</span>
        <span>{state.info ? (state.info.host === 'web' ? t('app.hostWeb') : t('app.hostElectron')) : ''}</span>
      </footer>
    </div>
  );
}
