// History: the last calls on this desk, newest first, with a result filter and
// search; missed calls stand out. Opening it resets the missed badge.
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { HistoryItem } from '../../src-shared/domain/calls-view';
import { sidecall } from '../bridge';
import { toRequestError } from '../bridge/request-error';
import { formatDuration } from '../hooks/use-now';

type ResultFilter = 'all' | 'missed' | 'answered';
const MISSED = new Set(['missed', 'rejected']);

export function HistoryPage() {
  const { t, i18n } = useTranslation();
  const [items, setItems] = useState<readonly HistoryItem[]>();
  const [error, setError] = useState<string>();
  const [result, setResult] = useState<ResultFilter>('all');
  const [text, setText] = useState('');
  const [version, setVersion] = useState(0);

  useEffect(() => {
    void sidecall().request('history.markSeen', {});
    const reload = (): void => setVersion((v) => v + 1);
    const offHistory = sidecall().on('history.changed', reload);
    // "Sent to CRM" / "Waiting for CRM" change when the outbox delivers or gives up, not when History changes.
    const offOutbox = sidecall().on('outbox.changed', reload);
    return () => {
      offHistory();
      offOutbox();
    };
  }, []);

  useEffect(() => {
    let stale = false;
    sidecall()
      .request('history.list', { result, ...(text.trim() ? { text: text.trim() } : {}) })
      .then(
        (r) => {
          if (!stale) setItems(r.items);
        },
        (e: unknown) => {
          if (!stale) setError(toRequestError(e).message);
        },
      );
    return () => {
      stale = true;
    };
  }, [result, text, version]);

  const time = new Intl.DateTimeFormat(i18n.language, { dateStyle: 'short', timeStyle: 'short' });
  return (
    <div className="stack">
      <h1 className="page-title">{t('history.title')}</h1>
      <div className="history-tools">
        <div className="segmented" role="group" aria-label={t('history.title')}>
          {(['all', 'missed', 'answered'] as const).map((r) => (
            <button key={r} type="button" className={`seg${result === r ? ' seg-active' : ''}`} aria-pressed={result === r} onClick={() => setResult(r)} data-testid={`history-filter-${r}`}>
              {t(`history.${r}`)}
            </button>
          ))}
        </div>
        <input type="search" className="history-search" placeholder={t('history.search')} aria-label={t('history.search')} value={text} onChange={(e) => setText(e.target.value)} />
      </div>
      {error ? (
        <div className="banner banner-error" role="alert">
          {error}
        </div>
      ) : !items ? (
        <p className="muted" role="status">
          {t('history.loading')}
        </p>
      ) : items.length === 0 ? (
        <section className="card empty">
          <p className="muted">{result === 'all' && !text ? t('history.empty') : t('history.emptyFiltered')}</p>
        </section>
      ) : (
        <ul className="history-list" data-testid="history-list">
          {items.map((item) => {
            const c = item.call;
            const missed = c.result !== undefined && MISSED.has(c.result) && c.direction !== 'outbound';
            const talk = c.answeredAt !== undefined && c.endedAt !== undefined ? formatDuration(c.endedAt - c.answeredAt) : '';
            return (
              <li key={c.id} className={`history-row${missed ? ' history-missed' : ''}`} data-testid="history-row" data-result={c.result}>
                <span className={`call-dir call-dir-${c.direction}`} aria-hidden="true">
                  {c.direction === 'outbound' ? '↗' : c.direction === 'internal' ? '↔' : '↙'}
                </span>
                <div className="history-who">
                  <div className="history-name">{item.contact?.name ?? c.remoteName ?? item.number?.display ?? c.remoteNumber ?? t('call.hiddenNumber')}</div>
                  <div className="muted small">
                    {item.number?.display ?? c.remoteNumber ?? ''}
                    {item.contact?.company ? ` · ${item.contact.company}` : ''}
                  </div>
                </div>
                {c.remoteNumber ? (
                  <button
                    type="button"
                    className="btn btn-small call-back"
                    aria-label={t('history.callBack', { who: item.contact?.name ?? item.number?.display ?? c.remoteNumber })}
                    title={t('history.callBack', { who: item.contact?.name ?? item.number?.display ?? c.remoteNumber })}
                    onClick={() => void sidecall().request('calls.dial', { number: item.number?.e164 ?? c.remoteNumber ?? '', source: 'history' }).catch((e: unknown) => setError(toRequestError(e).message))}
                    data-testid="history-call"
                  >
                    ☎
                  </button>
                ) : null}
                <div className="history-meta">
                  <div className={missed ? 'result-missed' : 'result'} data-testid="history-result">
                    {c.result ? t(`call.result.${c.result}`) : ''}
                    {talk ? ` · ${talk}` : ''}
                  </div>
                  <div className="muted small">
                    {time.format(c.startedAt)}
                    {item.report ? (
                      <>
                        {' '}
                        <span className={`report-mark report-${item.report}`} data-testid="history-report" data-report={item.report} title={t(`outbox.mark.${item.report}`)}>
                          {item.report === 'sent' ? '✓ ' : item.report === 'failed' ? '! ' : '… '}
                          {t(`outbox.mark.${item.report}`)}
                        </span>
                      </>
                    ) : null}
                  </div>
                </div>
              </li>
            );
          })}
        </ul>
      )}
    </div>
  );
}
