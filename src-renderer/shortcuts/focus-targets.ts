// Where the transfer and dial-pad shortcuts put the keyboard focus. The fields
// belong to CallControls and DialPad; they are found by the data-testid those
// components already carry (the e2e tests rely on the same names), so the
// shortcuts need no hooks inside them.
const SELECTORS = {
  dialPad: '[data-testid="dial-input"]',
  transferToggle: '[data-testid="ctl-transfer"]',
  transferField: '[data-testid="transfer-target"]',
} as const;

/**
 * Puts the keyboard on the ringing call (a click on the incoming-call
 * notification) after the next paint (the page may switch first): its first
 * button, else the card itself; `onNone` when no call rings by then.
 */
export function focusRingingCall(onNone: () => void): void {
  requestAnimationFrame(() => {
    const card = document.querySelector<HTMLElement>('article[data-state="ringing"]');
    if (!card) return onNone();
    const button = card.querySelector<HTMLButtonElement>('button:not([disabled])');
    if (button) return button.focus();
    card.tabIndex = -1;
    card.focus();
  });
}

/** Focuses the field after the next paint (a page switch or an opened form renders first); false when there is nothing to focus. */
export function focusTarget(target: 'transfer' | 'dialPad'): boolean {
  if (target === 'transfer') {
    const toggle = document.querySelector<HTMLButtonElement>(SELECTORS.transferToggle);
    if (!toggle) return false;
    if (toggle.getAttribute('aria-expanded') !== 'true') toggle.click();
  }
  const selector = target === 'dialPad' ? SELECTORS.dialPad : SELECTORS.transferField;
  requestAnimationFrame(() => document.querySelector<HTMLInputElement>(selector)?.focus());
  return true;
}
