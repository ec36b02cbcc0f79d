// Small helpers the CRM backends share.

/** `https://example.amocrm.ru/x` -> `example.amocrm.ru`, for display names. */
export function hostOf(url: string): string {
  return url.replace(/^https?:\/\//, '').replace(/\/.*$/, '');
}
