// The CRM connection and the outbox as the UI follows them: the current value
// at mount, then every change main announces.
import { useEffect, useState } from 'react';
import type { CrmStatus, OutboxStatusView } from '../../src-shared/domain/crm-status';
import { sidecall } from '../bridge';

export function useCrmStatus(): CrmStatus | undefined {
  const [status, setStatus] = useState<CrmStatus>();
  useEffect(() => {
    let live = true;
    const off = sidecall().on('crm.status', (s) => setStatus(s));
    void sidecall()
      .request('crm.status', {})
      .then((s) => live && setStatus((cur) => cur ?? s))
      .catch(() => undefined);
    return () => {
      live = false;
      off();
    };
  }, []);
  return status;
}

export function useOutboxStatus(): [OutboxStatusView | undefined, (s: OutboxStatusView) => void] {
  const [status, setStatus] = useState<OutboxStatusView>();
  useEffect(() => {
    let live = true;
    const off = sidecall().on('outbox.changed', (s) => setStatus(s));
    void sidecall()
      .request('outbox.status', {})
      .then((s) => live && setStatus((cur) => cur ?? s))
      .catch(() => undefined);
    return () => {
      live = false;
      off();
    };
  }, []);
  return [status, setStatus];
}
