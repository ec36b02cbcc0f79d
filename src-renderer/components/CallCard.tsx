// One call: who (the PBX's number and name at once, the CRM contact as soon as
// the lookup answers), its state and timer, and what can be done with it. The
// same card serves the pop-up (`variant="pop"`) and the live list.
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { CallView } from '../../src-shared/domain/calls-view';
import { sidecall } from '../bridge';
import { toRequestError } from '../bridge/request-error';
import { formatDuration, useNow } from '../hooks/use-now';
import { CallControls } from './CallControls';
import { SoftphoneControls } from './SoftphonePanel';
import { useSoftphoneCallFor } from '../softphone/use-softphone';

export function callTitle(v: CallView, hidden: string): string {
  if (v.lookup.status === 'found') return v.lookup.contact.name;
  return v.call.remoteName && v.call.remoteName !== v.call.remoteNumber ? v.call.remoteName : (v.number?.display ?? v.call.remoteNumber ?? hidden);
}

export function CallCard(props: { readonly view: CallView; readonly variant: 'pop' | 'row'; readonly demo: boolean }) {
  const { t } = useTranslation();
  const { call, number } = props.view;
  const live = call.state !== 'ended';
  const now = useNow(1000, live);
  const since = call.answeredAt ?? call.startedAt;
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();
  // The embedded softphone carries this call: its controls replace the desk-phone ones.
  const softphoneCall = useSoftphoneCallFor(call.id);
  const title = callTitle(props.view, t('call.hiddenNumber'));
  const numberText = number?.display ?? call.remoteNumber ?? t('call.hiddenNumber');
  const direction = call.direction === 'inbound' ? t('call.incoming') : call.direction === 'outbound' ? t('call.outgoing') : t('call.internal');

  async function run(action: () => Promise<unknown>): Promise<void> {
    setBusy(true);
    setError(undefined);
    try {
      await action();
    } catch (e) {
      setError(toRequestError(e).message);
    } finally {
      setBusy(false);
    }
  }

  return (
    <article
      className={`call-card call-${props.variant} call-state-${call.state}`}
      data-testid={props.variant === 'pop' ? 'pop-card' : 'call-row'}
      data-call-id={call.id}
      data-state={call.state}
      aria-label={`${direction}: ${title}`}
    >
      <header className="call-head">
        <span className={`call-dir call-dir-${call.direction}`} aria-hidden="true">
          {call.direction === 'outbound' ? '↗' : call.direction === 'internal' ? '↔' : '↙'}
        </span>
        <span className="call-kind">{direction}</span>
        <span className="call-state" data-testid="call-state">
          {t(`call.state.${call.state}`)}
          {live ? <span className="call-timer"> · {formatDuration(now - since)}</span> : null}
        </span>
      </header>
      <div className="call-who">
        <div className="call-name" data-testid="call-name">
          {title}
        </div>
        {numberText !== title || call.queue ? (
          <div className="call-number" data-testid="call-number">
            {numberText !== title ? numberText : null}
            {call.queue ? <span className="muted">{numberText !== title ? ' · ' : ''}{t('call.viaQueue', { queue: call.queue })}</span> : null}
          </div>
        ) : null}
      </div>
      <ContactDetails view={props.view} onCreate={() => void run(() => sidecall().request('contacts.create', { callId: call.id }))} busy={busy} />
      {call.recording.state !== 'off' ? (
        <p className={`rec rec-${call.recording.state}`} role="status">
          <span className="rec-dot" aria-hidden="true" /> {call.recording.state === 'recording' ? t('call.recording') : t('call.paused')}
        </p>
      ) : null}
      {props.demo && !softphoneCall && call.state === 'dialing' ? (
        <div className="call-actions">
          <span className="muted small">{t('demo.myPhoneRings')}</span>
          <button type="button" className="btn btn-answer" disabled={busy} onClick={() => void run(() => sidecall().request('demo.phone', { action: 'answer' }))} data-testid="demo-answer">
            {t('call.answer')}
          </button>
        </div>
      ) : null}
      {softphoneCall ? (
        <SoftphoneControls call={softphoneCall} ami={props.view} />
      ) : props.demo && call.state === 'ringing' && call.direction === 'inbound' ? (
        <div className="call-actions">
          <button type="button" className="btn btn-answer" disabled={busy} onClick={() => void run(() => sidecall().request('demo.phone', { action: 'answer' }))} data-testid="demo-answer">
            {t('call.answer')}
          </button>
          <button type="button" className="btn btn-hangup" disabled={busy} onClick={() => void run(() => sidecall().request('demo.phone', { action: 'hangup' }))} data-testid="demo-hangup">
            {t('call.hangUp')}
          </button>
          <button type="button" className="btn btn-link demo-caller-hangup" disabled={busy} onClick={() => void run(() => sidecall().request('demo.phone', { action: 'callerHangup' }))} data-testid="demo-caller-hangup">
            {t('demo.callerHangsUp')}
          </button>
        </div>
      ) : live && call.state !== 'ringing' ? (
        <CallControls view={props.view} />
      ) : null}
      {error ? (
        <p className="error" role="alert">
          {error}
        </p>
      ) : null}
    </article>
  );
}

function ContactDetails({ view, onCreate, busy }: { readonly view: CallView; readonly onCreate: () => void; readonly busy: boolean }) {
  const { t } = useTranslation();
  const l = view.lookup;
  switch (l.status) {
    case 'pending':
      return (
        <p className="lookup lookup-pending muted" data-testid="lookup" data-status="pending" aria-busy="true">
          <span className="spinner" aria-hidden="true" /> {t('call.lookingUp')}
        </p>
      );
    case 'found':
      return (
        <div className="lookup lookup-found" data-testid="lookup" data-status="found">
          {l.contact.company ? <div className="contact-company">{l.contact.company}</div> : null}
          {l.contact.responsible ? <div className="muted">{t('call.responsible', { name: l.contact.responsible.name })}</div> : null}
          {l.contact.url ? (
            <a className="btn-link" href={l.contact.url} target="_blank" rel="noopener noreferrer">
              {t('call.openInCrm')}
            </a>
          ) : null}
        </div>
      );
    case 'notFound':
      return (
        <div className="lookup lookup-notfound" data-testid="lookup" data-status="notFound">
          <span className="muted">{t('call.notFound')}</span>
          {l.canCreate ? (
            <button type="button" className="btn btn-small" disabled={busy} onClick={onCreate} data-testid="create-contact">
              {busy ? t('call.creating') : t('call.createContact')}
            </button>
          ) : null}
        </div>
      );
    case 'error':
      return (
        <p className="lookup lookup-error error" data-testid="lookup" data-status="error">
          {t('call.lookupFailed', { message: l.message })}
        </p>
      );
    case 'skipped':
      return l.reason === 'internal' ? (
        <p className="lookup muted" data-testid="lookup" data-status="skipped">
          {t('call.internalNoLookup')}
        </p>
      ) : l.reason === 'noCrm' ? (
        <p className="lookup muted" data-testid="lookup" data-status="skipped">
          {t('call.noCrm')}
        </p>
      ) : null;
  }
}
