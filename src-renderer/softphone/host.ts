// Who runs the softphone in this window, and what the UI should show of it:
// one Softphone per window, started while Settings enable it and this window
// holds the softphone Web Lock (in browser mode a second tab would register
// the same account twice), configured from Settings, and its calls paired with
// the AMI calls (src-shared/softphone/match.ts) so each conversation shows once.
// An external store for React (subscribe / current), no React in here.
import type { CallsView } from '../../src-shared/domain/calls-view';
import type { SoftphoneSettings } from '../../src-shared/domain/softphone-settings';
import { matchSessions, type AmiCallFacts, type SessionFacts } from '../../src-shared/softphone/match';
import type { SoftphoneStatus } from '../../src-shared/softphone/status';
import type { Softphone, SoftphoneSnapshot } from './softphone';

export interface SoftphoneView {
  readonly phone: Softphone | undefined;
  readonly snapshot: SoftphoneSnapshot | undefined;
  /** Softphone call id -> AMI call id, for calls both sides know. */
  readonly matches: ReadonlyMap<string, string>;
  /** Settings enable the softphone but another tab or window holds it. */
  readonly otherTab: boolean;
}

export interface SoftphoneHostDeps {
  readonly create: () => Softphone;
  /** Tells main the softphone is off here (the window closes or Settings disable it). */
  readonly reportOff: (status: SoftphoneStatus) => void;
  readonly locks?: LockManager | undefined;
}

const LOCK = 'sidecall-softphone';
const OFF: SoftphoneStatus = { registration: 'off', calls: { ringing: 0, active: 0 } };

export class SoftphoneHost {
  private phone: Softphone | undefined;
  private offPhone: (() => void) | undefined;
  private settings: SoftphoneSettings | undefined;
  private wanted = false;
  private held = false;
  private release: (() => void) | undefined;
  private abort: AbortController | undefined;
  private ami: readonly AmiCallFacts[] = [];
  private matches: ReadonlyMap<string, string> = new Map();
  private view: SoftphoneView = { phone: undefined, snapshot: undefined, matches: new Map(), otherTab: false };
  private readonly listeners = new Set<() => void>();

  constructor(private readonly deps: SoftphoneHostDeps) {}

  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  current = (): SoftphoneView => this.view;

  /** Settings -> Softphone changed (or arrived). */
  setSettings(settings: SoftphoneSettings | undefined): void {
    this.settings = settings;
    const wanted = settings?.enabled === true;
    if (wanted !== this.wanted) {
      this.wanted = wanted;
      if (wanted) this.acquire();
      else this.stop();
    }
    if (this.phone && settings) this.phone.configure(settings);
    this.refresh();
  }

  /** The AMI side's live calls, for pairing. */
  setCalls(calls: CallsView): void {
    this.ami = calls.live.map((v) => ({
      id: v.call.id,
      linkedids: v.call.linkedids,
      direction: v.call.direction,
      ...(v.call.remoteNumber !== undefined ? { remoteNumber: v.call.remoteNumber } : {}),
      startedAt: v.call.startedAt,
      ended: v.call.state === 'ended',
    }));
    this.refresh();
  }

  private acquire(): void {
    const locks = this.deps.locks;
    if (!locks) {
      this.start();
      return;
    }
    const abort = new AbortController();
    this.abort = abort;
    locks
      .request(LOCK, { signal: abort.signal }, () => {
        if (!this.wanted) return undefined;
        this.start();
        return new Promise<void>((resolve) => {
          this.release = resolve;
        });
      })
      .catch(() => undefined);
  }

  private start(): void {
    if (this.phone) return;
    this.held = true;
    const phone = this.deps.create();
    this.phone = phone;
    this.offPhone = phone.subscribe(() => this.refresh());
    if (this.settings) phone.configure(this.settings);
    this.refresh();
  }

  private stop(): void {
    this.abort?.abort();
    this.abort = undefined;
    this.release?.();
    this.release = undefined;
    this.held = false;
    this.offPhone?.();
    this.offPhone = undefined;
    if (this.phone) {
      this.phone.dispose();
      this.phone = undefined;
      this.deps.reportOff(OFF);
    }
  }

  private refresh(): void {
    const snapshot = this.phone?.snapshot();
    const sessions: SessionFacts[] = (snapshot?.calls ?? []).map((c) => ({
      id: c.id,
      direction: c.direction,
      ...(c.remoteUser !== undefined ? { remoteUser: c.remoteUser } : {}),
      startedAt: c.startedAt,
      ...(c.linkedid !== undefined ? { linkedid: c.linkedid } : {}),
      ended: c.state === 'ended',
    }));
    this.matches = matchSessions(sessions, this.ami, this.matches);
    const next: SoftphoneView = { phone: this.phone, snapshot, matches: this.matches, otherTab: this.wanted && !this.held };
    const v = this.view;
    if (v.phone === next.phone && v.snapshot === next.snapshot && v.otherTab === next.otherTab && sameMap(v.matches, next.matches)) return;
    this.view = next;
    for (const l of this.listeners) l();
  }

  dispose(): void {
    this.wanted = false;
    this.stop();
    this.listeners.clear();
  }
}

function sameMap(a: ReadonlyMap<string, string>, b: ReadonlyMap<string, string>): boolean {
  if (a.size !== b.size) return false;
  for (const [k, v] of a) if (b.get(k) !== v) return false;
  return true;
}

/**
 * The calls as the UI shows them: an AMI call whose softphone call rings here
 * pops up whatever the screen-pop setting says (its card is the phone's
 * Answer button), and so leaves the list below.
 */
export function withSoftphonePops(calls: CallsView, sp: SoftphoneView): CallsView {
  const ringing = new Set<string>();
  for (const c of sp.snapshot?.calls ?? []) {
    const ami = sp.matches.get(c.id);
    if (ami !== undefined && c.state === 'ringing' && c.direction === 'inbound') ringing.add(ami);
  }
  if (ringing.size === 0 || calls.live.every((v) => v.pop || !ringing.has(v.call.id))) return calls;
  return { ...calls, live: calls.live.map((v) => (ringing.has(v.call.id) && !v.pop ? { ...v, pop: true } : v)) };
}
