// The Settings domain: one zod schema for what the operator and IT configure,
// used by main to validate every load and save, and by the renderer to
// validate forms before sending. Secrets are NOT here: they go to the keychain.
import { z } from 'zod';

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

export const PbxSettingsSchema = z.object({
  host: PbxHostSchema.default(''),
  port: z.number().int().min(1, { message: 'settings.error.port' }).max(65535, { message: 'settings.error.port' }).default(5038),
  tls: z.boolean().default(false),
  amiUser: AmiUserSchema.default(''),
  extension: ExtensionSchema.default(''),
});
export type PbxSettings = z.infer<typeof PbxSettingsSchema>;

export const LanguageSchema = z.enum(['system', 'en', 'ru']);
export type Language = z.infer<typeof LanguageSchema>;
export const ThemeSchema = z.enum(['system', 'light', 'dark']);
export type Theme = z.infer<typeof ThemeSchema>;

export const SettingsSchema = z.object({
  language: LanguageSchema.default('system'),
  theme: ThemeSchema.default('system'),
  pbx: PbxSettingsSchema.default(() => PbxSettingsSchema.parse({})),
});
export type Settings = z.infer<typeof SettingsSchema>;

/** A change from the UI: any subset of fields, each validated like the whole. */
export const SettingsPatchSchema = z
  .object({
    language: LanguageSchema.optional(),
    theme: ThemeSchema.optional(),
    pbx: z
      .object({
        host: PbxHostSchema.optional(),
        port: PbxSettingsSchema.shape.port.unwrap().optional(),
        tls: z.boolean().optional(),
        amiUser: AmiUserSchema.optional(),
        extension: ExtensionSchema.optional(),
      })
      .strict()
      .optional(),
  })
  .strict();
export type SettingsPatch = z.infer<typeof SettingsPatchSchema>;

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
