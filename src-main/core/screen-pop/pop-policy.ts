// Pure screen-pop rules: which number to show and look up for a call, and
// whether its card should be up now (per Settings -> Screen pop).
import type { Call } from '../../../src-shared/domain/call';
import type { DisplayNumber } from '../../../src-shared/domain/calls-view';
import type { NumberSettings, ScreenPopSettings } from '../../../src-shared/domain/settings';
import { normalizeNumber, type NormalizedNumber } from '../../../src-shared/phone';

export function normalizeFor(raw: string | undefined, numbers: NumberSettings): NormalizedNumber | undefined {
  if (raw === undefined || raw.trim() === '') return undefined;
  return normalizeNumber(raw, { defaultRegion: numbers.defaultRegion, rules: numbers.rewriteRules });
}

/** How to show a number: national form for the home region, E.164 for abroad, as dialled otherwise. */
export function displayNumber(n: NormalizedNumber, raw: string, defaultRegion: string): DisplayNumber {
  if (n.kind === 'external' && n.e164) {
    const display = n.country === defaultRegion && n.national ? n.national : n.e164;
    return { display, e164: n.e164, kind: 'external' };
  }
  return { display: n.kind === 'invalid' ? raw : n.digits || raw, kind: n.kind };
}

/** Whether the card for this call should be showing now. */
export function shouldPop(call: Call, settings: ScreenPopSettings): boolean {
  if (settings.when === 'never') return false;
  if (call.direction === 'outbound') return false;
  if (settings.externalOnly && call.direction === 'internal') return false;
  if (call.state === 'ringing') return settings.when === 'ring';
  return call.state === 'connected' || call.state === 'onHold';
}
