// Typed and pasted numbers (the dial pad, the clipboard, History, a CRM field):
// what parseDialTarget accepts and how it says to dial it, what it refuses and
// with which code; the settings it takes (region, rewrite rules, extension
// pattern, feature codes); and the CallerID name and channel checks.
import { describe, expect, it } from 'vitest';
import { messages, parseDialTarget, validateCallerIdName, validateChannelName } from '../../../src-shared/telephony';
import type { DialTarget, DialTargetErrorCode, DialTargetOptions } from '../../../src-shared/telephony';

const RU: DialTargetOptions = { defaultRegion: 'RU' };
const PAD: DialTargetOptions = { defaultRegion: 'RU', allowFeatureCodes: true };

const ivan: DialTarget = { kind: 'external', dial: '+79161234567', e164: '+79161234567', national: '89161234567', display: '8 (916) 123-45-67', country: 'RU' };
const ivanNational: DialTarget = { ...ivan, dial: '89161234567' };

interface Row {
  readonly input: string;
  readonly opts?: DialTargetOptions;
  readonly expected: DialTarget | DialTargetErrorCode;
}

const table: readonly Row[] = [
  { input: '89161234567', expected: ivanNational },
  { input: '+7 916 123-45-67', expected: ivan },
  { input: '8 (916) 123-45-67', expected: ivanNational },
  { input: '+7(916)1234567', expected: ivan },
  { input: '8-916-123-45-67', expected: ivanNational },
  { input: '+7.916.123.45.67', expected: ivan },
  { input: '  +79161234567  ', expected: ivan },
  { input: '+7\u00A0916\u00A0123\u201245\u201367', expected: ivan },
  { input: '+7\u2009916\u202F123\u2212 45\u201367', expected: ivan },
  { input: '+7 916 123-45-67 доб. 123', expected: { ...ivan, extension: '123' } },
  { input: '8 (916) 123-45-67 доб 5', expected: { ...ivanNational, extension: '5' } },
  { input: '+7 916 123 45 67 ext. 42', expected: { ...ivan, extension: '42' } },
  { input: '89161234567 x12', expected: { ...ivanNational, extension: '12' } },
  { input: '89161234567 ДОБ. 7', expected: { ...ivanNational, extension: '7' } },
  { input: '+79161234567;ext=7', expected: { ...ivan, extension: '7' } },
  { input: '+79161234567;EXT=1-2', expected: { ...ivan, extension: '12' } },
  {
    input: '+7 495 123-45-67, вн. 2040',
    expected: { kind: 'external', dial: '+74951234567', e164: '+74951234567', national: '84951234567', display: '8 (495) 123-45-67', country: 'RU', extension: '2040' },
  },
  { input: '101', expected: { kind: 'extension', dial: '101', display: '101' } },
  { input: '2040', expected: { kind: 'extension', dial: '2040', display: '2040' } },
  { input: '112', expected: { kind: 'short', dial: '112', display: '112' } },
  { input: '*72101', opts: PAD, expected: { kind: 'short', dial: '*72101', display: '*72101' } },
  { input: '*21*101#', opts: PAD, expected: { kind: 'short', dial: '*21*101#', display: '*21*101#' } },
  { input: '#31#', opts: PAD, expected: { kind: 'short', dial: '#31#', display: '#31#' } },
  { input: '\uFF0A\uFF18', opts: PAD, expected: { kind: 'short', dial: '*8', display: '*8' } }, // fullwidth ＊８
  // Digits of other scripts.
  { input: '\u0668\u0669\u0661\u0666\u0661\u0662\u0663\u0664\u0665\u0666\u0667', expected: ivanNational },
  { input: '\uFF18\uFF19\uFF11\uFF16\uFF11\uFF12\uFF13\uFF14\uFF15\uFF16\uFF17', expected: ivanNational },
  { input: '\uFF0B\uFF17\u3000\uFF19\uFF11\uFF16\u3000\uFF11\uFF12\uFF13\u3000\uFF14\uFF15\u3000\uFF16\uFF17', expected: ivan },
  { input: '+\u06F7 \u06F9\u06F1\u06F6 \u06F1\u06F2\u06F3 \u06F4\u06F5 \u06F6\u06F7', expected: ivan },
  { input: '\u096E\u096F\u0967\u096C\u0967\u0968\u0969\u096A\u096B\u096C\u096D', expected: ivanNational }, // Devanagari
  { input: '\u{1D7D6}\u{1D7D7}\u{1D7CF}\u{1D7D4}\u{1D7CF}\u{1D7D0}\u{1D7D1}\u{1D7D2}\u{1D7D3}\u{1D7D4}\u{1D7D5}', expected: ivanNational }, // mathematical bold, astral
  { input: '\uFF11\uFF10\uFF11', expected: { kind: 'extension', dial: '101', display: '101' } },
  // Neighbours and abroad.
  { input: '+380 44 123 4567', expected: { kind: 'external', dial: '+380441234567', e164: '+380441234567', display: '+380 44 123 4567', country: 'UA' } },
  {
    input: '050-123-45-67',
    opts: { defaultRegion: 'UA' },
    expected: { kind: 'external', dial: '0501234567', e164: '+380501234567', national: '0501234567', display: '050 123 4567', country: 'UA' },
  },
  { input: '+7 701 123 4567', expected: { kind: 'external', dial: '+77011234567', e164: '+77011234567', national: '87011234567', display: '8 (701) 123 4567', country: 'KZ' } },
  { input: '+375 29 123-45-67', expected: { kind: 'external', dial: '+375291234567', e164: '+375291234567', display: '+375 29 123 45 67', country: 'BY' } },
  { input: '+1 (212) 555-0100', expected: { kind: 'external', dial: '+12125550100', e164: '+12125550100', display: '+1 212 555 0100', country: 'US' } },
  { input: '0044 20 7946 0958', expected: { kind: 'external', dial: '00442079460958', e164: '+442079460958', display: '+44 20 7946 0958', country: 'GB' } },
  // Clean digits that are no known number: dialled as entered, with a warning for the confirm card.
  { input: '1234567', expected: { kind: 'external', dial: '1234567', display: '1234567', warning: 'tooShort' } },
  { input: '+999 123 456', expected: { kind: 'external', dial: '+999123456', display: '+999123456', warning: 'invalidCountry' } },
  // Refused.
  { input: '', expected: 'empty' },
  { input: '   ', expected: 'empty' },
  { input: '()-', expected: 'empty' },
  { input: '+', expected: 'empty' },
  { input: 'Ivan Petrov', expected: 'letters' },
  { input: '8916abc4567', expected: 'letters' },
  { input: 'x5', expected: 'letters' },
  { input: 'tel:+79161234567', expected: 'letters' }, // links go through parseCallLink
  { input: '101\r\n', expected: 'controlCharacter' },
  { input: '101\nAction: Hangup', expected: 'controlCharacter' },
  { input: '101\rChannel: Local/666@evil', expected: 'controlCharacter' },
  { input: '101\u2028', expected: 'controlCharacter' },
  { input: '101\u200B', expected: 'controlCharacter' },
  { input: '\u202E101', expected: 'controlCharacter' },
  { input: '101\u0000', expected: 'controlCharacter' },
  { input: '10\u00AD1', expected: 'controlCharacter' }, // soft hyphen: a format character
  { input: 'PJSIP/101', expected: 'channelSyntax' },
  { input: 'Local/101@from-internal', expected: 'channelSyntax' },
  { input: '101&102', expected: 'channelSyntax' },
  { input: '101,1', expected: 'channelSyntax' },
  { input: '101;1', expected: 'channelSyntax' },
  { input: '101|102', expected: 'channelSyntax' },
  { input: '101@from-internal', expected: 'channelSyntax' },
  { input: '+79161234567;ext=1;ext=2', expected: 'channelSyntax' },
  { input: '${SHELL(id)}', expected: 'dialplanSyntax' },
  { input: '$[1+1]', expected: 'dialplanSyntax' },
  { input: '101;ext=${X}', expected: 'dialplanSyntax' },
  { input: 'CALLERID(num)', expected: 'dialplanSyntax' },
  { input: '"101"', expected: 'dialplanSyntax' },
  { input: '101\\', expected: 'dialplanSyntax' },
  { input: '1'.repeat(33), expected: 'tooLong' },
  { input: 'a'.repeat(10_000), expected: 'tooLong' },
  { input: '1'.repeat(21), expected: 'tooManyDigits' },
  { input: '+7916123456789012', expected: 'tooManyDigits' },
  { input: '89161234567 доб. 12345678901', expected: 'invalidExtension' },
  { input: '89161234567;ext=', expected: 'invalidExtension' },
  { input: '*72101', expected: 'featureCodeNotAllowed' },
  { input: '*', opts: PAD, expected: 'invalidFeatureCode' },
  { input: '#', opts: PAD, expected: 'invalidFeatureCode' },
  { input: '1*2', opts: PAD, expected: 'invalidFeatureCode' },
  { input: '***', opts: PAD, expected: 'invalidFeatureCode' },
  { input: '++79161234567', expected: 'misplacedPlus' },
  { input: '7+9161234567', expected: 'misplacedPlus' },
  { input: '101!', expected: 'invalidCharacter' },
  { input: '101:', expected: 'invalidCharacter' },
  { input: '101\uE000', expected: 'invalidCharacter' },
  { input: '101\uD800', expected: 'invalidCharacter' },
  { input: '\u2460\u2461', expected: 'invalidCharacter' }, // circled digits are not decimal digits
];

