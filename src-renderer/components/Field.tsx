// One labelled form field with its hint, error and "managed" state, so every
// field in Settings looks and behaves the same; CheckField is the same for a
// checkbox. A field IT locked (policy or --config) is disabled and says
// "Managed by your organization", tied to the control by aria-describedby.
import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';

export function Field(props: {
  readonly id: string;
  readonly label: string;
  readonly error?: string | undefined;
  readonly hint?: ReactNode;
  readonly locked?: boolean;
  readonly children: ReactNode;
}) {
  const { t } = useTranslation();
  return (
    <div className={`field${props.error ? ' field-invalid' : ''}${props.locked ? ' field-locked' : ''}`}>
      <label htmlFor={props.id}>{props.label}</label>
      {props.children}
      {props.locked ? (
        <p className="hint hint-managed" id={`${props.id}-managed`}>
          <LockIcon /> {t('settings.managed')}
        </p>
      ) : null}
      {props.error ? (
        <p className="error" id={`${props.id}-error`} role="alert" data-testid={`${props.id}-error`}>
          {props.error}
        </p>
      ) : props.hint ? (
        <p className="hint" id={`${props.id}-hint`}>{props.hint}</p>
      ) : null}
    </div>
  );
}

/** A checkbox with its label, optional hint, and the "managed" note when locked. */
export function CheckField(props: {
  readonly id: string;
  readonly label: string;
  readonly checked: boolean;
  readonly locked?: boolean;
  readonly hint?: ReactNode;
  readonly testId?: string;
  readonly onChange: (checked: boolean) => void;
}) {
  const { t } = useTranslation();
  const described = [props.locked ? `${props.id}-managed` : '', props.hint ? `${props.id}-hint` : ''].filter(Boolean).join(' ');
  return (
    <div className={`field field-check${props.locked ? ' field-locked' : ''}`}>
      <label className="check">
        <input id={props.id} type="checkbox" checked={props.checked} disabled={props.locked} aria-describedby={described || undefined} onChange={(e) => props.onChange(e.target.checked)} data-testid={props.testId} />
        <span>{props.label}</span>
      </label>
      {props.locked ? (
        <p className="hint hint-managed" id={`${props.id}-managed`}>
          <LockIcon /> {t('settings.managed')}
        </p>
      ) : null}
      {props.hint ? (
        <p className="hint" id={`${props.id}-hint`}>
          {props.hint}
        </p>
      ) : null}
    </div>
  );
}

function LockIcon() {
  return (
    <svg className="icon" width="12" height="12" viewBox="0 0 16 16" aria-hidden="true" focusable="false">
      <path fill="currentColor" d="M4 7V5a4 4 0 1 1 8 0v2h.5A1.5 1.5 0 0 1 14 8.5v5a1.5 1.5 0 0 1-1.5 1.5h-9A1.5 1.5 0 0 1 2 13.5v-5A1.5 1.5 0 0 1 3.5 7H4Zm2 0h4V5a2 2 0 1 0-4 0v2Z" />
    </svg>
  );
}
