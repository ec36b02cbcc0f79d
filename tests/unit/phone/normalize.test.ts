// Number normalization: a table of formats seen on real PBXes, trunks and CRMs
// (RU, UA, KZ, BY, international, extensions, short numbers, garbage), the
// operator's rewrite rules, and the validation Settings shows for bad rules.
import { describe, expect, it } from 'vitest';
import { applyRewriteRules, compileRewriteRules, digitValue, foldDigits, normalizeNumber, validateRewriteRules } from '../../../src-shared/phone';
import type { NormalizedNumber, RewriteRule } from '../../../src-shared/phone';

interface Row {
  readonly input: string;
  readonly region?: string;
  readonly expected: NormalizedNumber;
}

const ivanMobile: NormalizedNumber = { e164: '+79161234567', national: '8 (916) 123-45-67', digits: '79161234567', kind: 'external', country: 'RU' };
const moscowFixed: NormalizedNumber = { e164: '+74951234567', national: '8 (495) 123-45-67', digits: '74951234567', kind: 'external', country: 'RU' };

const table: readonly Row[] = [
  // Russia: the four spellings of one mobile number from the issue, and more.
  { input: '89161234567', region: 'RU', expected: ivanMobile },
  { input: '+7 916 123-45-67', region: 'RU', expected: ivanMobile },
  { input: '79161234567', region: 'RU', expected: ivanMobile },
  { input: '8 (916) 123-45-67', region: 'RU', expected: ivanMobile },
  { input: '9161234567', region: 'RU', expected: ivanMobile },
  { input: '+7(916)1234567', region: 'RU', expected: ivanMobile },
  { input: '8-916-123-45-67', region: 'RU', expected: ivanMobile },
  { input: '8 916 123 45 67', region: 'ru', expected: ivanMobile },
  { input: '+7\u00A0916\u00A0123\u201245\u201367', region: 'RU', expected: ivanMobile },
  { input: '+7 916 123.45.67', region: 'RU', expected: ivanMobile },
  { input: '84951234567', region: 'RU', expected: moscowFixed },
  { input: '+7 (495) 123-45-67', region: 'RU', expected: moscowFixed },
  // International prefixes: RU's own 810, and the 00 most trunks use.
  { input: '810 44 20 7946 0958', region: 'RU', expected: { e164: '+442079460958', national: '020 7946 0958', digits: '442079460958', kind: 'external', country: 'GB' } },
  { input: '0044 20 7946 0958', region: 'RU', expected: { e164: '+442079460958', national: '020 7946 0958', digits: '442079460958', kind: 'external', country: 'GB' } },
  // Ukraine.
  { input: '+380 44 123 4567', region: 'RU', expected: { e164: '+380441234567', national: '044 123 4567', digits: '380441234567', kind: 'external', country: 'UA' } },
  { input: '044 123 45 67', region: 'UA', expected: { e164: '+380441234567', national: '044 123 4567', digits: '380441234567', kind: 'external', country: 'UA' } },
  { input: '050-123-45-67', region: 'UA', expected: { e164: '+380501234567', national: '050 123 4567', digits: '380501234567', kind: 'external', country: 'UA' } },
  // A trunk that sends the international number without "+" is not guessed at (see the rules below).
  { input: '380501234567', region: 'RU', expected: { digits: '380501234567', kind: 'invalid', reason: 'invalidLength' } },
  // Kazakhstan shares +7 with Russia; the number itself says which.
  { input: '+7 701 123 4567', region: 'RU', expected: { e164: '+77011234567', national: '8 (701) 123 4567', digits: '77011234567', kind: 'external', country: 'KZ' } },
  { input: '8 701 123 45 67', region: 'KZ', expected: { e164: '+77011234567', national: '8 (701) 123 4567', digits: '77011234567', kind: 'external', country: 'KZ' } },
  { input: '87011234567', region: 'RU', expected: { e164: '+77011234567', national: '8 (701) 123 4567', digits: '77011234567', kind: 'external', country: 'KZ' } },
  // Belarus: national prefix "8 0".
  { input: '+375 29 123-45-67', region: 'RU', expected: { e164: '+375291234567', national: '8 029 123-45-67', digits: '375291234567', kind: 'external', country: 'BY' } },
  { input: '8 029 123-45-67', region: 'BY', expected: { e164: '+375291234567', national: '8 029 123-45-67', digits: '375291234567', kind: 'external', country: 'BY' } },
  // Elsewhere.
  { input: '+1 (212) 555-0100', region: 'RU', expected: { e164: '+12125550100', national: '(212) 555-0100', digits: '12125550100', kind: 'external', country: 'US' } },
  { input: '+49 30 12345678', region: 'RU', expected: { e164: '+493012345678', national: '030 12345678', digits: '493012345678', kind: 'external', country: 'DE' } },
  { input: '+44 20 7946 0958', expected: { e164: '+442079460958', national: '020 7946 0958', digits: '442079460958', kind: 'external', country: 'GB' } },
  // Extensions after the number.
  { input: '+79161234567;ext=123', region: 'RU', expected: { ...ivanMobile, extension: '123' } },
  { input: '+7 916 123-45-67 доб. 123', region: 'RU', expected: { ...ivanMobile, extension: '123' } },
  { input: '8 (916) 123-45-67 доб 5', region: 'RU', expected: { ...ivanMobile, extension: '5' } },
  { input: '+7 916 123 45 67 ext. 42', region: 'RU', expected: { ...ivanMobile, extension: '42' } },
  { input: '89161234567 x12', region: 'RU', expected: { ...ivanMobile, extension: '12' } },
  { input: '+7 495 123-45-67, вн. 2040', region: 'RU', expected: { ...moscowFixed, extension: '2040' } },
  { input: 'tel:+7-916-123-45-67;ext=7', region: 'RU', expected: { ...ivanMobile, extension: '7' } },
  { input: 'sip:79161234567@pbx.example.com;user=phone', region: 'RU', expected: ivanMobile },
  // Short numbers and internal extensions.
  { input: '112', region: 'RU', expected: { digits: '112', kind: 'short' } },
  { input: '0911', region: 'RU', expected: { digits: '0911', kind: 'short' } },
  { input: '0500', region: 'RU', expected: { digits: '0500', kind: 'short' } },
  { input: '*8', region: 'RU', expected: { digits: '*8', kind: 'short', reason: 'featureCode' } },
  { input: '*72#', region: 'RU', expected: { digits: '*72#', kind: 'short', reason: 'featureCode' } },
  { input: '101', region: 'RU', expected: { digits: '101', kind: 'extension' } },
  { input: '2040', region: 'RU', expected: { digits: '2040', kind: 'extension' } },
  { input: '12345', region: 'RU', expected: { digits: '12345', kind: 'extension' } },
  // Digits of other scripts (fullwidth from Japanese IMEs, Arabic-Indic, Persian, Devanagari).
  { input: '８９１６１２３４５６７', region: 'RU', expected: ivanMobile },
  { input: '٨٩١٦١٢٣٤٥٦٧', region: 'RU', expected: ivanMobile },
  { input: '+۷ ۹۱۶ ۱۲۳ ۴۵ ۶۷', region: 'RU', expected: ivanMobile },
  { input: '८९१६१२३४५६७', region: 'RU', expected: ivanMobile },
  { input: '１０１', region: 'RU', expected: { digits: '101', kind: 'extension' } },
  // A possible number in no known range: kept (metadata ages), but flagged.
  { input: '+7 000 000 00 00', region: 'RU', expected: { e164: '+70000000000', national: '0000000000', digits: '70000000000', kind: 'external', reason: 'unverified' } },
  // Nothing usable.
  { input: '', region: 'RU', expected: { digits: '', kind: 'invalid', reason: 'empty' } },
  { input: '   ', region: 'RU', expected: { digits: '', kind: 'invalid', reason: 'empty' } },
  { input: '()-', region: 'RU', expected: { digits: '', kind: 'invalid', reason: 'empty' } },
  { input: '<unknown>', region: 'RU', expected: { digits: '', kind: 'invalid', reason: 'hidden' } },
  { input: 'anonymous', region: 'RU', expected: { digits: '', kind: 'invalid', reason: 'hidden' } },
  { input: 'Anonymous', region: 'RU', expected: { digits: '', kind: 'invalid', reason: 'hidden' } },
  { input: 'Ivan Petrov', region: 'RU', expected: { digits: '', kind: 'invalid', reason: 'notANumber' } },
  { input: '8916abc4567', region: 'RU', expected: { digits: '89164567', kind: 'invalid', reason: 'notANumber' } },
  { input: '+7 916', region: 'RU', expected: { digits: '7916', kind: 'invalid', reason: 'tooShort' } },
  { input: '1234567', region: 'RU', expected: { digits: '1234567', kind: 'invalid', reason: 'tooShort' } },
  { input: '+999 123 456', region: 'RU', expected: { digits: '999123456', kind: 'invalid', reason: 'invalidCountry' } },
  { input: '123456789012345678901', region: 'RU', expected: { digits: '123456789012345678901', kind: 'invalid', reason: 'tooLong' } },
  { input: '9'.repeat(200), region: 'RU', expected: { digits: '', kind: 'invalid', reason: 'tooLong' } },
];

