// Runs in a Chromium page of the softphone tests (bundled by phone-page.ts with
// esbuild): the product's Softphone class, several instances per page if asked,
// driven from Node through `window.sidecallTest`.
import { Softphone, type CallStats } from '../../../src-renderer/softphone/softphone';
import type { SoftphoneSettings } from '../../../src-shared/domain/softphone-settings';
import type { SoftphoneProbe, SoftphoneStatus } from '../../../src-shared/softphone/status';
import type { PhoneCall } from '../../../src-shared/softphone/calls';

declare global {
  interface Window {
    /** Exposed by the Node side (page.exposeFunction): main's WebSocket probe. */
    sidecallProbe?: (url: string) => Promise<SoftphoneProbe>;
    sidecallTest: TestApi;
  }
}

export interface PhoneView {
  readonly registration: string;
  readonly error?: string;
  readonly errorDetail?: string;
  readonly calls: readonly PhoneCall[];
  readonly reports: number;
  readonly lastReport?: SoftphoneStatus;
  readonly actionError?: string;
  /** performance.timeOrigin + now() when each call first appeared (ringing UI stand-in for the tests). */
  readonly seenAt: Readonly<Record<string, number>>;
  /** The softphone's log lines (the last 300). */
  readonly logs: readonly string[];
}

export interface TestApi {
  create(name: string, settings: SoftphoneSettings, password: string | null, opts?: { readonly audio?: boolean; readonly traceSip?: boolean }): void;
  configure(name: string, settings: SoftphoneSettings): void;
  view(name: string): PhoneView;
  call(name: string, target: string, headers?: readonly string[]): Promise<string>;
  answer(name: string, id: string, mode?: 'hold' | 'end'): Promise<void>;
  reject(name: string, id: string): Promise<void>;
  hangup(name: string, id: string): Promise<void>;
  hold(name: string, id: string, on: boolean): Promise<void>;
  mute(name: string, id: string, on: boolean): void;
  dtmf(name: string, id: string, digit: string): Promise<string>;
  transfer(name: string, id: string, target: string): Promise<void>;
  startAttended(name: string, id: string, target: string): Promise<string | undefined>;
  completeAttended(name: string, id: string): Promise<void>;
  stats(name: string, id: string): Promise<CallStats | undefined>;
  level(name: string, id: string): number;
  dropTransport(name: string): void;
  restart(name: string): void;
  dispose(name: string): void;
}

interface Entry {
  readonly phone: Softphone;
  readonly logs: string[];
  readonly reports: SoftphoneStatus[];
  readonly seenAt: Record<string, number>;
}
const phones = new Map<string, Entry>();

function get(name: string): Entry {
  const e = phones.get(name);
  if (!e) throw new Error(`no phone ${name}`);
  return e;
}

window.sidecallTest = {
  create(name, settings, password, opts) {
    phones.get(name)?.phone.dispose();
    const reports: SoftphoneStatus[] = [];
    const seenAt: Record<string, number> = {};
    const logs: string[] = [];
    const phone = new Softphone({
      log: (level, message, fields) => {
        logs.push(`${new Date().toISOString().slice(11, 23)} ${level} ${message} ${fields ? JSON.stringify(fields) : ''}`);
        if (logs.length > 300) logs.shift();
      },
      ...(opts?.traceSip ? { traceSip: true } : {}),
      credentials: () => Promise.resolve({ password, keychain: true }),
      probe: () => (window.sidecallProbe ? window.sidecallProbe(settings.wsUrl) : Promise.resolve(undefined)),
      report: (s) => reports.push(s),
      ...(opts?.audio !== undefined ? { audio: opts.audio } : {}),
    });
    phone.subscribe(() => {
      for (const c of phone.snapshot().calls) seenAt[c.id] ??= performance.timeOrigin + performance.now();
    });
    phones.set(name, { phone, logs, reports, seenAt });
    phone.configure(settings);
  },
  configure: (name, settings) => get(name).phone.configure(settings),
  view(name) {
    const e = get(name);
    const s = e.phone.snapshot();
    const last = e.reports.at(-1);
    return {
      registration: s.status.registration,
      ...(s.status.error ? { error: s.status.error.code, ...(s.status.error.detail ? { errorDetail: s.status.error.detail } : {}) } : {}),
      calls: s.calls,
      reports: e.reports.length,
      ...(last ? { lastReport: last } : {}),
      ...(s.actionError ? { actionError: `${s.actionError.code}: ${s.actionError.detail ?? s.actionError.message}` } : {}),
      seenAt: { ...e.seenAt },
      logs: [...e.logs],
    };
  },
  call: (name, target, headers) => get(name).phone.call(target, headers ? { extraHeaders: headers } : {}),
  answer: (name, id, mode) => get(name).phone.answer(id, mode),
  reject: (name, id) => get(name).phone.reject(id),
  hangup: (name, id) => get(name).phone.hangup(id),
  hold: (name, id, on) => get(name).phone.hold(id, on),
  mute: (name, id, on) => get(name).phone.mute(id, on),
  dtmf: (name, id, digit) => get(name).phone.dtmf(id, digit),
  transfer: (name, id, target) => get(name).phone.transfer(id, target),
  startAttended: (name, id, target) => get(name).phone.startAttendedTransfer(id, target),
  completeAttended: (name, id) => get(name).phone.completeAttendedTransfer(id),
  stats: (name, id) => get(name).phone.stats(id),
  level: (name, id) => get(name).phone.inputLevel(id),
  dropTransport: (name) => get(name).phone.dropTransport(),
  restart: (name) => get(name).phone.restart(),
  dispose(name) {
    phones.get(name)?.phone.dispose();
    phones.delete(name);
  },
};
