// Settings: general (language, theme) and the PBX connection. Validates with
// the shared schema as the operator types, saves through `settings.update`
// (the AMI secret goes to the keychain, never back to the UI), and shows
// main's field errors next to the fields they belong to.
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { FormFooter } from '../components/FormFooter';
import { SettingsPatchSchema, type Settings } from '../../src-shared/domain/settings';
import type { SettingsView } from '../../src-shared/ipc/contract';
import { CheckField, Field } from '../components/Field';
import { canRegisterTelHandler, registerTelHandler } from '../bridge/protocol-links';
import { translateMessage } from '../i18n';
import { CrmSettings } from '../components/crm/CrmSettings';
import { SoftphoneSettings } from '../components/SoftphoneSettings';
import { ShellSettings } from '../components/ShellSettings';
import { useSettingsForm } from '../hooks/use-settings-form';

interface Draft {
  language: Settings['language'];
  theme: Settings['theme'];
  host: string;
  port: string;
  tls: boolean;
  amiUser: string;
  extension: string;
  amiSecret: string;
  popWhen: Settings['screenPop']['when'];
  externalOnly: boolean;
  region: string;
  rules: readonly { readonly pattern: string; readonly replacement: string }[];
  confirmLinks: boolean;
  device: string;
  context: string;
  priority: string;
  timeoutSec: string;
  outboundPrefix: string;
  callerIdNameTemplate: string;
  numberFormat: Settings['dial']['numberFormat'];
  transferContext: string;
  useBlindTransferAction: boolean;
  recordingMode: Settings['recording']['mode'];
  fileTemplate: string;
  recordingContext: string;
  clipboardHotkey: string;
}

function draftFrom(s: Settings): Draft {
  return {
    language: s.language,
    theme: s.theme,
    host: s.pbx.host,
    port: String(s.pbx.port),
    tls: s.pbx.tls,
    amiUser: s.pbx.amiUser,
    extension: s.pbx.extension,
    amiSecret: '',
    popWhen: s.screenPop.when,
    externalOnly: s.screenPop.externalOnly,
    region: s.numbers.defaultRegion,
    rules: s.numbers.rewriteRules,
    confirmLinks: s.dial.confirmLinks,
    device: s.dial.device,
    context: s.dial.context,
    priority: String(s.dial.priority),
    timeoutSec: String(s.dial.timeoutSec),
    outboundPrefix: s.dial.outboundPrefix,
    callerIdNameTemplate: s.dial.callerIdNameTemplate,
    numberFormat: s.dial.numberFormat,
    transferContext: s.transfer.context,
    useBlindTransferAction: s.transfer.useBlindTransferAction,
    recordingMode: s.recording.mode,
    fileTemplate: s.recording.fileTemplate,
    recordingContext: s.recording.dialplanContext,
    clipboardHotkey: s.dial.clipboardHotkey,
  };
}

const FIELD_PATH: Readonly<Record<string, keyof Draft>> = {
  language: 'language',
  theme: 'theme',
  'pbx.host': 'host',
  'pbx.port': 'port',
  'pbx.tls': 'tls',
  'pbx.amiUser': 'amiUser',
  'pbx.extension': 'extension',
  amiSecret: 'amiSecret',
  'screenPop.when': 'popWhen',
  'screenPop.externalOnly': 'externalOnly',
  'numbers.defaultRegion': 'region',
  'numbers.rewriteRules': 'rules',
  'dial.confirmLinks': 'confirmLinks',
  'dial.device': 'device',
  'dial.context': 'context',
  'dial.priority': 'priority',
  'dial.timeoutSec': 'timeoutSec',
  'dial.outboundPrefix': 'outboundPrefix',
  'dial.callerIdNameTemplate': 'callerIdNameTemplate',
  'dial.numberFormat': 'numberFormat',
  'transfer.context': 'transferContext',
  'transfer.useBlindTransferAction': 'useBlindTransferAction',
  'recording.mode': 'recordingMode',
  'recording.fileTemplate': 'fileTemplate',
  'recording.dialplanContext': 'recordingContext',
  'dial.clipboardHotkey': 'clipboardHotkey',
};

