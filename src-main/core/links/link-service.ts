// tel:/callto:/sip: links from anywhere on the desktop (the OS protocol
// handler, or browser mode's registerProtocolHandler). A link never dials
// silently unless the operator chose that in Settings: it becomes a pending
// confirmation the UI shows with "Call" focused. Every link is validated by
// src-shared/telephony before anything else looks at it.
import { randomBytes } from 'node:crypto';
import type { DisplayNumber } from '../../../src-shared/domain/calls-view';
import { dialTargetFromLink, messages } from '../../../src-shared/telephony';
import { AppError } from '../../../src-shared/errors';
import type { Clock, Logger, TimerHandle } from '../../ports';

export interface PendingLink {
  readonly id: string;
  readonly number: DisplayNumber;
  readonly scheme: string;
  /** What will be dialled (validated). */
  readonly dial: string;
}

export interface LinkServiceDeps {
  readonly clock: Clock;
  readonly log: Logger;
  readonly numbers: () => { readonly defaultRegion: string; readonly rules: readonly { readonly pattern: string; readonly replacement: string }[] };
  readonly confirm: () => boolean;
  readonly dial: (number: string) => Promise<unknown>;
  readonly pending: (link: PendingLink) => void;
}

export interface LinkService {
  /** A link arrived: refuse it with a clear error, ask the operator, or dial it (setting). */
  open(uri: string): Promise<{ readonly status: 'pending' | 'dialled'; readonly id?: string }>;
  /** The operator answered the confirmation. */
  answer(id: string, accept: boolean): Promise<void>;
  dispose(): void;
}

/** A confirmation nobody answers expires, so a stale card cannot dial later. */
const PENDING_TTL_MS = 2 * 60_000;

export function createLinkService(deps: LinkServiceDeps): LinkService {
  const pending = new Map<string, { link: PendingLink; timer: TimerHandle }>();

  return {
    async open(uri) {
      const numbers = deps.numbers();
      const parsed = dialTargetFromLink(uri, { defaultRegion: numbers.defaultRegion, rules: numbers.rules });
      if (!parsed.ok) {
        // Never log the link itself: it is untrusted input (and may carry a customer's number).
        deps.log.warn('refused a call link', { code: parsed.error.code });
        throw new AppError('ipc.invalidRequest', `This link cannot be called: ${messages.en[parsed.error.code]}`, { issues: [{ path: 'uri', message: messages.en[parsed.error.code] }] });
      }
      const t = parsed.target;
      const number: DisplayNumber = { display: t.display, ...(t.e164 ? { e164: t.e164 } : {}), kind: t.kind === 'short' ? 'short' : t.kind };
      const dial = t.e164 ?? t.dial;
      if (!deps.confirm()) {
        await deps.dial(dial);
        return { status: 'dialled' };
      }
      const id = randomBytes(8).toString('hex');
      const link: PendingLink = { id, number, scheme: parsed.link.scheme, dial };
      const timer = deps.clock.setTimeout(() => pending.delete(id), PENDING_TTL_MS);
      pending.set(id, { link, timer });
      deps.pending(link);
      return { status: 'pending', id };
    },
    async answer(id, accept) {
      const p = pending.get(id);
      if (!p) throw new AppError('ipc.invalidRequest', 'This call link has expired; open it again.');
      pending.delete(id);
      deps.clock.clearTimeout(p.timer);
      if (accept) await deps.dial(p.link.dial);
    },
    dispose() {
      for (const p of pending.values()) deps.clock.clearTimeout(p.timer);
      pending.clear();
    },
  };
}
