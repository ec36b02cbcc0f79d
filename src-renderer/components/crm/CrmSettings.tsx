// Settings -> CRM and Reporting: which CRM, its account fields (data-driven per
// CRM, see ./crm-fields.ts), write-only secrets that go to the keychain, the
// operator's CRM user, and which calls are reported with what recording link.
// A form of its own with its own Save, beside the PBX settings.
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { FormFooter } from '../FormFooter';
import type { CrmKind } from '../../../src-shared/domain/crm-settings';
import { SettingsPatchSchema, type Settings } from '../../../src-shared/domain/settings';
import type { SettingsView } from '../../../src-shared/ipc/contract';
import { sidecall } from '../../bridge';
import { toRequestError } from '../../bridge/request-error';
import { translateMessage } from '../../i18n';
import { CheckField, Field } from '../Field';
import { CRM_FIELDS, getPath, setPath, type CrmFieldSpec } from './crm-fields';
import { CrmConnectionCard } from './CrmConnectionCard';
import { OutboxCard } from './OutboxCard';
import { useCrmStatus, useOutboxStatus } from '../../hooks/use-crm';
import { useSettingsForm } from '../../hooks/use-settings-form';

type Secrets = { clientSecret: string; credential: string; recordingLinkSecret: string };
const NO_SECRETS: Secrets = { clientSecret: '', credential: '', recordingLinkSecret: '' };

interface Draft {
  readonly kind: CrmKind;
  readonly crm: Settings['crm'];
  readonly reporting: Settings['reporting'];
  readonly expiresHours: string;
  readonly secrets: Secrets;
}

function draftFrom(s: Settings): Draft {
  return { kind: s.crm.kind, crm: s.crm, reporting: s.reporting, expiresHours: String(s.reporting.recordingLink.expiresHours), secrets: NO_SECRETS };
}

function toPatch(d: Draft, locked: readonly string[]) {
  const unlocked = (prefix: string, obj: Record<string, unknown>): Record<string, unknown> =>
    Object.fromEntries(
      Object.entries(obj)
        .filter(([k]) => !locked.includes(`${prefix}.${k}`))
        .map(([k, v]) => [k, typeof v === 'object' && v !== null && !Array.isArray(v) && !(prefix === 'crm' && k === 'userMap') ? unlocked(`${prefix}.${k}`, v as Record<string, unknown>) : v]),
    );
  const expires = /^\d+$/.test(d.expiresHours.trim()) ? Number(d.expiresHours) : Number.NaN;
  const crm: Record<string, unknown> = { kind: d.kind, userMap: d.crm.userMap };
  if (d.kind !== 'none') crm[d.kind] = d.crm[d.kind];
  return {
    crm: unlocked('crm', crm),
    reporting: unlocked('reporting', { ...d.reporting, recordingLink: { ...d.reporting.recordingLink, expiresHours: expires } }),
  };
}

