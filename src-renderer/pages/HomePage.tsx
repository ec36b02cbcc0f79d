// The main window's first page: connection state and (later) live calls.
import { useTranslation } from 'react-i18next';
import type { ConnectionStatus } from '../../src-shared/domain/connection';
import { ConnectionCard } from '../components/ConnectionCard';

export function HomePage(props: { readonly connection: ConnectionStatus | undefined; readonly onOpenSettings: () => void }) {
  const { t } = useTranslation();
  return (
    <div className="stack">
      <ConnectionCard status={props.connection} onOpenSettings={props.onOpenSettings} />
      <section className="card empty" aria-live="polite">
        <h2 className="card-title">{t('home.noCalls')}</h2>
        <p className="muted">{t('home.noCallsHint')}</p>
      </section>
    </div>
  );
}
