// The CRM connection at a glance: which CRM, "connected as ...", or what the
// operator must do (sign in again, finish setup), with Connect / Reconnect /
// Disconnect and the paste-the-code box for CRMs that show the code instead of
// redirecting back.
import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import type { CrmStatus } from '../../../src-shared/domain/crm-status';
import { sidecall } from '../../bridge';
import { toRequestError } from '../../bridge/request-error';

export function crmTone(s: CrmStatus | undefined): 'ok' | 'busy' | 'bad' | 'idle' {
  switch (s?.state) {
    case 'connected':
      return 'ok';
    case 'signingIn':
      return 'busy';
    case 'incomplete':
      return 'busy';
    case 'needsSignIn':
    case 'error':
      return 'bad';
    default:
      return 'idle';
  }
}

export function CrmConnectionCard(props: { readonly status: CrmStatus | undefined; readonly onOpenSettings?: () => void }) {
  const { t } = useTranslation();
  const s = props.status;
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();
  const [code, setCode] = useState('');

  async function run(fn: () => Promise<unknown>): Promise<void> {
    setBusy(true);
    setError(undefined);
    try {
      await fn();
    } catch (e) {
      setError(toRequestError(e).message);
    } finally {
      setBusy(false);
    }
  }

  async function submitCode(ev: FormEvent): Promise<void> {
    ev.preventDefault();
    if (code.trim() === '') return setError(t('crm.codeEmpty'));
    await run(() => sidecall().request('crm.submitCode', { code }));
    setCode('');
  }

  if (!s || s.state === 'none') {
    return (
      <section className="card" aria-labelledby="crm-title" data-testid="crm-card">
        <h2 id="crm-title" className="card-title">{t('crm.title')}</h2>
        <div className="status-row" data-testid="crm-state" data-state={s?.state ?? 'loading'} role="status">
          <span className="dot dot-idle" aria-hidden="true" />
          <span className="status-label">{s ? t('crm.state.none') : '…'}</span>
        </div>
        {s ? <p className="muted">{t('crm.noneHint')}</p> : null}
        {s && props.onOpenSettings ? (
          <button type="button" className="btn btn-secondary" onClick={props.onOpenSettings}>
            {t('connection.openSettings')}
          </button>
        ) : null}
      </section>
    );
  }

  const canConnect = s.state === 'signedOut' || s.state === 'needsSignIn' || s.state === 'error';
  return (
    <section className="card" aria-labelledby="crm-title" data-testid="crm-card">
      <h2 id="crm-title" className="card-title">{t('crm.title')}</h2>
      <div className="status-row" data-testid="crm-state" data-state={s.state} role="status" aria-live="polite">
        <span className={`dot dot-${crmTone(s)}`} aria-hidden="true" />
        <span className="status-label">
          {s.displayName} · {t(`crm.state.${s.state}`)}
        </span>
      </div>
      {s.state === 'connected' && s.account ? (
        <p className="muted" data-testid="crm-account">
          {t('crm.connectedAs', { account: s.account })}
        </p>
      ) : null}
      {s.state === 'signingIn' && s.waitingFor === 'redirect' ? <p className="muted">{t('crm.waitingBrowser')}</p> : null}
      {s.state === 'incomplete' && s.missing ? (
        <p className="muted" data-testid="crm-message">
          {t('crm.missingField', { field: t(`crm.field.${s.missing}`) })}
        </p>
      ) : s.state === 'needsSignIn' && s.signIn === 'credential' && s.message ? (
        // A refused API key or token: the CRM's own words say what is wrong; there is no browser sign-in to redo.
        <>
          <p className="error" data-testid="crm-message">
            {s.message}
          </p>
          <p className="muted">{t('crm.keyRefusedHint', { crm: s.displayName })}</p>
        </>
      ) : s.state === 'needsSignIn' ? (
        <p className="error" data-testid="crm-message">
          {t('crm.needsSignInHint', { crm: s.displayName })}
        </p>
      ) : s.message && s.state !== 'connected' ? (
        <p className={s.state === 'signingIn' || s.state === 'signedOut' || s.state === 'incomplete' ? 'muted' : 'error'} data-testid="crm-message">
          {s.message}
        </p>
      ) : null}
      {s.state === 'signingIn' && s.waitingFor === 'paste' ? (
        <form className="inline-form" onSubmit={(e) => void submitCode(e)} noValidate>
          <label htmlFor="crm-code">{t('crm.pasteLabel')}</label>
          <div className="row">
            <input id="crm-code" type="text" className="mono" autoComplete="off" spellCheck={false} value={code} onChange={(e) => setCode(e.target.value)} data-testid="crm-code" />
            <button type="submit" className="btn btn-primary" disabled={busy} data-testid="crm-code-submit">
              {t('crm.pasteSubmit')}
            </button>
          </div>
        </form>
      ) : null}
      {error ? (
        <p className="error" role="alert" data-testid="crm-error">
          {error}
        </p>
      ) : null}
      <div className="actions">
        {canConnect ? (
          <button type="button" className="btn btn-primary" disabled={busy} onClick={() => void run(() => sidecall().request('crm.connect', {}))} data-testid="crm-connect">
            {s.signIn === 'credential' ? t('crm.check') : s.state === 'signedOut' ? t('crm.signIn') : t('crm.reconnect')}
          </button>
        ) : null}
        {s.state === 'signingIn' ? (
          <button type="button" className="btn btn-small" disabled={busy} onClick={() => void run(() => sidecall().request('crm.cancelConnect', {}))} data-testid="crm-cancel">
            {t('crm.cancel')}
          </button>
        ) : null}
        {s.state === 'connected' || s.state === 'needsSignIn' ? (
          <button type="button" className="btn btn-small" disabled={busy} onClick={() => void run(() => sidecall().request('crm.disconnect', {}))} data-testid="crm-disconnect">
            {t('crm.disconnect')}
          </button>
        ) : null}
        {s.state === 'incomplete' && props.onOpenSettings ? (
          <button type="button" className="btn btn-secondary" onClick={props.onOpenSettings}>
            {t('connection.openSettings')}
          </button>
        ) : null}
      </div>
    </section>
  );
}
