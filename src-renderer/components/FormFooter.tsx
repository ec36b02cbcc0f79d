// The end of every settings form: the form-level error, the Save button and the
// "Saved" confirmation, so each Settings section ends the same way.
import { useTranslation } from 'react-i18next';

export type SaveState = 'idle' | 'saving' | 'saved';

export function FormFooter(props: {
  readonly state: SaveState;
  readonly error: string | undefined;
  /** Test ids: `<prefix>-save`, `<prefix>-saved`. */
  readonly idPrefix: string;
  readonly errorTestId: string;
  readonly saveLabel?: string;
  readonly savedLabel?: string;
}) {
  const { t } = useTranslation();
  return (
    <>
      {props.error ? (
        <div className="banner banner-error" role="alert" data-testid={props.errorTestId}>
          {props.error}
        </div>
      ) : null}
      <div className="actions">
        <button type="submit" className="btn btn-primary" disabled={props.state === 'saving'} data-testid={`${props.idPrefix}-save`}>
          {props.state === 'saving' ? t('settings.saving') : (props.saveLabel ?? t('settings.save'))}
        </button>
        {props.state === 'saved' ? (
          <span className="ok-text" role="status" data-testid={`${props.idPrefix}-saved`}>
            ✓ {props.savedLabel ?? t('settings.saved')}
          </span>
        ) : null}
      </div>
    </>
  );
}
