// PKCE (RFC 7636) for the desktop sign-in: a fresh code_verifier per attempt and
// its S256 code_challenge, so an intercepted authorization code is useless
// without the verifier that never left this process.
import { createHash, randomBytes } from 'node:crypto';

const VERIFIER = /^[A-Za-z0-9\-._~]{43,128}$/;

export interface PkcePair {
  readonly verifier: string;
  readonly challenge: string;
  readonly method: 'S256';
}

/** True for a verifier RFC 7636 4.1 allows: 43-128 unreserved characters. */
export function isValidVerifier(verifier: string): boolean {
  return VERIFIER.test(verifier);
}

/** BASE64URL(SHA256(ASCII(verifier))) without padding (RFC 7636 4.2). */
export function s256Challenge(verifier: string): string {
  if (!isValidVerifier(verifier)) throw new Error('A PKCE code_verifier is 43-128 characters of A-Z a-z 0-9 - . _ ~');
  return createHash('sha256').update(verifier, 'ascii').digest('base64url');
}

/** A verifier from `bytes` random bytes (32 -> 43 characters, the RFC's recommendation) and its challenge. */
export function createPkcePair(bytes = 32): PkcePair {
  const n = Math.min(96, Math.max(32, Math.floor(bytes)));
  const verifier = randomBytes(n).toString('base64url');
  return { verifier, challenge: s256Challenge(verifier), method: 'S256' };
}
