// The UI language and colour theme from Settings, applied to the document.
// Shared by every window's root (App, PopupApp) so they always look alike.
import { useEffect } from 'react';
import type { Settings } from '../../src-shared/domain/settings';
import type { AppInfo } from '../../src-shared/ipc/contract';
import { applyLanguage } from '../i18n';

export function useThemeLanguage(settings: Settings | undefined, info: AppInfo | undefined): void {
  useEffect(() => {
    // "system" needs the OS language, which only the host knows (app.info).
    if (settings && info) applyLanguage(settings.language, info.systemLanguage);
  }, [settings, info]);
  useEffect(() => {
    document.documentElement.dataset['theme'] = settings?.theme ?? 'system';
  }, [settings?.theme]);
}