describe('normalizeNumber', () => {
  it.each(table)('$input ($region)', ({ input, region, expected }) => {
    expect(normalizeNumber(input, region === undefined ? {} : { defaultRegion: region })).toEqual(expected);
  });

  it('treats an unknown default region as none (numbers need a +)', () => {
    expect(normalizeNumber('+79161234567', { defaultRegion: 'XX' })).toEqual(ivanMobile);
    expect(normalizeNumber('89161234567', { defaultRegion: 'XX' }).kind).not.toBe('external');
  });

  it('lets settings change what counts as an extension or a short number', () => {
    expect(normalizeNumber('101', { defaultRegion: 'RU', shortNumbers: ['101'] })).toEqual({ digits: '101', kind: 'short' });
    expect(normalizeNumber('123456', { defaultRegion: 'RU', extensionPattern: /^\d{6}$/ })).toEqual({ digits: '123456', kind: 'extension' });
  });
});

describe('rewrite rules', () => {
  const outsideLine: readonly RewriteRule[] = [
    // "9" for an outside line, then the 11-digit national number.
    { pattern: '^9(\\d{11})$', replacement: '$1' },
  ];

  it('strips a PBX outside-line prefix before parsing', () => {
    expect(normalizeNumber('989161234567', { defaultRegion: 'RU', rules: outsideLine })).toEqual(ivanMobile);
    // Without the rule the same digits are no number at all.
    expect(normalizeNumber('989161234567', { defaultRegion: 'RU' }).kind).not.toBe('external');
  });

  it('applies rules in order, each to the output of the previous one', () => {
    const rules: readonly RewriteRule[] = [
      { pattern: '^0(\\d{11})$', replacement: '$1' }, // a trunk's leading 0 ...
      { pattern: '^8(\\d{10})$', replacement: '+7$1' }, // ... then 8 -> +7 by rule, not by the library
    ];
    expect(applyRewriteRules('089161234567', compileRewriteRules(rules))).toBe('+79161234567');
    expect(normalizeNumber('0 8 (916) 123-45-67', { defaultRegion: 'RU', rules })).toEqual(ivanMobile);
  });

  it('completes a city number that arrives without its area code', () => {
    const rules: readonly RewriteRule[] = [{ pattern: '^(\\d{7})$', replacement: '8495$1' }];
    expect(normalizeNumber('1234567', { defaultRegion: 'RU', rules })).toEqual(moscowFixed);
    // Extensions (2-5 digits) are untouched by this rule.
    expect(normalizeNumber('101', { defaultRegion: 'RU', rules })).toEqual({ digits: '101', kind: 'extension' });
  });

  it('sees the compact form (+ and digits only) and named groups work', () => {
    const rules: readonly RewriteRule[] = [{ pattern: '^\\+?7(?<rest>9\\d{9})$', replacement: '8$<rest>' }];
    expect(applyRewriteRules('+79161234567', compileRewriteRules(rules))).toBe('89161234567');
    expect(normalizeNumber('+7 916 123-45-67', { defaultRegion: 'RU', rules })).toEqual(ivanMobile);
  });

  it('keeps the extension out of the rules and puts it back on the result', () => {
    expect(normalizeNumber('989161234567 доб. 12', { defaultRegion: 'RU', rules: outsideLine })).toEqual({ ...ivanMobile, extension: '12' });
  });

  it('adds the + a trunk leaves off international numbers', () => {
    const rules: readonly RewriteRule[] = [{ pattern: '^(380\\d{9})$', replacement: '+$1' }];
    expect(normalizeNumber('380501234567', { defaultRegion: 'RU', rules })).toEqual({ e164: '+380501234567', national: '050 123 4567', digits: '380501234567', kind: 'external', country: 'UA' });
  });

  it('skips an invalid rule at run time instead of failing the call', () => {
    const rules: readonly RewriteRule[] = [{ pattern: '(', replacement: '' }, ...outsideLine];
    expect(normalizeNumber('989161234567', { defaultRegion: 'RU', rules })).toEqual(ivanMobile);
  });

  it('a rule that rewrites a number into letters makes it invalid, not a crash', () => {
    const rules: readonly RewriteRule[] = [{ pattern: '^(\\d+)$', replacement: 'n$1' }];
    expect(normalizeNumber('89161234567', { defaultRegion: 'RU', rules })).toEqual({ digits: '89161234567', kind: 'invalid', reason: 'notANumber' });
  });
});

