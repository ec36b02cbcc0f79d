// The IPC contract: the one map of every request channel (request schema ->
// response schema) and every event channel (payload schema) between the UI and
// main. Both hosts (Electron IPC, browser-mode WebSocket) carry exactly this;
// main validates every request against it, the renderer validates every reply.
// To add a channel: add it here, implement it in src-main/core/ipc/handlers.ts,
// expose it in the preload (src-main/hosts/electron/preload.ts) — see src-shared/README.md.
import { z } from 'zod';
import { AppErrorDataSchema } from '../errors';
import { ConnectionStatusSchema } from '../domain/connection';
import { LanguageSchema, SettingsPatchSchema, SettingsSchema } from '../domain/settings';
import { CallsViewSchema, DisplayNumberSchema, HistoryItemSchema } from '../domain/calls-view';
import { ContactSchema } from '../domain/contact';
import { HistoryFilterSchema } from '../domain/history';
import { SoftphoneProbeSchema, SoftphoneStatusSchema } from '../softphone/status';
import { CrmStatusSchema, OutboxStatusSchema } from '../domain/crm-status';
import { DndStatusSchema } from '../domain/dnd';
import { DiagnosticsReportSchema } from '../domain/diagnostics';

const Empty = z.object({}).strict();
const CallIdSchema = z.string().min(1).max(200);

export const AppInfoSchema = z.object({
  name: z.string(),
  version: z.string(),
  host: z.enum(['electron', 'web']),
  platform: z.string(),
  /** The OS language, for `language: system`. */
  systemLanguage: LanguageSchema.exclude(['system']),
  settingsLocation: z.string(),
});
export type AppInfo = z.infer<typeof AppInfoSchema>;

export const SettingsViewSchema = z.object({
  settings: SettingsSchema,
  /** Field paths fixed by IT (policy / --config): shown read-only. */
  locked: z.array(z.string()),
  /** Problems found in the settings files on load (field path + message). */
  problems: z.array(z.object({ path: z.string(), message: z.string(), source: z.string() })),
  /** Whether a secret is stored, never the secret itself. */
  secrets: z.object({
    amiSecretSet: z.boolean(),
    /** The softphone's SIP password (keychain account softphone/password). */
    sipPasswordSet: z.boolean().optional(),
    /** Of the CRM chosen in `crm.kind`: OAuth client secret, and the token/API key/webhook URL credential. */
    crmClientSecretSet: z.boolean().optional(),
    crmCredentialSet: z.boolean().optional(),
    recordingLinkSecretSet: z.boolean().optional(),
  }),
  keychain: z.object({ available: z.boolean(), backend: z.string(), reason: z.string().optional() }),
});
export type SettingsView = z.infer<typeof SettingsViewSchema>;

const SecretFieldSchema = z.string().max(256).refine((s) => !/[\r\n\0]/.test(s), { message: 'settings.error.secretChars' }).nullable().optional();

export const SettingsUpdateSchema = z
  .object({
    patch: SettingsPatchSchema,
    /** Write-only: a new AMI secret to store in the keychain; `null` deletes it. */
    amiSecret: SecretFieldSchema,
    /** Write-only: the softphone's SIP password for the keychain (softphone/password); `null` deletes it. */
    sipPassword: z.string().max(256).refine((s) => !/[\r\n\0]/.test(s), { message: 'settings.error.secretChars' }).nullable().optional(),
    /** Write-only CRM secrets of the CRM chosen in `crm.kind` (after the patch); `null` deletes. */
    crmSecrets: z
      .object({
        clientSecret: SecretFieldSchema,
        /** amoCRM long-lived token, Bitrix24 webhook URL, retailCRM/Odoo/generic API key or password. */
        credential: z.string().max(2000).refine((s) => !/[\r\n\0]/.test(s), { message: 'settings.error.secretChars' }).nullable().optional(),
        recordingLinkSecret: SecretFieldSchema,
      })
      .strict()
      .optional(),
  })
  .strict();

