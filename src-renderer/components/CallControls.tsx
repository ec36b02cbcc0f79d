// In-call controls of a live call: hang up, hold (park), transfer (blind or
// attended, then complete or cancel), and recording (start, pause, resume,
// stop). Each asks main; the call card changes only when the PBX reports it.
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { CallView } from '../../src-shared/domain/calls-view';
import { sidecall } from '../bridge';
import { toRequestError } from '../bridge/request-error';

export function CallControls(props: { readonly view: CallView }) {
  const { t } = useTranslation();
  const { call } = props.view;
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();
  const [transfer, setTransfer] = useState<{ open: boolean; target: string; attended: boolean }>({ open: false, target: '', attended: false });
  const [consulting, setConsulting] = useState(false);
  const [slot, setSlot] = useState<string>();
  const talking = call.state === 'connected' || call.state === 'onHold';
  const responsible = props.view.lookup.status === 'found' ? props.view.lookup.contact.responsible : undefined;
  const rec = call.recording.state;

  async function run(action: () => Promise<unknown>): Promise<boolean> {
    setBusy(true);
    setError(undefined);
    try {
      await action();
      return true;
    } catch (e) {
      setError(toRequestError(e).message);
      return false;
    } finally {
      setBusy(false);
    }
  }

  const id = call.id;
  const api = sidecall();
  return (
    <div className="controls" data-testid="call-controls">
      <div className="call-actions">
        <button type="button" className="btn btn-hangup" disabled={busy} onClick={() => void run(() => api.request('calls.hangup', { callId: id }))} data-testid="ctl-hangup">
          {t('call.hangUp')}
        </button>
        {talking ? (
          <>
            <button type="button" className="btn btn-small" disabled={busy} onClick={() => setTransfer((x) => ({ ...x, open: !x.open }))} aria-expanded={transfer.open} data-testid="ctl-transfer">
              {t('control.transfer')}
            </button>
            {responsible?.extension ? (
              <button
                type="button"
                className="btn btn-small"
                disabled={busy}
                onClick={() => void run(() => api.request('calls.transfer', { callId: id, target: responsible.extension ?? '', mode: 'blind' }))}
                data-testid="ctl-transfer-responsible"
              >
                {t('control.toResponsible', { name: responsible.name })}
              </button>
            ) : null}
            <button
              type="button"
              className="btn btn-small"
              disabled={busy}
              onClick={() => void run(async () => setSlot((await api.request('calls.park', { callId: id })).slot ?? '—'))}
              data-testid="ctl-park"
            >
              {t('control.hold')}
            </button>
            {rec === 'off' ? (
              <button type="button" className="btn btn-small" disabled={busy} onClick={() => void run(() => api.request('calls.record', { callId: id, action: 'start' }))} data-testid="ctl-record">
                ● {t('control.record')}
              </button>
            ) : (
              <>
                <button
                  type="button"
                  className="btn btn-small"
                  disabled={busy}
                  onClick={() => void run(() => api.request('calls.record', { callId: id, action: rec === 'paused' ? 'resume' : 'pause' }))}
                  data-testid="ctl-pause"
                >
                  {rec === 'paused' ? t('control.resume') : t('control.pause')}
                </button>
                <button type="button" className="btn btn-small" disabled={busy} onClick={() => void run(() => api.request('calls.record', { callId: id, action: 'stop' }))} data-testid="ctl-stop">
                  ■ {t('control.stop')}
                </button>
              </>
            )}
          </>
        ) : null}
      </div>
      {slot ? (
        <p className="muted small" role="status" data-testid="park-slot">
          {t('control.parked', { slot })}
        </p>
      ) : null}
      {transfer.open ? (
        <form
          className="transfer-form"
          onSubmit={(e) => {
            e.preventDefault();
            void run(() => api.request('calls.transfer', { callId: id, target: transfer.target, mode: transfer.attended ? 'attended' : 'blind' })).then((ok) => {
              if (ok) {
                setConsulting(transfer.attended);
                setTransfer({ open: false, target: '', attended: false });
              }
            });
          }}
        >
          <input type="text" inputMode="tel" list={`targets-${id}`} aria-label={t('control.transferTarget')} placeholder={t('control.transferTarget')} value={transfer.target} onChange={(e) => setTransfer((x) => ({ ...x, target: e.target.value }))} data-testid="transfer-target" />
          <TargetSuggestions id={`targets-${id}`} />
          <label className="check small">
            <input type="checkbox" checked={transfer.attended} onChange={(e) => setTransfer((x) => ({ ...x, attended: e.target.checked }))} />
            <span>{t('control.attended')}</span>
          </label>
          <button type="submit" className="btn btn-small" disabled={busy || transfer.target.trim() === ''} data-testid="transfer-go">
            {t('control.transferGo')}
          </button>
        </form>
      ) : null}
      {consulting ? (
        <div className="call-actions">
          <span className="muted small">{t('control.consulting')}</span>
          <button type="button" className="btn btn-small" disabled={busy} onClick={() => void run(() => api.request('calls.transferFinish', { callId: id, action: 'complete' })).then((ok) => ok && setConsulting(false))} data-testid="transfer-complete">
            {t('control.complete')}
          </button>
          <button type="button" className="btn btn-small" disabled={busy} onClick={() => void run(() => api.request('calls.transferFinish', { callId: id, action: 'cancel' })).then((ok) => ok && setConsulting(false))} data-testid="transfer-cancel">
            {t('control.cancel')}
          </button>
        </div>
      ) : null}
      {error ? (
        <p className="error" role="alert" data-testid="control-error">
          {error}
        </p>
      ) : null}
    </div>
  );
}

/** Recent numbers and extensions from History, offered while typing a transfer target. */
function TargetSuggestions(props: { readonly id: string }) {
  const [items, setItems] = useState<readonly { value: string; label: string }[]>([]);
  useEffect(() => {
    let stale = false;
    void sidecall()
      .request('history.list', { limit: 50 })
      .then((r) => {
        if (stale) return;
        const seen = new Map<string, string>();
        for (const h of r.items) {
          const value = h.call.remoteNumber;
          if (value && !seen.has(value)) seen.set(value, h.contact?.name ?? h.number?.display ?? value);
        }
        setItems([...seen].map(([value, label]) => ({ value, label })));
      }, () => undefined);
    return () => {
      stale = true;
    };
  }, []);
  return (
    <datalist id={props.id}>
      {items.map((i) => (
        <option key={i.value} value={i.value}>
          {i.label}
        </option>
      ))}
    </datalist>
  );
}
