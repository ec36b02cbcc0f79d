// Settings of the embedded softphone (a sip.js user agent in the renderer,
// registered to the PBX over WebSocket): where it registers, as whom, how it
// reaches media (ICE servers), which audio devices it uses and how it behaves.
// Merged as `softphone` into SettingsSchema. The SIP password is NOT here: it
// lives in the keychain (account `softphone/password`), and the renderer asks
// main for it through `softphone.credentials` when it registers.
//
// No URL global in src-shared (no DOM, no Node): strict patterns instead.
import { z } from 'zod';
import { HOST, PORT } from './url-parts';

const WS_URL = new RegExp(String.raw`^wss?://${HOST}${PORT}(?:/[A-Za-z0-9._~!$&'()*+,;=:@%/-]*)?$`);
// RFC 3261 user part: unreserved, escaped and user-unreserved characters.
const SIP_URI = new RegExp(String.raw`^sips?:[A-Za-z0-9\-_.!~*'()&=+$,;?/%]{1,64}@${HOST}${PORT}$`);
const PROXY_URI = new RegExp(String.raw`^sips?:${HOST}${PORT}(?:;[A-Za-z0-9_=.-]{1,40}){0,4}$`);
const ICE_URL = new RegExp(String.raw`^(?:stun|stuns|turn|turns):${HOST}${PORT}(?:\?transport=(?:udp|tcp))?$`);

/** The PBX's WebSocket endpoint, e.g. `wss://pbx.example.com:8089/ws` (Asterisk: http.conf + res_http_websocket); empty: not configured. */
export const SoftphoneWsUrlSchema = z
  .string()
  .trim()
  .max(500)
  .refine((v) => v === '' || WS_URL.test(v), { message: 'softphone.error.wsUrl' });

/** The account's address of record, e.g. `sip:101@pbx.example.com`. */
export const SipUriSchema = z
  .string()
  .trim()
  .max(300)
  .refine((v) => v === '' || SIP_URI.test(v), { message: 'softphone.error.sipUri' });

/** An outbound proxy every request is routed through (a pre-loaded Route), e.g. `sip:proxy.example.com;transport=ws`. */
export const OutboundProxySchema = z
  .string()
  .trim()
  .max(300)
  .refine((v) => v === '' || PROXY_URI.test(v), { message: 'softphone.error.outboundProxy' });

/** A STUN/TURN server URL as RTCPeerConnection takes it: `stun:stun.example.com:3478`, `turns:turn.example.com:5349?transport=tcp`. */
export const IceServerUrlSchema = z
  .string()
  .trim()
  .max(300)
  .refine((v) => ICE_URL.test(v), { message: 'softphone.error.iceServer' });

/** An audio device id from enumerateDevices; empty: the system default. */
const DeviceIdSchema = z.string().max(256).default('');

export const SoftphoneSettingsSchema = z.object({
  /** Sidecall is the operator's phone: register while it runs. */
  enabled: z.boolean().default(false),
  wsUrl: SoftphoneWsUrlSchema.default(''),
  sipUri: SipUriSchema.default(''),
  /** The authentication user when it differs from the SIP URI's user part; empty: the user part. */
  authUser: z
    .string()
    .trim()
    .max(128)
    // eslint-disable-next-line no-control-regex
    .refine((v) => !/[\s\u0000-\u001f\u007f"\\]/.test(v), { message: 'softphone.error.authUser' })
    .default(''),
  /** Shown to the called party (From display name); empty: none. */
  displayName: z
    .string()
    .trim()
    .max(64)
    // eslint-disable-next-line no-control-regex
    .refine((v) => !/[\u0000-\u001f\u007f"\\<>]/.test(v), { message: 'softphone.error.displayName' })
    .default(''),
  outboundProxy: OutboundProxySchema.default(''),
  /** STUN/TURN servers for media; none is right on a LAN where the PBX sees the desk directly. */
  iceServers: z.array(IceServerUrlSchema).max(8, { message: 'softphone.error.tooManyIceServers' }).default([]),
  /** How click-to-call places calls while the softphone is registered: `softphone` (straight from here) or `pbx` (AMI Originate rings the device first). */
  placeCalls: z.enum(['softphone', 'pbx']).default('softphone'),
  /** RFC 4733 telephone events when the call negotiated them, else SIP INFO (`auto`); or always one of the two. */
  dtmf: z.enum(['auto', 'rfc4733', 'info']).default('auto'),
  /** A second call while on a call rings softly and offers a choice; off: it is rejected as busy. */
  callWaiting: z.boolean().default(true),
  /** Registration lifetime asked of the registrar (Expires), seconds. */
  registerExpiresSec: z.number().int().min(60, { message: 'softphone.error.expires' }).max(3600, { message: 'softphone.error.expires' }).default(600),
  microphoneId: DeviceIdSchema,
  speakerId: DeviceIdSchema,
  /** Where the ring tone plays (e.g. the desk speaker while the headset carries the call). */
  ringerId: DeviceIdSchema,
  echoCancellation: z.boolean().default(true),
  noiseSuppression: z.boolean().default(true),
  autoGainControl: z.boolean().default(true),
});
export type SoftphoneSettings = z.infer<typeof SoftphoneSettingsSchema>;

/** Keychain account of the SIP password. */
export const SIP_PASSWORD_ACCOUNT = 'softphone/password';

/** Whether the settings name everything registration needs (the password is checked when registering). */
export function softphoneConfigured(s: SoftphoneSettings): boolean {
  return s.enabled && s.wsUrl !== '' && s.sipUri !== '';
}

/** `ws(s)://host[:port]` of the WebSocket URL, for the page's connect-src; undefined when not set. */
export function softphoneOrigin(s: Pick<SoftphoneSettings, 'wsUrl'>): string | undefined {
  const m = /^(wss?:\/\/[^/?#]+)/i.exec(s.wsUrl);
  return m?.[1]?.toLowerCase();
}
