// The OAuth `state` of one sign-in attempt: unguessable, compared in constant
// time, so a redirect that this attempt did not start (CSRF, a stale tab) is refused.
import { randomBytes, timingSafeEqual } from 'node:crypto';

export function createState(): string {
  return randomBytes(24).toString('base64url');
}

export function stateMatches(expected: string, received: string | null | undefined): boolean {
  if (typeof received !== 'string') return false;
  const a = Buffer.from(expected, 'utf8');
  const b = Buffer.from(received, 'utf8');
  return a.length === b.length && timingSafeEqual(a, b);
}
