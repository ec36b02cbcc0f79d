// Which fields Settings -> CRM shows for each CRM, as data: one form renders them
// all, so every CRM's section looks and validates the same.
import type { CrmKind } from '../../../src-shared/domain/crm-settings';

export type CrmFieldType = 'text' | 'url' | 'port' | 'number' | 'check' | 'select' | 'secret' | 'textarea';

export interface CrmFieldSpec {
  /** Path inside `crm.<kind>` (dotted for nested objects), or `secret:clientSecret` / `secret:credential`. */
  readonly path: string;
  readonly type: CrmFieldType;
  /** i18n key under `crm.field.` */
  readonly label: string;
  readonly hint?: string;
  readonly options?: readonly string[];
  /** Shown only when another field has one of these values. */
  readonly when?: { readonly path: string; readonly values: readonly unknown[] };
  readonly placeholder?: string;
  /** Redirect ports: the path of the loopback redirect URL to register in the CRM's app settings. */
  readonly redirectPath?: string;
}

const amo: readonly CrmFieldSpec[] = [
  { path: 'accountUrl', type: 'url', label: 'amoAccountUrl', placeholder: 'https://example.amocrm.ru' },
  { path: 'auth', type: 'select', label: 'auth', options: ['oauth', 'longLivedToken'] },
  { path: 'clientId', type: 'text', label: 'clientId', when: { path: 'auth', values: ['oauth'] } },
  { path: 'secret:clientSecret', type: 'secret', label: 'clientSecret', when: { path: 'auth', values: ['oauth'] } },
  { path: 'redirectPort', type: 'port', label: 'redirectPort', hint: 'redirectPortHint', redirectPath: '/amocrm/callback', when: { path: 'auth', values: ['oauth'] } },
  { path: 'pasteCode', type: 'check', label: 'pasteCode', when: { path: 'auth', values: ['oauth'] } },
  { path: 'authorizeUrl', type: 'url', label: 'authorizeUrl', when: { path: 'auth', values: ['oauth'] } },
  { path: 'secret:credential', type: 'secret', label: 'longLivedToken', when: { path: 'auth', values: ['longLivedToken'] } },
  { path: 'pipelineId', type: 'number', label: 'pipelineId', hint: 'pipelineIdHint' },
];

const bitrix: readonly CrmFieldSpec[] = [
  { path: 'portalUrl', type: 'url', label: 'portalUrl', placeholder: 'https://example.bitrix24.ru' },
  { path: 'auth', type: 'select', label: 'auth', options: ['oauth', 'webhook'] },
  { path: 'clientId', type: 'text', label: 'clientId', when: { path: 'auth', values: ['oauth'] } },
  { path: 'secret:clientSecret', type: 'secret', label: 'clientSecret', when: { path: 'auth', values: ['oauth'] } },
  { path: 'redirectPort', type: 'port', label: 'redirectPort', hint: 'redirectPortHint', redirectPath: '/bitrix24/callback', when: { path: 'auth', values: ['oauth'] } },
  { path: 'pasteCode', type: 'check', label: 'pasteCode', when: { path: 'auth', values: ['oauth'] } },
  { path: 'oauthServerUrl', type: 'url', label: 'oauthServerUrl', when: { path: 'auth', values: ['oauth'] } },
  { path: 'secret:credential', type: 'secret', label: 'webhookUrl', hint: 'webhookUrlHint', when: { path: 'auth', values: ['webhook'] } },
  { path: 'lineNumber', type: 'text', label: 'lineNumber' },
];

const retail: readonly CrmFieldSpec[] = [
  { path: 'accountUrl', type: 'url', label: 'retailAccountUrl', placeholder: 'https://example.retailcrm.ru' },
  { path: 'secret:credential', type: 'secret', label: 'apiKey' },
  { path: 'site', type: 'text', label: 'site' },
  { path: 'externalPhone', type: 'text', label: 'externalPhone' },
  { path: 'callEvents', type: 'check', label: 'callEvents' },
  { path: 'timeZone', type: 'text', label: 'timeZone', placeholder: 'Europe/Moscow' },
];

