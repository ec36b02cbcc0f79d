// The softphone in the UI: its state in the header, a card for each
// softphone call the AMI side does not (yet) show, and the in-call controls —
// answer / decline (with a choice for a waiting call), hang up, hold, mute,
// keypad (DTMF), blind and attended transfer, timer, microphone level and the
// microphone/speaker pickers. A call the AMI tracker also follows is shown once:
// CallCard renders these controls inside its own card.
import { useEffect, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import type { CallView } from '../../src-shared/domain/calls-view';
import type { PhoneCall } from '../../src-shared/softphone/calls';
import type { SoftphoneError } from '../../src-shared/softphone/status';
import { sidecall } from '../bridge';
import { toRequestError } from '../bridge/request-error';
import { formatDuration, useNow } from '../hooks/use-now';
import { i18n } from '../i18n';
import type { AudioDevice } from '../softphone/media';
import { useAudioDevices } from '../hooks/use-audio-devices';
import type { Softphone } from '../softphone/softphone';
import { useSoftphone, useUnpairedSoftphoneCalls } from '../softphone/use-softphone';
import { registrationTone } from '../softphone/registration-tone';

const KEYS = ['1', '2', '3', '4', '5', '6', '7', '8', '9', '*', '0', '#'] as const;

/** The operator's words for a softphone error: the translation of its code, else the English text. */
export function softphoneErrorText(e: SoftphoneError): string {
  const key = `softphone.error.${e.code}`;
  return i18n.exists(key) ? i18n.t(key) : e.message;
}

/** Header pill: registration state of the softphone (nothing when it is off). */
export function SoftphoneStatusPill() {
  const { t } = useTranslation();
  const { snapshot, otherTab } = useSoftphone();
  const reg = snapshot?.status.registration;
  if (otherTab || !reg || reg === 'off') return null;
  // The same tones as the PBX pill beside it (dot-ok / dot-busy / dot-bad).
  const tone = registrationTone(reg);
  const error = snapshot.status.error;
  return (
    <span className={`pill pill-${tone}`} data-testid="softphone-state" data-state={reg} title={error ? softphoneErrorText(error) : undefined}>
      <span className={`dot dot-${tone}`} aria-hidden="true" />
      {t(`softphone.state.${reg}`)}
    </span>
  );
}

/** Cards of softphone calls no AMI call stands for. */
export function SoftphoneCalls() {
  const { t } = useTranslation();
  const calls = useUnpairedSoftphoneCalls();
  if (calls.length === 0) return null;
  return (
    <section className="pop-stack" aria-live="assertive" aria-label={t('softphone.title')}>
      {calls.map((c) => (
        <SoftphoneCallCard key={c.id} call={c} />
      ))}
    </section>
  );
}

function stateText(t: (k: string) => string, c: PhoneCall): string {
  if (c.state === 'ended') return t(`softphone.call.ended.${c.end?.reason ?? 'failed'}`);
  if (c.state === 'ringing') return c.waiting ? t('softphone.call.waiting') : t('softphone.call.ringing');
  if (c.state === 'dialing') return t('softphone.call.dialing');
  return c.held ? t('softphone.call.held') : t('softphone.call.connected');
}

function SoftphoneCallCard({ call }: { readonly call: PhoneCall }) {
  const { t } = useTranslation();
  const live = call.state !== 'ended';
  const now = useNow(1000, live);
  const who = call.remoteName && call.remoteName !== call.remoteUser ? call.remoteName : (call.remoteUser ?? call.remoteUri);
  return (
    <article className={`call-card call-pop call-state-${call.state === 'connected' ? (call.held ? 'onHold' : 'connected') : call.state}`} data-testid="softphone-card" data-call-id={call.id} data-state={call.state} aria-label={`${t(call.direction === 'inbound' ? 'softphone.call.incoming' : 'softphone.call.outgoing')}: ${who}`}>
      <header className="call-head">
        <span className={`call-dir call-dir-${call.direction}`} aria-hidden="true">
          {call.direction === 'outbound' ? '↗' : '↙'}
        </span>
        <span className="call-kind">
          {t(call.direction === 'inbound' ? 'softphone.call.incoming' : 'softphone.call.outgoing')} · {t('softphone.call.via')}
        </span>
        <span className="call-state" data-testid="softphone-call-state">
          {stateText(t, call)}
          {live ? <span className="call-timer"> · {formatDuration(now - (call.answeredAt ?? call.startedAt))}</span> : null}
        </span>
      </header>
      <div className="call-who">
        <div className="call-name" data-testid="softphone-call-name">
          {who}
        </div>
        {call.remoteName && call.remoteUser && call.remoteName !== call.remoteUser ? <div className="call-number">{call.remoteUser}</div> : null}
      </div>
      {live ? <SoftphoneControls call={call} /> : null}
    </article>
  );
}

/** The softphone's controls for one call; `ami` is the AMI call it is paired with (for recording). */
export function SoftphoneControls(props: { readonly call: PhoneCall; readonly ami?: CallView }) {
  const { t } = useTranslation();
  const { phone, snapshot } = useSoftphone();
  const { call } = props;
  const [busy, setBusy] = useState(false);
  const [pad, setPad] = useState(false);
  const [transfer, setTransfer] = useState<{ open: boolean; target: string }>({ open: false, target: '' });
  const [error, setError] = useState<string>();
  const others = (snapshot?.calls ?? []).filter((c) => c.id !== call.id && c.state !== 'ended');
  if (!phone) return null;
  const p: Softphone = phone;

  async function run(action: () => unknown): Promise<void> {
    setBusy(true);
    setError(undefined);
    try {
      await action();
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
    } finally {
      setBusy(false);
    }
  }

  function submitTransfer(ev: FormEvent, attended: boolean): void {
    ev.preventDefault();
    const target = transfer.target.trim();
    if (target === '') return;
    void run(async () => {
      if (attended) await p.startAttendedTransfer(call.id, target);
      else await p.transfer(call.id, target);
      setTransfer({ open: false, target: '' });
    });
  }

  const consulting = call.transfer?.kind === 'attended' && call.transfer.state === 'requested' ? call.transfer : undefined;
  const actionError = snapshot?.actionError;
  return (
    <div className="controls softphone-controls" data-testid="softphone-controls">
      {call.state === 'ringing' && call.direction === 'inbound' ? (
        <div className="call-actions">
          {others.length > 0 ? (
            <>
              <button type="button" className="btn btn-answer" disabled={busy} onClick={() => void run(() => p.answer(call.id, 'hold'))} data-testid="sp-answer-hold">
                {t('softphone.call.answerHold')}
              </button>
              <button type="button" className="btn btn-small" disabled={busy} onClick={() => void run(() => p.answer(call.id, 'end'))} data-testid="sp-answer-end">
                {t('softphone.call.answerEnd')}
              </button>
            </>
          ) : (
            <button type="button" className="btn btn-answer" disabled={busy} onClick={() => void run(() => p.answer(call.id))} data-testid="sp-answer">
              {t('softphone.call.answer')}
            </button>
          )}
          <button type="button" className="btn btn-hangup" disabled={busy} onClick={() => void run(() => p.reject(call.id))} data-testid="sp-reject">
            {t('softphone.call.reject')}
          </button>
        </div>
      ) : (
        <div className="call-actions">
          <button type="button" className="btn btn-hangup" disabled={busy} onClick={() => void run(() => p.hangup(call.id))} data-testid="sp-hangup">
            {t('softphone.call.hangUp')}
          </button>
          {call.state === 'connected' ? (
            <>
              <button type="button" className="btn btn-small" disabled={busy} aria-pressed={call.held} onClick={() => void run(() => p.hold(call.id, !call.held))} data-testid="sp-hold">
                {call.held ? t('softphone.call.resume') : t('softphone.call.hold')}
              </button>
              <button type="button" className="btn btn-small" disabled={busy} aria-pressed={call.muted} onClick={() => p.mute(call.id, !call.muted)} data-testid="sp-mute">
                {call.muted ? t('softphone.call.unmute') : t('softphone.call.mute')}
              </button>
              <button type="button" className="btn btn-small" aria-expanded={pad} onClick={() => setPad((x) => !x)} data-testid="sp-keypad">
                {t('softphone.call.keypad')}
              </button>
              {!consulting ? (
                <button type="button" className="btn btn-small" disabled={busy} aria-expanded={transfer.open} onClick={() => setTransfer((x) => ({ ...x, open: !x.open }))} data-testid="sp-transfer">
                  {t('softphone.call.transfer')}
                </button>
              ) : null}
            </>
          ) : null}
        </div>
      )}
      {call.state === 'connected' ? <CallStatusLine call={call} /> : null}
      {call.state === 'connected' && pad ? (
        <div className="keys" role="group" aria-label={t('softphone.call.keypad')}>
          {KEYS.map((k) => (
            <button key={k} type="button" className="key" aria-label={k} onClick={() => void run(() => p.dtmf(call.id, k))} data-testid={`sp-key-${k === '*' ? 'star' : k === '#' ? 'hash' : k}`}>
              {k}
            </button>
          ))}
        </div>
      ) : null}
      {transfer.open && call.state === 'connected' ? (
        <form className="transfer-form" onSubmit={(e) => submitTransfer(e, false)}>
          <input type="text" inputMode="tel" aria-label={t('softphone.call.transferTarget')} placeholder={t('softphone.call.transferTarget')} value={transfer.target} onChange={(e) => setTransfer((x) => ({ ...x, target: e.target.value }))} data-testid="sp-transfer-target" />
          <button type="submit" className="btn btn-small" disabled={busy || transfer.target.trim() === ''} data-testid="sp-transfer-blind">
            {t('softphone.call.transferBlind')}
          </button>
          <button type="button" className="btn btn-small" disabled={busy || transfer.target.trim() === ''} onClick={(e) => submitTransfer(e, true)} data-testid="sp-transfer-attended">
            {t('softphone.call.transferAttended')}
          </button>
        </form>
      ) : null}
      {consulting ? (
        <div className="call-actions">
          <span className="muted small">{t('softphone.call.consulting', { target: consulting.target })}</span>
          <button type="button" className="btn btn-small" disabled={busy} onClick={() => void run(() => p.completeAttendedTransfer(call.id))} data-testid="sp-transfer-complete">
            {t('softphone.call.complete')}
          </button>
          <button type="button" className="btn btn-small" disabled={busy} onClick={() => void run(() => p.cancelAttendedTransfer(call.id))} data-testid="sp-transfer-cancel">
            {t('softphone.call.cancel')}
          </button>
        </div>
      ) : null}
      {call.transfer?.state === 'failed' ? (
        <p className="error" role="alert">
          {t('softphone.call.transferFailed', { detail: call.transfer.detail ?? '' })}
        </p>
      ) : null}
      {props.ami && call.state === 'connected' ? <RecordingControls view={props.ami} /> : null}
      {call.state === 'connected' ? <DevicePickers phone={p} /> : null}
      {error || actionError ? (
        <p className="error" role="alert" data-testid="sp-error">
          {error ?? (actionError ? `${softphoneErrorText(actionError)}${actionError.detail ? ` (${actionError.detail})` : ''}` : '')}
        </p>
      ) : null}
    </div>
  );
}

/** Held / muted flags, sent digits and the microphone level of a connected call. */
function CallStatusLine({ call }: { readonly call: PhoneCall }) {
  const { t } = useTranslation();
  const { phone } = useSoftphone();
  const [level, setLevel] = useState(0);
  useEffect(() => {
    if (!phone) return undefined;
    let frame = 0;
    let last = 0;
    const tick = (ts: number): void => {
      // ~10 updates a second are enough for a meter and keep React quiet.
      if (ts - last > 100) {
        last = ts;
        setLevel(phone.inputLevel(call.id));
      }
      frame = requestAnimationFrame(tick);
    };
    frame = requestAnimationFrame(tick);
    return () => cancelAnimationFrame(frame);
  }, [phone, call.id]);
  return (
    <div className="call-actions small">
      <label className="muted small">
        {t('softphone.call.level')}{' '}
        <meter min={0} max={1} low={0.05} high={0.8} optimum={0.3} value={call.muted ? 0 : level} data-testid="sp-level" />
      </label>
      {call.held ? <span className="muted">{t('softphone.call.held')}</span> : null}
      {call.muted ? <span className="muted" data-testid="sp-muted">{t('softphone.call.muted')}</span> : null}
      {call.dtmf ? (
        <span className="muted" data-testid="sp-dtmf-sent">
          {t('softphone.call.sent', { digits: call.dtmf })}
        </span>
      ) : null}
    </div>
  );
}

/** Microphone and speaker of the calls in progress (Settings keep the default for the next start). */
function DevicePickers({ phone }: { readonly phone: Softphone }) {
  const { t } = useTranslation();
  const devices = useAudioDevices();
  const current = phone.audioSettings();
  const mics = devices.filter((d) => d.kind === 'audioinput');
  const speakers = devices.filter((d) => d.kind === 'audiooutput');
  if (mics.length < 2 && speakers.length < 2) return null;
  const picker = (label: string, list: readonly AudioDevice[], value: string, onPick: (id: string) => void, testId: string) => (
    <label>
      {label}{' '}
      <select value={value} onChange={(e) => onPick(e.target.value)} data-testid={testId}>
        <option value="">{t('softphone.settings.systemDefault')}</option>
        {list.map((d, i) => (
          <option key={d.id} value={d.id}>
            {d.label || t('softphone.settings.unnamed', { n: i + 1 })}
          </option>
        ))}
      </select>
    </label>
  );
  return (
    <div className="call-actions small">
      {mics.length > 1 ? picker(t('softphone.settings.microphone'), mics, current?.microphoneId ?? '', (id) => void phone.switchMicrophone(id), 'sp-mic') : null}
      {speakers.length > 1 ? picker(t('softphone.settings.speaker'), speakers, current?.speakerId ?? '', (id) => void phone.switchSpeaker(id), 'sp-speaker') : null}
    </div>
  );
}

/** The AMI recording controls of a call the softphone carries (start, pause/resume, stop). */
function RecordingControls({ view }: { readonly view: CallView }) {
  const { t } = useTranslation();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();
  const rec = view.call.recording.state;
  const id = view.call.id;
  async function record(action: 'start' | 'stop' | 'pause' | 'resume'): Promise<void> {
    setBusy(true);
    setError(undefined);
    try {
      await sidecall().request('calls.record', { callId: id, action });
    } catch (e) {
      setError(toRequestError(e).message);
    } finally {
      setBusy(false);
    }
  }
  return (
    <div className="call-actions">
      {rec === 'off' ? (
        <button type="button" className="btn btn-small" disabled={busy} onClick={() => void record('start')} data-testid="ctl-record">
          ● {t('control.record')}
        </button>
      ) : (
        <>
          <button type="button" className="btn btn-small" disabled={busy} onClick={() => void record(rec === 'paused' ? 'resume' : 'pause')} data-testid="ctl-pause">
            {rec === 'paused' ? t('control.resume') : t('control.pause')}
          </button>
          <button type="button" className="btn btn-small" disabled={busy} onClick={() => void record('stop')} data-testid="ctl-stop">
            ■ {t('control.stop')}
          </button>
        </>
      )}
      {error ? (
        <p className="error" role="alert">
          {error}
        </p>
      ) : null}
    </div>
  );
}
