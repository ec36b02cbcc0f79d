// Demo mode: explains it, and rings the demo operator from a random demo
// contact or a typed number.
import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { sidecall } from '../bridge';
import { toRequestError } from '../bridge/request-error';
import { translateMessage } from '../i18n';

export function DemoPanel() {
  const { t } = useTranslation();
  const [number, setNumber] = useState('');
  const [status, setStatus] = useState<{ kind: 'ok' | 'error'; text: string }>();

  async function simulate(ev: FormEvent): Promise<void> {
    ev.preventDefault();
    setStatus(undefined);
    if (typeof Notification !== 'undefined' && Notification.permission === 'default') void Notification.requestPermission();
    try {
      const r = await sidecall().request('demo.simulateIncoming', number.trim() === '' ? {} : { number: number.trim() });
      setStatus({ kind: 'ok', text: t('demo.started', { number: r.number }) });
    } catch (e) {
      const err = toRequestError(e);
      setStatus({ kind: 'error', text: err.issues[0] ? translateMessage(err.issues[0].message) : err.message });
    }
  }

  return (
    <section className="card demo" aria-labelledby="demo-title" data-testid="demo-panel">
      <h2 id="demo-title" className="card-title">{t('demo.title')}</h2>
      <p className="muted">{t('demo.text')}</p>
      <form className="demo-form" onSubmit={(e) => void simulate(e)} noValidate>
        <div className="field">
          <label htmlFor="demo-number">{t('demo.numberLabel')}</label>
          <input id="demo-number" type="text" inputMode="tel" placeholder={t('demo.numberPlaceholder')} value={number} onChange={(e) => setNumber(e.target.value)} />
        </div>
        <button type="submit" className="btn btn-primary" data-testid="demo-simulate">
          {t('demo.simulate')}
        </button>
      </form>
      {status ? (
        <p className={status.kind === 'ok' ? 'muted small' : 'error'} role={status.kind === 'ok' ? 'status' : 'alert'} data-testid="demo-status">
          {status.text}
        </p>
      ) : null}
    </section>
  );
}
