// Call reports on their way to the CRM: sending / N waiting / N failed with the
// CRM's reason, with "Retry" and "Discard" (after a confirmation: a discarded
// report is gone for good) per report, and "Retry all" for the failed list.
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { OutboxStatusView } from '../../../src-shared/domain/crm-status';
import { sidecall } from '../../bridge';
import { toRequestError } from '../../bridge/request-error';

export function OutboxCard(props: { readonly status: OutboxStatusView | undefined; readonly onChange: (s: OutboxStatusView) => void }) {
  const { t } = useTranslation();
  const s = props.status;
  const [confirm, setConfirm] = useState<string>();
  const [error, setError] = useState<string>();
  if (!s || (s.waiting === 0 && s.failed.length === 0 && !s.sending && !s.paused)) return null;

  async function run(fn: () => Promise<OutboxStatusView>): Promise<void> {
    setError(undefined);
    try {
      props.onChange(await fn());
    } catch (e) {
      setError(toRequestError(e).message);
    }
  }

  const summary = s.paused === 'needsSignIn' ? t('outbox.pausedSignIn', { count: s.waiting }) : s.paused === 'noCrm' ? t('outbox.pausedNoCrm', { count: s.waiting }) : s.sending ? t('outbox.sending', { count: s.waiting }) : s.waiting > 0 ? t('outbox.waiting', { count: s.waiting }) : s.failed.length > 0 ? t('outbox.noneWaiting') : t('outbox.allSent');
  return (
    <section className="card" aria-labelledby="outbox-title" data-testid="outbox-card">
      <h2 id="outbox-title" className="card-title">{t('outbox.title')}</h2>
      <div className="status-row" role="status" aria-live="polite" data-testid="outbox-summary">
        <span className={`dot dot-${s.paused || s.failed.length > 0 ? 'bad' : s.waiting > 0 ? 'busy' : 'ok'}`} aria-hidden="true" />
        <span className="status-label">{summary}</span>
      </div>
      {s.lastError && s.waiting > 0 ? <p className="muted small">{t('outbox.lastError', { message: s.lastError })}</p> : null}
      {s.failed.length > 0 ? (
        <>
          <div className="row">
            <p className="error">{t('outbox.failed', { count: s.failed.length })}</p>
            <button type="button" className="btn btn-small" onClick={() => void run(() => sidecall().request('outbox.retry', {}))} data-testid="outbox-retry-all">
              {t('outbox.retryAll')}
            </button>
          </div>
          <ul className="outbox-failed" data-testid="outbox-failed">
            {s.failed.map((f) => (
              <li key={f.id} className="outbox-row">
                <div className="outbox-what">
                  <span className="mono">{f.number || t('call.hiddenNumber')}</span>
                  <span className="muted small">{new Date(f.endedAt).toLocaleString()}</span>
                  <span className="small">{f.reason}</span>
                </div>
                {confirm === f.id ? (
                  <div className="row">
                    <span className="small">{t('outbox.discardConfirm')}</span>
                    <button type="button" className="btn btn-small btn-danger" onClick={() => void run(() => sidecall().request('outbox.discard', { id: f.id })).then(() => setConfirm(undefined))} data-testid="outbox-discard-yes">
                      {t('outbox.discardYes')}
                    </button>
                    <button type="button" className="btn btn-small" onClick={() => setConfirm(undefined)}>
                      {t('outbox.discardNo')}
                    </button>
                  </div>
                ) : (
                  <div className="row">
                    <button type="button" className="btn btn-small" onClick={() => void run(() => sidecall().request('outbox.retry', { id: f.id }))} data-testid="outbox-retry">
                      {t('outbox.retry')}
                    </button>
                    <button type="button" className="btn btn-small" onClick={() => setConfirm(f.id)} data-testid="outbox-discard">
                      {t('outbox.discard')}
                    </button>
                  </div>
                )}
              </li>
            ))}
          </ul>
        </>
      ) : null}
      {error ? (
        <p className="error" role="alert">
          {error}
        </p>
      ) : null}
      {s.waiting > 0 && !s.sending ? (
        <div className="actions">
          <button type="button" className="btn btn-small" onClick={() => void run(() => sidecall().request('outbox.retry', {}))} data-testid="outbox-send-now">
            {t('outbox.sendNow')}
          </button>
        </div>
      ) : null}
    </section>
  );
}
