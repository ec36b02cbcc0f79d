// {placeholder} templates of the generic CRM: URLs (values URL-encoded, {base}
// as it is) and JSON bodies (values JSON-escaped as string content, so a value
// can never close its quotes and add fields). Unknown placeholders are errors,
// found when Settings are checked rather than at the first call.

const PLACEHOLDER = /\{([A-Za-z][A-Za-z0-9]*)\}/g;

/** The placeholder names a template uses. */
export function placeholdersOf(template: string): string[] {
  return [...template.matchAll(PLACEHOLDER)].map((m) => m[1] ?? '');
}

/** Names used by `template` that are not in `allowed`. */
export function unknownPlaceholders(template: string, allowed: readonly string[]): string[] {
  return [...new Set(placeholdersOf(template).filter((n) => !allowed.includes(n)))];
}

export type TemplateValue = string | number | undefined;

/** A URL from a template: {base} verbatim, every other value URL-encoded (missing values: empty). */
export function fillUrlTemplate(template: string, base: string, values: Readonly<Record<string, TemplateValue>>): string {
  return template.replace(PLACEHOLDER, (_all, name: string) => {
    if (name === 'base') return base;
    const v = values[name];
    return v === undefined ? '' : encodeURIComponent(String(v));
  });
}

/** A value as the inside of a JSON string literal. */
export function jsonEscape(value: string): string {
  return JSON.stringify(value).slice(1, -1);
}

/** A JSON body from a template: each value JSON-escaped (missing values: empty). The result is not parsed here. */
export function fillJsonTemplate(template: string, values: Readonly<Record<string, TemplateValue>>): string {
  return template.replace(PLACEHOLDER, (_all, name: string) => {
    const v = values[name];
    return v === undefined ? '' : jsonEscape(String(v));
  });
}
