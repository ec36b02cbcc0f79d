// Call links: a table of links as real pages, CRMs and apps write them (RU, UA,
// KZ, BY and international numbers, RFC 3966 examples, the browser/Skype
// variants) and of hostile ones (CRLF in every position and encoding, header and
// action smuggling, dialplan functions, channel syntax, overlong, invisible
// characters), each with the outcome call control must see.
import { describe, expect, it } from 'vitest';
import { dialTargetFromLink, messages, parseCallLink } from '../../../src-shared/telephony';
import type { CallLinkErrorCode, DialLinkResult, DialTargetKind, DialTargetWarning } from '../../../src-shared/telephony';

interface Accepted {
  readonly kind: DialTargetKind;
  readonly dial: string;
  readonly e164?: string;
  readonly extension?: string;
  readonly phoneContext?: string;
  readonly warning?: DialTargetWarning;
}

interface Row {
  readonly link: string;
  readonly region?: string;
  readonly allowFeatureCodes?: boolean;
  readonly expected: Accepted | { readonly error: CallLinkErrorCode };
}

const ivan = { kind: 'external', dial: '+79161234567', e164: '+79161234567' } as const;
const ivanNational = { kind: 'external', dial: '89161234567', e164: '+79161234567' } as const;
const enc = (s: string): string => encodeURIComponent(s);

