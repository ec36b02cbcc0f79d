// What the operator (or IT) configures about the CRM and call reporting. Secrets
// (client secrets, tokens, API keys, webhook URLs, the recording-link secret) are
// NOT here: they live in the keychain under the accounts of CRM_SECRET_ACCOUNTS.
import { z } from 'zod';

export const CrmKindSchema = z.enum(['none', 'amocrm', 'bitrix24', 'retailcrm', 'odoo', 'generic']);
export type CrmKind = z.infer<typeof CrmKindSchema>;

/** An https URL (http only for 127.0.0.1/localhost: test servers and LAN CRMs behind a local proxy). */
export const CrmUrlSchema = z
  .string()
  .trim()
  .max(500)
  .refine((v) => v === '' || isCrmUrl(v), { message: 'settings.error.crmUrl' });

// No URL global in src-shared (no DOM, no Node): a strict pattern instead.
const HTTPS_URL = /^https:\/\/[A-Za-z0-9.-]+(?::[0-9]{1,5})?(?:\/[^\s?#]*)?$/;
const LOOPBACK_URL = /^http:\/\/(?:127\.0\.0\.1|localhost|\[::1\])(?::[0-9]{1,5})?(?:\/[^\s?#]*)?$/;
function isCrmUrl(v: string): boolean {
  return HTTPS_URL.test(v) || LOOPBACK_URL.test(v);
}

/** 0 = any free port (only where the authorization server allows any, RFC 8252 7.3). */
const RedirectPortSchema = z.number().int().min(0).max(65535, { message: 'settings.error.port' });

export const AmoCrmSettingsSchema = z.object({
  /** https://example.amocrm.ru (or .kommo.com): API and token endpoint live here. */
  accountUrl: CrmUrlSchema.default(''),
  /** `oauth`: the integration's authorization code flow; `longLivedToken`: a private integration's token (keychain). */
  auth: z.enum(['oauth', 'longLivedToken']).default('oauth'),
  clientId: z.string().trim().max(200).default(''),
  /** The browser page that asks the user to allow the integration. */
  authorizeUrl: CrmUrlSchema.default('https://www.amocrm.ru/oauth'),
  /** amoCRM matches redirect_uri exactly against the integration's setting, so the port is fixed. */
  redirectPort: RedirectPortSchema.default(17_345),
  /** The CRM shows the code instead of redirecting: the operator pastes it. */
  pasteCode: z.boolean().default(false),
  /** Pipeline for unsorted leads of unknown callers; 0 = the account's main pipeline. */
  pipelineId: z.number().int().min(0).default(0),
});
export type AmoCrmSettings = z.infer<typeof AmoCrmSettingsSchema>;

export const Bitrix24SettingsSchema = z.object({
  /** https://example.bitrix24.ru */
  portalUrl: CrmUrlSchema.default(''),
  /** `oauth`: a local/market application; `webhook`: an incoming webhook URL (keychain), per user. */
  auth: z.enum(['oauth', 'webhook']).default('oauth'),
  clientId: z.string().trim().max(200).default(''),
  /** Bitrix24 exchanges codes and refreshes tokens here, not on the portal. */
  oauthServerUrl: CrmUrlSchema.default('https://oauth.bitrix.info'),
  /** Bitrix24 takes redirect_uri from the application's settings, so the port is fixed. */
  redirectPort: RedirectPortSchema.default(17_346),
  pasteCode: z.boolean().default(false),
  /** Outside line shown in Bitrix24 (LINE_NUMBER); empty: none. */
  lineNumber: z.string().trim().max(50).default(''),
});
export type Bitrix24Settings = z.infer<typeof Bitrix24SettingsSchema>;

/** An IANA time zone name (Europe/Moscow); empty: this computer's time zone. */
const TimeZoneSchema = z
  .string()
  .trim()
  .max(64)
  .refine((v) => v === '' || /^[A-Za-z_]+(?:\/[A-Za-z0-9_+-]+)*$/.test(v), { message: 'settings.error.timeZone' });

export const RetailCrmSettingsSchema = z.object({
  /** https://example.retailcrm.ru (API key in the keychain: CRM_SECRET_ACCOUNTS.credential('retailcrm')). */
  accountUrl: CrmUrlSchema.default(''),
  /** Store (site) code for multi-store accounts; empty: retailCRM picks. */
  site: z.string().trim().max(100).default(''),
  /** Our outside line as retailCRM knows it (externalPhone); empty: none. */
  externalPhone: z.string().trim().max(50).default(''),
  /** Send ringing/hangup events so retailCRM's own pop-ups and manager routing work. */
  callEvents: z.boolean().default(true),
  /** calls/upload takes "Y-m-d H:i:s" without a zone: the account's time zone. */
  timeZone: TimeZoneSchema.default(''),
});
export type RetailCrmSettings = z.infer<typeof RetailCrmSettingsSchema>;

export const OdooSettingsSchema = z.object({
  /** https://example.odoo.com (API key in the keychain: CRM_SECRET_ACCOUNTS.credential('odoo')). */
  url: CrmUrlSchema.default(''),
  /** Database name (/jsonrpc; X-Odoo-Database on /json/2); empty: the server's only database. */
  database: z.string().trim().max(100).default(''),
  /** The user's login (e-mail) the API key belongs to; /jsonrpc needs it, /json/2 does not. */
  login: z.string().trim().max(200).default(''),
  /** `auto`: /json/2 from Odoo 19 on, /jsonrpc before (by common.version). */
  api: z.enum(['auto', 'jsonrpc', 'json2']).default('auto'),
  /** `note`: message_post on the partner; `phonecall`: OCA crm.phonecall where installed (else a note). */
  callLog: z.enum(['note', 'phonecall']).default('note'),
});
export type OdooSettings = z.infer<typeof OdooSettingsSchema>;

/** A template URL with {placeholders}: starts with {base}, https, or http on loopback. */
const TemplateUrlSchema = z
  .string()
  .trim()
  .max(1000)
  .refine((v) => v === '' || /^\{base\}/.test(v) || /^https:\/\/[^\s]+$/.test(v) || /^http:\/\/(?:127\.0\.0\.1|localhost|\[::1\])[:/][^\s]*$/.test(v), {
    message: 'settings.error.crmUrl',
  });

/** A JSON path in the small subset the generic connector reads: dotted keys and [index]; empty: not mapped. */
export const JsonPathSchema = z
  .string()
  .trim()
  .max(200)
  .refine((v) => v === '' || /^(?:[A-Za-z_$][\w$-]*|\[[0-9]+\])(?:\.[A-Za-z_$][\w$-]*|\[[0-9]+\])*$/.test(v), {
    message: 'settings.error.jsonPath',
  });

export const GenericCrmSettingsSchema = z.object({
  /** The CRM's API root, e.g. https://crm.example.com/api; {base} in the templates. */
  baseUrl: CrmUrlSchema.default(''),
  /** Shown to the user in messages and the "Open in CRM" button. */
  name: z.string().trim().max(50).default('CRM'),
  /** GET, with {e164} {digits} {raw} (URL-encoded). */
  lookupUrl: TemplateUrlSchema.default('{base}/contacts?phone={e164}'),
  /** Where in the lookup response the contact is (e.g. `data[0]`); empty: the response itself (an array: its first item). */
  contactPath: JsonPathSchema.default(''),
  mapping: z
    .object({
      id: JsonPathSchema.default('id'),
      name: JsonPathSchema.default('name'),
      company: JsonPathSchema.default('company'),
      responsible: JsonPathSchema.default('responsible'),
      link: JsonPathSchema.default('url'),
    })
    .default(() => ({ id: 'id', name: 'name', company: 'company', responsible: 'responsible', link: 'url' })),
  /** "Open in CRM" when the response has no link: {base} {id}; empty: no link. */
  contactUrlTemplate: TemplateUrlSchema.default(''),
  /** POST target of call logs; empty: calls are not reported. */
  logUrl: TemplateUrlSchema.default('{base}/calls'),
  /** Body template with placeholders (values JSON-escaped); empty: the documented body (docs/crm-generic.md). */
  logBodyTemplate: z.string().max(5000).default(''),
  /** The secret is in the keychain: token / API key / password (credential), or OAuth tokens. */
  auth: z.enum(['bearer', 'apiKey', 'basic', 'oauthClientCredentials', 'oauthAuthorizationCode']).default('bearer'),
  apiKeyHeader: z
    .string()
    .trim()
    .max(100)
    .refine((v) => /^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/.test(v), { message: 'settings.error.headerName' })
    .default('X-API-Key'),
  basicUsername: z.string().trim().max(200).default(''),
  oauth: z
    .object({
      tokenUrl: CrmUrlSchema.default(''),
      authorizeUrl: CrmUrlSchema.default(''),
      clientId: z.string().trim().max(200).default(''),
      scope: z.string().trim().max(500).default(''),
      redirectPort: RedirectPortSchema.default(0),
    })
    .default(() => ({ tokenUrl: '', authorizeUrl: '', clientId: '', scope: '', redirectPort: 0 })),
});
export type GenericCrmSettings = z.infer<typeof GenericCrmSettingsSchema>;

export const CrmSettingsSchema = z.object({
  kind: CrmKindSchema.default('none'),
  amocrm: AmoCrmSettingsSchema.default(() => AmoCrmSettingsSchema.parse({})),
  bitrix24: Bitrix24SettingsSchema.default(() => Bitrix24SettingsSchema.parse({})),
  retailcrm: RetailCrmSettingsSchema.default(() => RetailCrmSettingsSchema.parse({})),
  odoo: OdooSettingsSchema.default(() => OdooSettingsSchema.parse({})),
  generic: GenericCrmSettingsSchema.default(() => GenericCrmSettingsSchema.parse({})),
  /** Operator extension -> CRM user id, for responsible/created_by (filled from the CRM's user list or by IT). */
  userMap: z.record(z.string().regex(/^[0-9]{2,10}$/), z.string().max(100)).default({}),
});
export type CrmSettings = z.infer<typeof CrmSettingsSchema>;

export const RecordingLinkSettingsSchema = z.object({
  /**
   * Where the PBX serves recordings, with placeholders: {file} {file_base} {linkedid} {uniqueid}
   * {yyyy} {mm} {dd} {extension}; empty: calls are reported without a link.
   * e.g. https://pbx.example.com/rec/{yyyy}/{mm}/{dd}/{file}
   */
  urlTemplate: z.string().trim().max(500).default(''),
  /** Sign as nginx secure_link (md5 of expiry + uri + secret, secret in the keychain). */
  signed: z.boolean().default(false),
  /** Lifetime of a signed link, hours; 0 = no expiry. */
  expiresHours: z.number().int().min(0).max(24 * 365).default(24 * 30),
  /**
   * The PBX records every answered call in its own dialplan (e.g. MixMonitor(${LINKEDID}.wav) on the
   * trunk), which the operator's filtered AMI session does not see: answered calls get a link anyway,
   * named by {linkedid} or {uniqueid} in the template.
   */
  pbxRecordsAll: z.boolean().default(false),
});
export type RecordingLinkSettings = z.infer<typeof RecordingLinkSettingsSchema>;

export const ReportingSettingsSchema = z.object({
  enabled: z.boolean().default(true),
  /** Which calls go to the CRM. */
  which: z.enum(['all', 'external', 'answered']).default('external'),
  /** Unknown caller: create a contact or lead (amoCRM unsorted `sip` lead, Bitrix24 CRM_CREATE). */
  createUnknown: z.boolean().default(true),
  /** Missed call: a task for the responsible manager. */
  missedCallTask: z.boolean().default(false),
  recordingLink: RecordingLinkSettingsSchema.default(() => RecordingLinkSettingsSchema.parse({})),
});
export type ReportingSettings = z.infer<typeof ReportingSettingsSchema>;

/** Keychain accounts (SecretStore keys) of the CRM credentials; never in settings files or logs. */
export const CRM_SECRET_ACCOUNTS = {
  /** OAuth token set (JSON) of a CRM account. */
  tokens: (kind: CrmKind) => `crm/${kind}/tokens`,
  clientSecret: (kind: CrmKind) => `crm/${kind}/client-secret`,
  /** amoCRM long-lived token, retailCRM/generic API key, Odoo API key, Bitrix24 incoming webhook URL. */
  credential: (kind: CrmKind) => `crm/${kind}/credential`,
  recordingLinkSecret: 'reporting/recording-link-secret',
} as const;
