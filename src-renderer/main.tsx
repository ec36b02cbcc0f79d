// Renderer entry: mounts the React app, or only the pop cards in the Electron
// host's screen-pop window (loaded as index.html#popup). No Node, no Electron:
// everything goes through `window.sidecall` (src-renderer/bridge).
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { I18nextProvider } from 'react-i18next';
import { App } from './App';
import { PopupApp } from './PopupApp';
import { i18n } from './i18n';
import './styles.css';

const popup = location.hash === '#popup';
// Lets popup.css style this window alone (one stylesheet serves both).
if (popup) document.documentElement.dataset['window'] = 'popup';

const root = document.getElementById('root');
if (root) {
  createRoot(root).render(
    <StrictMode>
      <I18nextProvider i18n={i18n}>{popup ? <PopupApp /> : <App />}</I18nextProvider>
    </StrictMode>,
  );
}