/** Field key of an issue path; rewrite-rule issues (`numbers.rewriteRules.2.pattern`) map to `rules.2`. */
function fieldKeyOf(path: string): string | undefined {
  const p = path.replace(/^patch\./, '');
  const rule = /^numbers\.rewriteRules\.(\d+)/.exec(p);
  if (rule) return `rules.${rule[1]}`;
  return FIELD_PATH[p];
}

function toPatch(d: Draft, locked: readonly string[]) {
  const port = /^\d+$/.test(d.port.trim()) ? Number(d.port) : Number.NaN;
  const pbxFields = { host: d.host, port, tls: d.tls, amiUser: d.amiUser, extension: d.extension };
  // Fields managed by IT are left out: main refuses changes to them.
  const pbx = Object.fromEntries(Object.entries(pbxFields).filter(([k]) => !locked.includes(`pbx.${k}`)));
  const general = Object.fromEntries(Object.entries({ language: d.language, theme: d.theme }).filter(([k]) => !locked.includes(k)));
  const screenPop = Object.fromEntries(Object.entries({ when: d.popWhen, externalOnly: d.externalOnly }).filter(([k]) => !locked.includes(`screenPop.${k}`)));
  const numbers = Object.fromEntries(Object.entries({ defaultRegion: d.region, rewriteRules: d.rules }).filter(([k]) => !locked.includes(`numbers.${k}`)));
  const int = (v: string): number => (/^\d+$/.test(v.trim()) ? Number(v) : Number.NaN);
  const unlocked = (section: string, fields: Record<string, unknown>): Record<string, unknown> =>
    Object.fromEntries(Object.entries(fields).filter(([k]) => !locked.includes(`${section}.${k}`)));
  const dial = unlocked('dial', {
    confirmLinks: d.confirmLinks,
    device: d.device,
    context: d.context,
    priority: int(d.priority),
    timeoutSec: int(d.timeoutSec),
    outboundPrefix: d.outboundPrefix,
    callerIdNameTemplate: d.callerIdNameTemplate,
    numberFormat: d.numberFormat,
    clipboardHotkey: d.clipboardHotkey,
  });
  const transfer = unlocked('transfer', { context: d.transferContext, useBlindTransferAction: d.useBlindTransferAction });
  const recording = unlocked('recording', { mode: d.recordingMode, fileTemplate: d.fileTemplate, dialplanContext: d.recordingContext });
  return { ...general, pbx, screenPop, numbers, dial, transfer, recording };
}

export function SettingsPage(props: { readonly view: SettingsView | undefined; readonly location: string | undefined; readonly onSaved: (v: SettingsView) => void }) {
  const { t } = useTranslation();
  if (!props.view) {
    return (
      <p className="muted" role="status">
        {t('settings.loading')}
      </p>
    );
  }
  return <SettingsSections view={props.view} location={props.location} onSaved={props.onSaved} />;
}

type Section = 'general' | 'crm' | 'softphone' | 'desktop';

/** Settings is long: its parts are tabs of their own, each with its own Save. */
function SettingsSections(props: { readonly view: SettingsView; readonly location: string | undefined; readonly onSaved: (v: SettingsView) => void }) {
  const { t } = useTranslation();
  const [section, setSection] = useState<Section>('general');
  return (
    <div className="stack">
      {props.view.locked.length > 0 ? (
        // Every section marks its own locked fields; this line says so up front, for sections a field might be missed in.
        <p className="hint hint-managed" data-testid="settings-managed-summary">
          {t('policy.managedSummary', { count: props.view.locked.length })}
        </p>
      ) : null}
      <div className="segmented" role="tablist" aria-label={t('settings.sections')}>
        {(['general', 'crm', 'softphone', 'desktop'] as const).map((s) => (
          <button key={s} type="button" role="tab" aria-selected={section === s} className={`segment${section === s ? ' segment-active' : ''}`} onClick={() => setSection(s)} data-testid={`settings-section-${s}`}>
            {s === 'softphone' ? t('softphone.title') : s === 'desktop' ? t('shell.title') : t(`settings.section.${s}`)}
          </button>
        ))}
      </div>
      {section === 'general' ? (
        <SettingsForm view={props.view} location={props.location} onSaved={props.onSaved} />
      ) : section === 'crm' ? (
        <CrmSettings view={props.view} onSaved={props.onSaved} />
      ) : section === 'softphone' ? (
        <SoftphoneSettings view={props.view} onSaved={props.onSaved} />
      ) : (
        <ShellSettings view={props.view} onSaved={props.onSaved} />
      )}
    </div>
  );
}

