// Phone number normalization for CRM lookups and call logs: one key per number
// however the PBX, the trunk or the CRM wrote it. With region RU, `89161234567`,
// `+7 916 123-45-67`, `79161234567` and `8 (916) 123-45-67` all become
// `+79161234567`. Order of work:
//   1. fold digits of any script to ASCII, drop a `tel:`/`sip:` scheme, split off
//      an extension (`;ext=12`, `ext. 12`, `x12`, `доб. 12`);
//   2. compact to `+?[0-9*#]` and apply the operator's rewrite rules (PBX prefixes);
//   3. classify: withheld caller ID, feature codes and short service numbers,
//      internal extensions, then everything else through libphonenumber-js.
// The `max` metadata is used: with `min` libphonenumber-js only checks lengths,
// and the difference between "valid" and "merely possible" is what lets us say
// `unverified` instead of silently trusting a typo. It is data, not code, and
// this module runs in main (and at most once per call in the renderer).
import { isSupportedCountry, parsePhoneNumberFromString, validatePhoneNumberLength } from 'libphonenumber-js/max';
import type { CountryCode, PhoneNumber } from 'libphonenumber-js/max';
import { foldDigits } from './digits';
import { applyRewriteRules, compileRewriteRules } from './rewrite-rules';
import type { RewriteRule } from './rewrite-rules';

export type NumberKind = 'external' | 'extension' | 'short' | 'invalid';

/**
 * Why a number is what it is, when that is not obvious:
 * - `empty`: nothing to parse; `hidden`: withheld caller ID (`anonymous`, `<unknown>`...);
 * - `notANumber`: letters or other characters a phone number cannot hold;
 * - `featureCode`: a PBX code with `*` or `#` (kind `short`);
 * - `tooShort` / `tooLong` / `invalidLength` / `invalidCountry`: libphonenumber-js could not make a number of it
 *   (`invalidLength`: neither too short nor too long, but no length the country uses);
 * - `unverified`: (kind `external`) a possible number in no range known to the metadata —
 *   kept, because metadata ages faster than numbering plans and a real caller must still pop.
 */
export type NormalizeReason = 'empty' | 'hidden' | 'notANumber' | 'featureCode' | 'tooShort' | 'tooLong' | 'invalidLength' | 'invalidCountry' | 'unverified';

export interface NormalizedNumber {
  /** E.164 (`+79161234567`), for external numbers only. */
  readonly e164?: string;
  /** National format for display (`8 (916) 123-45-67`), for external numbers only. */
  readonly national?: string;
  /** The lookup key: E.164 digits without `+` for external numbers, else the digits as dialled (feature codes keep `*`/`#`). */
  readonly digits: string;
  readonly kind: NumberKind;
  /** ISO country of an external number, when the metadata knows it. */
  readonly country?: string;
  /** Extension split off the number (`;ext=123`, `доб. 123`). */
  readonly extension?: string;
  readonly reason?: NormalizeReason;
}

export interface NormalizeOptions {
  /** ISO 3166 country of the PBX (settings), e.g. `RU`; numbers without `+` are read as national numbers of it. */
  readonly defaultRegion?: string;
  /** Applied in order to the compact number (`+?[0-9*#]`) before it is classified. */
  readonly rules?: readonly RewriteRule[];
  /** Internal extensions (default: 2 to 5 digits, not starting with 0). */
  readonly extensionPattern?: RegExp;
  /** Service numbers that look like extensions but are not (default: emergency numbers, see DEFAULT_SHORT_NUMBERS). */
  readonly shortNumbers?: readonly string[];
}

/**
 * Emergency numbers that must never be taken for an extension. RU 101-104 are
 * emergency numbers too, but PBXes use 101-104 as extensions far more often
 * than operators call the fire brigade from a CRM, so the extension wins there.
 */
export const DEFAULT_SHORT_NUMBERS: readonly string[] = ['112', '911', '999', '000', '110', '118', '119', '100', '08'];

const DEFAULT_EXTENSION_PATTERN = /^[1-9][0-9]{1,4}$/;
/** Longest input looked at; caller ID is at most 80 bytes in Asterisk, CRM fields are free text. */
const MAX_INPUT = 128;
/** Shortest/longest digit strings libphonenumber-js is asked about (E.164 allows at most 15). */
const LONGEST_E164_DIGITS = 15;

// Caller ID values Asterisk and carriers use for "no number" (chan_pjsip sends
// `anonymous` for privacy, Asterisk prints `<unknown>` for an unset field).
const HIDDEN = new Set(['anonymous', 'unknown', '<unknown>', 'unavailable', 'restricted', 'private', 'withheld', 'blocked', 'скрыт', 'скрытый', 'неизвестен']);

