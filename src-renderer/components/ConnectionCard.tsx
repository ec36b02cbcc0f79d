// The PBX connection at a glance: a coloured state dot, the state in words and
// what to do about it.
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { ConnectionStatus } from '../../src-shared/domain/connection';

export function connectionTone(status: ConnectionStatus | undefined): 'ok' | 'busy' | 'bad' | 'idle' {
  switch (status?.state) {
    case 'ready':
      return 'ok';
    case 'connecting':
    case 'loggingIn':
    case 'reconnecting':
      return 'busy';
    case 'loginRefused':
    case 'error':
      return 'bad';
    default:
      return 'idle';
  }
}

export function ConnectionCard(props: { readonly status: ConnectionStatus | undefined; readonly demo?: boolean; readonly onOpenSettings: () => void }) {
  const { t } = useTranslation();
  const s = props.status;
  const seconds = useSecondsUntil(s?.state === 'reconnecting' ? s.retryAt : undefined);
  const label = !s
    ? t('connection.connecting')
    : s.state === 'reconnecting'
      ? t('connection.reconnecting', { seconds })
      : t(`connection.${s.state}`);
  const detail = !s ? undefined : props.demo ? t('connection.demoTarget') : s.state === 'unconfigured' ? t('connection.unconfiguredHint') : 'reason' in s ? s.reason : s.target;
  return (
    <section className="card" aria-labelledby="conn-title">
      <h2 id="conn-title" className="card-title">{t('connection.title')}</h2>
      <div className="status-row" data-testid="connection-state" data-state={s?.state ?? 'loading'} role="status" aria-live="polite">
        <span className={`dot dot-${connectionTone(s)}`} aria-hidden="true" />
        <span className="status-label">{label}</span>
      </div>
      {detail ? <p className="muted">{detail}</p> : null}
      {s?.state === 'ready' && s.filtering && !props.demo ? (
        <p className="muted small" data-testid="filtering">
          {t(`connection.filtering.${s.filtering}`, { defaultValue: s.filtering })}
        </p>
      ) : null}
      {s && (s.state === 'unconfigured' || s.state === 'loginRefused' || s.state === 'error') ? (
        <button type="button" className="btn btn-secondary" onClick={props.onOpenSettings}>
          {t('connection.openSettings')}
        </button>
      ) : null}
    </section>
  );
}

/** Whole seconds until `at`, re-rendered every second while counting. */
function useSecondsUntil(at: number | undefined): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (at === undefined) return undefined;
    const timer = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(timer);
  }, [at]);
  return at === undefined ? 0 : Math.max(0, Math.ceil((at - now) / 1000));
}