const realWorld: readonly Row[] = [
  // Russia, in the forms pages and CRMs write.
  { link: 'tel:+79161234567', expected: ivan },
  { link: 'tel:+7-916-123-45-67', expected: ivan },
  { link: 'tel:+7(916)123.45.67', expected: ivan },
  { link: 'tel:8(916)1234567', expected: ivanNational },
  { link: 'tel:8-916-123-45-67', expected: ivanNational },
  { link: 'tel:+7 916 123 45 67', expected: ivan }, // raw spaces: not RFC 3966 (§5.1.1), but pages write them
  { link: 'tel:+7%20916%20123-45-67', expected: ivan },
  { link: 'tel:8%C2%A0916%C2%A0123%C2%A045%C2%A067', expected: ivanNational }, // NBSP, encoded
  { link: 'tel:+7\u2011916\u2011123\u201145\u201167', expected: ivan }, // non-breaking hyphens
  { link: 'tel:%2B79161234567', expected: ivan },
  { link: 'TEL:+79161234567', expected: ivan },
  { link: 'tel://+79161234567', expected: ivan },
  { link: 'tel://+79161234567/', expected: ivan },
  { link: 'tel:/+79161234567', expected: ivan },
  { link: 'tel:+74951234567;ext=123', expected: { kind: 'external', dial: '+74951234567', e164: '+74951234567', extension: '123' } },
  { link: 'tel:+74951234567;ext=1-2-3', expected: { kind: 'external', dial: '+74951234567', e164: '+74951234567', extension: '123' } },
  { link: 'tel:+79161234567;EXT=12;Phone-Context=example.com', expected: { ...ivan, extension: '12', phoneContext: 'example.com' } },
  { link: 'tel:+79161234567;isub=1234', expected: ivan },
  { link: 'tel:+79161234567;tgrp=tg1;trunk-context=example.com', expected: ivan }, // RFC 4904 parameters: ignored
  { link: 'tel:1234;phone-context=+7495', expected: { kind: 'external', dial: '+74951234', phoneContext: '+7495', warning: 'tooShort' } },
  { link: 'tel:1234567;phone-context=+7-495', expected: { kind: 'external', dial: '+74951234567', e164: '+74951234567', phoneContext: '+7-495' } },
  { link: 'tel:101', expected: { kind: 'extension', dial: '101' } },
  { link: 'tel:2040;phone-context=pbx.example.com', expected: { kind: 'extension', dial: '2040', phoneContext: 'pbx.example.com' } },
  { link: 'tel:112', expected: { kind: 'short', dial: '112' } },
  { link: 'tel:0911', expected: { kind: 'short', dial: '0911' } },
  { link: 'tel:+70000000000', expected: { kind: 'external', dial: '+70000000000', e164: '+70000000000', warning: 'unverified' } },
  { link: 'tel:810-44-20-7946-0958', expected: { kind: 'external', dial: '81044207946' + '0958', e164: '+442079460958' } },
  // Skype-style callto:.
  { link: 'callto:+79161234567', expected: ivan },
  { link: 'callto://+79161234567', expected: ivan },
  { link: 'callto://+79161234567/', expected: ivan },
  { link: 'CallTo://+79161234567?call', expected: ivan },
  // SIP URIs.
  { link: 'sip:+79161234567@pbx;user=phone', expected: ivan },
  { link: 'sip:+7-916-123-45-67@pbx.example.com;user=phone', expected: ivan },
  { link: 'sip:+74951234567;ext=55@pbx.example.com;user=phone', expected: { kind: 'external', dial: '+74951234567', e164: '+74951234567', extension: '55' } },
  { link: 'sip:+79161234567@pbx.example.com', expected: ivan },
  { link: 'sip:101@pbx', expected: { kind: 'extension', dial: '101' } },
  { link: 'sip:101@10.0.0.5:5060;transport=udp', expected: { kind: 'extension', dial: '101' } },
  { link: 'sips:101@[2001:db8::1]:5061;transport=tls', expected: { kind: 'extension', dial: '101' } },
  { link: 'SIP:101@PBX.example.com;USER=PHONE', expected: { kind: 'extension', dial: '101' } },
  { link: 'sip:101', expected: { kind: 'extension', dial: '101' } },
  // Ukraine, Kazakhstan, Belarus.
  { link: 'tel:+380441234567', expected: { kind: 'external', dial: '+380441234567', e164: '+380441234567' } },
  { link: 'tel:+38(050)123-45-67', expected: { kind: 'external', dial: '+380501234567', e164: '+380501234567' } },
  { link: 'tel:050-123-45-67', region: 'UA', expected: { kind: 'external', dial: '0501234567', e164: '+380501234567' } },
  { link: 'tel:+7-701-123-4567', expected: { kind: 'external', dial: '+77011234567', e164: '+77011234567' } },
  { link: 'tel:8(701)123-45-67', region: 'KZ', expected: { kind: 'external', dial: '87011234567', e164: '+77011234567' } },
  { link: 'tel:+375-29-123-45-67', expected: { kind: 'external', dial: '+375291234567', e164: '+375291234567' } },
  { link: 'tel:8-029-123-45-67', region: 'BY', expected: { kind: 'external', dial: '80291234567', e164: '+375291234567' } },
  // Elsewhere, and the RFC 3966 §6 examples.
  { link: 'tel:+44-20-7946-0958', expected: { kind: 'external', dial: '+442079460958', e164: '+442079460958' } },
  { link: 'tel:0044-20-7946-0958', expected: { kind: 'external', dial: '00442079460958', e164: '+442079460958' } },
  { link: 'tel:+1-212-555-0100', expected: { kind: 'external', dial: '+12125550100', e164: '+12125550100' } },
  { link: 'tel:+49-30-12345678', expected: { kind: 'external', dial: '+493012345678', e164: '+493012345678' } },
  { link: 'tel:+1-201-555-0123', expected: { kind: 'external', dial: '+12015550123', e164: '+12015550123' } },
  { link: 'tel:7042;phone-context=example.com', expected: { kind: 'extension', dial: '7042', phoneContext: 'example.com' } },
  { link: 'tel:863-1234;phone-context=+1-914-555', expected: { kind: 'external', dial: '+19145558631234', phoneContext: '+1-914-555', warning: 'tooLong' } },
  // Digits of other scripts, raw and encoded.
  { link: 'tel:\u0668\u0669\u0661\u0666\u0661\u0662\u0663\u0664\u0665\u0666\u0667', expected: ivanNational }, // Arabic-Indic
  { link: `tel:${enc('\u0668\u0669\u0661\u0666\u0661\u0662\u0663\u0664\u0665\u0666\u0667')}`, expected: ivanNational },
  { link: 'tel:\uFF0B\uFF17\uFF08\uFF19\uFF11\uFF16\uFF09\uFF11\uFF12\uFF13\uFF0D\uFF14\uFF15\uFF0D\uFF16\uFF17', expected: ivan }, // fullwidth ＋７（９１６）...
  { link: 'tel:+\u06F7\u06F9\u06F1\u06F6\u06F1\u06F2\u06F3\u06F4\u06F5\u06F6\u06F7', expected: ivan }, // Persian
  { link: 'tel:\uFF11\uFF10\uFF11', expected: { kind: 'extension', dial: '101' } },
  // Feature codes, where the caller allows them (the dial pad does; links by default do not).
  { link: 'tel:*72101', allowFeatureCodes: true, expected: { kind: 'short', dial: '*72101' } },
  { link: 'tel:%2A72101', allowFeatureCodes: true, expected: { kind: 'short', dial: '*72101' } },
  { link: 'tel:%2A21%2A101%23', allowFeatureCodes: true, expected: { kind: 'short', dial: '*21*101#' } },
];