function SettingsForm({ view, location, onSaved }: { readonly view: SettingsView; readonly location: string | undefined; readonly onSaved: (v: SettingsView) => void }) {
  const { t } = useTranslation();
  const locked = view.locked;
  const isLocked = (path: string): boolean => locked.includes(path);
  const { draft, errors, formError, state, edit, submit, updateNow } = useSettingsForm<Draft>({
    initial: () => draftFrom(view.settings),
    validate,
    request: (d) => ({
      patch: SettingsPatchSchema.parse(toPatch(d, locked)),
      ...(d.amiSecret !== '' ? { amiSecret: d.amiSecret } : {}),
    }),
    fromSaved: (next) => draftFrom(next.settings),
    issueErrors: (issues) => {
      const fieldErrors: Record<string, string | undefined> = {};
      for (const issue of issues) {
        const key = fieldKeyOf(issue.path);
        if (key) fieldErrors[key] ??= translateMessage(issue.message);
      }
      return fieldErrors;
    },
    onSaved,
  });

  const set = <K extends keyof Draft>(key: K, value: Draft[K]): void =>
    edit(
      (d) => ({ ...d, [key]: value }),
      (e) => (key === 'rules' ? Object.fromEntries(Object.entries(e).filter(([k]) => !k.startsWith('rules'))) : { ...e, [key]: undefined }),
    );

  function validate(d: Draft): Record<string, string | undefined> {
    const parsed = SettingsPatchSchema.safeParse(toPatch(d, locked));
    const out: Record<string, string | undefined> = {};
    if (!parsed.success) {
      for (const issue of parsed.error.issues) {
        const path = issue.path.join('.');
        const key = fieldKeyOf(path);
        if (key) out[key] ??= translateMessage(path === 'pbx.port' ? 'settings.error.port' : issue.message);
      }
    }
    if (/[\r\n]/.test(d.amiSecret)) out.amiSecret = t('settings.error.secretChars');
    return out;
  }

  const clearSecret = (): Promise<void> => updateNow({ patch: {}, amiSecret: null });

  const describedBy = (id: string, hasHint = false): string | undefined => (errors[FIELD_PATH[id] ?? id] ? `${id}-error` : hasHint ? `${id}-hint` : undefined);

  type TextKey = 'device' | 'context' | 'priority' | 'timeoutSec' | 'outboundPrefix' | 'callerIdNameTemplate' | 'transferContext' | 'fileTemplate' | 'recordingContext' | 'clipboardHotkey';
  const textField = (path: string, key: TextKey, label: string, hint?: string) => (
    <Field id={path} label={label} error={errors[key]} hint={hint} locked={isLocked(path)}>
      <input id={path} type="text" autoComplete="off" spellCheck={false} value={draft[key]} disabled={isLocked(path)} aria-invalid={Boolean(errors[key])} aria-describedby={describedBy(path, hint !== undefined)} onChange={(e) => set(key, e.target.value)} />
    </Field>
  );

  return (
    <form className="stack" onSubmit={(e) => void submit(e)} noValidate aria-labelledby="settings-title">
      <h1 id="settings-title" className="page-title">{t('settings.title')}</h1>
      {view.problems.length > 0 ? (
        <div className="banner banner-warn" role="alert" data-testid="settings-problems">
          <p>{t('settings.problems')}</p>
          <ul>
            {view.problems.map((p) => (
              <li key={`${p.source}:${p.path}`}>
                <code>{p.path}</code>: {translateMessage(p.message)}
              </li>
            ))}
          </ul>
        </div>
      ) : null}

      <fieldset className="card">
        <legend className="card-title">{t('settings.general')}</legend>
        <div className="grid-2">
          <Field id="language" label={t('settings.language')} locked={isLocked('language')}>
            <select id="language" value={draft.language} disabled={isLocked('language')} onChange={(e) => set('language', e.target.value as Draft['language'])}>
              <option value="system">{t('settings.languageSystem')}</option>
              <option value="en">English</option>
              <option value="ru">Русский</option>
            </select>
          </Field>
          <Field id="theme" label={t('settings.theme')} locked={isLocked('theme')}>
            <select id="theme" value={draft.theme} disabled={isLocked('theme')} onChange={(e) => set('theme', e.target.value as Draft['theme'])}>
              <option value="system">{t('settings.themeSystem')}</option>
              <option value="light">{t('settings.themeLight')}</option>
              <option value="dark">{t('settings.themeDark')}</option>
            </select>
          </Field>
        </div>
      </fieldset>

      <fieldset className="card">
        <legend className="card-title">{t('settings.pbx')}</legend>
        <div className="grid-3">
          <Field id="pbx.host" label={t('settings.host')} error={errors.host} locked={isLocked('pbx.host')}>
            <input id="pbx.host" name="host" type="text" autoComplete="off" spellCheck={false} placeholder={t('settings.hostPlaceholder')} value={draft.host} disabled={isLocked('pbx.host')} aria-invalid={Boolean(errors.host)} aria-describedby={describedBy('pbx.host')} onChange={(e) => set('host', e.target.value)} />
          </Field>
          <Field id="pbx.port" label={t('settings.port')} error={errors.port} locked={isLocked('pbx.port')}>
            <input id="pbx.port" name="port" type="text" inputMode="numeric" value={draft.port} disabled={isLocked('pbx.port')} aria-invalid={Boolean(errors.port)} aria-describedby={describedBy('pbx.port')} onChange={(e) => set('port', e.target.value)} />
          </Field>
        </div>
        <CheckField id="pbx.tls" label={t('settings.tls')} checked={draft.tls} locked={isLocked('pbx.tls')} onChange={(v) => set('tls', v)} />
        <div className="grid-2">
          <Field id="pbx.amiUser" label={t('settings.amiUser')} error={errors.amiUser} locked={isLocked('pbx.amiUser')}>
            <input id="pbx.amiUser" name="amiUser" type="text" autoComplete="username" spellCheck={false} value={draft.amiUser} disabled={isLocked('pbx.amiUser')} aria-invalid={Boolean(errors.amiUser)} aria-describedby={describedBy('pbx.amiUser')} onChange={(e) => set('amiUser', e.target.value)} />
          </Field>
          <Field
            id="amiSecret"
            label={t('settings.amiSecret')}
            error={errors.amiSecret}
            hint={
              !view.keychain.available ? (
                <>
                  {t('settings.keychainUnavailable')}
                  <span className="hint-detail">{view.keychain.reason}</span>
                </>
              ) : view.secrets.amiSecretSet ? (
                t('settings.amiSecretStored')
              ) : (
                t('settings.amiSecretNone')
              )
            }
          >
            <input id="amiSecret" name="amiSecret" type="password" autoComplete="new-password" value={draft.amiSecret} disabled={!view.keychain.available} aria-invalid={Boolean(errors.amiSecret)} aria-describedby={describedBy('amiSecret', true)} onChange={(e) => set('amiSecret', e.target.value)} />
          </Field>
        </div>
        {view.secrets.amiSecretSet ? (
          <button type="button" className="btn btn-link" onClick={() => void clearSecret()}>
            {t('settings.amiSecretClear')}
          </button>
        ) : null}
        <Field id="pbx.extension" label={t('settings.extension')} error={errors.extension} locked={isLocked('pbx.extension')}>
          <input id="pbx.extension" name="extension" type="text" inputMode="numeric" className="input-short" value={draft.extension} disabled={isLocked('pbx.extension')} aria-invalid={Boolean(errors.extension)} aria-describedby={describedBy('pbx.extension')} onChange={(e) => set('extension', e.target.value)} />
        </Field>
      </fieldset>

      <fieldset className="card">
        <legend className="card-title">{t('settings.screenPop')}</legend>
        <div className="grid-2">
          <Field id="screenPop.when" label={t('settings.popWhen')} locked={isLocked('screenPop.when')}>
            <select id="screenPop.when" value={draft.popWhen} disabled={isLocked('screenPop.when')} onChange={(e) => set('popWhen', e.target.value as Draft['popWhen'])}>
              <option value="ring">{t('settings.popOnRing')}</option>
              <option value="answer">{t('settings.popOnAnswer')}</option>
              <option value="never">{t('settings.popNever')}</option>
            </select>
          </Field>
          <Field id="numbers.defaultRegion" label={t('settings.region')} error={errors['region']} hint={t('settings.regionHint')} locked={isLocked('numbers.defaultRegion')}>
            <input id="numbers.defaultRegion" type="text" className="input-short" maxLength={2} autoComplete="off" value={draft.region} disabled={isLocked('numbers.defaultRegion')} aria-invalid={Boolean(errors['region'])} aria-describedby={describedBy('numbers.defaultRegion', true)} onChange={(e) => set('region', e.target.value.toUpperCase())} />
          </Field>
        </div>
        <CheckField id="screenPop.externalOnly" label={t('settings.externalOnly')} checked={draft.externalOnly} locked={isLocked('screenPop.externalOnly')} onChange={(v) => set('externalOnly', v)} />
        <RulesEditor rules={draft.rules} errors={errors} locked={isLocked('numbers.rewriteRules')} onChange={(rules) => set('rules', rules)} />
      </fieldset>

      <fieldset className="card">
        <legend className="card-title">{t('settings.calls')}</legend>
        <p className="hint">{t('settings.callsHint')}</p>
        <div className="grid-2">
          {textField('dial.device', 'device', t('settings.device'), t('settings.deviceHint'))}
          {textField('dial.context', 'context', t('settings.context'))}
          {textField('dial.priority', 'priority', t('settings.priority'))}
          {textField('dial.timeoutSec', 'timeoutSec', t('settings.timeoutSec'))}
          {textField('dial.outboundPrefix', 'outboundPrefix', t('settings.outboundPrefix'), t('settings.outboundPrefixHint'))}
          <Field id="dial.numberFormat" label={t('settings.numberFormat')} locked={isLocked('dial.numberFormat')}>
            <select id="dial.numberFormat" value={draft.numberFormat} disabled={isLocked('dial.numberFormat')} onChange={(e) => set('numberFormat', e.target.value as Draft['numberFormat'])}>
              <option value="national">{t('settings.formatNational')}</option>
              <option value="e164">{t('settings.formatE164')}</option>
              <option value="dialled">{t('settings.formatDialled')}</option>
            </select>
          </Field>
        </div>
        {textField('dial.callerIdNameTemplate', 'callerIdNameTemplate', t('settings.callerIdName'), t('settings.callerIdNameHint'))}
        <CheckField id="dial.confirmLinks" label={t('settings.confirmLinks')} checked={draft.confirmLinks} locked={isLocked('dial.confirmLinks')} onChange={(v) => set('confirmLinks', v)} />
        {textField('dial.clipboardHotkey', 'clipboardHotkey', t('settings.clipboardHotkey'), t('settings.clipboardHotkeyHint'))}
        {canRegisterTelHandler() ? (
          <button type="button" className="btn btn-secondary" onClick={registerTelHandler} data-testid="register-tel">
            {t('settings.registerTel')}
          </button>
        ) : null}
        <div className="grid-2">
          {textField('transfer.context', 'transferContext', t('settings.transferContext'))}
        </div>
        <CheckField id="transfer.useBlindTransferAction" label={t('settings.useBlindTransferAction')} checked={draft.useBlindTransferAction} locked={isLocked('transfer.useBlindTransferAction')} onChange={(v) => set('useBlindTransferAction', v)} />
      </fieldset>

      <fieldset className="card">
        <legend className="card-title">{t('settings.recording')}</legend>
        <Field id="recording.mode" label={t('settings.recordingMode')} hint={t(`settings.recordingModeHint.${draft.recordingMode}`)} locked={isLocked('recording.mode')}>
          <select id="recording.mode" value={draft.recordingMode} disabled={isLocked('recording.mode')} onChange={(e) => set('recordingMode', e.target.value as Draft['recordingMode'])} data-testid="recording-mode">
            <option value="direct">{t('settings.recordingDirect')}</option>
            <option value="dialplan">{t('settings.recordingDialplan')}</option>
            <option value="pbx">{t('settings.recordingPbx')}</option>
          </select>
        </Field>
        {textField('recording.fileTemplate', 'fileTemplate', t('settings.fileTemplate'))}
        {draft.recordingMode === 'dialplan' ? textField('recording.dialplanContext', 'recordingContext', t('settings.recordingContext')) : null}
      </fieldset>

      <FormFooter state={state} error={formError} idPrefix="settings" errorTestId="settings-error" />
      {location ? <p className="muted small">{t('settings.location', { path: location })}</p> : null}
    </form>
  );
}

