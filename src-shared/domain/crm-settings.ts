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

export const CrmSettingsSchema = z.object({
  kind: CrmKindSchema.default('none'),
  amocrm: AmoCrmSettingsSchema.default(() => AmoCrmSettingsSchema.parse({})),
  bitrix24: Bitrix24SettingsSchema.default(() => Bitrix24SettingsSchema.parse({})),
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