const KB10 = '1'.repeat(10 * 1024);

const hostile: readonly Row[] = [
  // Nothing to dial.
  { link: '', expected: { error: 'empty' } },
  { link: '   ', expected: { error: 'empty' } },
  { link: 'tel:', expected: { error: 'empty' } },
  { link: 'tel:+', expected: { error: 'empty' } },
  { link: 'tel:---', expected: { error: 'empty' } },
  { link: 'tel:().-', expected: { error: 'empty' } },
  { link: 'tel:%20%20', expected: { error: 'empty' } },
  { link: 'sip:@pbx', expected: { error: 'invalidSipUri' } },
  { link: 'callto:', expected: { error: 'empty' } },
  // Not a call link.
  { link: 'javascript:alert(1)', expected: { error: 'unsupportedScheme' } },
  { link: 'file:///etc/passwd', expected: { error: 'unsupportedScheme' } },
  { link: 'http://evil.example/tel:101', expected: { error: 'unsupportedScheme' } },
  { link: 'data:text/html,<script>alert(1)</script>', expected: { error: 'unsupportedScheme' } },
  { link: 'teI:+79161234567', expected: { error: 'unsupportedScheme' } },
  { link: '+79161234567', expected: { error: 'unsupportedScheme' } },
  // CR/LF in every position, raw and encoded.
  { link: 'tel:123\r\nChannel: Local/666@evil', expected: { error: 'controlCharacter' } },
  { link: 'tel:123%0d%0aChannel: Local/666@evil', expected: { error: 'controlCharacter' } },
  { link: 'tel:123%0D%0AChannel:%20Local/666@evil', expected: { error: 'controlCharacter' } },
  { link: 'tel:101%0D%0AAction: Originate%0D%0AChannel: Local/666@evil%0D%0AApplication: System%0D%0AData: id%0D%0A%0D%0A', expected: { error: 'controlCharacter' } },
  { link: '\r\ntel:123', expected: { error: 'controlCharacter' } },
  { link: 'tel:\r\n123', expected: { error: 'controlCharacter' } },
  { link: 'tel:123\r\n', expected: { error: 'controlCharacter' } },
  { link: 'tel:123\n', expected: { error: 'controlCharacter' } },
  { link: 'tel:123\r', expected: { error: 'controlCharacter' } },
  { link: 'tel:%0d%0a123', expected: { error: 'controlCharacter' } },
  { link: 'tel:123%0a', expected: { error: 'controlCharacter' } },
  { link: 'tel:123%0D', expected: { error: 'controlCharacter' } },
  { link: 'tel:+79161234567;ext=1%0d%0a', expected: { error: 'controlCharacter' } },
  { link: 'tel:123;phone-context=%0d%0aevil', expected: { error: 'controlCharacter' } },
  { link: 'tel:123;x-evil=%0d%0aAction:%20Hangup', expected: { error: 'controlCharacter' } },
  { link: 'tel:123;%0d%0a=1', expected: { error: 'controlCharacter' } },
  { link: 'sip:123@pbx%0d%0a', expected: { error: 'controlCharacter' } },
  { link: 'sip:123@pbx?Subject=%0d%0aAction:%20Originate', expected: { error: 'controlCharacter' } },
  { link: 'sip:123%0d%0a@pbx;user=phone', expected: { error: 'controlCharacter' } },
  { link: 'callto:+79161234567?%0d%0a', expected: { error: 'controlCharacter' } },
  { link: 'tel:123\u2028Action: Originate', expected: { error: 'controlCharacter' } },
  { link: 'tel:123%E2%80%A8', expected: { error: 'controlCharacter' } }, // U+2028, encoded
  { link: 'tel:123%E2%80%A9', expected: { error: 'controlCharacter' } }, // U+2029
  { link: 'tel:123%C2%85', expected: { error: 'controlCharacter' } }, // NEL
  // Double encoding is never decoded twice.
  { link: 'tel:123%250d%250a', expected: { error: 'invalidEncoding' } },
  { link: 'tel:123%250D%250AChannel:%2520Local/666@evil', expected: { error: 'invalidEncoding' } },
  { link: 'tel:%252B79161234567', expected: { error: 'invalidEncoding' } },
  // Broken encoding.
  { link: 'tel:123%zz', expected: { error: 'invalidEncoding' } },
  { link: 'tel:123%', expected: { error: 'invalidEncoding' } },
  { link: 'tel:%C0%AE101', expected: { error: 'invalidEncoding' } }, // overlong UTF-8
  { link: 'tel:%ED%A0%80', expected: { error: 'invalidEncoding' } }, // an encoded surrogate
  // Dialplan functions and expressions.
  { link: 'tel:${SHELL(rm -rf /)}', expected: { error: 'dialplanSyntax' } },
  { link: 'tel:%24%7BSHELL(rm%20-rf%20%2F)%7D', expected: { error: 'dialplanSyntax' } },
  { link: 'tel:$[1+1]', expected: { error: 'dialplanSyntax' } },
  { link: 'tel:${CALLERID(num)}', expected: { error: 'dialplanSyntax' } },
  { link: 'tel:101${EXTEN}', expected: { error: 'dialplanSyntax' } },
  { link: 'tel:CALLERID(num)', expected: { error: 'dialplanSyntax' } },
  { link: 'tel:"101"', expected: { error: 'dialplanSyntax' } },
  { link: "tel:101'", expected: { error: 'dialplanSyntax' } },
  { link: 'tel:101\\n', expected: { error: 'dialplanSyntax' } },
  { link: 'sip:${SHELL(id)}@pbx;user=phone', expected: { error: 'dialplanSyntax' } },
  // Channel syntax: another channel, a second target, an argument, a context.
  { link: 'tel:PJSIP/101', expected: { error: 'channelSyntax' } },
  { link: 'tel:101&102', expected: { error: 'channelSyntax' } },
  { link: 'tel:101,1', expected: { error: 'channelSyntax' } },
  { link: 'tel:101@from-internal', expected: { error: 'channelSyntax' } },
  { link: 'tel:Local/101@from-internal', expected: { error: 'channelSyntax' } },
  { link: 'tel:101|102', expected: { error: 'channelSyntax' } },
  { link: 'tel:101%26PJSIP%2F666', expected: { error: 'channelSyntax' } },
  { link: 'tel:101%2C1', expected: { error: 'channelSyntax' } },
  { link: 'tel:101%3Bext%3D1', expected: { error: 'channelSyntax' } }, // an encoded ; is data, not a parameter
  { link: 'tel:101%40evil', expected: { error: 'channelSyntax' } },
  { link: 'sip:101&102@pbx', expected: { error: 'channelSyntax' } },
  { link: 'sip:101%2C1@pbx;user=phone', expected: { error: 'channelSyntax' } },
  { link: 'sip:PJSIP/101@pbx', expected: { error: 'sipUserNotNumber' } },
  // Too long.
  { link: `tel:+${'7'.repeat(2044)}`, expected: { error: 'tooLong' } }, // 2049 characters
  { link: `tel:${'9'.repeat(2044)}`, expected: { error: 'tooLong' } }, // 2048: a valid length, far too long a number
  { link: `tel:${KB10}`, expected: { error: 'tooLong' } },
  { link: `tel:101;x=${'a'.repeat(3000)}`, expected: { error: 'tooLong' } },
  { link: 'tel:+7916123456789012', expected: { error: 'tooManyDigits' } },
  { link: 'tel:1234567890123456789012', expected: { error: 'tooManyDigits' } },
  { link: 'tel:1234567890123;phone-context=+12345', expected: { error: 'tooManyDigits' } },
  // Plus signs.
  { link: 'tel:++79161234567', expected: { error: 'misplacedPlus' } },
  { link: 'tel:7+9161234567', expected: { error: 'misplacedPlus' } },
  { link: 'tel:+7916+1234567', expected: { error: 'misplacedPlus' } },
  { link: 'tel:%2B%2B79161234567', expected: { error: 'misplacedPlus' } },
  { link: 'tel:+79161234567;phone-context=+7495', expected: { ...ivan, phoneContext: '+7495' } }, // a context never changes a global number (§5.1.4)
  // Invisible characters: bidi overrides and isolates, zero-width, BOM, NUL, TAB.
  { link: 'tel:+7916\u202E7654321', expected: { error: 'controlCharacter' } },
  { link: 'tel:%E2%80%AE123', expected: { error: 'controlCharacter' } },
  { link: 'tel:\u2066+79161234567\u2069', expected: { error: 'controlCharacter' } },
  { link: 'tel:\u200F101', expected: { error: 'controlCharacter' } },
  { link: 'tel:+7916\u200B1234567', expected: { error: 'controlCharacter' } },
  { link: 'tel:%E2%80%8B101', expected: { error: 'controlCharacter' } },
  { link: 'tel:101\u200D', expected: { error: 'controlCharacter' } },
  { link: '\uFEFFtel:101', expected: { error: 'controlCharacter' } },
  { link: 'tel:101\u0000', expected: { error: 'controlCharacter' } },
  { link: 'tel:101%00', expected: { error: 'controlCharacter' } },
  { link: 'tel:101\t', expected: { error: 'controlCharacter' } },
  { link: 'tel:101%7F', expected: { error: 'controlCharacter' } },
  // Letters.
  { link: 'tel:1-800-FLOWERS', expected: { error: 'letters' } },
  { link: 'tel:+7916abc4567', expected: { error: 'letters' } },
  { link: 'tel:Action: Originate', expected: { error: 'letters' } },
  { link: 'callto://echo123', expected: { error: 'letters' } },
  // SIP addresses that are not numbers, or not well formed.
  { link: 'sip:alice@pbx.example.com', expected: { error: 'sipUserNotNumber' } },
  { link: 'sips:bob.smith@example.com;transport=tls', expected: { error: 'sipUserNotNumber' } },
  { link: 'sip:101:secret@pbx', expected: { error: 'invalidSipUri' } },
  { link: 'sip:pbx.example.com', expected: { error: 'invalidSipUri' } },
  { link: 'sip:101@', expected: { error: 'invalidSipUri' } },
  { link: 'sip:101@pbx@evil.example', expected: { error: 'invalidSipUri' } },
  { link: 'sip:101@evil.example/path', expected: { error: 'invalidSipUri' } },
  // Feature codes and stray * and #.
  { link: 'tel:*72101', expected: { error: 'featureCodeNotAllowed' } },
  { link: 'tel:%2A98', expected: { error: 'featureCodeNotAllowed' } },
  { link: 'tel:*', allowFeatureCodes: true, expected: { error: 'invalidFeatureCode' } },
  { link: 'tel:%23', allowFeatureCodes: true, expected: { error: 'invalidFeatureCode' } },
  { link: 'tel:***', allowFeatureCodes: true, expected: { error: 'invalidFeatureCode' } },
  { link: 'tel:12*34', allowFeatureCodes: true, expected: { error: 'invalidFeatureCode' } },
  { link: 'tel:+*72', allowFeatureCodes: true, expected: { error: 'invalidFeatureCode' } },
  { link: 'tel:101#', expected: { error: 'invalidFeatureCode' } },
  // Parameters: repeated, empty, malformed.
  { link: 'tel:+79161234567;ext=1;ext=2', expected: { error: 'invalidParameter' } },
  { link: 'tel:+79161234567;EXT=1;ext=2', expected: { error: 'invalidParameter' } },
  { link: 'tel:+79161234567;;', expected: { error: 'invalidParameter' } },
  { link: 'tel:1234;phone-context=', expected: { error: 'invalidParameter' } },
  { link: 'tel:1234;phone-context=evil/path', expected: { error: 'invalidParameter' } },
  { link: 'tel:1234;phone-context=+7495abc', expected: { error: 'invalidParameter' } },
  { link: 'tel:1234;phone-context=+7495;phone-context=+7812', expected: { error: 'invalidParameter' } },
  { link: 'sip:101@pbx;user=phone;user=ip', expected: { error: 'invalidParameter' } },
  { link: 'tel:+79161234567;ext=abc', expected: { error: 'invalidExtension' } },
  { link: 'tel:+79161234567;ext=', expected: { error: 'invalidExtension' } },
  { link: 'tel:+79161234567;ext=12345678901', expected: { error: 'invalidExtension' } },
  // Characters no number has.
  { link: 'tel:101?', expected: { error: 'invalidCharacter' } }, // tel: has no query
  { link: 'tel:101?call', expected: { error: 'letters' } },
  { link: 'tel:101!', expected: { error: 'invalidCharacter' } },
  { link: 'tel:101\u00B2', expected: { error: 'invalidCharacter' } }, // superscript two is not a decimal digit
  { link: 'tel:101\uE000', expected: { error: 'invalidCharacter' } },
  { link: 'tel:101\uD800', expected: { error: 'invalidCharacter' } },
];

