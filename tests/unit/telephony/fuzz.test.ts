// Property: however hostile the input, an accepted target carries nothing but
// `[0-9*#+]` to the PBX. 10,000 seeded strings over an alphabet of digits,
// separators, line breaks (raw and percent-encoded, once and twice), invisible
// characters, dialplan and channel syntax, go through every entry point. The
// seed makes a failure replayable; the counts make sure the run is not vacuous.
import { describe, expect, it } from 'vitest';
import { seededRandom } from '../../../src-main/core/seeded-random';
import { dialTargetFromLink, messages, parseCallLink, parseDialTarget } from '../../../src-shared/telephony';
import type { DialTarget } from '../../../src-shared/telephony';

const DIGITS = '0123456789';
const HOSTILE: readonly string[] = [
  '+', '+', '*', '#', ' ', '-', '.', '(', ')', '\u00A0', '\u2012',
  '\r', '\n', '\r\n', '\u2028', '\u2029', '\u0085', '\u200B', '\u200E', '\u202E', '\u2066', '\uFEFF', '\u0000', '\t', '\u007F',
  '%', '%0d', '%0a', '%0D%0A', '%250d', '%250A', '%25', '%2B', '%2A', '%23', '%3B', '%2C', '%26', '%40', '%2F', '%00', '%E2%80%A8', '%C0%AE', '%20', '%24%7B',
  '$', '${', '$[', '}', ']', '{', '[', '\\', '"', "'", '`',
  '/', '&', ',', '@', '|', ';', ':', '=', '?', '!',
  ';ext=', ';EXT=', ';phone-context=', ';phone-context=+7495', ';user=phone', ';isub=', '@pbx', '@pbx;user=phone', '?call', '//',
  'ext', 'доб.', 'x', 'a', 'Z', 'Local/', 'PJSIP/', 'Channel: ', 'Action: Originate', 'SHELL(', 'CALLERID(num)',
  '\u0663', '\uFF13', '\uFF0B', '\u{1D7D7}', '\uD800', '\uE000', '\u00B2', '\u2460',
];
const PREFIXES: readonly string[] = ['tel:', 'TEL:', 'tel://', 'tel:/', 'callto:', 'callto://', 'sip:', 'sips:', '', 'javascript:'];

function hostileString(random: () => number): string {
  const length = Math.floor(random() * 24);
  let out = '';
  for (let i = 0; i < length; i += 1) {
    // Half digits, so that clean and near-clean numbers come up as often as garbage.
    out += random() < 0.5 ? (DIGITS[Math.floor(random() * DIGITS.length)] ?? '0') : (HOSTILE[Math.floor(random() * HOSTILE.length)] ?? '');
  }
  return out;
}

function expectSafe(target: DialTarget): void {
  expect(target.dial).toMatch(/^\+?[0-9*#]{1,20}$/);
  expect(`${target.dial}${target.e164 ?? ''}${target.national ?? ''}${target.extension ?? ''}`).toMatch(/^[0-9*#+]+$/);
  if (target.e164 !== undefined) expect(target.e164).toMatch(/^\+[0-9]{1,15}$/);
  if (target.extension !== undefined) expect(target.extension).toMatch(/^[0-9]{1,10}$/);
  expect(target.display).not.toMatch(/[\r\n\u2028\u2029\0$;,&@|/\\]/);
}

describe('hostile input, seeded property test', () => {
  it('10,000 random strings never yield a target with anything outside [0-9*#+]', () => {
    const random = seededRandom(0x51dec411);
    const codes = new Set(Object.keys(messages.en));
    let accepted = 0;
    let refused = 0;
    for (let i = 0; i < 10_000; i += 1) {
      const s = hostileString(random);
      const prefix = PREFIXES[Math.floor(random() * PREFIXES.length)] ?? 'tel:';
      const allowFeatureCodes = random() < 0.5;

      const typed = parseDialTarget(s, { defaultRegion: 'RU', allowFeatureCodes });
      const linked = dialTargetFromLink(prefix + s, { defaultRegion: 'RU', allowFeatureCodes });
      const link = parseCallLink(prefix + s);

      for (const result of [typed, linked]) {
        if (result.ok) {
          accepted += 1;
          expectSafe(result.target);
        } else {
          refused += 1;
          expect(codes.has(result.error.code), `${JSON.stringify(s)} -> ${result.error.code}`).toBe(true);
        }
      }
      if (link.ok) {
        expect(link.link.number).toMatch(/^\+?[0-9*#]+$/);
        if (link.link.extension !== undefined) expect(link.link.extension).toMatch(/^[0-9]{1,10}$/);
        if (link.link.phoneContext !== undefined) expect(link.link.phoneContext).not.toMatch(/[\p{Cc}\p{Cf}\p{Zl}\p{Zp}%]/u);
      }
    }
    // Both outcomes must be common, or the alphabet has drifted into testing nothing.
    expect(accepted).toBeGreaterThan(500);
    expect(refused).toBeGreaterThan(5_000);
  });

  it('any string containing a line break, raw or encoded once, is refused', () => {
    const random = seededRandom(7);
    for (let i = 0; i < 2_000; i += 1) {
      const before = hostileString(random);
      const after = hostileString(random);
      const br = ['\r', '\n', '\r\n', '\u2028', '%0d', '%0A', '%0d%0a'][i % 7] ?? '\n';
      const raw = br.startsWith('%') ? `${before}${decodeURIComponent(br)}${after}` : `${before}${br}${after}`;
      expect(parseDialTarget(raw, { defaultRegion: 'RU', allowFeatureCodes: true }).ok).toBe(false);
      expect(dialTargetFromLink(`tel:${before}${br}${after}`, { defaultRegion: 'RU', allowFeatureCodes: true }).ok).toBe(false);
    }
  });
});
