// The one gate for every number, extension and name that reaches an AMI action
// (Originate's Exten, Redirect/BlindTransfer/Atxfer's Exten, the CallerID of the
// operator's leg, the Channel Sidecall targets). Operators paste numbers from
// CRMs, mail and chats; web pages hand us tel: links. Either can carry a line
// break (which ends the AMI header and can start a second action), channel
// syntax (`Local/666@evil`, `101&102`, `101,1`) or dialplan expressions
// (`${SHELL(...)}`) that would turn "call this number" into another action,
// channel or context. Such input is refused with a code and a message; what is
// accepted is rebuilt from ASCII digits, `+`, `*` and `#` only, so no character
// of the original string reaches the PBX.
import { getCountryCallingCode, isSupportedCountry, parsePhoneNumberFromString } from 'libphonenumber-js/max';
import { applyRewriteRules, compileRewriteRules, foldDigits, normalizeNumber } from '../phone';
import type { NormalizeReason, RewriteRule } from '../phone';
import { CONTROL_OR_FORMAT, UNREADABLE, codePointLength } from './chars';
import { inputError } from './errors';
import type { CallerIdNameError, ChannelNameError, DialTargetError, DialTargetErrorCode } from './errors';

/** Longest typed or pasted number looked at, in characters (with separators and an extension). */
export const MAX_DIAL_INPUT_LENGTH = 32;
/** Most digits in a dial string without `+` (a PBX prefix plus an international number still fits). */
export const MAX_DIAL_DIGITS = 20;
/** Most digits after `+` (E.164 numbers have at most 15). */
export const MAX_E164_DIGITS = 15;
/** Most digits of an extension sent as DTMF after the call is answered. */
export const MAX_EXTENSION_DIGITS = 10;
/** Longest CallerID name kept (longer template output is cut, not refused). */
export const MAX_CALLER_ID_NAME_LENGTH = 64;
/** Asterisk's AST_CHANNEL_NAME: channel names are at most 80 characters. */
export const MAX_CHANNEL_NAME_LENGTH = 80;

