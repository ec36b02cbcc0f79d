// The CRM addresses the operator types in Settings, in the two forms the
// connectors need: a base to append API paths and card links to, and the host
// for display names ("amoCRM (example.amocrm.ru)").

/** `  https://example.ru/api//  ` -> `https://example.ru/api`: a base to append `/path` to. */
export function trimBase(url: string): string {
  return url.trim().replace(/\/+$/, '');
}

/** `https://example.amocrm.ru/x` -> `example.amocrm.ru`, for display names. */
export function hostOf(url: string): string {
  return url.replace(/^https?:\/\//, '').replace(/\/.*$/, '');
}
