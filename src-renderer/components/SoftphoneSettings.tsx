// Settings -> Softphone: the SIP account (WebSocket URL, SIP URI, auth user,
// password for the keychain, outbound proxy, ICE servers), how calls are
// placed, DTMF and call waiting, audio devices with a microphone test, and the
// softphone's live registration state with what to do about an error. Its own
// form and Save (the rest of Settings saves separately), validated with the
// shared schema as the operator types.
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { FormFooter } from './FormFooter';
import { SettingsPatchSchema } from '../../src-shared/domain/settings';
import type { SoftphoneSettings as Sp } from '../../src-shared/domain/softphone-settings';
import type { SettingsView } from '../../src-shared/ipc/contract';
import { translateMessage } from '../i18n';
import { registrationTone } from '../softphone/registration-tone';
import { LevelMeter, MediaError, openMicrophone, stopStream, type AudioDevice } from '../softphone/media';
import { useSoftphone } from '../softphone/use-softphone';
import { useAudioDevices } from '../hooks/use-audio-devices';
import { useNow } from '../hooks/use-now';
import { useSettingsForm } from '../hooks/use-settings-form';
import { CheckField, Field } from './Field';
import { softphoneErrorText } from './SoftphonePanel';

type Draft = Omit<Sp, 'iceServers' | 'registerExpiresSec'> & { iceServers: string; registerExpiresSec: string; password: string };

function draftFrom(s: Sp): Draft {
  return { ...s, iceServers: s.iceServers.join('\n'), registerExpiresSec: String(s.registerExpiresSec), password: '' };
}

function toPatch(d: Draft, locked: readonly string[]): Record<string, unknown> {
  const fields: Record<string, unknown> = {
    ...d,
    iceServers: d.iceServers
      .split(/\r?\n/)
      .map((l) => l.trim())
      .filter((l) => l !== ''),
    registerExpiresSec: /^\d+$/.test(d.registerExpiresSec.trim()) ? Number(d.registerExpiresSec) : Number.NaN,
  };
  // The password is not a setting: it goes to the keychain on its own.
  delete fields.password;
  return Object.fromEntries(Object.entries(fields).filter(([k]) => !locked.includes(`softphone.${k}`)));
}

