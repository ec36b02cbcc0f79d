// Main's part of the embedded softphone. SIP and media run in the renderer
// (sip.js over WebSocket); main keeps the SIP password in the keychain and
// hands it out on `softphone.credentials`, keeps the renderer's latest state
// report (`softphone.state`) and re-emits it for the tray, routes
// click-to-call to the softphone while it is registered and is the device
// (Settings -> Softphone -> place calls), and probes the WebSocket URL when the
// browser's WebSocket failed (browsers do not say why; Node can).
import type { Settings } from '../../../src-shared/domain/settings';
import { SIP_PASSWORD_ACCOUNT, softphoneConfigured, softphoneOrigin } from '../../../src-shared/domain/softphone-settings';
import type { DisplayNumber } from '../../../src-shared/domain/calls-view';
import { SOFTPHONE_OFF, type SoftphoneProbe, type SoftphoneStatus } from '../../../src-shared/softphone/status';
import { AppError } from '../../../src-shared/errors';
import type { Clock, Logger, SecretStore } from '../../ports';
import { dialTarget, extenFor } from '../control';
import { CallControlError } from '../control/errors';
import { probeWebSocket } from './probe';

/** A report older than this no longer counts as "registered" for routing calls (the renderer re-reports every 20 s). */
export const STATUS_STALE_MS = 60_000;

export interface SoftphoneDial {
  readonly exten: string;
  readonly number: DisplayNumber;
  readonly source: string;
}

export interface SoftphoneServiceDeps {
  readonly secrets: SecretStore;
  readonly settings: () => Settings;
  readonly clock: Clock;
  readonly log: Logger;
  readonly onStatus: (status: SoftphoneStatus) => void;
  readonly onDial: (dial: SoftphoneDial) => void;
  /** Replaces the WebSocket probe (tests). */
  readonly probe?: (url: string) => Promise<SoftphoneProbe>;
}

export interface SoftphoneService {
  status(): SoftphoneStatus;
  /** The renderer's report; re-emitted when it differs from the previous one. */
  report(status: SoftphoneStatus): void;
  credentials(): Promise<{ password: string | null; keychain: boolean }>;
  /** Stores (string), deletes (null) or leaves (undefined) the SIP password; throws when the keychain cannot store it. */
  storePassword(password: string | null | undefined): Promise<void>;
  passwordSet(): Promise<boolean>;
  /** Click-to-call through the softphone when it is the device and registered; undefined: place it with Originate. */
  dial(input: string, source: string): { readonly number: DisplayNumber } | undefined;
  probe(): Promise<SoftphoneProbe>;
  /** The WebSocket origin of Settings -> Softphone (whenever a URL is set, so enabling it needs no reload). */
  connectOrigins(): readonly string[];
}

export function createSoftphoneService(deps: SoftphoneServiceDeps): SoftphoneService {
  let last: SoftphoneStatus = SOFTPHONE_OFF;
  let lastAt = 0;

  function registeredNow(): boolean {
    return last.registration === 'registered' && deps.clock.now() - lastAt <= STATUS_STALE_MS;
  }

  return {
    status: () => (registeredNow() || last.registration !== 'registered' ? last : { ...last, registration: 'off' }),
    report(status) {
      const changed = JSON.stringify(status) !== JSON.stringify(last);
      if (changed && status.registration !== last.registration) {
        deps.log.info('softphone state', { registration: status.registration, ...(status.error ? { error: status.error.code, detail: status.error.detail } : {}) });
      }
      last = status;
      lastAt = deps.clock.now();
      if (changed) deps.onStatus(status);
    },
    async credentials() {
      if (!deps.secrets.status().available) return { password: null, keychain: false };
      return { password: await deps.secrets.get(SIP_PASSWORD_ACCOUNT), keychain: true };
    },
    async storePassword(password) {
      if (password === undefined) return;
      if (password === null) {
        await deps.secrets.delete(SIP_PASSWORD_ACCOUNT);
        return;
      }
      const st = deps.secrets.status();
      if (!st.available) throw new AppError('secrets.unavailable', st.reason ?? 'The OS keychain is unavailable, so the SIP password cannot be stored.');
      await deps.secrets.set(SIP_PASSWORD_ACCOUNT, password);
    },
    async passwordSet() {
      return deps.secrets.status().available ? (await deps.secrets.get(SIP_PASSWORD_ACCOUNT)) !== null : false;
    },
    dial(input, source) {
      const s = deps.settings();
      if (!softphoneConfigured(s.softphone) || s.softphone.placeCalls !== 'softphone' || !registeredNow()) return undefined;
      try {
        // The same gate and number form as an Originate's Exten (Settings -> Calls).
        const target = dialTarget(input, { defaultRegion: s.numbers.defaultRegion, rules: [] }, { allowFeatureCodes: source === 'pad' });
        const exten = extenFor(target, s.dial.numberFormat, s.dial.outboundPrefix);
        const number: DisplayNumber = { display: target.display, ...(target.e164 ? { e164: target.e164 } : {}), kind: target.kind };
        deps.onDial({ exten, number, source });
        return { number };
      } catch (error) {
        if (error instanceof CallControlError) throw new AppError('control.failed', error.message, { cause: error });
        throw error;
      }
    },
    connectOrigins() {
      const origin = softphoneOrigin(deps.settings().softphone);
      return origin ? [origin] : [];
    },
    probe() {
      const url = deps.settings().softphone.wsUrl;
      if (url === '') return Promise.resolve({ result: 'notConfigured', detail: 'No WebSocket URL is set in Settings -> Softphone.' });
      return (deps.probe ?? probeWebSocket)(url);
    },
  };
}