const odoo: readonly CrmFieldSpec[] = [
  { path: 'url', type: 'url', label: 'odooUrl', placeholder: 'https://example.odoo.com' },
  { path: 'database', type: 'text', label: 'database' },
  { path: 'login', type: 'text', label: 'login' },
  { path: 'secret:credential', type: 'secret', label: 'apiKey' },
  { path: 'api', type: 'select', label: 'odooApi', options: ['auto', 'jsonrpc', 'json2'] },
  { path: 'callLog', type: 'select', label: 'odooCallLog', options: ['note', 'phonecall'] },
];

const generic: readonly CrmFieldSpec[] = [
  { path: 'name', type: 'text', label: 'genericName' },
  { path: 'baseUrl', type: 'url', label: 'baseUrl', placeholder: 'https://crm.example.com/api' },
  { path: 'auth', type: 'select', label: 'auth', options: ['bearer', 'apiKey', 'basic', 'oauthClientCredentials', 'oauthAuthorizationCode'] },
  { path: 'apiKeyHeader', type: 'text', label: 'apiKeyHeader', when: { path: 'auth', values: ['apiKey'] } },
  { path: 'basicUsername', type: 'text', label: 'basicUsername', when: { path: 'auth', values: ['basic'] } },
  { path: 'secret:credential', type: 'secret', label: 'genericCredential', when: { path: 'auth', values: ['bearer', 'apiKey', 'basic'] } },
  { path: 'oauth.tokenUrl', type: 'url', label: 'tokenUrl', when: { path: 'auth', values: ['oauthClientCredentials', 'oauthAuthorizationCode'] } },
  { path: 'oauth.authorizeUrl', type: 'url', label: 'authorizeUrl', when: { path: 'auth', values: ['oauthAuthorizationCode'] } },
  { path: 'oauth.clientId', type: 'text', label: 'clientId', when: { path: 'auth', values: ['oauthClientCredentials', 'oauthAuthorizationCode'] } },
  { path: 'secret:clientSecret', type: 'secret', label: 'clientSecret', when: { path: 'auth', values: ['oauthClientCredentials', 'oauthAuthorizationCode'] } },
  { path: 'oauth.scope', type: 'text', label: 'scope', when: { path: 'auth', values: ['oauthClientCredentials', 'oauthAuthorizationCode'] } },
  { path: 'oauth.redirectPort', type: 'port', label: 'redirectPort', when: { path: 'auth', values: ['oauthAuthorizationCode'] } },
  { path: 'lookupUrl', type: 'text', label: 'lookupUrl', hint: 'lookupUrlHint' },
  { path: 'contactPath', type: 'text', label: 'contactPath' },
  { path: 'mapping.id', type: 'text', label: 'mapId' },
  { path: 'mapping.name', type: 'text', label: 'mapName' },
  { path: 'mapping.company', type: 'text', label: 'mapCompany' },
  { path: 'mapping.responsible', type: 'text', label: 'mapResponsible' },
  { path: 'mapping.link', type: 'text', label: 'mapLink' },
  { path: 'contactUrlTemplate', type: 'text', label: 'contactUrlTemplate' },
  { path: 'logUrl', type: 'text', label: 'logUrl' },
  { path: 'logBodyTemplate', type: 'textarea', label: 'logBodyTemplate', hint: 'logBodyTemplateHint' },
];

export const CRM_FIELDS: Readonly<Record<Exclude<CrmKind, 'none'>, readonly CrmFieldSpec[]>> = {
  amocrm: amo,
  bitrix24: bitrix,
  retailcrm: retail,
  odoo,
  generic,
};

export function getPath(obj: unknown, path: string): unknown {
  return path.split('.').reduce<unknown>((o, k) => (typeof o === 'object' && o !== null ? (o as Record<string, unknown>)[k] : undefined), obj);
}

export function setPath<T>(obj: T, path: string, value: unknown): T {
  const [head, ...rest] = path.split('.');
  const base = (typeof obj === 'object' && obj !== null ? obj : {}) as Record<string, unknown>;
  if (head === undefined) return obj;
  return { ...base, [head]: rest.length === 0 ? value : setPath(base[head], rest.join('.'), value) } as T;
}