export function SoftphoneSettings(props: { readonly view: SettingsView; readonly onSaved: (v: SettingsView) => void }) {
  const { t } = useTranslation();
  const { view } = props;
  const locked = view.locked;
  const isLocked = (k: string): boolean => locked.includes(`softphone.${k}`);
  const { draft, errors, formError, state, edit, submit, updateNow } = useSettingsForm<Draft>({
    initial: () => draftFrom(view.settings.softphone),
    validate,
    request: (d) => ({
      patch: SettingsPatchSchema.parse({ softphone: toPatch(d, locked) }),
      ...(d.password !== '' ? { sipPassword: d.password } : {}),
    }),
    fromSaved: (next) => draftFrom(next.settings.softphone),
    issueErrors: (issues) => {
      const fieldErrors: Record<string, string | undefined> = {};
      for (const issue of issues) {
        const key = /^(?:patch\.softphone\.)?(\w+)/.exec(issue.path.replace(/^patch\.softphone\./, ''))?.[1];
        if (key === 'sipPassword') fieldErrors.password = translateMessage(issue.message);
        else if (key) fieldErrors[key] ??= translateMessage(issue.message);
      }
      return fieldErrors;
    },
    onSaved: props.onSaved,
  });

  const set = <K extends keyof Draft>(key: K, value: Draft[K]): void => edit((d) => ({ ...d, [key]: value }), (e) => ({ ...e, [key]: undefined }));

  function validate(d: Draft): Record<string, string | undefined> {
    const out: Record<string, string | undefined> = {};
    const parsed = SettingsPatchSchema.safeParse({ softphone: toPatch(d, locked) });
    if (!parsed.success) {
      for (const issue of parsed.error.issues) {
        const key = issue.path[1];
        if (typeof key === 'string') out[key] ??= translateMessage(key === 'registerExpiresSec' ? 'softphone.error.expires' : issue.message);
      }
    }
    if (/[\r\n\0]/.test(d.password)) out.password = t('settings.error.secretChars');
    return out;
  }

  const clearPassword = (): Promise<void> => updateNow({ patch: {}, sipPassword: null });

  const text = (key: 'wsUrl' | 'sipUri' | 'authUser' | 'displayName' | 'outboundProxy' | 'registerExpiresSec', label: string, opts: { hint?: string; placeholder?: string; short?: boolean } = {}) => (
    <Field id={`softphone.${key}`} label={label} error={errors[key]} hint={opts.hint} locked={isLocked(key)}>
      <input
        id={`softphone.${key}`}
        type="text"
        autoComplete="off"
        spellCheck={false}
        className={opts.short ? 'input-short' : undefined}
        placeholder={opts.placeholder}
        value={draft[key]}
        disabled={isLocked(key)}
        aria-invalid={Boolean(errors[key])}
        onChange={(e) => set(key, e.target.value)}
      />
    </Field>
  );
  const check = (key: 'enabled' | 'callWaiting' | 'echoCancellation' | 'noiseSuppression' | 'autoGainControl', label: string) => (
    <CheckField id={`softphone.${key}`} label={label} checked={draft[key]} locked={isLocked(key)} onChange={(v) => set(key, v)} />
  );

  return (
    <form className="card stack-tight" onSubmit={(e) => void submit(e)} noValidate aria-labelledby="softphone-settings-title" data-testid="softphone-settings">
      <h2 id="softphone-settings-title" className="card-title">
        {t('softphone.settings.title')}
      </h2>
      <p className="hint">{t('softphone.settings.hint')}</p>
      <RegistrationStatus />
      {check('enabled', t('softphone.settings.enabled'))}
      <div className="grid-2">
        {text('wsUrl', t('softphone.settings.wsUrl'), { placeholder: 'wss://pbx.example.com:8089/ws' })}
        {text('sipUri', t('softphone.settings.sipUri'), { placeholder: 'sip:101@pbx.example.com' })}
        {text('authUser', t('softphone.settings.authUser'), { hint: t('softphone.settings.authUserHint') })}
        <Field
          id="softphone.password"
          label={t('softphone.settings.password')}
          error={errors.password}
          hint={!view.keychain.available ? t('softphone.error.keychain') : view.secrets.sipPasswordSet ? t('softphone.settings.passwordStored') : t('softphone.settings.passwordNone')}
        >
          <input id="softphone.password" type="password" autoComplete="new-password" value={draft.password} disabled={!view.keychain.available} aria-invalid={Boolean(errors.password)} onChange={(e) => set('password', e.target.value)} />
        </Field>
        {text('displayName', t('softphone.settings.displayName'))}
        {text('outboundProxy', t('softphone.settings.outboundProxy'), { hint: t('softphone.settings.outboundProxyHint'), placeholder: 'sip:proxy.example.com;transport=ws' })}
      </div>
      {view.secrets.sipPasswordSet ? (
        <button type="button" className="btn btn-link" onClick={() => void clearPassword()} data-testid="softphone-password-clear">
          {t('softphone.settings.passwordClear')}
        </button>
      ) : null}
      <Field id="softphone.iceServers" label={t('softphone.settings.iceServers')} error={errors.iceServers} hint={t('softphone.settings.iceServersHint')} locked={isLocked('iceServers')}>
        <textarea id="softphone.iceServers" rows={2} spellCheck={false} className="mono" placeholder="stun:stun.example.com:3478" value={draft.iceServers} disabled={isLocked('iceServers')} aria-invalid={Boolean(errors.iceServers)} onChange={(e) => set('iceServers', e.target.value)} />
      </Field>
      <div className="grid-2">
        <Field id="softphone.placeCalls" label={t('softphone.settings.placeCalls')} locked={isLocked('placeCalls')}>
          <select id="softphone.placeCalls" value={draft.placeCalls} disabled={isLocked('placeCalls')} onChange={(e) => set('placeCalls', e.target.value as Draft['placeCalls'])}>
            <option value="softphone">{t('softphone.settings.placeSoftphone')}</option>
            <option value="pbx">{t('softphone.settings.placePbx')}</option>
          </select>
        </Field>
        <Field id="softphone.dtmf" label={t('softphone.settings.dtmf')} locked={isLocked('dtmf')}>
          <select id="softphone.dtmf" value={draft.dtmf} disabled={isLocked('dtmf')} onChange={(e) => set('dtmf', e.target.value as Draft['dtmf'])}>
            <option value="auto">{t('softphone.settings.dtmfAuto')}</option>
            <option value="rfc4733">{t('softphone.settings.dtmfRfc')}</option>
            <option value="info">{t('softphone.settings.dtmfInfo')}</option>
          </select>
        </Field>
        {text('registerExpiresSec', t('softphone.settings.expires'), { short: true })}
      </div>
      {check('callWaiting', t('softphone.settings.callWaiting'))}
      <fieldset className="stack-tight">
        <legend className="rules-title">{t('softphone.settings.devices')}</legend>
        <DeviceFields draft={draft} isLocked={isLocked} onChange={(key, value) => set(key, value)} />
        {check('echoCancellation', t('softphone.settings.echo'))}
        {check('noiseSuppression', t('softphone.settings.noise'))}
        {check('autoGainControl', t('softphone.settings.agc'))}
        <MicTest draft={draft} />
      </fieldset>
      <FormFooter state={state} error={formError} idPrefix="softphone" errorTestId="softphone-settings-error" saveLabel={t('softphone.settings.save')} savedLabel={t('softphone.settings.saved')} />
    </form>
  );
}