describe('validateRewriteRules', () => {
  it('accepts good rules', () => {
    expect(validateRewriteRules([])).toEqual([]);
    expect(
      validateRewriteRules([
        { pattern: '^9(\\d{11})$', replacement: '$1' },
        { pattern: '^8(\\d{10})$', replacement: '+7$1' },
        { pattern: '^(?<n>\\d{7})$', replacement: '8495$<n>' },
        { pattern: '^(\\d)(\\d)(\\d)(\\d)(\\d)(\\d)(\\d)(\\d)(\\d)(\\d)(\\d)$', replacement: '$11$10' },
        { pattern: '^00', replacement: '+' },
      ]),
    ).toEqual([]);
  });

  it('reports each bad rule with its index, field and code', () => {
    const errors = validateRewriteRules([
      { pattern: '', replacement: '$1' },
      { pattern: '^9(\\d+', replacement: '$1' },
      { pattern: `^${'9'.repeat(200)}`, replacement: '' },
      { pattern: '^9(\\d+)$', replacement: '$2' },
      { pattern: '^9(?<rest>\\d+)$', replacement: '$<tail>' },
      { pattern: '^9(\\d+)$', replacement: 'x'.repeat(201) },
      { pattern: '\\d*', replacement: '' },
      { pattern: '^8', replacement: '$0' },
      { pattern: '^9(\\d+)$', replacement: '$1' },
    ]);
    expect(errors.map(({ index, field, code }) => ({ index, field, code }))).toEqual([
      { index: 0, field: 'pattern', code: 'empty' },
      { index: 1, field: 'pattern', code: 'invalidRegex' },
      { index: 2, field: 'pattern', code: 'tooLong' },
      { index: 3, field: 'replacement', code: 'unknownGroup' },
      { index: 4, field: 'replacement', code: 'unknownGroup' },
      { index: 5, field: 'replacement', code: 'tooLong' },
      { index: 6, field: 'pattern', code: 'matchesEmpty' },
      { index: 7, field: 'replacement', code: 'unknownGroup' },
    ]);
    for (const e of errors) expect(e.message.length).toBeGreaterThan(0);
  });

  it('a pattern of exactly 200 characters is allowed', () => {
    expect(validateRewriteRules([{ pattern: `^${'9'.repeat(199)}`, replacement: '' }])).toEqual([]);
  });
});

describe('digit folding', () => {
  it('maps decimal digits of any script to ASCII and keeps everything else', () => {
    expect(foldDigits('٠١٢٣٤٥٦٧٨٩ ۰۱۲۳۴۵۶۷۸۹ ０１２３４５６７８９')).toBe('0123456789 0123456789 0123456789');
    expect(foldDigits('доб. ４２')).toBe('доб. 42');
    expect(foldDigits('plain 123')).toBe('plain 123');
  });

  it('reads mathematical digits, whose runs of ten follow each other', () => {
    // U+1D7CE MATHEMATICAL BOLD DIGIT ZERO ... U+1D7FF MATHEMATICAL MONOSPACE DIGIT NINE.
    expect(digitValue(0x1d7ce)).toBe(0);
    expect(digitValue(0x1d7d7)).toBe(9);
    expect(digitValue(0x1d7d8)).toBe(0);
    expect(digitValue(0x1d7ff)).toBe(9);
    expect(digitValue('a'.codePointAt(0) ?? 0)).toBeUndefined();
    expect(digitValue('½'.codePointAt(0) ?? 0)).toBeUndefined();
  });
});
