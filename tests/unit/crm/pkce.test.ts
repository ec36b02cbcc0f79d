// PKCE (RFC 7636) and the OAuth state: the RFC's own test vector, the verifier
// alphabet and length, and the pasted-code parser of the paste fallback.
import { describe, expect, it } from 'vitest';
import { createPkcePair, isValidVerifier, s256Challenge } from '../../../src-main/core/crm/oauth/pkce';
import { createState, stateMatches } from '../../../src-main/core/crm/oauth/state';
import { parsePastedCode } from '../../../src-main/core/crm/oauth/authorization';

describe('PKCE', () => {
  it('matches RFC 7636 appendix B', () => {
    expect(s256Challenge('dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk')).toBe('E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM');
  });

  it('creates 43-character verifiers of the unreserved alphabet, each with its own challenge', () => {
    const pairs = Array.from({ length: 50 }, () => createPkcePair());
    for (const p of pairs) {
      expect(p.verifier).toMatch(/^[A-Za-z0-9\-._~]{43}$/);
      expect(p.method).toBe('S256');
      expect(p.challenge).toBe(s256Challenge(p.verifier));
      expect(p.challenge).toMatch(/^[A-Za-z0-9_-]{43}$/);
    }
    expect(new Set(pairs.map((p) => p.verifier)).size).toBe(50);
    expect(createPkcePair(96).verifier).toHaveLength(128);
  });

  it('refuses verifiers outside 43-128 unreserved characters', () => {
    expect(isValidVerifier('a'.repeat(43))).toBe(true);
    expect(isValidVerifier('a'.repeat(128))).toBe(true);
    expect(isValidVerifier('a'.repeat(42))).toBe(false);
    expect(isValidVerifier('a'.repeat(129))).toBe(false);
    expect(isValidVerifier(`${'a'.repeat(42)}+`)).toBe(false);
    expect(() => s256Challenge('short')).toThrow(/43-128/);
  });
});

describe('state', () => {
  it('is unguessable and compared exactly', () => {
    const a = createState();
    expect(a).toMatch(/^[A-Za-z0-9_-]{32}$/);
    expect(createState()).not.toBe(a);
    expect(stateMatches(a, a)).toBe(true);
    expect(stateMatches(a, `${a}x`)).toBe(false);
    expect(stateMatches(a, `${a.slice(0, -1)}${a.endsWith('A') ? 'B' : 'A'}`)).toBe(false);
    expect(stateMatches(a, undefined)).toBe(false);
    expect(stateMatches(a, null)).toBe(false);
  });
});

describe('pasted codes', () => {
  it('takes a bare code, a full redirect address, a query string, or a code in the fragment', () => {
    expect(parsePastedCode('  def50200a1b2c3  ')).toEqual({ code: 'def50200a1b2c3', params: { code: 'def50200a1b2c3' } });
    expect(parsePastedCode('https://example.com/cb?code=abc123&state=xyz&referer=example.amocrm.ru')).toEqual({
      code: 'abc123',
      params: { code: 'abc123', state: 'xyz', referer: 'example.amocrm.ru' },
    });
    expect(parsePastedCode('code=abc123&domain=portal.bitrix24.ru')?.params).toEqual({ code: 'abc123', domain: 'portal.bitrix24.ru' });
    expect(parsePastedCode('"http://127.0.0.1:17345/callback#code=frag1&state=s"')?.code).toBe('frag1');
  });

  it('refuses text that carries no code', () => {
    expect(parsePastedCode('')).toBeUndefined();
    expect(parsePastedCode('two words')).toBeUndefined();
    expect(parsePastedCode('https://example.com/cb?error=access_denied')).toBeUndefined();
    expect(parsePastedCode('abc')).toBeUndefined();
  });
});
