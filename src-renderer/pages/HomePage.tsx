// The main window's first page: connection state, demo controls in demo mode,
// and the operator's current calls.
import { useTranslation } from 'react-i18next';
import type { ConnectionStatus } from '../../src-shared/domain/connection';
import type { CallsView } from '../../src-shared/domain/calls-view';
import { ConnectionCard } from '../components/ConnectionCard';
import { CallCard } from '../components/CallCard';
import { DemoPanel } from '../components/DemoPanel';
import { DialPad } from '../components/DialPad';
import { CrmConnectionCard } from '../components/crm/CrmConnectionCard';
import { OutboxCard } from '../components/crm/OutboxCard';
import { useCrmStatus, useOutboxStatus } from '../hooks/use-crm';

/** CRM states the operator must act on: shown on the first page, not only in Settings. */
const CRM_NEEDS_ATTENTION = new Set(['needsSignIn', 'error', 'incomplete', 'signingIn']);

export function HomePage(props: { readonly connection: ConnectionStatus | undefined; readonly calls: CallsView; readonly region: string; readonly onOpenSettings: () => void }) {
  const { t } = useTranslation();
  const live = props.calls.live.filter((v) => !v.pop);
  const crm = useCrmStatus();
  const [outbox, setOutbox] = useOutboxStatus();
  return (
    <div className="stack">
      <ConnectionCard status={props.connection} demo={props.calls.demo} onOpenSettings={props.onOpenSettings} />
      {crm && CRM_NEEDS_ATTENTION.has(crm.state) && !props.calls.demo ? <CrmConnectionCard status={crm} onOpenSettings={props.onOpenSettings} /> : null}
      <OutboxCard status={outbox} onChange={setOutbox} />
      {live.length > 0 ? (
        <section className="stack-tight" aria-labelledby="live-title">
          <h2 id="live-title" className="section-title">{t('home.liveTitle')}</h2>
          {live.map((v) => (
            <CallCard key={v.call.id} view={v} variant="row" demo={props.calls.demo} />
          ))}
        </section>
      ) : props.calls.live.length === 0 ? (
        <section className="card empty" aria-live="polite">
          <h2 className="card-title">{t('home.noCalls')}</h2>
          <p className="muted">{t('home.noCallsHint')}</p>
        </section>
      ) : null}
      <DialPad region={props.region} disabled={props.connection?.state !== 'ready'} />
      {props.calls.demo ? <DemoPanel /> : null}
    </div>
  );
}
