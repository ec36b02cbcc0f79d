// i18next set-up: English and Russian bundled (no remote loading), language
// from Settings or, for "system", from the OS as reported by the host.
import i18next from 'i18next';
import { initReactI18next } from 'react-i18next';
import { en } from './en';
import { ru } from './ru';

export const i18n = i18next.createInstance();
void i18n.use(initReactI18next).init({
  resources: { en: { translation: en }, ru: { translation: ru } },
  lng: 'en',
  fallbackLng: 'en',
  interpolation: { escapeValue: false },
  returnNull: false,
  showSupportNotice: false,
});

export function applyLanguage(setting: 'system' | 'en' | 'ru', systemLanguage: 'en' | 'ru'): void {
  const lng = setting === 'system' ? systemLanguage : setting;
  if (i18n.language !== lng) void i18n.changeLanguage(lng);
  document.documentElement.lang = lng;
}

/** Translates a message key from the core (e.g. `settings.error.port`), or shows the text as is. */
export function translateMessage(message: string): string {
  return message.includes(' ') || !i18n.exists(message) ? message : i18n.t(message);
}