type Rule = { readonly pattern: string; readonly replacement: string };

/** The ordered list of number rewrite rules (pattern -> replacement), each row with its own error. */
function RulesEditor(props: { readonly rules: readonly Rule[]; readonly errors: Readonly<Record<string, string | undefined>>; readonly locked: boolean; readonly onChange: (rules: readonly Rule[]) => void }) {
  const { t } = useTranslation();
  const update = (i: number, patch: Partial<Rule>): void => props.onChange(props.rules.map((r, j) => (j === i ? { ...r, ...patch } : r)));
  return (
    <div className="rules" data-testid="rewrite-rules">
      <div className="rules-head">
        <span className="rules-title">{t('settings.rules')}</span>
        <span className="hint">{t('settings.rulesHint')}</span>
      </div>
      {props.rules.length === 0 ? <p className="hint">{t('settings.rulesEmpty')}</p> : null}
      {props.rules.map((rule, i) => {
        const error = props.errors[`rules.${i}`];
        return (
          <div className="rule-row" key={i} data-testid="rule-row">
            <input type="text" className="mono" aria-label={t('settings.rulePattern', { n: i + 1 })} placeholder="^9(\\d{10})$" value={rule.pattern} disabled={props.locked} aria-invalid={Boolean(error)} onChange={(e) => update(i, { pattern: e.target.value })} />
            <span aria-hidden="true">→</span>
            <input type="text" className="mono" aria-label={t('settings.ruleReplacement', { n: i + 1 })} placeholder="8$1" value={rule.replacement} disabled={props.locked} onChange={(e) => update(i, { replacement: e.target.value })} />
            <button type="button" className="btn btn-small" disabled={props.locked} aria-label={t('settings.ruleRemove', { n: i + 1 })} onClick={() => props.onChange(props.rules.filter((_, j) => j !== i))}>
              ✕
            </button>
            {error ? (
              <p className="error rule-error" role="alert" data-testid={`rule-error-${i}`}>
                {error}
              </p>
            ) : null}
          </div>
        );
      })}
      {props.rules.length < 20 ? (
        <button type="button" className="btn btn-link" disabled={props.locked} onClick={() => props.onChange([...props.rules, { pattern: '', replacement: '' }])} data-testid="rule-add">
          + {t('settings.ruleAdd')}
        </button>
      ) : null}
    </div>
  );
}
