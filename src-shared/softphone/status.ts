// What the softphone (a sip.js user agent in the renderer) tells main about
// itself, so the tray and other windows can show it: registration state, the
// last error as a code plus the operator's message, and how many calls ring or
// are up. Main only keeps the latest report and re-emits it (`softphone.status`).
import { z } from 'zod';

/**
 * - `off`: disabled in Settings (or not configured);
 * - `connecting`: opening the WebSocket; `registering`: REGISTER sent;
 * - `registered`: calls can come in and go out;
 * - `retrying`: lost or refused for a reason that may pass; the next try is at `retryAt`;
 * - `failed`: refused for a reason retrying cannot fix (wrong password, 403, 404...): the operator must act.
 */
export const SoftphoneRegistrationSchema = z.enum(['off', 'connecting', 'registering', 'registered', 'retrying', 'failed']);
export type SoftphoneRegistration = z.infer<typeof SoftphoneRegistrationSchema>;

export const SOFTPHONE_ERROR_CODES = [
  'notConfigured',
  'noPassword',
  'keychain',
  'wrongPassword',
  'forbidden',
  'notFound',
  'unreachable',
  'tls',
  'blocked',
  'timeout',
  'serverError',
  'rejected',
  'micDenied',
  'noMic',
  'micBusy',
  'deviceGone',
  'media',
  'callFailed',
  'internal',
] as const;
export const SoftphoneErrorCodeSchema = z.enum(SOFTPHONE_ERROR_CODES);
export type SoftphoneErrorCode = z.infer<typeof SoftphoneErrorCodeSchema>;

export const SoftphoneErrorSchema = z
  .object({
    code: SoftphoneErrorCodeSchema,
    /** English text for logs and for the UI when it has no translation of `code`. */
    message: z.string().max(500),
    /** A SIP status code or transport detail, when there is one. */
    detail: z.string().max(300).optional(),
  })
  .strict();
export type SoftphoneError = z.infer<typeof SoftphoneErrorSchema>;

export const SoftphoneStatusSchema = z
  .object({
    registration: SoftphoneRegistrationSchema,
    /** The account (address of record) registered or being registered. */
    aor: z.string().max(300).optional(),
    /** Epoch ms of the next attempt while `retrying`. */
    retryAt: z.number().optional(),
    error: SoftphoneErrorSchema.optional(),
    calls: z
      .object({
        ringing: z.number().int().min(0).max(100),
        active: z.number().int().min(0).max(100),
      })
      .strict(),
  })
  .strict();
export type SoftphoneStatus = z.infer<typeof SoftphoneStatusSchema>;

export const SOFTPHONE_OFF: SoftphoneStatus = { registration: 'off', calls: { ringing: 0, active: 0 } };

/** What a WebSocket probe from main found (browsers hide why a WebSocket failed; Node can tell). */
export const SoftphoneProbeSchema = z
  .object({
    result: z.enum(['ok', 'notConfigured', 'dns', 'refused', 'timeout', 'tls', 'http', 'other']),
    detail: z.string().max(300),
  })
  .strict();
export type SoftphoneProbe = z.infer<typeof SoftphoneProbeSchema>;