/** The softphone's live state here: registered, retrying (with the countdown), or failed with what to do. */
function RegistrationStatus() {
  const { t } = useTranslation();
  const { phone, snapshot, otherTab } = useSoftphone();
  const status = snapshot?.status;
  const now = useNow(1000, status?.registration === 'retrying');
  if (otherTab) return <p className="hint" data-testid="softphone-other-tab">{t('softphone.otherTab')}</p>;
  if (!status || status.registration === 'off') return null;
  const tone = registrationTone(status.registration);
  return (
    <div className={`banner ${tone === 'bad' ? 'banner-error' : tone === 'busy' ? 'banner-warn' : ''}`} role="status" data-testid="softphone-status" data-state={status.registration} data-error={status.error?.code}>
      <p>
        <strong>{t(`softphone.state.${status.registration}`)}</strong>
        {status.aor ? <span className="muted"> · {status.aor}</span> : null}
      </p>
      {status.error && status.registration !== 'registered' ? (
        <p data-testid="softphone-error">
          {softphoneErrorText(status.error)}
          {status.error.detail ? <span className="hint-detail"> ({status.error.detail})</span> : null}
        </p>
      ) : null}
      {status.registration === 'retrying' && status.retryAt ? <p className="muted small">{t('softphone.retryIn', { seconds: Math.max(0, Math.ceil((status.retryAt - now) / 1000)) })}</p> : null}
      {status.registration === 'failed' || status.registration === 'retrying' ? (
        status.error?.code === 'blocked' ? (
          <button type="button" className="btn btn-secondary" onClick={() => window.location.reload()} data-testid="softphone-reload">
            {t('softphone.reload')}
          </button>
        ) : (
          <button type="button" className="btn btn-secondary" onClick={() => phone?.restart()} data-testid="softphone-retry">
            {t('softphone.tryAgain')}
          </button>
        )
      ) : null}
    </div>
  );
}

function DeviceFields(props: { readonly draft: Draft; readonly isLocked: (k: string) => boolean; readonly onChange: (key: 'microphoneId' | 'speakerId' | 'ringerId', value: string) => void }) {
  const { t } = useTranslation();
  const devices = useAudioDevices();
  const pick = (key: 'microphoneId' | 'speakerId' | 'ringerId', label: string, kind: AudioDevice['kind']) => {
    const list = devices.filter((d) => d.kind === kind);
    const value = props.draft[key];
    return (
      <Field id={`softphone.${key}`} label={label} locked={props.isLocked(key)}>
        <select id={`softphone.${key}`} value={value} disabled={props.isLocked(key)} onChange={(e) => props.onChange(key, e.target.value)}>
          <option value="">{t('softphone.settings.systemDefault')}</option>
          {list.map((d, i) => (
            <option key={d.id} value={d.id}>
              {d.label || t('softphone.settings.unnamed', { n: i + 1 })}
            </option>
          ))}
          {value !== '' && !list.some((d) => d.id === value) ? <option value={value}>{value.slice(0, 12)}…</option> : null}
        </select>
      </Field>
    );
  };
  return (
    <div className="grid-3">
      {pick('microphoneId', t('softphone.settings.microphone'), 'audioinput')}
      {pick('speakerId', t('softphone.settings.speaker'), 'audiooutput')}
      {pick('ringerId', t('softphone.settings.ringer'), 'audiooutput')}
    </div>
  );
}

/** Opens the microphone as the draft says and shows its level, until stopped. */
function MicTest({ draft }: { readonly draft: Draft }) {
  const { t } = useTranslation();
  const [on, setOn] = useState(false);
  const [level, setLevel] = useState(0);
  const [error, setError] = useState<string>();
  const { microphoneId, echoCancellation, noiseSuppression, autoGainControl } = draft;
  useEffect(() => {
    if (!on) return undefined;
    let stream: MediaStream | undefined;
    let meter: LevelMeter | undefined;
    let frame = 0;
    let stopped = false;
    void openMicrophone({ microphoneId, speakerId: '', ringerId: '', echoCancellation, noiseSuppression, autoGainControl })
      .then((s) => {
        if (stopped) {
          stopStream(s);
          return;
        }
        stream = s;
        meter = new LevelMeter(s);
        const tick = (): void => {
          setLevel(meter?.level() ?? 0);
          frame = requestAnimationFrame(tick);
        };
        frame = requestAnimationFrame(tick);
      })
      .catch((e: unknown) => {
        setError(e instanceof MediaError ? softphoneErrorText(e.error) : String(e));
        setOn(false);
      });
    return () => {
      stopped = true;
      cancelAnimationFrame(frame);
      meter?.dispose();
      stopStream(stream);
    };
  }, [on, microphoneId, echoCancellation, noiseSuppression, autoGainControl]);
  return (
    <div className="call-actions">
      <button
        type="button"
        className="btn btn-small"
        onClick={() => {
          setError(undefined);
          setOn((x) => !x);
        }}
        data-testid="softphone-mic-test"
      >
        {on ? t('softphone.settings.stopTest') : t('softphone.settings.testMic')}
      </button>
      {on ? (
        <label className="muted small">
          {t('softphone.settings.level')} <meter min={0} max={1} low={0.05} high={0.8} optimum={0.3} value={level} data-testid="softphone-mic-level" />
        </label>
      ) : null}
      {error ? (
        <p className="error" role="alert">
          {error}
        </p>
      ) : null}
    </div>
  );
}
