// Settings of call control: where click-to-call rings first and which dialplan
// location it continues to, where transfers go, and how recordings start.
// A zod schema with defaults, shaped to be merged as `control` (or as the three
// sections dial/transfer/recording) into src-shared/domain/settings.ts
// (SettingsSchema) once the Settings UI grows these fields; until then the app
// passes ControlSettingsSchema.parse({}) or a partial document through parse().
//
// Every value here ends up in an AMI header, so each field only admits what
// Asterisk reads literally: no CR/LF (the codec would refuse it anyway), no
// `,` (Asterisk's argument splitter), no `${` (dialplan substitution), no `..`.
import { z } from 'zod';

/** A dialplan context name as extensions.conf allows one in practice (`from-internal`, `sidecall-record`). */
const DialplanName = z
  .string()
  .trim()
  .regex(/^[A-Za-z0-9_-]{1,80}$/, { message: 'Use letters, digits, "-" and "_" only (a dialplan context name), at most 80 characters' });

/**
 * The operator's device as an Originate `Channel`, with `<ext>` for the
 * extension: `PJSIP/<ext>` (default), `SIP/<ext>`, `Local/<ext>@from-internal`.
 * The resolved value is checked again with validateChannelName before use.
 */
const DeviceTemplate = z
  .string()
  .trim()
  .regex(/^[A-Za-z][A-Za-z0-9_]{0,19}\/(?:[A-Za-z0-9_.@+-]|<ext>){1,120}(?:\/n)?$/, {
    message: 'The device must look like PJSIP/<ext> or Local/<ext>@context (letters, digits, "_", ".", "@", "+", "-")',
  });