export const requestChannels = {
  'app.info': { request: Empty, response: AppInfoSchema },
  'settings.get': { request: Empty, response: SettingsViewSchema },
  'settings.update': { request: SettingsUpdateSchema, response: SettingsViewSchema },
  'connection.get': { request: Empty, response: ConnectionStatusSchema },
  'calls.get': { request: Empty, response: CallsViewSchema },
  'history.list': { request: HistoryFilterSchema, response: z.object({ items: z.array(HistoryItemSchema) }) },
  /** The operator has seen History: the missed badge resets. */
  'history.markSeen': { request: Empty, response: z.object({ missed: z.number().int() }) },
  /** "Create contact" on a card whose number the CRM does not know. */
  'contacts.create': { request: z.object({ callId: z.string().min(1).max(200) }).strict(), response: ContactSchema },
  /** Demo mode only: the embedded PBX rings my extension from a demo contact or the given number. */
  'demo.simulateIncoming': {
    request: z
      .object({
        number: z
          .string()
          .trim()
          .regex(/^\+?[0-9][0-9 ()-]{1,24}$/, { message: 'demo.error.number' })
          .optional(),
      })
      .strict(),
    response: z.object({ number: z.string() }),
  },
  /** Demo mode only: the demo operator's phone answers its ringing call or hangs up, or the simulated caller gives up. */
  'demo.phone': { request: z.object({ action: z.enum(['answer', 'hangup', 'callerHangup']) }).strict(), response: z.object({ done: z.boolean() }) },
  /** Click-to-call: validated in main (one place for every number), then AMI Originate from my device. */
  'calls.dial': {
    request: z.object({ number: z.string().max(200), source: z.enum(['pad', 'history', 'contact', 'link', 'clipboard']) }).strict(),
    response: z.object({ number: DisplayNumberSchema }),
  },
  'calls.hangup': { request: z.object({ callId: CallIdSchema }).strict(), response: z.object({}) },
  'calls.transfer': {
    request: z.object({ callId: CallIdSchema, target: z.string().max(64), mode: z.enum(['blind', 'attended']) }).strict(),
    response: z.object({}),
  },
  /** Attended transfer: complete (connect the two parties) or cancel (back to the caller). */
  'calls.transferFinish': { request: z.object({ callId: CallIdSchema, action: z.enum(['complete', 'cancel']) }).strict(), response: z.object({}) },
  'calls.record': {
    request: z.object({ callId: CallIdSchema, action: z.enum(['start', 'stop', 'pause', 'resume']) }).strict(),
    response: z.object({ file: z.string().optional() }),
  },
  /** Hold by parking the other party; answers the parking slot when the PBX reported it. */
  'calls.park': { request: z.object({ callId: CallIdSchema }).strict(), response: z.object({ slot: z.string().optional() }) },
  /** A tel:/callto:/sip: link to call: from browser mode's protocol handler (the Electron host hands links to the core directly). */
  'links.open': { request: z.object({ uri: z.string().max(4096) }).strict(), response: z.object({ status: z.enum(['pending', 'dialled']) }) },
  /** A tel:/callto:/sip: link waiting for the operator's "Call" (see `links.pending`). */
  'links.answer': { request: z.object({ id: z.string().max(64), accept: z.boolean() }).strict(), response: z.object({}) },
  /** The CRM connection as the UI shows it ("connected as ...", "sign in again"). */
  'crm.status': { request: Empty, response: CrmStatusSchema },
  /** Starts sign-in: OAuth opens the system browser (or waits for a pasted code); a stored credential is checked against the CRM. */
  'crm.connect': { request: Empty, response: CrmStatusSchema },
  /** The code (or the whole redirect address) the CRM showed, for CRMs that do not redirect back. */
  'crm.submitCode': { request: z.object({ code: z.string().trim().min(1).max(4096) }).strict(), response: CrmStatusSchema },
  'crm.cancelConnect': { request: Empty, response: CrmStatusSchema },
  /** Forgets the tokens (keychain) of the CRM; queued reports wait for the next sign-in. */
  'crm.disconnect': { request: Empty, response: CrmStatusSchema },
  /** CRM users, for mapping extensions to users in Settings -> CRM. */
  'crm.users': {
    request: Empty,
    response: z.object({ users: z.array(z.object({ id: z.string(), name: z.string(), email: z.string().optional(), extension: z.string().optional() })) }),
  },
  'outbox.status': { request: Empty, response: OutboxStatusSchema },
  /** Sends a failed report again (no id: every failed one), and wakes waiting ones now. */
  'outbox.retry': { request: z.object({ id: CallIdSchema.optional() }).strict(), response: OutboxStatusSchema },
  /** Drops a waiting or failed report for good (the UI asks for confirmation first). */
  'outbox.discard': { request: z.object({ id: CallIdSchema }).strict(), response: OutboxStatusSchema },
  /** The softphone (renderer) asks for its SIP password from the keychain when it registers. */
  'softphone.credentials': { request: Empty, response: z.object({ password: z.string().nullable(), keychain: z.boolean() }) },
  /** The softphone reports its registration and calls; main keeps the latest and re-emits it as `softphone.status` (tray). */
  'softphone.state': { request: SoftphoneStatusSchema, response: z.object({}) },
  /** Main opens a TCP/TLS connection to the configured WebSocket URL to say why the browser's WebSocket failed. */
  'softphone.probe': { request: Empty, response: SoftphoneProbeSchema },
  'diagnostics.ping': {
    request: z.object({ nonce: z.string().min(1).max(64) }).strict(),
    response: z.object({ nonce: z.string(), receivedAt: z.number() }),
  },
  /** "Copy diagnostics": version, settings without secrets, connection states, settings and policy problems, the last log lines. */
  'diagnostics.collect': { request: Empty, response: DiagnosticsReportSchema },
  /** The operator's Do not disturb on the PBX (Settings -> shell.dnd says how). */
  'dnd.get': { request: Empty, response: DndStatusSchema },
  'dnd.set': { request: z.object({ on: z.boolean() }).strict(), response: DndStatusSchema },
} as const;

