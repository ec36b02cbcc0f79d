// The plumbing every Settings form shares: the draft, its field errors, the
// form-level error and the Save state. `submit` validates the draft, saves it
// through `settings.update` and puts main's field issues back next to the
// fields; each form keeps its own draft shape, validation and issue mapping.
import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import type { Issue } from '../../src-shared/errors';
import type { RequestOf, SettingsView } from '../../src-shared/ipc/contract';
import { sidecall } from '../bridge';
import { toRequestError } from '../bridge/request-error';
import type { SaveState } from '../components/FormFooter';

export type FieldErrors = Readonly<Record<string, string | undefined>>;

export interface SettingsFormSpec<D> {
  readonly initial: () => D;
  /** Field errors of a draft; Save goes ahead only when none is set. */
  readonly validate: (draft: D) => FieldErrors;
  /** The `settings.update` request for a valid draft. */
  readonly request: (draft: D) => RequestOf<'settings.update'>;
  /** The draft after a save, from what main now holds. */
  readonly fromSaved: (view: SettingsView) => D;
  /** Main's issues (paths like `patch.pbx.port`) as field errors. */
  readonly issueErrors: (issues: readonly Issue[]) => FieldErrors;
  readonly onSaved: (view: SettingsView) => void;
}

export function useSettingsForm<D>(spec: SettingsFormSpec<D>) {
  const { t } = useTranslation();
  const [draft, setDraft] = useState<D>(spec.initial);
  const [errors, setErrors] = useState<FieldErrors>({});
  const [formError, setFormError] = useState<string>();
  const [state, setState] = useState<SaveState>('idle');

  const showFailure = (error: unknown): void => setFormError(t('settings.error.generic', { message: toRequestError(error).message }));

  /** A change to the draft: "Saved" goes away, and `clear` may drop the errors the change answers. */
  const edit = (fn: (d: D) => D, clear?: (e: FieldErrors) => FieldErrors): void => {
    setDraft(fn);
    setState('idle');
    if (clear) setErrors(clear);
  };

  async function submit(ev: FormEvent): Promise<void> {
    ev.preventDefault();
    const found = spec.validate(draft);
    setErrors(found);
    setFormError(undefined);
    if (Object.values(found).some((v) => v !== undefined)) return;
    setState('saving');
    try {
      const next = await sidecall().request('settings.update', spec.request(draft));
      spec.onSaved(next);
      setDraft(spec.fromSaved(next));
      setErrors({});
      setState('saved');
    } catch (error) {
      setErrors(spec.issueErrors(toRequestError(error).issues));
      showFailure(error);
      setState('idle');
    }
  }

  /** A one-off update outside the draft (clearing a stored secret); a failure shows as the form error. */
  async function updateNow(request: RequestOf<'settings.update'>): Promise<void> {
    try {
      spec.onSaved(await sidecall().request('settings.update', request));
    } catch (error) {
      showFailure(error);
    }
  }

  return { draft, errors, formError, state, edit, submit, updateNow };
}
