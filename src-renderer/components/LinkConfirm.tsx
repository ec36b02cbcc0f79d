// A tel:/callto:/sip: link never dials silently: this card shows the number
// (normalized) and the contact, with "Call" focused; Enter calls, Escape cancels.
import { useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { EventOf } from '../../src-shared/ipc/contract';
import { sidecall } from '../bridge';
import { toRequestError } from '../bridge/request-error';

type Pending = EventOf<'links.pending'>;

export function LinkConfirm() {
  const { t } = useTranslation();
  const [pending, setPending] = useState<Pending>();
  const [error, setError] = useState<string>();
  const callButton = useRef<HTMLButtonElement>(null);

  useEffect(() => sidecall().on('links.pending', (p) => {
    setPending(p);
    setError(undefined);
  }), []);
  useEffect(() => {
    if (pending) callButton.current?.focus();
  }, [pending]);

  if (!pending) return null;
  async function answer(accept: boolean): Promise<void> {
    if (!pending) return;
    try {
      await sidecall().request('links.answer', { id: pending.id, accept });
      setPending(undefined);
    } catch (e) {
      setError(toRequestError(e).message);
    }
  }
  return (
    <section className="call-card call-pop link-confirm" role="alertdialog" aria-labelledby="link-title" data-testid="link-confirm" onKeyDown={(e) => e.key === 'Escape' && void answer(false)}>
      <h2 id="link-title" className="card-title">{t('link.title')}</h2>
      <div className="call-name" data-testid="link-number">{pending.contactName ?? pending.number.display}</div>
      {pending.contactName ? <div className="call-number">{pending.number.display}</div> : null}
      <div className="call-actions">
        <button ref={callButton} type="button" className="btn btn-answer" onClick={() => void answer(true)} data-testid="link-call">
          {t('link.call')}
        </button>
        <button type="button" className="btn btn-small" onClick={() => void answer(false)} data-testid="link-cancel">
          {t('link.cancel')}
        </button>
      </div>
      {error ? (
        <p className="error" role="alert">
          {error}
        </p>
      ) : null}
    </section>
  );
}
