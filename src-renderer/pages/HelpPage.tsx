// Help: every keyboard shortcut (as this platform writes it), how to use the
// app without a mouse or with a screen reader, and "Copy diagnostics" for
// support (collected by main without secrets: `diagnostics.collect`).
import { useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { AppInfo } from '../../src-shared/ipc/contract';
import { sidecall } from '../bridge';
import { toRequestError } from '../bridge/request-error';
import { SHORTCUT_ACTIONS, ariaKeyShortcuts, shortcutLabel } from '../shortcuts/keymap';
import { useShortcuts } from '../shortcuts/ShortcutsProvider';

export function HelpPage(props: { readonly info: AppInfo | undefined }) {
  const { t } = useTranslation();
  const { mac, announce } = useShortcuts();
  const [report, setReport] = useState<string>();
  const [state, setState] = useState<'idle' | 'busy' | 'copied' | 'shown'>('idle');
  const [error, setError] = useState<string>();
  const area = useRef<HTMLTextAreaElement>(null);

  async function copyDiagnostics(): Promise<void> {
    setState('busy');
    setError(undefined);
    try {
      const { text } = await sidecall().request('diagnostics.collect', {});
      setReport(text);
      try {
        await navigator.clipboard.writeText(text);
        setState('copied');
        announce(t('help.diagnostics.copied'));
      } catch {
        // No clipboard permission (an old browser, a locked-down desk): the text is shown selected instead.
        setState('shown');
        requestAnimationFrame(() => area.current?.select());
      }
    } catch (e) {
      setError(toRequestError(e).message);
      setState('idle');
    }
  }

  return (
    <div className="stack">
      <h1 className="page-title">{t('help.title')}</h1>

      <section className="card" aria-labelledby="help-shortcuts">
        <h2 id="help-shortcuts" className="card-title">
          {t('help.shortcuts.title')}
        </h2>
        <table className="shortcut-table" data-testid="shortcut-table">
          <thead>
            <tr>
              <th scope="col">{t('help.shortcuts.action')}</th>
              <th scope="col">{t('help.shortcuts.keys')}</th>
            </tr>
          </thead>
          <tbody>
            {SHORTCUT_ACTIONS.map((a) => (
              <tr key={a} data-testid={`shortcut-${a}`}>
                <th scope="row">{t(`help.shortcuts.name.${a}`)}</th>
                <td>
                  <kbd className="key-cap" aria-label={ariaKeyShortcuts(a, mac)}>
                    {shortcutLabel(a, mac)}
                  </kbd>
                  <span className="muted small"> {t(`help.shortcuts.hint.${a}`)}</span>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </section>

      <section className="card" aria-labelledby="help-a11y">
        <h2 id="help-a11y" className="card-title">
          {t('help.a11y.title')}
        </h2>
        <ul>
          <li>{t('help.a11y.tab')}</li>
          <li>{t('help.a11y.incoming')}</li>
          <li>{t('help.a11y.shortcuts')}</li>
          <li>{t('help.a11y.tray')}</li>
        </ul>
      </section>

      <section className="card" aria-labelledby="help-diagnostics">
        <h2 id="help-diagnostics" className="card-title">
          {t('help.diagnostics.title')}
        </h2>
        <p className="muted">{t('help.diagnostics.text')}</p>
        <div className="actions">
          <button type="button" className="btn btn-secondary" disabled={state === 'busy'} onClick={() => void copyDiagnostics()} data-testid="copy-diagnostics">
            {state === 'busy' ? t('help.diagnostics.collecting') : t('help.diagnostics.copy')}
          </button>
          {state === 'copied' ? (
            <span className="ok-text" role="status" data-testid="diagnostics-copied">
              ✓ {t('help.diagnostics.copied')}
            </span>
          ) : null}
        </div>
        {error ? (
          <p className="error" role="alert">
            {error}
          </p>
        ) : null}
        {report !== undefined ? (
          <details open={state === 'shown'}>
            <summary>{state === 'shown' ? t('help.diagnostics.selectAndCopy') : t('help.diagnostics.show')}</summary>
            <textarea ref={area} className="diagnostics-text" readOnly value={report} aria-label={t('help.diagnostics.title')} data-testid="diagnostics-text" />
          </details>
        ) : null}
      </section>

      {props.info ? (
        <p className="muted small" data-testid="help-about">
          {t('help.about', { name: props.info.name, version: props.info.version, platform: props.info.platform })}
        </p>
      ) : null}
    </div>
  );
}
