// Settings of self-update: whether Sidecall looks for new versions and where.
// There is no default server: with an empty URL the app never checks, so a
// fresh install talks to nothing but the PBX and the CRM. IT sets `url` (an
// electron-builder "generic" update folder, usually on the LAN) and may lock
// `enabled` off by policy. The decisions built on these live in
// src-main/core/updates/.
import { z } from 'zod';
import { HOST, PORT } from './url-parts';

/**
 * The update folder's address: https only (the installers are also signature-
 * checked, but the AppImage is only hash-checked against latest-linux.yml from
 * the same folder), no user name or password in it (settings are not a secret
 * store), no query or fragment (electron-updater appends file names to it).
 */
const UPDATE_URL = new RegExp(String.raw`^https://${HOST}${PORT}(?:/[A-Za-z0-9._~%!$&'()*+,;=:@/-]*)?$`);

export const UpdateUrlSchema = z
  .string()
  .trim()
  .max(500, { message: 'settings.error.updateUrlLong' })
  .refine((v) => v === '' || UPDATE_URL.test(v), {
    message: 'settings.error.updateUrl',
  });

export const UpdateSettingsSchema = z.object({
  /** Look for new versions (only when `url` is set). IT can lock it off. */
  enabled: z.boolean().default(true),
  /** The generic update folder (latest.yml, latest-mac.yml, latest-linux.yml and the installers); '' = never check. */
  url: UpdateUrlSchema.default(''),
  /** The release channel file to read (`latest` -> latest.yml); the only one published today. */
  channel: z.enum(['latest']).optional(),
});
export type UpdateSettings = z.infer<typeof UpdateSettingsSchema>;
