// The diagnostics report's scrubbing, piece by piece.
import { describe, expect, it } from 'vitest';
import { diagnosticsReport, scrubText, secretValues, DIAGNOSTICS_LOG_LINES } from '../../../src-main/core/diagnostics/report';

describe('scrubText', () => {
  it('cuts user:password@ from URLs and token-like query values', () => {
    expect(scrubText('see https://bob:hunter22@pbx.example.com:8089/ws and wss://x@h/', [])).toBe('see https://[redacted]@pbx.example.com:8089/ws and wss://[redacted]@h/');
    expect(scrubText('GET /api?apikey=AAA&page=2&access_token=BBB#x', [])).toBe('GET /api?apikey=[redacted]&page=2&access_token=[redacted]#x');
  });

  it('replaces known secret values wherever they appear, longest first, ignoring trivially short ones', () => {
    expect(scrubText('a=abcd1234, b=abcd1234xyz, c=ab', ['abcd1234', 'abcd1234xyz', 'ab'])).toBe('a=[redacted], b=[redacted], c=ab');
  });
});

describe('secretValues', () => {
  it('takes a token set apart so each token is scrubbed on its own', () => {
    expect(secretValues(JSON.stringify({ access_token: 'access-token-123456', nested: { refresh: 'refresh-token-654321' }, token_type: 'Bearer' }))).toEqual([
      expect.any(String),
      'access-token-123456',
      'refresh-token-654321',
    ]);
    expect(secretValues('plain')).toEqual(['plain']);
  });
});

describe('diagnosticsReport', () => {
  it('redacts secret-looking keys in settings and states, and keeps only the newest log lines', () => {
    const log = Array.from({ length: DIAGNOSTICS_LOG_LINES + 5 }, (_, i) => ({ at: 0, level: 'info' as const, scope: 's', message: `line ${i}` }));
    const text = diagnosticsReport({
      generatedAt: 0,
      app: { name: 'Sidecall', version: '1.2.3' },
      settings: { pbx: { host: 'pbx' }, crm: { apiKey: 'k-1', clientSecret: 'cs-1' } },
      locked: [],
      problems: [],
      states: { session: { authorization: 'Bearer zzz' } },
      log,
      secrets: [],
    });
    expect(text).not.toMatch(/k-1|cs-1|Bearer zzz/);
    expect(text).toContain('"apiKey": "[redacted]"');
    expect(text).not.toContain('"msg":"line 4"');
    expect(text).toContain('"msg":"line 5"');
    expect(text).toContain(`"msg":"line ${DIAGNOSTICS_LOG_LINES + 4}"`);
  });
});
