// Settings -> Desktop: start at login, missed-call notifications, the
// optional system-wide answer/hang-up shortcuts, and how Do not disturb
// reaches the PBX (feature codes or the Asterisk database). Its
// own form and Save like the other sections; fields IT locked by policy are
// disabled and say so.
import { useTranslation } from 'react-i18next';
import { FormFooter } from './FormFooter';
import { SettingsPatchSchema } from '../../src-shared/domain/settings';
import type { ShellSettings as Shell } from '../../src-shared/domain/shell-settings';
import type { SettingsView } from '../../src-shared/ipc/contract';
import { translateMessage } from '../i18n';
import { CheckField, Field } from './Field';
import { useSettingsForm } from '../hooks/use-settings-form';

type Dnd = Shell['dnd'];
type HotkeyKey = keyof Shell['callHotkeys'];
type TextKey = 'onCode' | 'offCode' | 'family' | 'key' | 'value';

/** Only what the operator may change: locked fields are left out (main refuses them). */
function toPatch(d: Shell, locked: readonly string[]): Record<string, unknown> {
  const open = (path: string): boolean => !locked.includes(`shell.${path}`);
  const dnd = Object.fromEntries(Object.entries(d.dnd).filter(([k]) => open(`dnd.${k}`)));
  const callHotkeys = Object.fromEntries(Object.entries(d.callHotkeys).filter(([k]) => open(`callHotkeys.${k}`)));
  return {
    ...(open('startAtLogin') ? { startAtLogin: d.startAtLogin } : {}),
    ...(open('notifyMissedCalls') ? { notifyMissedCalls: d.notifyMissedCalls } : {}),
    ...(Object.keys(dnd).length > 0 ? { dnd } : {}),
    ...(Object.keys(callHotkeys).length > 0 ? { callHotkeys } : {}),
  };
}

function fieldErrors(issues: readonly { readonly path: string; readonly message: string }[]): Record<string, string | undefined> {
  const out: Record<string, string | undefined> = {};
  for (const i of issues) out[i.path.replace(/^(patch\.)?shell\./, '')] ??= translateMessage(i.message);
  return out;
}

export function ShellSettings({ view, onSaved }: { readonly view: SettingsView; readonly onSaved: (v: SettingsView) => void }) {
  const { t } = useTranslation();
  const { draft, errors, formError, state, edit, submit } = useSettingsForm<Shell>({
    initial: () => view.settings.shell,
    validate: (d) => {
      const parsed = SettingsPatchSchema.safeParse({ shell: toPatch(d, view.locked) });
      return parsed.success ? {} : fieldErrors(parsed.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message })));
    },
    request: (d) => ({ patch: SettingsPatchSchema.parse({ shell: toPatch(d, view.locked) }) }),
    fromSaved: (next) => next.settings.shell,
    issueErrors: fieldErrors,
    onSaved,
  });
  const isLocked = (path: string): boolean => view.locked.includes(`shell.${path}`);

  const set = (next: Partial<Shell>): void => edit((d) => ({ ...d, ...next }));
  const setDnd = (next: Partial<Dnd>): void =>
    edit(
      (d) => ({ ...d, dnd: { ...d.dnd, ...next } }),
      (e) => ({ ...e, ...Object.fromEntries(Object.keys(next).map((k) => [`dnd.${k}`, undefined])) }),
    );
  const setHotkey = (key: HotkeyKey, value: string): void =>
    edit(
      (d) => ({ ...d, callHotkeys: { ...d.callHotkeys, [key]: value } }),
      (e) => ({ ...e, [`callHotkeys.${key}`]: undefined }),
    );
  const hotkey = (key: HotkeyKey) => {
    const id = `shell.callHotkeys.${key}`;
    const error = errors[`callHotkeys.${key}`];
    const locked = isLocked(`callHotkeys.${key}`);
    return (
      <Field id={id} label={t(`shell.callHotkeys.${key}`)} error={error} hint={t('shell.callHotkeys.hint')} locked={locked}>
        <input
          id={id}
          type="text"
          autoComplete="off"
          spellCheck={false}
          value={draft.callHotkeys[key]}
          disabled={locked}
          aria-invalid={Boolean(error)}
          aria-describedby={error ? `${id}-error` : `${id}-hint`}
          onChange={(e) => setHotkey(key, e.target.value)}
          data-testid={`call-hotkey-${key}`}
        />
      </Field>
    );
  };

  const text = (key: TextKey, label: string, hint?: string) => {
    const id = `shell.dnd.${key}`;
    const error = errors[`dnd.${key}`];
    return (
      <Field id={id} label={label} error={error} hint={hint} locked={isLocked(`dnd.${key}`)}>
        <input
          id={id}
          type="text"
          className="input-short"
          autoComplete="off"
          spellCheck={false}
          value={draft.dnd[key]}
          disabled={isLocked(`dnd.${key}`)}
          aria-invalid={Boolean(error)}
          aria-describedby={error ? `${id}-error` : hint ? `${id}-hint` : undefined}
          onChange={(e) => setDnd({ [key]: e.target.value })}
        />
      </Field>
    );
  };

  return (
    <form className="stack" onSubmit={(e) => void submit(e)} noValidate aria-labelledby="shell-title">
      <h1 id="shell-title" className="page-title">
        {t('shell.title')}
      </h1>
      <fieldset className="card">
        <legend className="card-title">{t('shell.title')}</legend>
        <CheckField id="shell.startAtLogin" label={t('shell.startAtLogin')} checked={draft.startAtLogin} locked={isLocked('startAtLogin')} onChange={(startAtLogin) => set({ startAtLogin })} />
        <CheckField id="shell.notifyMissedCalls" label={t('shell.notifyMissedCalls')} checked={draft.notifyMissedCalls} locked={isLocked('notifyMissedCalls')} onChange={(notifyMissedCalls) => set({ notifyMissedCalls })} />
      </fieldset>

      <fieldset className="card">
        <legend className="card-title">{t('shell.callHotkeys.title')}</legend>
        <p className="muted">{t('shell.callHotkeys.intro')}</p>
        <div className="grid-2">
          {hotkey('answer')}
          {hotkey('hangUp')}
        </div>
      </fieldset>

      <fieldset className="card">
        <legend className="card-title">{t('shell.dnd.title')}</legend>
        <Field id="shell.dnd.mode" label={t('shell.dnd.mode')} locked={isLocked('dnd.mode')}>
          <select id="shell.dnd.mode" value={draft.dnd.mode} disabled={isLocked('dnd.mode')} onChange={(e) => setDnd({ mode: e.target.value as Dnd['mode'] })} data-testid="dnd-mode">
            {(['featureCode', 'astdb', 'off'] as const).map((m) => (
              <option key={m} value={m}>
                {t(`shell.dnd.modeName.${m}`)}
              </option>
            ))}
          </select>
        </Field>
        {draft.dnd.mode === 'featureCode' ? (
          <div className="grid-2">
            {text('onCode', t('shell.dnd.onCode'))}
            {text('offCode', t('shell.dnd.offCode'))}
          </div>
        ) : null}
        {draft.dnd.mode !== 'off' ? (
          <div className="grid-3">
            {text('family', t('shell.dnd.family'))}
            {text('key', t('shell.dnd.key'), t('shell.dnd.keyHint'))}
            {draft.dnd.mode === 'astdb' ? text('value', t('shell.dnd.value')) : null}
          </div>
        ) : null}
      </fieldset>

      <FormFooter state={state} error={formError} idPrefix="shell" errorTestId="shell-error" />
    </form>
  );
}
