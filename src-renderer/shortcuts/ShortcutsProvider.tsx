// Keyboard shortcuts and spoken feedback for the main window: one keydown
// listener mapping keys to actions (keymap.ts), the default call actions
// (call-commands.ts) registered once, and two visually hidden live regions:
// a polite one for what a shortcut did (or why it could not) and an assertive
// one that announces an incoming call to a screen reader the moment it rings,
// whatever has focus. Parts of the UI add their own handlers with useShortcut.
// The Electron host's system-wide answer/hang-up shortcuts arrive as the
// `ui.shortcut` event and run through the same registry as the keys here.
import { createContext, useContext, useEffect, useMemo, useRef, useState, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import type { CallsView } from '../../src-shared/domain/calls-view';
import { sidecall } from '../bridge';
import { toRequestError } from '../bridge/request-error';
import { callCommand, ringingCall, type CallCommand } from './call-commands';
import { SHORTCUT_ACTIONS, matchShortcut, type ShortcutAction } from './keymap';
import { createShortcutRegistry, type ShortcutHandler, type ShortcutRegistry } from './shortcut-registry';
import { focusRingingCall, focusTarget } from './focus-targets';
import './shortcuts.css';

interface ShortcutsContext {
  readonly registry: ShortcutRegistry;
  /** Says `text` through the polite live region. */
  readonly announce: (text: string) => void;
  readonly mac: boolean;
}

const Ctx = createContext<ShortcutsContext | null>(null);

/** Registers `handler` for `action` while the component is mounted (newest wins; return false to pass it on). */
export function useShortcut(action: ShortcutAction, handler: ShortcutHandler, enabled = true): void {
  const ctx = useContext(Ctx);
  const ref = useRef(handler);
  useEffect(() => {
    ref.current = handler;
  });
  useEffect(() => {
    if (!ctx || !enabled) return undefined;
    return ctx.registry.register(action, () => ref.current());
  }, [ctx, action, enabled]);
}

/** The polite announcer and the platform, for components that say what they did. */
export function useShortcuts(): Pick<ShortcutsContext, 'announce' | 'mac'> {
  const ctx = useContext(Ctx);
  return { announce: ctx?.announce ?? (() => undefined), mac: ctx?.mac ?? false };
}

/** Live-region text that is re-read even when the same words come twice (the empty step makes it a change). */
function useLiveText(): [string, (text: string) => void] {
  const [text, setText] = useState('');
  const say = useMemo(
    () => (next: string) => {
      setText('');
      requestAnimationFrame(() => setText(next));
    },
    [],
  );
  return [text, say];
}

export function ShortcutsProvider(props: {
  readonly calls: CallsView;
  readonly mac: boolean;
  readonly navigate: (page: 'home' | 'help') => void;
  readonly callerName: (calls: CallsView) => string | undefined;
  readonly children: ReactNode;
}) {
  const { t } = useTranslation();
  const registry = useMemo(() => createShortcutRegistry(), []);
  const [polite, announce] = useLiveText();
  const [assertive, alert] = useLiveText();
  const latest = useRef(props);
  useEffect(() => {
    latest.current = props;
  });

  // The defaults, registered once (first = lowest priority) and reading the newest calls through the ref.
  useEffect(() => {
    const run = (command: CallCommand): void => {
      switch (command.kind) {
        case 'unavailable':
          announce(t(`shortcuts.unavailable.${command.reason}`));
          return;
        case 'navigate':
          latest.current.navigate(command.page);
          return;
        case 'focus':
          if (command.target === 'dialPad') latest.current.navigate('home');
          if (!focusTarget(command.target)) announce(t('shortcuts.unavailable.noCall'));
          return;
        case 'request':
          sidecall()
            .request(command.channel, command.payload as never)
            .then(
              () => announce(t(`shortcuts.done.${command.channel === 'calls.record' ? `record.${command.payload.action}` : command.channel}`)),
              (error: unknown) => announce(toRequestError(error).message),
            );
          return;
      }
    };
    const offs = SHORTCUT_ACTIONS.map((action) => registry.register(action, () => run(callCommand(action, latest.current.calls))));
    return () => offs.forEach((off) => off());
  }, [registry, announce, t]);

  useEffect(() => {
    const onKey = (ev: KeyboardEvent): void => {
      const action = matchShortcut(ev, latest.current.mac);
      if (!action) return;
      // Ours, even where the browser has a meaning for it (Ctrl+Shift+R reload, F1 help).
      ev.preventDefault();
      registry.run(action);
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [registry]);

  // From the Electron host: a system-wide shortcut (the same action as the key here), or the incoming-call notification.
  useEffect(
    () =>
      sidecall().on('ui.shortcut', ({ action }) => {
        if (action !== 'focusCall') {
          registry.run(action);
          return;
        }
        latest.current.navigate('home');
        focusRingingCall(() => announce(t('shortcuts.unavailable.noRinging')));
      }),
    [registry, announce, t],
  );

    // A ringing call is said once, when it starts ringing.
  const announced = useRef(new Set<string>());
  const ringing = ringingCall(props.calls);
  useEffect(() => {
    if (!ringing || announced.current.has(ringing.call.id)) return;
    announced.current.add(ringing.call.id);
    alert(t('shortcuts.incoming', { who: latest.current.callerName(latest.current.calls) ?? t('call.hiddenNumber') }));
  }, [ringing, alert, t]);

  const value = useMemo(() => ({ registry, announce, mac: props.mac }), [registry, announce, props.mac]);
  return (
    <Ctx.Provider value={value}>
      {props.children}
      <div className="sr-only" role="status" aria-live="polite" data-testid="live-polite">
        {polite}
      </div>
      <div className="sr-only" aria-live="assertive" aria-atomic="true" data-testid="live-incoming">
        {assertive}
      </div>
    </Ctx.Provider>
  );
}
