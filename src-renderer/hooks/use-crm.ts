// The CRM connection and the outbox as the UI follows them: the current value
// at mount, then every change main announces.
import { useEffect, useState } from 'react';
import type { CrmStatus, OutboxStatusView } from '../../src-shared/domain/crm-status';
import { sidecall } from '../bridge';

/** A value main announces on changes: subscribed first, then the current value fills in unless an announcement came first. */
function useFollowed<T>(subscribe: (set: (v: T) => void) => () => void, load: () => Promise<T>): [T | undefined, (v: T) => void] {
  const [value, setValue] = useState<T>();
  useEffect(() => {
    let live = true;
    const off = subscribe((v) => setValue(v));
    void load()
      .then((v) => live && setValue((cur) => cur ?? v))
      .catch(() => undefined);
    return () => {
      live = false;
      off();
    };
    // Subscribed once per mount: main's channels do not change.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, []);
  return [value, setValue];
}

export function useCrmStatus(): CrmStatus | undefined {
  return useFollowed<CrmStatus>((set) => sidecall().on('crm.status', set), () => sidecall().request('crm.status', {}))[0];
}

export function useOutboxStatus(): [OutboxStatusView | undefined, (s: OutboxStatusView) => void] {
  return useFollowed<OutboxStatusView>((set) => sidecall().on('outbox.changed', set), () => sidecall().request('outbox.status', {}));
}
