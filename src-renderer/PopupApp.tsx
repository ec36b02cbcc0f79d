// The screen-pop window of the Electron host (app://sidecall/index.html#popup):
// only the pop cards, in the theme and language of Settings. Main shows the
// window while a live call has `pop: true` and sizes it to the number of
// cards; this page just renders them, and keeps rendering while hidden so a
// card is already painted when the window appears.
import { useTranslation } from 'react-i18next';
import { CallCard } from './components/CallCard';
import { useAppState } from './hooks/use-app-state';
import { useCalls } from './hooks/use-calls';
import { useThemeLanguage } from './hooks/use-theme-language';
import './popup.css';

export function PopupApp() {
  const { t } = useTranslation();
  const state = useAppState();
  const calls = useCalls();
  useThemeLanguage(state.view?.settings, state.info);

  const popped = calls.live.filter((v) => v.pop);
  // The live region stays mounted (an empty one appearing with its content is not announced).
  return (
    <main className="popup-stack" aria-live="assertive" aria-label={t('call.incoming')} data-testid="popup">
      {popped.map((v) => (
        <CallCard key={v.call.id} view={v} variant="pop" demo={calls.demo} />
      ))}
    </main>
  );
}
