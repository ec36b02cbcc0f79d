// One labelled form field with its hint, error and "managed" state, so every
// field in Settings looks and behaves the same.
import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';

export function Field(props: {
  readonly id: string;
  readonly label: string;
  readonly error?: string | undefined;
  readonly hint?: string | undefined;
  readonly locked?: boolean;
  readonly children: ReactNode;
}) {
  const { t } = useTranslation();
  return (
    <div className={`field${props.error ? ' field-invalid' : ''}${props.locked ? ' field-locked' : ''}`}>
      <label htmlFor={props.id}>{props.label}</label>
      {props.children}
      {props.locked ? <p className="hint" id={`${props.id}-managed`}>🔒 {t('settings.managed')}</p> : null}
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