/** The only shape that may go into an AMI `Exten`: digits, one leading `+`, `*`/`#` of feature codes. */
export const DIAL_STRING = /^\+?[0-9*#]{1,20}$/;

export type DialTargetKind = 'external' | 'extension' | 'short';

/** Why an accepted external number may not exist (from normalizeNumber); the confirm card shows it. */
export type DialTargetWarning = Extract<NormalizeReason, 'unverified' | 'tooShort' | 'tooLong' | 'invalidLength' | 'invalidCountry'>;

export interface DialTarget {
  readonly kind: DialTargetKind;
  /**
   * What goes into the AMI `Exten` unless call control picks `e164` or `national`: the
   * compact number as entered (`+?[0-9]`, or a feature code with `*`/`#`) after the
   * rewrite rules. Always matches DIAL_STRING.
   */
  readonly dial: string;
  /** E.164 with `+` (`+79161234567`), for external numbers libphonenumber-js can read. */
  readonly e164?: string;
  /**
   * National digits with the national prefix (`89161234567`), only for valid numbers that
   * share the default region's country code (KZ numbers from RU too). As libphonenumber-js
   * writes them: NANP numbers come without the leading 1.
   */
  readonly national?: string;
  /** For the confirm card: national format at home, international format abroad, else `dial`. Without the extension. */
  readonly display: string;
  /** DTMF digits to send after answer (`;ext=123`, `доб. 123`, `x123`), 1 to 10 digits. */
  readonly extension?: string;
  /** ISO country of an external number, when the metadata knows it. */
  readonly country?: string;
  readonly warning?: DialTargetWarning;
}

export interface DialTargetOptions {
  /** ISO 3166 region of the PBX (Settings), e.g. `RU`; numbers without `+` are read as its national numbers. */
  readonly defaultRegion: string;
  /** Rewrite rules applied to the compact number before it is classified and dialled; their output is checked again. */
  readonly rules?: readonly RewriteRule[];
  /** Internal extensions (normalizeNumber's default: 2 to 5 digits, not starting with 0). */
  readonly extensionPattern?: RegExp;
  /** Accept PBX feature codes such as `*72101` (the dial pad sets it; links from web pages should not). */
  readonly allowFeatureCodes?: boolean;
}

export type DialTargetResult = { readonly ok: true; readonly target: DialTarget } | { readonly ok: false; readonly error: DialTargetError };

/** A number that passed the character checks: the compact form and the extension split off it. */
export interface DialString {
  /** `+?[0-9]+` or a feature code; ASCII only. */
  readonly compact: string;
  readonly extension?: string;
}

export type DialStringResult = { readonly ok: true; readonly value: DialString } | { readonly ok: false; readonly error: DialTargetError };

export interface DialStringOptions {
  readonly allowFeatureCodes: boolean;
  /** Recognise a trailing `;ext=123` / `доб. 123` / `x123` (typed input); links pass their `ext` parameter separately. */
  readonly extensionSuffix: boolean;
}

function refuse(code: DialTargetErrorCode): { readonly ok: false; readonly error: DialTargetError } {
  return { ok: false, error: inputError(code) };
}

// Fullwidth forms typed by CJK input methods; foldDigits already handles the digits.
const FULLWIDTH_SIGNS: Readonly<Record<string, string>> = { '\uFF0B': '+', '\uFF0A': '*', '\uFF03': '#' };
function foldSigns(text: string): string {
  return text.replace(/[\uFF0A\uFF0B\uFF03]/g, (c) => FULLWIDTH_SIGNS[c] ?? c);
}

// RFC 3966 §5.1.1 visual separators (`-`, `.`, `(`, `)`), plus what people paste:
// spaces of every width (NBSP, thin, narrow, ideographic), typographic dashes and
// minus, and the fullwidth forms of CJK input methods. Zero-width spaces are not
// here: they are format characters and refused (see chars.ts).
const SEPARATORS = /[ \u00A0\u2000-\u200A\u202F\u205F\u3000.\-\u2010-\u2015\u2212\uFE58\uFE63\uFF0D\uFF0E()\uFF08\uFF09]/gu;

// Dialplan syntax: `${VAR}` / `${FUNC(...)}` substitution and `$[...]` expressions
// (any `$`), quoting and escaping (`"`, `'`, `` ` ``, `\`), braces and brackets,
// and a parenthesis holding letters (`CALLERID(num)`); `(916)` stays a separator.
const DIALPLAN = /[$\\"'`{}[\]]|\([^)]*\p{L}/u;

// Channel and application syntax: `PJSIP/101`, `101&102` (Dial's parallel
// targets), `101,1` (application argument separator), `101@context`, `|` (the
// pre-1.6 argument separator), `;` (a Local channel half, a URI parameter).
const CHANNEL = /[/&,@|;]/;

const LETTER = /\p{L}/u;

// Feature codes start with `*` or `#`: `*8`, `*72101`, `**101`, `*21*101#`, `#31#`.
// A `*`/`#` anywhere else, alone or doubled without digits is a typo or a probe.
const FEATURE_CODE = /^[*#]{1,2}[0-9]+(?:[*#][0-9]+)*[*#]?$/;

// RFC 3966 §5.3 `;ext=` (parameter names compare case-insensitively, §4), with
// phonedigits (digits and visual separators) as its value.
const EXT_PARAMETER = /;ext=([^;]*)$/i;
// How people write an extension after a number: `ext. 12`, `x12`, Russian `доб. 12`
// (добавочный) and `вн. 12` (внутренний), optionally after a comma.
const EXT_WORDS = /[\s,]*(?:ext(?:ension)?\.?|x|доб(?:авочный)?\.?|вн(?:утренний)?\.?)\s*([0-9]+)$/iu;
const EXT_VALUE_SEPARATORS = /[-.()]/g;

/** Reads a DTMF extension (`;ext=` value): digits and RFC 3966 visual separators, 1 to 10 digits. */
export function readExtension(value: string): string | undefined {
  const digits = foldDigits(value).replace(EXT_VALUE_SEPARATORS, '');
  return new RegExp(`^[0-9]{1,${MAX_EXTENSION_DIGITS}}$`).test(digits) ? digits : undefined;
}

type Split = { readonly ok: true; readonly number: string; readonly extension?: string } | { readonly ok: false; readonly error: DialTargetError };

function splitExtension(text: string): Split {
  const param = EXT_PARAMETER.exec(text);
  if (param !== null) {
    const extension = readExtension(param[1] ?? '');
    return extension === undefined ? refuse('invalidExtension') : { ok: true, number: text.slice(0, param.index), extension };
  }
  const words = EXT_WORDS.exec(text);
  // Only split an extension off something that is a full number by itself (as
  // normalizeNumber does), so `x5` stays letters instead of an empty number.
  if (words !== null && text.slice(0, words.index).replace(/[^0-9]/g, '').length >= 6) {
    const extension = readExtension(words[1] ?? '');
    return extension === undefined ? refuse('invalidExtension') : { ok: true, number: text.slice(0, words.index), extension };
  }
  return { ok: true, number: text };
}

/** Checks a compact number (`+`, digits, `*`, `#` only): placement of `+`, feature-code shape, digit count. */
export function checkCompact(compact: string, allowFeatureCodes: boolean): { readonly ok: true } | { readonly ok: false; readonly error: DialTargetError } {
  if (compact === '' || compact === '+') return refuse('empty');
  if (compact.indexOf('+') !== compact.lastIndexOf('+') || compact.lastIndexOf('+') > 0) return refuse('misplacedPlus');
  if (/[*#]/.test(compact)) {
    if (!FEATURE_CODE.test(compact)) return refuse('invalidFeatureCode');
    if (!allowFeatureCodes) return refuse('featureCodeNotAllowed');
  }
  const digits = compact.replace(/[^0-9]/g, '').length;
  if (digits > MAX_DIAL_DIGITS || (compact.startsWith('+') && digits > MAX_E164_DIGITS)) return refuse('tooManyDigits');
  return { ok: true };
}

/**
 * The character-level gate, independent of region and settings: refuses control
 * and format characters, dialplan and channel syntax, letters and anything else
 * that is no part of a phone number, and returns the compact ASCII form.
 */
export function checkDialString(input: string, options: DialStringOptions): DialStringResult {
  // Bound the work first: nothing below runs on a 10 KB paste.
  if (input.length > MAX_DIAL_INPUT_LENGTH * 2 || codePointLength(input) > MAX_DIAL_INPUT_LENGTH) return refuse('tooLong');
  if (CONTROL_OR_FORMAT.test(input)) return refuse('controlCharacter');
  if (UNREADABLE.test(input)) return refuse('invalidCharacter');
  const text = foldSigns(foldDigits(input));
  // Before the extension is split off, so `;ext=${X}` is reported as what it is.
  if (DIALPLAN.test(text)) return refuse('dialplanSyntax');
  const split: Split = options.extensionSuffix ? splitExtension(text) : { ok: true, number: text };
  if (!split.ok) return split;
  if (CHANNEL.test(split.number)) return refuse('channelSyntax');
  if (LETTER.test(split.number)) return refuse('letters');
  const compact = split.number.replace(SEPARATORS, '');
  if (/[^0-9+*#]/.test(compact)) return refuse('invalidCharacter');
  const checked = checkCompact(compact, options.allowFeatureCodes);
  if (!checked.ok) return checked;
  return { ok: true, value: split.extension === undefined ? { compact } : { compact, extension: split.extension } };
}

function callingCodeOf(region: string): string | undefined {
  const upper = region.trim().toUpperCase();
  return isSupportedCountry(upper) ? getCountryCallingCode(upper) : undefined;
}

const WARNINGS: ReadonlySet<string> = new Set<DialTargetWarning>(['unverified', 'tooShort', 'tooLong', 'invalidLength', 'invalidCountry']);
function isWarning(reason: NormalizeReason | undefined): reason is DialTargetWarning {
  return reason !== undefined && WARNINGS.has(reason);
}

function classify(value: DialString, opts: DialTargetOptions): DialTargetResult {
  let dial = value.compact;
  if (opts.rules !== undefined && opts.rules.length > 0) {
    // Rules come from Settings (validated there) or a hand-edited file: their output
    // is checked like typed input, so a rule can never produce something unsafe.
    const rewritten = applyRewriteRules(dial, compileRewriteRules(opts.rules));
    if (rewritten !== dial) {
      if (!/^[0-9+*#]*$/.test(rewritten) || !checkCompact(rewritten, opts.allowFeatureCodes === true).ok) return refuse('rewriteInvalid');
      dial = rewritten;
    }
  }
  // The invariant call control relies on; the checks above already guarantee it.
  if (!DIAL_STRING.test(dial)) return refuse('invalidCharacter');
  const base = value.extension === undefined ? {} : { extension: value.extension };

  if (/[*#]/.test(dial)) return { ok: true, target: { kind: 'short', dial, display: dial, ...base } };

  const n = normalizeNumber(dial, opts.extensionPattern === undefined ? { defaultRegion: opts.defaultRegion } : { defaultRegion: opts.defaultRegion, extensionPattern: opts.extensionPattern });
  if (n.kind === 'extension' || n.kind === 'short') return { ok: true, target: { kind: n.kind, dial, display: dial, ...base } };

  if (n.kind === 'external' && n.e164 !== undefined) {
    const home = callingCodeOf(opts.defaultRegion);
    const parsed = parsePhoneNumberFromString(n.e164);
    const atHome = parsed !== undefined && home !== undefined && parsed.countryCallingCode === home;
    const verified = n.reason === undefined;
    const display = parsed === undefined ? n.e164 : atHome && verified ? parsed.formatNational() : parsed.formatInternational();
    const national = atHome && verified && n.national !== undefined ? n.national.replace(/[^0-9]/g, '') : undefined;
    return {
      ok: true,
      target: {
        kind: 'external',
        dial,
        e164: n.e164,
        ...(national === undefined || national === '' ? {} : { national }),
        display,
        ...base,
        ...(n.country === undefined ? {} : { country: n.country }),
        ...(isWarning(n.reason) ? { warning: n.reason } : {}),
      },
    };
  }
  // Clean digits libphonenumber-js cannot make a number of (`1234567` without an
  // area code, a trunk's `380...` without `+`): the PBX's dialplan decides, as it
  // would for the same digits dialled on a desk phone. The warning says so.
  return { ok: true, target: { kind: 'external', dial, display: dial, ...base, ...(isWarning(n.reason) ? { warning: n.reason } : {}) } };
}

/** Validates a typed, pasted or link-supplied number and says how to dial it; hostile input is refused. */
export function parseDialTarget(input: string, opts: DialTargetOptions): DialTargetResult {
  const checked = checkDialString(input, { allowFeatureCodes: opts.allowFeatureCodes === true, extensionSuffix: true });
  if (!checked.ok) return checked;
  return classify(checked.value, opts);
}

// Characters removed from a CallerID name: `"` and `<`/`>` delimit the name and the
// number in Asterisk's CallerID syntax (`"name" <number>`, ast_callerid_parse), `\`
// escapes inside the quotes; `$` and `` ` `` are dropped so a dialplan that hands
// CALLERID(name) to a shell (as old AGI scripts do) never gets an expansion from us.
const CALLER_ID_STRIP = /[<>"\\`$]/g;

export type CallerIdNameResult = { readonly ok: true; readonly name: string } | { readonly ok: false; readonly error: CallerIdNameError };

/**
 * Cleans the CallerID name template's output ("Sidecall: <contact or number>"):
 * refuses control and format characters (a line break would end the AMI header;
 * bidi marks would let CRM data disguise the name on the phone's screen), strips
 * CallerID delimiters, collapses whitespace and cuts to 64 characters.
 */
export function validateCallerIdName(name: string): CallerIdNameResult {
  if (CONTROL_OR_FORMAT.test(name)) return { ok: false, error: inputError('controlCharacter') };
  const cleaned = name
    .replace(/[\p{Cs}\p{Co}\p{Cn}]/gu, '')
    .replace(CALLER_ID_STRIP, '')
    .replace(/\s+/gu, ' ')
    .trim();
  const cut = Array.from(cleaned).slice(0, MAX_CALLER_ID_NAME_LENGTH).join('').trimEnd();
  if (cut === '') return { ok: false, error: inputError('empty') };
  return { ok: true, name: cut };
}

export type ChannelNameResult = { readonly ok: true; readonly channel: string } | { readonly ok: false; readonly error: ChannelNameError };

// `Tech/resource`: PJSIP/101, SIP/101-0000000a, IAX2/101-1234, DAHDI/1-1,
// PJSIP/79161234567@trunk (a dial string through an endpoint), Local/101@from-internal
// (a dial string, optionally with Local's /n, /j, /b or /m options) and
// Local/101@from-internal-00000012;1 (a live Local channel half).
const CHANNEL_NAME = /^([A-Za-z][A-Za-z0-9_]{0,31})\/([A-Za-z0-9_.+*#-]+)(?:@([A-Za-z0-9_.+-]+))?(;[12])?(\/[nbjm]{1,4})?$/;

/**
 * Validates a channel Sidecall itself targets (the operator's device from
 * Settings, a channel from an AMI event for Redirect or Hangup): one `Tech/`,
 * no second target (`&`), no argument separator (`,`), no line break.
 */
export function validateChannelName(ch: string): ChannelNameResult {
  const refuseChannel = (code: ChannelNameError['code']): ChannelNameResult => ({ ok: false, error: inputError(code) });
  if (ch === '') return refuseChannel('empty');
  if (ch.length > MAX_CHANNEL_NAME_LENGTH) return refuseChannel('tooLong');
  if (CONTROL_OR_FORMAT.test(ch)) return refuseChannel('controlCharacter');
  if (ch.startsWith('/') || /[,&|]/.test(ch)) return refuseChannel('channelSyntax');
  const m = CHANNEL_NAME.exec(ch);
  if (m === null) return refuseChannel('invalidChannel');
  const local = m[1]?.toLowerCase() === 'local';
  // Local channels only: the `@context`-less form is never a Local channel, and the
  // dial options and the ;1/;2 half belong to Local alone (and never together).
  if (local && m[3] === undefined) return refuseChannel('invalidChannel');
  if (!local && (m[4] !== undefined || m[5] !== undefined)) return refuseChannel('invalidChannel');
  if (m[4] !== undefined && m[5] !== undefined) return refuseChannel('invalidChannel');
  return { ok: true, channel: ch };
}
