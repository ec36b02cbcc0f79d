// The softphone in the React tree: a SoftphoneHost per window (host.ts) fed
// with Settings and the AMI calls, wired to main (SIP password, WebSocket
// probe, state reports for the tray, click-to-call routed here).
import { createContext, useContext, useEffect, useState, useSyncExternalStore, type ReactNode } from 'react';
import type { CallsView } from '../../src-shared/domain/calls-view';
import type { SoftphoneSettings } from '../../src-shared/domain/softphone-settings';
import type { PhoneCall } from '../../src-shared/softphone/calls';
import type { SoftphoneStatus } from '../../src-shared/softphone/status';
import { sidecall } from '../bridge';
import { SoftphoneHost, type SoftphoneView } from './host';

export { withSoftphonePops } from './host';
import { Softphone } from './softphone';

const EMPTY: SoftphoneView = { phone: undefined, snapshot: undefined, matches: new Map(), otherTab: false };
const SoftphoneContext = createContext<SoftphoneView>(EMPTY);

function createHost(): SoftphoneHost {
  const api = sidecall();
  // The tray follows the softphone's state; a lost report is replaced by the next one.
  const report = (status: SoftphoneStatus): void => void api.request('softphone.state', status).catch(() => undefined);
  return new SoftphoneHost({
    create: () =>
      new Softphone({
        credentials: () => api.request('softphone.credentials', {}),
        probe: () => api.request('softphone.probe', {}).catch(() => undefined),
        report,
      }),
    reportOff: report,
    locks: typeof navigator !== 'undefined' ? navigator.locks : undefined,
  });
}

/** The window's softphone, run from Settings and paired with the AMI calls; hand the result to SoftphoneProvider. */
export function useSoftphoneHost(settings: SoftphoneSettings | undefined, calls: CallsView): SoftphoneView {
  const [host] = useState(createHost);
  useEffect(() => () => host.dispose(), [host]);
  useEffect(() => host.setSettings(settings), [host, settings]);
  useEffect(() => host.setCalls(calls), [host, calls]);
  const view = useSyncExternalStore(host.subscribe, host.current);

  // Click-to-call (dial pad, History, tel: links) while the softphone is the device: main validated the number.
  const phone = view.phone;
  useEffect(() => {
    if (!phone) return undefined;
    return sidecall().on('softphone.dial', (d) => {
      void phone.call(d.exten).catch(() => undefined);
    });
  }, [phone]);
  return view;
}

export function SoftphoneProvider(props: { readonly value: SoftphoneView; readonly children: ReactNode }) {
  return <SoftphoneContext.Provider value={props.value}>{props.children}</SoftphoneContext.Provider>;
}


export function useSoftphone(): SoftphoneView {
  return useContext(SoftphoneContext);
}

/** The softphone call paired with an AMI call, if any. */
export function useSoftphoneCallFor(amiCallId: string): PhoneCall | undefined {
  const { snapshot, matches } = useSoftphone();
  for (const [sessionId, callId] of matches) {
    if (callId === amiCallId) return snapshot?.calls.find((c) => c.id === sessionId);
  }
  return undefined;
}

/** Softphone calls no AMI call stands for (no PBX connection, or the PBX has not reported them yet). */
export function useUnpairedSoftphoneCalls(): readonly PhoneCall[] {
  const { snapshot, matches } = useSoftphone();
  return (snapshot?.calls ?? []).filter((c) => !matches.has(c.id));
}
