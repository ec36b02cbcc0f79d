// The window's softphone host: it runs a phone only while Settings enable it
// and this window holds the softphone lock (a second tab waits, then takes
// over), reports "off" when it stops, pairs softphone calls with AMI calls,
// and pops an AMI card whose softphone call rings here. The Softphone itself
// needs a browser (tests/integration/softphone); here it is a stand-in that
// records what the host asks of it.
import { describe, expect, it } from 'vitest';
import { SoftphoneSettingsSchema } from '../../../src-shared/domain/softphone-settings';
import type { CallsView, CallView } from '../../../src-shared/domain/calls-view';
import type { PhoneCall } from '../../../src-shared/softphone/calls';
import type { SoftphoneStatus } from '../../../src-shared/softphone/status';
import { SoftphoneHost, withSoftphonePops } from '../../../src-renderer/softphone/host';
import type { Softphone, SoftphoneSnapshot } from '../../../src-renderer/softphone/softphone';

const T = 1_700_000_000_000;
const ON = SoftphoneSettingsSchema.parse({ enabled: true, wsUrl: 'wss://pbx.example.com/ws', sipUri: 'sip:101@pbx.example.com' });
const OFF = { ...ON, enabled: false };

class StandInPhone {
  configured: unknown[] = [];
  disposed = false;
  private listeners = new Set<() => void>();
  private snap: SoftphoneSnapshot = { registration: { phase: 'off', transport: 'down', attempt: 0, online: true }, status: { registration: 'off', calls: { ringing: 0, active: 0 } }, calls: [] };
  configure(s: unknown): void {
    this.configured.push(s);
  }
  subscribe(l: () => void): () => void {
    this.listeners.add(l);
    return () => this.listeners.delete(l);
  }
  snapshot(): SoftphoneSnapshot {
    return this.snap;
  }
  setCalls(calls: readonly PhoneCall[]): void {
    this.snap = { ...this.snap, calls };
    for (const l of this.listeners) l();
  }
  dispose(): void {
    this.disposed = true;
  }
}

/** A LockManager with one lock name, granting in request order (what navigator.locks does for exclusive locks). */
class OneLock {
  private queue: { grant: () => Promise<unknown>; signal?: AbortSignal }[] = [];
  private busy = false;
  request(_name: string, opts: { signal?: AbortSignal }, cb: () => unknown): Promise<unknown> {
    return new Promise((resolve) => {
      this.queue.push({ grant: async () => resolve(await cb()), ...(opts.signal ? { signal: opts.signal } : {}) });
      this.next();
    });
  }
  private next(): void {
    if (this.busy) return;
    const item = this.queue.shift();
    if (!item) return;
    if (item.signal?.aborted) return this.next();
    this.busy = true;
    void item.grant().finally(() => {
      this.busy = false;
      this.next();
    });
  }
}

function host(locks?: OneLock) {
  const phones: StandInPhone[] = [];
  const offs: SoftphoneStatus[] = [];
  const h = new SoftphoneHost({
    create: () => {
      const p = new StandInPhone();
      phones.push(p);
      return p as unknown as Softphone;
    },
    reportOff: (s) => offs.push(s),
    locks: locks as unknown as LockManager | undefined,
  });
  return { h, phones, offs };
}

const tick = (): Promise<void> => new Promise((r) => setTimeout(r, 0));

function amiCall(id: string, remoteNumber: string, pop: boolean): CallView {
  return {
    call: { id, linkedids: [id], extension: '101', direction: 'inbound', state: 'ringing', remoteNumber, startedAt: T, transfers: [], legs: [], recording: { state: 'off', files: [] } },
    lookup: { status: 'pending' },
    pop,
  } as unknown as CallView;
}
function phoneCall(id: string, remoteUser: string, state: PhoneCall['state']): PhoneCall {
  return { id, direction: 'inbound', remoteUser, remoteUri: `sip:${remoteUser}@pbx`, state, startedAt: T + 50, held: false, muted: false, waiting: false, sipCallId: `c-${id}`, dtmf: '', dtmfReceived: '' };
}

describe('SoftphoneHost', () => {
  it('runs a phone only while enabled, configures it, and reports off when it stops', () => {
    const { h, phones, offs } = host();
    h.setSettings(OFF);
    expect(phones).toHaveLength(0);
    h.setSettings(ON);
    expect(phones).toHaveLength(1);
    expect(phones[0]?.configured.at(-1)).toEqual(ON);
    expect(h.current().phone).toBeDefined();
    h.setSettings(OFF);
    expect(phones[0]?.disposed).toBe(true);
    expect(h.current().phone).toBeUndefined();
    expect(offs).toEqual([{ registration: 'off', calls: { ringing: 0, active: 0 } }]);
  });

  it('a second window waits for the lock (otherTab) and takes over when the first lets go', async () => {
    const locks = new OneLock();
    const first = host(locks);
    const second = host(locks);
    first.h.setSettings(ON);
    await tick();
    second.h.setSettings(ON);
    await tick();
    expect(first.phones).toHaveLength(1);
    expect(second.phones).toHaveLength(0);
    expect(second.h.current().otherTab).toBe(true);
    first.h.dispose();
    await tick();
    await tick();
    expect(second.phones).toHaveLength(1);
    expect(second.h.current().otherTab).toBe(false);
  });

  it('pairs a softphone call with the AMI call of the same number, and the pair holds', () => {
    const { h, phones } = host();
    h.setSettings(ON);
    const calls: CallsView = { live: [amiCall('1700.1', '+79161234567', false)], missed: 0, demo: false };
    h.setCalls(calls);
    phones[0]?.setCalls([phoneCall('sp-1', '89161234567', 'ringing')]);
    expect([...h.current().matches]).toEqual([['sp-1', '1700.1']]);
    // Ringing here: the AMI card pops even though the screen-pop policy said no.
    expect(withSoftphonePops(calls, h.current()).live[0]?.pop).toBe(true);
    phones[0]?.setCalls([phoneCall('sp-1', '89161234567', 'connected')]);
    expect(withSoftphonePops(calls, h.current())).toBe(calls);
    expect(h.current().matches.get('sp-1')).toBe('1700.1');
  });
});