const table: readonly Row[] = [...realWorld, ...hostile];

function run(row: Row): DialLinkResult {
  return dialTargetFromLink(row.link, { defaultRegion: row.region ?? 'RU', allowFeatureCodes: row.allowFeatureCodes === true });
}

function title(link: string): string {
  const shown = JSON.stringify(link);
  return shown.length > 70 ? `${shown.slice(0, 60)}... (${link.length} chars)` : shown;
}

describe('call links: the table', () => {
  it('has real-world and hostile rows enough to mean something', () => {
    expect(realWorld.length).toBeGreaterThanOrEqual(50);
    expect(hostile.length).toBeGreaterThanOrEqual(100);
  });

  it.each(table.map((row) => ({ ...row, name: title(row.link) })))('$name', (row) => {
    const result = run(row);
    if ('error' in row.expected) {
      expect(result.ok ? { accepted: result.target } : result.error.code).toBe(row.expected.error);
      if (!result.ok) expect(result.error.message).toBe(messages.en[result.error.code]);
      return;
    }
    if (!result.ok) throw new Error(`refused with ${result.error.code}: ${result.error.message}`);
    const { kind, dial, e164, extension, warning } = result.target;
    expect({ kind, dial, e164, extension, warning, phoneContext: result.link.phoneContext }).toEqual({
      e164: undefined,
      extension: undefined,
      warning: undefined,
      phoneContext: undefined,
      ...row.expected,
    });
  });

  it('every accepted row dials only digits, one leading +, and * or # of a feature code', () => {
    let accepted = 0;
    for (const row of table) {
      const result = run(row);
      if (!result.ok) continue;
      accepted += 1;
      expect(result.target.dial).toMatch(/^\+?[0-9*#]{1,20}$/);
      expect(result.link.number).toMatch(/^\+?[0-9*#]+$/);
      if (result.target.e164 !== undefined) expect(result.target.e164).toMatch(/^\+[0-9]{1,15}$/);
      if (result.target.national !== undefined) expect(result.target.national).toMatch(/^[0-9]{1,20}$/);
      if (result.target.extension !== undefined) expect(result.target.extension).toMatch(/^[0-9]{1,10}$/);
    }
    expect(accepted).toBe(table.filter((r) => !('error' in r.expected)).length);
  });
});

describe('parseCallLink', () => {
  it('returns the scheme, the link as received, the number, extension and context', () => {
    expect(parseCallLink('tel:+7-495-123-45-67;ext=12')).toEqual({
      ok: true,
      link: { scheme: 'tel', raw: 'tel:+7-495-123-45-67;ext=12', number: '+74951234567', extension: '12' },
    });
    expect(parseCallLink('CALLTO://+79161234567/')).toEqual({ ok: true, link: { scheme: 'callto', raw: 'CALLTO://+79161234567/', number: '+79161234567' } });
    expect(parseCallLink('sips:101@pbx')).toEqual({ ok: true, link: { scheme: 'sips', raw: 'sips:101@pbx', number: '101' } });
    expect(parseCallLink('tel:1234;phone-context=+7495')).toEqual({
      ok: true,
      link: { scheme: 'tel', raw: 'tel:1234;phone-context=+7495', number: '+74951234', phoneContext: '+7495' },
    });
  });

  it('never lets a link pick the server: the SIP host is checked, then ignored', () => {
    const a = parseCallLink('sip:101@evil.example');
    const b = parseCallLink('sip:101@pbx.example.com');
    expect(a.ok && b.ok && a.link.number === b.link.number).toBe(true);
    expect(a.ok ? Object.keys(a.link).sort() : []).toEqual(['number', 'raw', 'scheme']);
  });

  it('leaves feature codes to the caller: the link parses, dialling it depends on the options', () => {
    expect(parseCallLink('tel:*72101')).toMatchObject({ ok: true, link: { number: '*72101' } });
    expect(dialTargetFromLink('tel:*72101', { defaultRegion: 'RU' })).toMatchObject({ ok: false, error: { code: 'featureCodeNotAllowed' } });
  });

  it('refuses control characters both before and after decoding', () => {
    expect(parseCallLink('tel:1\n')).toMatchObject({ ok: false, error: { code: 'controlCharacter' } });
    expect(parseCallLink('tel:1%0A')).toMatchObject({ ok: false, error: { code: 'controlCharacter' } });
    // Decoded exactly once: %250A is the text "%0A", refused as a second encoding layer.
    expect(parseCallLink('tel:1%250A')).toMatchObject({ ok: false, error: { code: 'invalidEncoding' } });
  });

  it('accepts a link of exactly the maximum length up to the number check', () => {
    const padded = `tel:+79161234567;x-pad=${'a'.repeat(2048 - 'tel:+79161234567;x-pad='.length)}`;
    expect(padded.length).toBe(2048);
    expect(parseCallLink(padded)).toMatchObject({ ok: true, link: { number: '+79161234567' } });
    expect(parseCallLink(`${padded}a`)).toMatchObject({ ok: false, error: { code: 'tooLong' } });
  });
});
