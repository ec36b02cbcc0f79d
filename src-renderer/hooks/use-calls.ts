// Live calls from main: loaded once, then kept current by `calls.changed`.
import { useEffect, useState } from 'react';
import type { CallsView } from '../../src-shared/domain/calls-view';
import { sidecall } from '../bridge';

const EMPTY: CallsView = { live: [], missed: 0, demo: false };

export function useCalls(): CallsView {
  const [view, setView] = useState<CallsView>(EMPTY);
  useEffect(() => {
    const api = sidecall();
    const off = api.on('calls.changed', setView);
    void api.request('calls.get', {}).then(setView, () => undefined);
    return off;
  }, []);
  return view;
}