// An extension at the end of the number, as people and systems write it.
// RFC 3966 `;ext=`, English `ext`/`x`, Russian `доб.` (добавочный) and `вн.` (внутренний).
const EXTENSION_SUFFIX = /(?:;\s*ext\s*=\s*|[\s,]*(?:ext(?:ension)?\.?|x|доб(?:авочный)?\.?|вн\.?|#)\s*)([0-9]{1,10})\s*$/iu;
const SCHEME = /^(?:tel|sip|sips|callto):/i;
// Visual separators found in typed and pasted numbers: spaces (incl. no-break and
// thin), dashes of every kind, dots, slashes, parentheses.
const SEPARATORS = /[\s\u00A0\u2000-\u200B\u202F\u2010-\u2015\u2212().\-/\\[\]]/gu;

function invalid(digits: string, reason: NormalizeReason): NormalizedNumber {
  return { digits, kind: 'invalid', reason };
}

function withExtension(n: NormalizedNumber, extension: string | undefined): NormalizedNumber {
  return extension === undefined ? n : { ...n, extension };
}

function regionOf(value: string | undefined): CountryCode | undefined {
  if (value === undefined) return undefined;
  const upper = value.trim().toUpperCase();
  return isSupportedCountry(upper) ? upper : undefined;
}

function parse(text: string, region: CountryCode | undefined): PhoneNumber | undefined {
  try {
    return region === undefined ? parsePhoneNumberFromString(text) : parsePhoneNumberFromString(text, region);
  } catch {
    // parsePhoneNumberFromString documents that it returns undefined instead of
    // throwing; the catch only guards against a metadata bug taking a call down.
    return undefined;
  }
}

function fromParsed(p: PhoneNumber, reason?: NormalizeReason): NormalizedNumber {
  const base = { e164: p.number, national: p.formatNational(), digits: p.number.slice(1), kind: 'external' as const };
  const withCountry = p.country === undefined ? base : { ...base, country: p.country };
  return reason === undefined ? withCountry : { ...withCountry, reason };
}

// Why libphonenumber-js refused a number, in our terms.
function refusal(text: string, region: CountryCode | undefined, digits: string): NormalizeReason {
  let verdict: ReturnType<typeof validatePhoneNumberLength>;
  try {
    verdict = region === undefined ? validatePhoneNumberLength(text) : validatePhoneNumberLength(text, region);
  } catch {
    verdict = undefined;
  }
  if (verdict === 'INVALID_COUNTRY') return 'invalidCountry';
  if (verdict === 'TOO_LONG') return 'tooLong';
  if (verdict === 'TOO_SHORT') return 'tooShort';
  if (verdict === 'INVALID_LENGTH') return 'invalidLength';
  return digits.length > LONGEST_E164_DIGITS ? 'tooLong' : 'tooShort';
}

/** Normalizes a phone number as received from the PBX, a `tel:` link or a CRM field. */
export function normalizeNumber(raw: string, options: NormalizeOptions = {}): NormalizedNumber {
  if (raw.length > MAX_INPUT) return invalid('', 'tooLong');
  let text = foldDigits(raw).trim();
  if (text === '') return invalid('', 'empty');
  if (HIDDEN.has(text.toLowerCase())) return invalid('', 'hidden');

  // `sip:+7916...@pbx;user=phone` -> `+7916...`; `tel:+7916...;ext=12` keeps its extension.
  if (SCHEME.test(text)) {
    text = text.replace(SCHEME, '');
    const at = text.indexOf('@');
    if (at >= 0) text = text.slice(0, at);
  }

  let extension: string | undefined;
  const ext = EXTENSION_SUFFIX.exec(text);
  // Only split an extension off something that is a full number by itself, so a
  // short code like `*8#` or `x5` is not read as an empty number plus extension.
  if (ext !== null && ext[1] !== undefined && text.slice(0, ext.index).replace(/[^0-9]/g, '').length >= 6) {
    extension = ext[1];
    text = text.slice(0, ext.index);
  }
  // Other URI parameters (`;user=phone`, `;phone-context=...`) say nothing about the number.
  const semicolon = text.indexOf(';');
  if (semicolon >= 0) text = text.slice(0, semicolon);

  const compactRaw = text.replace(SEPARATORS, '');
  if (compactRaw === '' || compactRaw === '+') return invalid('', 'empty');
  if (!/^\+?[0-9*#]+$/.test(compactRaw)) return withExtension(invalid(compactRaw.replace(/[^0-9]/g, ''), 'notANumber'), extension);

  const compact = options.rules === undefined || options.rules.length === 0 ? compactRaw : applyRewriteRules(compactRaw, compileRewriteRules(options.rules));
  if (compact === '') return withExtension(invalid('', 'empty'), extension);
  if (!/^\+?[0-9*#]+$/.test(compact)) return withExtension(invalid(compact.replace(/[^0-9]/g, ''), 'notANumber'), extension);

  if (/[*#]/.test(compact)) return withExtension({ digits: compact.replace(/^\+/, ''), kind: 'short', reason: 'featureCode' }, extension);

  const plus = compact.startsWith('+');
  const digits = plus ? compact.slice(1) : compact;
  if (!plus) {
    const shortNumbers = options.shortNumbers ?? DEFAULT_SHORT_NUMBERS;
    if (shortNumbers.includes(digits)) return withExtension({ digits, kind: 'short' }, extension);
    if ((options.extensionPattern ?? DEFAULT_EXTENSION_PATTERN).test(digits)) return withExtension({ digits, kind: 'extension' }, extension);
    // Service numbers of mobile operators (0911, 0500, 0611) and other short dialable codes.
    if (digits.length <= 6) return withExtension({ digits, kind: 'short' }, extension);
  }
  if (digits.length > LONGEST_E164_DIGITS + 3) return withExtension(invalid(digits, 'tooLong'), extension);

  const region = regionOf(options.defaultRegion);
  const parsed = parse(compact, plus ? undefined : region);
  if (parsed?.isValid() === true) return withExtension(fromParsed(parsed), extension);

  if (!plus && digits.startsWith('00')) {
    // `00` is the international prefix in most of the world (RU itself uses 810,
    // which libphonenumber-js knows). Only a *valid* reading is accepted, so a
    // national number is never re-read as a foreign one. Other numbers without `+`
    // are not guessed at: `989161234567` (9 for an outside line) is a valid Iranian
    // number. A trunk that sends `380501234567` needs a rewrite rule to `+$1`.
    const retry = parse(`+${digits.slice(2)}`, undefined);
    if (retry?.isValid() === true) return withExtension(fromParsed(retry), extension);
  }

  if (parsed !== undefined && parsed.isPossible()) return withExtension(fromParsed(parsed, 'unverified'), extension);
  return withExtension(invalid(digits, refusal(compact, plus ? undefined : region, digits)), extension);
}
