// Settings of the desktop shell (the Electron host's tray app): start at
// login, the native notifications, how "Do not disturb" reaches the PBX, and
// the optional system-wide answer/hang-up shortcuts.
// Merged as `shell` into SettingsSchema; IT can set and lock each field by
// policy like any other.
import { z } from 'zod';
import { HotkeySchema } from './hotkey';

/** An Asterisk database family or key (astdb): no spaces, no slashes at the ends, nothing that could end an AMI header. */
const AstDbName = z
  .string()
  .trim()
  .max(64)
  .refine((v) => v === '' || /^[A-Za-z0-9_.@+-]+(?:\/[A-Za-z0-9_.@+-]+)*$/.test(v), { message: 'shell.error.astdbName' });

/** A feature code as dialled from a phone, e.g. *78. */
const FeatureCode = z
  .string()
  .trim()
  .max(20)
  .refine((v) => v === '' || /^[*#0-9A-Da-d]{1,20}$/.test(v), { message: 'shell.error.featureCode' });

export const DndSettingsSchema = z.object({
  /**
   * How the tray's "Do not disturb" reaches the PBX:
   * - `featureCode`: dials `onCode`/`offCode` in the dial context through a
   *   Local channel with the operator's extension as caller ID (AMI
   *   write=originate, which click-to-call needs anyway; FreePBX's *78/*79);
   * - `astdb`: writes `family`/`key` = `value` with DBPut and removes it with
   *   DBDel (AMI write=system, close to shell access: only if IT accepts that);
   * - `off`: no Do not disturb item.
   * Both modes read the state back with DBGet (write=reporting) where allowed.
   */
  mode: z.enum(['featureCode', 'astdb', 'off']).default('featureCode'),
  family: AstDbName.default('DND'),
  /** Empty: the operator's extension. */
  key: AstDbName.default(''),
  value: z
    .string()
    .trim()
    .max(64)
    .refine((v) => /^[A-Za-z0-9_.-]{1,64}$/.test(v), { message: 'shell.error.astdbValue' })
    .default('YES'),
  onCode: FeatureCode.default('*78'),
  offCode: FeatureCode.default('*79'),
});
export type DndSettings = z.infer<typeof DndSettingsSchema>;

/**
 * System-wide shortcuts (Electron globalShortcut) that bring the main window
 * forward and answer or hang up, as the in-app Ctrl+Shift+A / Ctrl+Shift+H do:
 * for an operator working from the keyboard while Sidecall sits in the tray.
 * Off ('') by default: a system-wide key takes that combination from every app.
 */
export const CallHotkeysSchema = z.object({
  answer: HotkeySchema.default(''),
  hangUp: HotkeySchema.default(''),
});
export type CallHotkeys = z.infer<typeof CallHotkeysSchema>;

export const ShellSettingsSchema = z.object({
  /** Start Sidecall (in the tray, no window) when the operator logs in to the computer. On for new installs. */
  startAtLogin: z.boolean().default(true),
  /** A native notification for each missed call. */
  notifyMissedCalls: z.boolean().default(true),
  dnd: DndSettingsSchema.default(() => DndSettingsSchema.parse({})),
  callHotkeys: CallHotkeysSchema.default(() => CallHotkeysSchema.parse({})),
});
export type ShellSettings = z.infer<typeof ShellSettingsSchema>;