/** The CallerID name template: `{contact|number}`, `{contact}`, `{number}`, `{ext}` and literal text. */
const CallerIdNameTemplate = z
  .string()
  .max(80, { message: 'The caller ID name template is too long (at most 80 characters)' })
  // eslint-disable-next-line no-control-regex
  .refine((v) => !/[\u0000-\u001f\u007f"<>\\]/.test(v), { message: 'The caller ID name template may not contain quotes, angle brackets, backslashes or control characters' })
  .refine((v) => /^(?:[^{}]|\{(?:contact\|number|contact|number|ext)\})*$/.test(v), {
    message: 'Unknown placeholder in the caller ID name template: use {contact|number}, {contact}, {number} or {ext}',
  });

/** Placeholders a recording file template may use (see recording-file.ts). */
export const FILE_TEMPLATE_VARIABLES = ['YYYY', 'MM', 'DD', 'hh', 'mm', 'ss', 'LINKEDID', 'UNIQUEID', 'EXT', 'NUMBER'] as const;

/**
 * A relative file name for MixMonitor: Asterisk puts it under its monitor
 * directory (astspooldir/monitor). Absolute paths and `..` are refused so a
 * setting cannot make Asterisk write anywhere else; `,` is refused because the
 * MixMonitor action joins File, Options and Command with commas
 * (apps/app_mixmonitor.c, manager_mixmonitor -> start_mixmonitor_callback).
 */
const FileTemplate = z
  .string()
  .trim()
  .min(1)
  .max(200, { message: 'The recording file template is too long (at most 200 characters)' })
  .refine((v) => /^(?:[A-Za-z0-9_./-]|\$\{[A-Za-z]+\})+$/.test(v), {
    message: 'The recording file template may use letters, digits, "_", ".", "/", "-" and ${...} placeholders only',
  })
  .refine((v) => [...v.matchAll(/\$\{([A-Za-z]+)\}/g)].every((m) => (FILE_TEMPLATE_VARIABLES as readonly string[]).includes(m[1] ?? '')), {
    message: `Unknown placeholder in the recording file template: use ${FILE_TEMPLATE_VARIABLES.map((n) => `\${${n}}`).join(', ')}`,
  })
  .refine((v) => !v.startsWith('/') && !v.split('/').some((seg) => seg === '' || seg === '.' || seg === '..'), {
    message: 'The recording file template must be a relative path without empty, "." or ".." parts',
  })
  .refine((v) => /\.(?:wav|WAV|gsm|wav49|ulaw|alaw|sln|g722)$/.test(v), { message: 'The recording file template must end with a format extension such as .wav' });

/**
 * How an outside number goes into Exten: `national` (default) sends the home
 * country's verified numbers with their national prefix (`+7 916...` from a CRM
 * becomes `89161234567`, what RU dialplans match with `_8X.`) and anything else
 * as dialled; `e164` sends `+79161234567`; `dialled` sends the digits as typed
 * (after Settings -> Numbers rewrite rules).
 */
export const NumberFormatSchema = z.enum(['national', 'e164', 'dialled']);
export type NumberFormat = z.infer<typeof NumberFormatSchema>;

export const DialSettingsSchema = z.object({
  /** The operator's device rung first by Originate; `<ext>` is the operator's extension. */
  device: DeviceTemplate.default('PJSIP/<ext>'),
  /** Where the answered device continues: context, priority (exten is the number dialled). */
  context: DialplanName.default('from-internal'),
  priority: z.number().int().min(1).max(99_999).default(1),
  /** How long the operator's phone rings before the click-to-call gives up (Originate Timeout). */
  timeoutSec: z.number().int().min(5).max(300).default(30),
  /** CallerID name shown on the operator's phone for the click-to-call leg. */
  callerIdNameTemplate: CallerIdNameTemplate.default('Sidecall: {contact|number}'),
  /** Prepended to outside numbers only (e.g. `9` for an outside line); extensions and short numbers are dialled as they are. */
  outboundPrefix: z
    .string()
    .trim()
    .regex(/^[0-9*#]{0,8}$/, { message: 'The outbound prefix may contain digits, * and # only (at most 8)' })
    .default(''),
  numberFormat: NumberFormatSchema.default('national'),
});
export type DialSettings = z.infer<typeof DialSettingsSchema>;

export const TransferSettingsSchema = z.object({
  /** Dialplan context a blind/attended transfer target is dialled in (trace e used `transfer`; FreePBX uses from-internal). */
  context: DialplanName.default('from-internal'),
  /**
   * Use the AMI BlindTransfer action (Asterisk 12+; emits a BlindTransfer event
   * and honours the transferer's features) instead of Redirect of the other
   * party (works on every version; raises no transfer event).
   */
  useBlindTransferAction: z.boolean().default(false),
});
export type TransferSettings = z.infer<typeof TransferSettingsSchema>;

/**
 * - `direct`: Sidecall sends MixMonitor itself; the AMI user needs write=system
 *   (close to shell access: diagnostics should warn).
 * - `dialplan`: least privilege; Sidecall originates a Local channel into the
 *   context of RECORDING_DIALPLAN (recording-dialplan.ts), which IT installs.
 * - `pbx`: the PBX records every call; Sidecall only pauses, resumes and stops.
 */
export const RecordingModeSchema = z.enum(['direct', 'dialplan', 'pbx']);
export type RecordingMode = z.infer<typeof RecordingModeSchema>;

export const RecordingSettingsSchema = z.object({
  mode: RecordingModeSchema.default('direct'),
  fileTemplate: FileTemplate.default('sidecall/${YYYY}/${MM}/${DD}/${LINKEDID}-${EXT}.wav'),
  /** The context holding RECORDING_DIALPLAN (dialplan mode). */
  dialplanContext: DialplanName.default('sidecall-record'),
});
export type RecordingSettings = z.infer<typeof RecordingSettingsSchema>;

export const ControlSettingsSchema = z.object({
  dial: DialSettingsSchema.default(() => DialSettingsSchema.parse({})),
  transfer: TransferSettingsSchema.default(() => TransferSettingsSchema.parse({})),
  recording: RecordingSettingsSchema.default(() => RecordingSettingsSchema.parse({})),
});
export type ControlSettings = z.infer<typeof ControlSettingsSchema>;

/** The defaults: ring PJSIP/<ext> for 30 s, continue in from-internal at priority 1, record directly. */
export function defaultControlSettings(): ControlSettings {
  return ControlSettingsSchema.parse({});
}
