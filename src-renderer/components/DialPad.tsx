// The dial pad: type or paste a number (formatted as you type for the home
// country), or press the keys; "Call" places it through main, which validates
// it in one place and answers with a clear reason when it refuses.
import { useEffect, useState, type FormEvent, type KeyboardEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { AsYouType, type CountryCode } from 'libphonenumber-js/min';
import { sidecall } from '../bridge';
import { toRequestError } from '../bridge/request-error';
import { translateMessage } from '../i18n';

const KEYS = ['1', '2', '3', '4', '5', '6', '7', '8', '9', '*', '0', '#'] as const;

/** Formats what the operator typed, keeping only what a number can hold. */
export function formatAsYouType(raw: string, region: string): string {
  const kept = raw.replace(/[^0-9+*#]/g, '');
  if (/[*#]/.test(kept) || kept.length <= 4 || kept.lastIndexOf('+') > 0) return kept;
  const formatted = new AsYouType(region as CountryCode).input(kept);
  // AsYouType gives up on what it cannot read; never lose the operator's digits to formatting.
  return formatted.replace(/\D/g, '') === kept.replace(/\D/g, '') ? formatted : kept;
}

export function DialPad(props: { readonly region: string; readonly disabled?: boolean }) {
  const { t } = useTranslation();
  const [value, setValue] = useState('');
  const [status, setStatus] = useState<{ kind: 'ok' | 'error'; text: string }>();
  const [busy, setBusy] = useState(false);

  // A placed call can still fail later (my phone not answered, number busy...): Asterisk says so in OriginateResponse.
  useEffect(
    () =>
      sidecall().on('calls.outcome', (o) => {
        if (!o.ok) setStatus({ kind: 'error', text: o.message });
      }),
    [],
  );

  async function call(ev?: FormEvent): Promise<void> {
    ev?.preventDefault();
    if (value.trim() === '') return;
    setBusy(true);
    setStatus(undefined);
    try {
      const r = await sidecall().request('calls.dial', { number: value, source: 'pad' });
      setStatus({ kind: 'ok', text: t('dial.placing', { number: r.number.display }) });
      setValue('');
    } catch (e) {
      const err = toRequestError(e);
      setStatus({ kind: 'error', text: err.issues[0] ? translateMessage(err.issues[0].message) : err.message });
    } finally {
      setBusy(false);
    }
  }

  function press(key: string): void {
    setValue((v) => formatAsYouType(v + key, props.region));
    setStatus(undefined);
  }

  function onKeyDown(e: KeyboardEvent<HTMLInputElement>): void {
    if (e.key === 'Escape') setValue('');
  }

  return (
    <section className="card dialpad" aria-labelledby="dial-title">
      <h2 id="dial-title" className="card-title">{t('dial.title')}</h2>
      <form className="dial-form" onSubmit={(e) => void call(e)} noValidate>
        <input
          type="tel"
          className="dial-input"
          aria-label={t('dial.number')}
          placeholder={t('dial.placeholder')}
          value={value}
          autoComplete="off"
          onKeyDown={onKeyDown}
          onChange={(e) => {
            setValue(formatAsYouType(e.target.value, props.region));
            setStatus(undefined);
          }}
          data-testid="dial-input"
        />
        <button type="submit" className="btn btn-answer" disabled={busy || props.disabled || value.trim() === ''} data-testid="dial-call">
          {t('dial.call')}
        </button>
      </form>
      <div className="keys" role="group" aria-label={t('dial.keys')}>
        {KEYS.map((k) => (
          <button key={k} type="button" className="key" onClick={() => press(k)} aria-label={k}>
            {k}
          </button>
        ))}
      </div>
      {status ? (
        <p className={status.kind === 'ok' ? 'muted small' : 'error'} role={status.kind === 'ok' ? 'status' : 'alert'} data-testid="dial-status">
          {status.text}
        </p>
      ) : null}
    </section>
  );
}