/** Addresses the operator's system browser may be asked to open (CRM sign-in pages): https, or http on loopback. */
export const SYSTEM_BROWSER_URL = /^(?:https:\/\/|http:\/\/(?:127\.0\.0\.1|localhost|\[::1\])[:/])/;

export const eventChannels = {
  'connection.status': ConnectionStatusSchema,
  'settings.changed': SettingsViewSchema,
  'calls.changed': CallsViewSchema,
  /** How a click-to-call ended up: failures carry the operator-facing reason. */
  'calls.outcome': z.object({ callId: z.string(), ok: z.boolean(), code: z.string(), message: z.string() }),
  /** A call link arrived (OS protocol handler): show the confirm card, "Call" focused. */
  'links.pending': z.object({ id: z.string(), number: DisplayNumberSchema, contactName: z.string().optional(), scheme: z.string() }),
  /** History gained or changed an entry: refetch with the current filter. */
  'history.changed': z.object({ callId: z.string() }),
  'crm.status': CrmStatusSchema,
  'outbox.changed': OutboxStatusSchema,
  /** The softphone's latest state, as the renderer reported it. */
  'softphone.status': SoftphoneStatusSchema,
  /** Click-to-call while the softphone is the device: the renderer places the call (`exten` as the dialplan expects it). */
  'softphone.dial': z.object({ exten: z.string(), number: DisplayNumberSchema, source: z.string() }),
  /**
   * Browser mode: main asks the page to open an address in a new tab (the page is the
   * operator's system browser: OAuth sign-in pages). Only https, or http on loopback.
   */
  'ui.openExternal': z.object({
    url: z
      .string()
      .max(8192)
      .regex(SYSTEM_BROWSER_URL, { message: 'https only' }),
  }),
  /** Main asks the UI to show a page (e.g. the tray's "Settings" item). */
  'ui.navigate': z.object({ page: z.enum(['home', 'history', 'settings', 'help']) }),
  /**
   * Main asks the UI to act as if its own shortcut was pressed (a system-wide
   * answer/hang-up shortcut), or to put the keyboard on the ringing call (a
   * click on the incoming-call notification).
   */
  'ui.shortcut': z.object({ action: z.enum(['answer', 'hangUp', 'focusCall']) }),
  /** Do not disturb changed (set from the tray or the UI, or read from the PBX after a login). */
  'dnd.changed': DndStatusSchema,
} as const;

export type RequestChannel = keyof typeof requestChannels;
export type EventChannel = keyof typeof eventChannels;
export type RequestOf<C extends RequestChannel> = z.input<(typeof requestChannels)[C]['request']>;
export type ParsedRequestOf<C extends RequestChannel> = z.output<(typeof requestChannels)[C]['request']>;
export type ResponseOf<C extends RequestChannel> = z.output<(typeof requestChannels)[C]['response']>;
export type EventOf<C extends EventChannel> = z.output<(typeof eventChannels)[C]>;

export function isRequestChannel(name: unknown): name is RequestChannel {
  return typeof name === 'string' && Object.hasOwn(requestChannels, name);
}
export function isEventChannel(name: unknown): name is EventChannel {
  return typeof name === 'string' && Object.hasOwn(eventChannels, name);
}

/** The reply envelope of every request, on both transports. */
export const ReplySchema = z.discriminatedUnion('ok', [
  z.object({ ok: z.literal(true), result: z.unknown() }),
  z.object({ ok: z.literal(false), error: AppErrorDataSchema }),
]);
export type Reply = z.infer<typeof ReplySchema>;

/** What the renderer sees as `window.sidecall`: typed request and event functions. */
export interface SidecallApi {
  request<C extends RequestChannel>(channel: C, payload: RequestOf<C>): Promise<ResponseOf<C>>;
  on<C extends EventChannel>(channel: C, listener: (payload: EventOf<C>) => void): () => void;
}
