// The Settings domain: one zod schema for what the operator and IT configure,
// used by main to validate every load and save, and by the renderer to
// validate forms before sending. Secrets are NOT here: they go to the keychain.
import { z } from 'zod';
import { RewriteRuleSchema, validateRewriteRules } from '../phone/rewrite-rules';
import { DialSettingsSchema, RecordingSettingsSchema, TransferSettingsSchema } from './control-settings';
import { ShellSettingsSchema } from './shell-settings';
import { HotkeySchema } from './hotkey';
import { CrmSettingsSchema, ReportingSettingsSchema } from './crm-settings';
import { SoftphoneSettingsSchema } from './softphone-settings';
import { UpdateSettingsSchema } from './update-settings';

const hostPattern = /^(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$|^\[?[0-9A-Fa-f:.]+\]?$/;

/** A PBX host name or IP address; empty means "not configured" (demo mode). */
export const PbxHostSchema = z
  .string()
  .trim()
  .max(253, { message: 'settings.error.hostTooLong' })
  .refine((v) => v === '' || hostPattern.test(v), { message: 'settings.error.host' });

/** An operator extension: digits only, as dialled on the PBX. */
export const ExtensionSchema = z
  .string()
  .trim()
  .refine((v) => v === '' || /^[0-9]{2,10}$/.test(v), { message: 'settings.error.extension' });

/** An AMI user name as manager.conf allows it (a [section] name). */
export const AmiUserSchema = z
  .string()
  .trim()
  .refine((v) => v === '' || /^[A-Za-z0-9_.@-]{1,64}$/.test(v), { message: 'settings.error.amiUser' });

/**
 * Which channels are the operator's, as a regular expression with `<ext>` where
 * the extension goes; empty means the default `^(?:PJSIP|SIP|IAX2)/<ext>-`.
 * Usually set by IT (--config) for phones on other technologies.
 */
export const ChannelPatternSchema = z
  .string()
  .trim()
  .max(200, { message: 'The channel pattern is too long (at most 200 characters)' })
  .refine((v) => v === '' || (v.includes('<ext>') && compiles(v.split('<ext>').join('101'))), {
    message: 'The channel pattern must be a regular expression containing <ext>, e.g. ^(?:PJSIP|SIP)/<ext>-',
  });

function compiles(pattern: string): boolean {
  try {
    new RegExp(pattern);
    return true;
  } catch {
    return false;
  }
}

export const PbxSettingsSchema = z.object({
  host: PbxHostSchema.default(''),
  port: z.number().int().min(1, { message: 'settings.error.port' }).max(65535, { message: 'settings.error.port' }).default(5038),
  tls: z.boolean().default(false),
  amiUser: AmiUserSchema.default(''),
  extension: ExtensionSchema.default(''),
  // Optional (no default) so older documents and literals stay valid as they are.
  channelPattern: ChannelPatternSchema.optional(),
  /** IT gave this AMI user eventfilter lines (`sidecall ami-config`): diagnostics report PBX-side filtering. */
  eventFilter: z.boolean().optional(),
});
export type PbxSettings = z.infer<typeof PbxSettingsSchema>;

export const LanguageSchema = z.enum(['system', 'en', 'ru']);
export type Language = z.infer<typeof LanguageSchema>;
export const ThemeSchema = z.enum(['system', 'light', 'dark']);
export type Theme = z.infer<typeof ThemeSchema>;

/** When the contact card pops: when my phone rings, when I answer, or never. */
export const ScreenPopSettingsSchema = z.object({
  when: z.enum(['ring', 'answer', 'never']).default('ring'),
  /** Only for callers from outside (not colleagues' extensions). */
  externalOnly: z.boolean().default(false),
});
export type ScreenPopSettings = z.infer<typeof ScreenPopSettingsSchema>;

/** How numbers from the PBX are normalized before a CRM lookup. */
export const NumberSettingsSchema = z.object({
  /** ISO 3166 region for numbers without a country code, e.g. RU: 89161234567 -> +79161234567. */
  defaultRegion: z
    .string()
    .trim()
    .toUpperCase()
    .refine((v) => /^[A-Z]{2}$/.test(v), { message: 'settings.error.region' })
    .default('RU'),
  /** Applied in order before parsing, e.g. strip an outside-line prefix 9. */
  rewriteRules: z
    .array(RewriteRuleSchema)
    .max(20, { message: 'settings.error.tooManyRules' })
    .superRefine((rules, ctx) => {
      for (const e of validateRewriteRules(rules)) ctx.addIssue({ code: 'custom', path: [e.index, e.field], message: `settings.error.rule.${e.code}` });
    })
    .default([]),
});
export type NumberSettings = z.infer<typeof NumberSettingsSchema>;

// HotkeySchema lives in hotkey.ts (shell-settings.ts needs it too, and imports nothing from here).
export { HotkeySchema } from './hotkey';

const DialSchema = DialSettingsSchema.extend({
  /** A tel:/callto:/sip: link shows a confirm card first (off: links dial at once). */
  confirmLinks: z.boolean().default(true),
  /** Global shortcut that dials the number in the clipboard (Electron only); '' (default): off. */
  clipboardHotkey: HotkeySchema.default(''),
});

export const SettingsSchema = z.object({
  language: LanguageSchema.default('system'),
  theme: ThemeSchema.default('system'),
  pbx: PbxSettingsSchema.default(() => PbxSettingsSchema.parse({})),
  screenPop: ScreenPopSettingsSchema.default(() => ScreenPopSettingsSchema.parse({})),
  numbers: NumberSettingsSchema.default(() => NumberSettingsSchema.parse({})),
  dial: DialSchema.default(() => DialSchema.parse({})),
  transfer: TransferSettingsSchema.default(() => TransferSettingsSchema.parse({})),
  recording: RecordingSettingsSchema.default(() => RecordingSettingsSchema.parse({})),
  crm: CrmSettingsSchema.default(() => CrmSettingsSchema.parse({})),
  reporting: ReportingSettingsSchema.default(() => ReportingSettingsSchema.parse({})),
  softphone: SoftphoneSettingsSchema.default(() => SoftphoneSettingsSchema.parse({})),
  updates: UpdateSettingsSchema.default(() => UpdateSettingsSchema.parse({})),
  shell: ShellSettingsSchema.default(() => ShellSettingsSchema.parse({})),
});
export type Settings = z.infer<typeof SettingsSchema>;

/** The patch form of a settings object schema: every field optional, no defaults filled in, unknown keys refused. */
function patchOf(schema: z.ZodObject): z.ZodObject {
  const shape: Record<string, z.ZodType> = {};
  for (const [key, field] of Object.entries(schema.shape as Record<string, z.ZodType>)) {
    const inner = field instanceof z.ZodDefault ? (field.unwrap() as z.ZodType) : field;
    shape[key] = (inner instanceof z.ZodObject ? patchOf(inner) : inner).optional();
  }
  return z.object(shape).strict();
}

/** A change from the UI: any subset of fields, each validated like the whole. */
export const SettingsPatchSchema = patchOf(SettingsSchema) as unknown as z.ZodType<SettingsPatch>;
export type SettingsPatch = {
  readonly [K in keyof Settings]?: Settings[K] extends readonly unknown[] ? Settings[K] : Settings[K] extends object ? { readonly [F in keyof Settings[K]]?: Settings[K][F] } : Settings[K];
};

/** A field that could not be used as found in a settings file. */
export interface SettingsProblem {
  /** Dotted path of the field, e.g. `pbx.port`. */
  readonly path: string;
  /** Message key (see src-renderer/i18n) or plain English explanation. */
  readonly message: string;
  /** Which file it was in. */
  readonly source: string;
}

/** The defaults a fresh install starts with. */
export function defaultSettings(): Settings {
  return SettingsSchema.parse({});
}