describe('parseDialTarget: the table', () => {
  it.each(table.map((row) => ({ ...row, name: JSON.stringify(row.input).slice(0, 60) })))('$name', ({ input, opts, expected }) => {
    const result = parseDialTarget(input, opts ?? RU);
    if (typeof expected === 'string') {
      expect(result.ok ? { accepted: result.target } : result.error).toEqual({ code: expected, message: messages.en[expected] });
    } else {
      expect(result).toEqual({ ok: true, target: expected });
    }
  });

  it('every accepted row dials only digits, one leading +, and * or # of a feature code', () => {
    for (const row of table) {
      const result = parseDialTarget(row.input, row.opts ?? RU);
      if (result.ok) expect(result.target.dial).toMatch(/^\+?[0-9*#]{1,20}$/);
    }
  });
});

describe('parseDialTarget: settings', () => {
  it('applies rewrite rules to what is dialled, and reads the result', () => {
    // A PBX whose outbound routes want E.164.
    const rules = [{ pattern: '^8(\\d{10})$', replacement: '+7$1' }];
    expect(parseDialTarget('8 (916) 123-45-67', { defaultRegion: 'RU', rules })).toEqual({ ok: true, target: ivan });
  });

  it('refuses a number a rule turned into something undiallable', () => {
    const cases: readonly (readonly [string, string])[] = [
      ['^(\\d+)$', 'n$1'], // letters
      ['^(\\d+)$', '$1\r\nAction: Hangup'], // a line break from a hand-edited settings file
      ['^\\d+$', ''], // nothing
      ['^(\\d+)$', '$1$1'], // 22 digits
      ['^(\\d+)$', '*$1'], // a feature code, not allowed here
      ['^(\\d+)$', '1+$1'], // a + in the middle
    ];
    for (const [pattern, replacement] of cases) {
      expect(parseDialTarget('89161234567', { defaultRegion: 'RU', rules: [{ pattern, replacement }] })).toEqual({
        ok: false,
        error: { code: 'rewriteInvalid', message: messages.en.rewriteInvalid },
      });
    }
  });

  it('skips an invalid rule rather than failing the call (Settings report it)', () => {
    expect(parseDialTarget('89161234567', { defaultRegion: 'RU', rules: [{ pattern: '(', replacement: '' }] })).toEqual({ ok: true, target: ivanNational });
  });

  it('takes the extension pattern from settings', () => {
    expect(parseDialTarget('123456', { defaultRegion: 'RU', extensionPattern: /^\d{6}$/ })).toEqual({ ok: true, target: { kind: 'extension', dial: '123456', display: '123456' } });
    expect(parseDialTarget('123456', RU)).toEqual({ ok: true, target: { kind: 'short', dial: '123456', display: '123456' } });
  });

  it('reads numbers without + in the default region, and gives national digits only at home', () => {
    const ua = parseDialTarget('+380441234567', { defaultRegion: 'UA' });
    expect(ua).toMatchObject({ ok: true, target: { national: '0441234567', display: '044 123 4567' } });
    const fromRu = parseDialTarget('+380441234567', RU);
    expect(fromRu.ok && fromRu.target.national).toBe(undefined);
    // An unknown region: numbers need a +, and nothing is invented for the others.
    expect(parseDialTarget('+79161234567', { defaultRegion: 'XX' })).toMatchObject({ ok: true, target: { e164: '+79161234567', display: '+7 916 123 45 67' } });
    expect(parseDialTarget('89161234567', { defaultRegion: 'XX' })).toMatchObject({ ok: true, target: { kind: 'external', dial: '89161234567' } });
    expect(parseDialTarget('89161234567', { defaultRegion: 'XX' })).not.toHaveProperty('target.e164');
  });
});

describe('validateCallerIdName', () => {
  it('keeps a readable name', () => {
    expect(validateCallerIdName('Sidecall: Иванов Иван')).toEqual({ ok: true, name: 'Sidecall: Иванов Иван' });
    expect(validateCallerIdName('Sidecall: +7 916 123-45-67')).toEqual({ ok: true, name: 'Sidecall: +7 916 123-45-67' });
  });

  it('strips CallerID delimiters and shell expansion characters, collapses whitespace', () => {
    expect(validateCallerIdName('Sidecall: ООО "Ромашка" <sales>')).toEqual({ ok: true, name: 'Sidecall: ООО Ромашка sales' });
    expect(validateCallerIdName('  Sidecall:   ${SHELL(id)} `id` \\  ')).toEqual({ ok: true, name: 'Sidecall: {SHELL(id)} id' });
    expect(validateCallerIdName('Sidecall:\u00A0\u00A0Петров')).toEqual({ ok: true, name: 'Sidecall: Петров' });
  });

  it('refuses control and format characters', () => {
    for (const name of ['Sidecall: x\r\nAction: Hangup', 'Sidecall: x\n', 'x\u0000', 'Sidecall: \u202Eevil', 'a\u200Bb', 'x\u2028y', 'x\ty']) {
      expect(validateCallerIdName(name)).toEqual({ ok: false, error: { code: 'controlCharacter', message: messages.en.controlCharacter } });
    }
  });

  it('refuses a name with nothing left', () => {
    for (const name of ['', '   ', '""', '<>']) expect(validateCallerIdName(name)).toMatchObject({ ok: false, error: { code: 'empty' } });
  });

  it('cuts to 64 characters without splitting a character', () => {
    const long = validateCallerIdName(`Sidecall: ${'Я'.repeat(100)}`);
    expect(long.ok && Array.from(long.name).length).toBe(64);
    const astral = validateCallerIdName('\u{1F4DE}'.repeat(70));
    expect(astral.ok && astral.name).toBe('\u{1F4DE}'.repeat(64));
  });
});

describe('validateChannelName', () => {
  it.each([
    'PJSIP/101',
    'PJSIP/101-00000001',
    'SIP/101-0000000a',
    'IAX2/101-1234',
    'DAHDI/1-1',
    'PJSIP/79161234567@trunk',
    'PJSIP/operator.ivan',
    'Local/101@from-internal',
    'Local/101@from-internal/n',
    'Local/*72101@from-internal',
    'Local/101@from-internal-00000012;1',
    'Local/101@from-internal-00000012;2',
  ])('accepts %s', (ch) => {
    expect(validateChannelName(ch)).toEqual({ ok: true, channel: ch });
  });

  it.each([
    ['', 'empty'],
    ['PJSIP/101\r\nAction: Hangup', 'controlCharacter'],
    ['PJSIP/101\n', 'controlCharacter'],
    ['PJSIP/101\u200B', 'controlCharacter'],
    ['PJSIP/101&PJSIP/102', 'channelSyntax'],
    ['PJSIP/101,30,tT', 'channelSyntax'],
    ['PJSIP/101|30', 'channelSyntax'],
    ['/PJSIP/101', 'channelSyntax'],
    ['PJSIP', 'invalidChannel'],
    ['PJSIP/', 'invalidChannel'],
    ['PJSIP/101/sip:101@10.0.0.1', 'invalidChannel'],
    ['Local/101', 'invalidChannel'],
    ['PJSIP/101;1', 'invalidChannel'],
    ['PJSIP/101/n', 'invalidChannel'],
    ['Local/101@ctx-00000001;1/n', 'invalidChannel'],
    ['PJSIP/101<ZOMBIE>', 'invalidChannel'],
    ['PJSIP/${EXTEN}', 'invalidChannel'],
    ['PJSIP/101 ', 'invalidChannel'],
    ['PJSIP/1@2@3', 'invalidChannel'],
    ['1PJSIP/101', 'invalidChannel'],
    [`PJSIP/${'1'.repeat(80)}`, 'tooLong'],
  ] as const)('refuses %j (%s)', (ch, code) => {
    expect(validateChannelName(ch)).toEqual({ ok: false, error: { code, message: messages.en[code] } });
  });
});

describe('messages', () => {
  it('has an English and a Russian message for every code, saying what to do', () => {
    expect(Object.keys(messages.ru).sort()).toEqual(Object.keys(messages.en).sort());
    for (const [code, text] of Object.entries(messages.en)) {
      expect(text.length, code).toBeGreaterThan(30);
      expect(messages.ru[code as keyof typeof messages.ru], code).toMatch(/[а-яё]{3}/i);
    }
  });
});