export function CrmSettings(props: { readonly view: SettingsView; readonly onSaved: (v: SettingsView) => void }) {
  const { t } = useTranslation();
  const view = props.view;
  const { draft, errors, formError, state, edit: update, submit } = useSettingsForm<Draft>({
    initial: () => draftFrom(view.settings),
    validate,
    request: (d) => {
      const secrets = Object.fromEntries(Object.entries(d.secrets).filter(([, v]) => v !== ''));
      return {
        patch: SettingsPatchSchema.parse(toPatch(d, view.locked)),
        ...(Object.keys(secrets).length > 0 ? { crmSecrets: secrets } : {}),
      };
    },
    fromSaved: (next) => draftFrom(next.settings),
    issueErrors: (issues) => {
      const fieldErrors: Record<string, string> = {};
      for (const issue of issues) fieldErrors[issue.path.replace(/^patch\./, '')] ??= translateMessage(issue.message);
      return fieldErrors;
    },
    onSaved: props.onSaved,
  });
  const [users, setUsers] = useState<readonly { id: string; name: string }[]>();
  const [usersError, setUsersError] = useState<string>();
  const crmStatus = useCrmStatus();
  const [outbox, setOutbox] = useOutboxStatus();
  const isLocked = (path: string): boolean => view.locked.includes(path) || view.locked.some((p) => path.startsWith(`${p}.`));
  const extension = view.settings.pbx.extension;

  function validate(d: Draft): Record<string, string> {
    const parsed = SettingsPatchSchema.safeParse(toPatch(d, view.locked));
    const out: Record<string, string> = {};
    if (!parsed.success) for (const issue of parsed.error.issues) out[issue.path.join('.')] ??= translateMessage(issue.message);
    for (const [k, v] of Object.entries(d.secrets)) if (/[\r\n]/.test(v)) out[`secret:${k}`] = t('settings.error.secretChars');
    return out;
  }

  async function loadUsers(): Promise<void> {
    setUsersError(undefined);
    try {
      setUsers((await sidecall().request('crm.users', {})).users);
    } catch (e) {
      setUsersError(toRequestError(e).message);
    }
  }

  const secretSet = (which: 'clientSecret' | 'credential'): boolean => (which === 'clientSecret' ? view.secrets.crmClientSecretSet : view.secrets.crmCredentialSet) === true && draft.kind === view.settings.crm.kind;

  function renderField(kind: Exclude<CrmKind, 'none'>, spec: CrmFieldSpec) {
    const section = draft.crm[kind] as unknown;
    if (spec.when && !spec.when.values.includes(getPath(section, spec.when.path))) return null;
    const id = `crm-${kind}-${spec.path.replace(/[^A-Za-z0-9]/g, '-')}`;
    const label = t(`crm.field.${spec.label}`);
    const value = getPath(section, spec.path);
    const hint = spec.redirectPath ? t('crm.field.redirectPortHint', { url: `http://127.0.0.1:${String(value)}${spec.redirectPath}` }) : spec.hint ? t(`crm.field.${spec.hint}`) : undefined;
    if (spec.type === 'secret') {
      const which = spec.path.slice('secret:'.length) as 'clientSecret' | 'credential';
      const err = errors[spec.path];
      return (
        <Field key={spec.path} id={id} label={label} error={err} hint={hint ?? (secretSet(which) ? t('crm.secretStored') : t('settings.amiSecretNone'))}>
          <input id={id} type="password" autoComplete="off" value={draft.secrets[which]} onChange={(e) => update((d) => ({ ...d, secrets: { ...d.secrets, [which]: e.target.value } }))} data-testid={id} />
        </Field>
      );
    }
    const path = `crm.${kind}.${spec.path}`;
    const locked = isLocked(path);
    const set = (v: unknown): void => update((d) => ({ ...d, crm: { ...d.crm, [kind]: setPath(d.crm[kind], spec.path, v) } }));
    const err = errors[path];
    if (spec.type === 'check') {
      return (
        <CheckField key={spec.path} id={id} label={label} checked={value === true} locked={locked} onChange={set} testId={id} />
      );
    }
    return (
      <Field key={spec.path} id={id} label={label} error={err} hint={hint} locked={locked}>
        {spec.type === 'select' ? (
          <select id={id} value={String(value)} disabled={locked} onChange={(e) => set(e.target.value)} data-testid={id}>
            {(spec.options ?? []).map((o) => (
              <option key={o} value={o}>
                {t(`crm.option.${o}`, { defaultValue: o })}
              </option>
            ))}
          </select>
        ) : spec.type === 'textarea' ? (
          <textarea id={id} className="mono" rows={5} spellCheck={false} value={String(value ?? '')} disabled={locked} onChange={(e) => set(e.target.value)} data-testid={id} />
        ) : (
          <input
            id={id}
            type="text"
            inputMode={spec.type === 'port' || spec.type === 'number' ? 'numeric' : undefined}
            className={spec.type === 'port' || spec.type === 'number' ? 'input-short' : undefined}
            autoComplete="off"
            spellCheck={false}
            placeholder={spec.placeholder}
            value={String(value ?? '')}
            disabled={locked}
            aria-invalid={Boolean(err)}
            onChange={(e) => set(spec.type === 'port' || spec.type === 'number' ? (/^\d+$/.test(e.target.value) ? Number(e.target.value) : e.target.value === '' ? 0 : Number.NaN) : e.target.value)}
            data-testid={id}
          />
        )}
      </Field>
    );
  }

  const kind = draft.kind;
  const rl = draft.reporting.recordingLink;
  const setReporting = (patch: Partial<Settings['reporting']>): void => update((d) => ({ ...d, reporting: { ...d.reporting, ...patch } }));
  const setLink = (patch: Partial<Settings['reporting']['recordingLink']>): void => update((d) => ({ ...d, reporting: { ...d.reporting, recordingLink: { ...d.reporting.recordingLink, ...patch } } }));
  const myUser = extension ? draft.crm.userMap[extension] ?? '' : '';

  return (
    <div className="stack" data-testid="crm-settings">
      <CrmConnectionCard status={crmStatus} />
      <OutboxCard status={outbox} onChange={setOutbox} />
      <form className="stack" onSubmit={(e) => void submit(e)} noValidate aria-label={t('crm.settingsTitle')}>
        <fieldset className="card">
          <legend className="card-title">{t('crm.accountTitle')}</legend>
          <Field id="crm-kind" label={t('crm.kind')} locked={isLocked('crm.kind')}>
            <select id="crm-kind" value={kind} disabled={isLocked('crm.kind')} onChange={(e) => update((d) => ({ ...d, kind: e.target.value as CrmKind, secrets: NO_SECRETS }))} data-testid="crm-kind">
              {(['none', 'amocrm', 'bitrix24', 'retailcrm', 'odoo', 'generic'] as const).map((k) => (
                <option key={k} value={k}>
                  {t(`crm.kindName.${k}`)}
                </option>
              ))}
            </select>
          </Field>
          {kind !== 'none' ? <div className="grid-2">{CRM_FIELDS[kind].map((spec) => renderField(kind, spec))}</div> : null}
          {kind !== 'none' && extension ? (
            <Field id="crm-my-user" label={t('crm.myUser', { extension })} hint={usersError ?? t('crm.myUserHint')} locked={isLocked('crm.userMap')}>
              <div className="row">
                {users ? (
                  <select id="crm-my-user" value={myUser} disabled={isLocked('crm.userMap')} onChange={(e) => update((d) => ({ ...d, crm: { ...d.crm, userMap: { ...d.crm.userMap, [extension]: e.target.value } } }))} data-testid="crm-my-user">
                    <option value="">{t('crm.myUserNone')}</option>
                    {users.map((u) => (
                      <option key={u.id} value={u.id}>
                        {u.name}
                      </option>
                    ))}
                  </select>
                ) : (
                  <input id="crm-my-user" type="text" className="input-short" value={myUser} disabled={isLocked('crm.userMap')} onChange={(e) => update((d) => ({ ...d, crm: { ...d.crm, userMap: { ...d.crm.userMap, [extension]: e.target.value } } }))} data-testid="crm-my-user" />
                )}
                {crmStatus?.state === 'connected' && crmStatus.capabilities.includes('listUsers') && !users ? (
                  <button type="button" className="btn btn-small" onClick={() => void loadUsers()} data-testid="crm-load-users">
                    {t('crm.loadUsers')}
                  </button>
                ) : null}
              </div>
            </Field>
          ) : null}
        </fieldset>

        <fieldset className="card">
          <legend className="card-title">{t('reporting.title')}</legend>
          <CheckField id="reporting-enabled" label={t('reporting.enabled')} checked={draft.reporting.enabled} locked={isLocked('reporting.enabled')} onChange={(enabled) => setReporting({ enabled })} testId="reporting-enabled" />
          <Field id="reporting-which" label={t('reporting.which')} locked={isLocked('reporting.which')}>
            <select id="reporting-which" value={draft.reporting.which} disabled={isLocked('reporting.which')} onChange={(e) => setReporting({ which: e.target.value as Settings['reporting']['which'] })} data-testid="reporting-which">
              <option value="all">{t('reporting.whichAll')}</option>
              <option value="external">{t('reporting.whichExternal')}</option>
              <option value="answered">{t('reporting.whichAnswered')}</option>
            </select>
          </Field>
          <CheckField id="reporting-createUnknown" label={t('reporting.createUnknown')} checked={draft.reporting.createUnknown} locked={isLocked('reporting.createUnknown')} onChange={(createUnknown) => setReporting({ createUnknown })} />
          <CheckField id="reporting-missedCallTask" label={t('reporting.missedCallTask')} checked={draft.reporting.missedCallTask} locked={isLocked('reporting.missedCallTask')} onChange={(missedCallTask) => setReporting({ missedCallTask })} />
          <Field id="reporting-link" label={t('reporting.linkTemplate')} error={errors['reporting.recordingLink.urlTemplate']} hint={t('reporting.linkTemplateHint')} locked={isLocked('reporting.recordingLink.urlTemplate')}>
            <input id="reporting-link" type="text" className="mono" spellCheck={false} placeholder="https://pbx.example.com/rec/{yyyy}/{mm}/{dd}/{file}" value={rl.urlTemplate} disabled={isLocked('reporting.recordingLink.urlTemplate')} onChange={(e) => setLink({ urlTemplate: e.target.value })} data-testid="reporting-link" />
          </Field>
          <CheckField id="reporting-records-all" label={t('reporting.pbxRecordsAll')} checked={rl.pbxRecordsAll} locked={isLocked('reporting.recordingLink.pbxRecordsAll')} onChange={(pbxRecordsAll) => setLink({ pbxRecordsAll })} testId="reporting-records-all" />
          <CheckField id="reporting-signed" label={t('reporting.signed')} checked={rl.signed} locked={isLocked('reporting.recordingLink.signed')} onChange={(signed) => setLink({ signed })} />
          {rl.signed ? (
            <div className="grid-2">
              <Field id="reporting-secret" label={t('reporting.secret')} error={errors['secret:recordingLinkSecret']} hint={view.secrets.recordingLinkSecretSet ? t('crm.secretStored') : t('settings.amiSecretNone')}>
                <input id="reporting-secret" type="password" autoComplete="off" value={draft.secrets.recordingLinkSecret} onChange={(e) => update((d) => ({ ...d, secrets: { ...d.secrets, recordingLinkSecret: e.target.value } }))} />
              </Field>
              <Field id="reporting-expires" label={t('reporting.expires')} error={errors['reporting.recordingLink.expiresHours']} hint={t('reporting.expiresHint')} locked={isLocked('reporting.recordingLink.expiresHours')}>
                <input id="reporting-expires" type="text" inputMode="numeric" className="input-short" value={draft.expiresHours} disabled={isLocked('reporting.recordingLink.expiresHours')} onChange={(e) => update((d) => ({ ...d, expiresHours: e.target.value }))} />
              </Field>
            </div>
          ) : null}
        </fieldset>
        <FormFooter state={state} error={formError} idPrefix="crm" errorTestId="crm-settings-error" saveLabel={t('crm.save')} />
      </form>
    </div>
  );
}
