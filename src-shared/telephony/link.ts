// Call links from anywhere on the desktop: a web page, a CRM, a mail client or
// the OS hands Sidecall a `tel:`, `callto:`, `sip:` or `sips:` URI, and the
// number in it becomes an AMI Originate. The sender is untrusted (any web page
// can put a link in front of an operator), so this parser reads the URI's
// structure only as far as it needs to find a number, decodes percent-encoding
// exactly once per component, refuses control characters before and after
// decoding, and runs the number through the same character gate as typed input
// (checkDialString). Region- and settings-dependent checks are parseDialTarget's;
// dialTargetFromLink does both, as call control should.
import { foldDigits } from '../phone';
import { CONTROL_OR_FORMAT, UNREADABLE } from './chars';
import { checkCompact, checkDialString, parseDialTarget, readExtension } from './dial-target';
import type { DialTarget, DialTargetOptions } from './dial-target';
import { inputError } from './errors';
import type { CallLinkError, CallLinkErrorCode } from './errors';

/** Longest link looked at (browsers cap URLs near 2 MB; no phone link needs more than this). */
export const MAX_LINK_LENGTH = 2048;

export type CallLinkScheme = 'tel' | 'callto' | 'sip' | 'sips';

export interface CallLink {
  readonly scheme: CallLinkScheme;
  /** The link as received. */
  readonly raw: string;
  /**
   * The dialable part, percent-decoded once, digits folded to ASCII, visual separators
   * removed: `+?[0-9]+` or a feature code. A local number with a `+` phone-context
   * has the context prepended.
   */
  readonly number: string;
  /** `;ext=` as DTMF digits. */
  readonly extension?: string;
  /** `;phone-context=` as given (`+7495`, `example.com`): shown, never dialled. */
  readonly phoneContext?: string;
}

export type CallLinkResult = { readonly ok: true; readonly link: CallLink } | { readonly ok: false; readonly error: CallLinkError };

type Step<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: CallLinkError };

function fail(code: CallLinkErrorCode): { readonly ok: false; readonly error: CallLinkError } {
  return { ok: false, error: inputError(code) };
}

const SCHEMES: ReadonlySet<string> = new Set<CallLinkScheme>(['tel', 'callto', 'sip', 'sips']);
function isScheme(name: string | undefined): name is CallLinkScheme {
  return name !== undefined && SCHEMES.has(name);
}
const SCHEME = /^([A-Za-z][A-Za-z0-9+.-]*):/;
const LINK_PREFIX = /^(?:tel|callto|sip|sips):/i;

/**
 * Decodes one component exactly once (RFC 3986 §2.4: split first, then decode, so
 * an encoded `;` or `@` is data, never a delimiter). A `%` left after decoding
 * means the sender encoded twice (`%250d`): refused rather than decoded again, so
 * no number of encoding layers ever yields a CR.
 */
function decodeOnce(component: string): Step<string> {
  let decoded: string;
  try {
    decoded = decodeURIComponent(component);
  } catch {
    // URIError: a `%` without two hex digits, or bytes that are not UTF-8 (overlong forms included).
    return fail('invalidEncoding');
  }
  if (CONTROL_OR_FORMAT.test(decoded)) return fail('controlCharacter');
  if (decoded.includes('%')) return fail('invalidEncoding');
  if (UNREADABLE.test(decoded)) return fail('invalidCharacter');
  return { ok: true, value: decoded };
}

/**
 * `;name=value` parameters: names compare case-insensitively (RFC 3966 §4, RFC 3261
 * §19.1.4) and may appear only once (RFC 3966 §3) — a second `ext` or
 * `phone-context` is how one would try to make two readers disagree.
 */
function readParameters(parts: readonly string[]): Step<ReadonlyMap<string, string | undefined>> {
  const params = new Map<string, string | undefined>();
  for (const part of parts) {
    const eq = part.indexOf('=');
    const name = decodeOnce(eq < 0 ? part : part.slice(0, eq));
    if (!name.ok) return name;
    const value = eq < 0 ? undefined : decodeOnce(part.slice(eq + 1));
    if (value !== undefined && !value.ok) return value;
    const key = name.value.toLowerCase();
    if (!/^[a-z0-9-]+$/.test(key) || params.has(key)) return fail('invalidParameter');
    params.set(key, value?.value);
  }
  return { ok: true, value: params };
}

// RFC 3966 §3: descriptor = domainname / global-number-digits.
const DOMAIN = /^(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)*[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.?$/;
const GLOBAL_CONTEXT = /^\+[0-9]{1,15}$/;

interface Subscriber {
  readonly number: string;
  readonly extension?: string;
  readonly phoneContext?: string;
}

/**
 * An RFC 3966 telephone-subscriber (the body of `tel:`, of `callto:`, and the user
 * part of a `sip:` URI with `user=phone`): number, then `;ext=`, `;isub=`,
 * `;phone-context=` and other parameters in any order.
 */
function readSubscriber(body: string): Step<Subscriber> {
  const [numberRaw = '', ...paramParts] = body.split(';');
  const number = decodeOnce(numberRaw);
  if (!number.ok) return number;
  const params = readParameters(paramParts);
  if (!params.ok) return params;
  // Links come from anywhere, so feature codes pass this structural step and are
  // allowed or refused by parseDialTarget with the caller's options. Only `ext` is
  // an extension here: an encoded `%3Bext%3D1` in the number stays a refused `;`.
  const checked = checkDialString(number.value, { allowFeatureCodes: true, extensionSuffix: false });
  if (!checked.ok) return checked;
  let compact = checked.value.compact;

  let extension: string | undefined;
  if (params.value.has('ext')) {
    // RFC 3966 §5.3: the extension is digits (with visual separators).
    extension = readExtension(params.value.get('ext') ?? '');
    if (extension === undefined) return fail('invalidExtension');
  }
  // `isub` (RFC 3966 §5.2, an ISDN subaddress) and unknown parameters (§5.4) say
  // nothing Sidecall can dial: ignored, after the decoding checks above.

  let phoneContext: string | undefined;
  if (params.value.has('phone-context')) {
    const context = foldDigits(params.value.get('phone-context') ?? '');
    if (context.startsWith('+')) {
      const digits = `+${context.slice(1).replace(/[-.()]/g, '')}`;
      if (!GLOBAL_CONTEXT.test(digits)) return fail('invalidParameter');
      phoneContext = context;
      // RFC 3966 §5.1.5: a local number is valid only within its context. A
      // `+`-prefixed context is taken as a prefix to prepend, as Sidecall's settings
      // say. The RFC warns the result need not be a valid E.164 number; dialling it
      // anyway is still safer than dialling the bare local digits, which on the
      // operator's own PBX would reach whatever extension has them.
      // A global number keeps its digits (§5.1.4: the context applies to local numbers).
      if (!compact.startsWith('+')) {
        const prefixed = `${digits}${compact}`;
        const ok = checkCompact(prefixed, true);
        if (!ok.ok) return ok;
        compact = prefixed;
      }
    } else {
      if (!DOMAIN.test(context)) return fail('invalidParameter');
      // A domain context (`;phone-context=example.com`) names a private numbering
      // plan; only its owner can resolve it. Kept for the confirm card, not dialled.
      phoneContext = context;
    }
  }
  return {
    ok: true,
    value: { number: compact, ...(extension === undefined ? {} : { extension }), ...(phoneContext === undefined ? {} : { phoneContext }) },
  };
}

// host = hostname / IPv4address / IPv6reference, optional port (RFC 3261 §25.1).
const SIP_HOST = /^(?:\[[0-9A-Fa-f:.]{2,45}\]|(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)*[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.?)(?::[0-9]{1,5})?$/;

/**
 * `sip:user@host;params?headers` (RFC 3261 §19.1). Only the user is read as a
 * number; the host is checked for shape and otherwise ignored, because the call
 * always goes out through the operator's own PBX — a link never picks the server.
 */
function readSip(body: string): Step<Subscriber> {
  const q = body.indexOf('?');
  const main = q < 0 ? body : body.slice(0, q);
  if (q >= 0) {
    // Headers (`?subject=...&priority=...`) are ignored, but not left unchecked.
    for (const header of body.slice(q + 1).split('&')) {
      const decoded = decodeOnce(header);
      if (!decoded.ok) return decoded;
    }
  }
  const at = main.indexOf('@');
  if (at !== main.lastIndexOf('@')) return fail('invalidSipUri');
  const userRaw = at < 0 ? undefined : main.slice(0, at);
  const [hostRaw = '', ...paramParts] = (at < 0 ? main : main.slice(at + 1)).split(';');
  const host = decodeOnce(hostRaw);
  if (!host.ok) return host;
  const params = readParameters(paramParts);
  if (!params.ok) return params;

  let user: string;
  if (userRaw === undefined) {
    // `sip:101` (no host) is what some click-to-dial pages write; read it as a user
    // only when it is nothing but a number, so `sip:pbx.example.com` is still no user.
    if (!/^\+?[0-9]+$/.test(host.value)) return fail('invalidSipUri');
    user = hostRaw;
  } else {
    if (!SIP_HOST.test(host.value)) return fail('invalidSipUri');
    user = userRaw;
  }
  if (user === '') return fail('invalidSipUri');
  // `user:password@host`: RFC 3261 §19.1.1 says not to use it; a link has no business carrying one.
  if (user.includes(':')) return fail('invalidSipUri');

  // `user=phone` makes the user part a telephone-subscriber (RFC 3261 §19.1.1), with its own parameters.
  if ((params.value.get('user') ?? '').toLowerCase() === 'phone') return readSubscriber(user);

  // Otherwise the user is a name unless it is only a number (`sip:101@pbx`,
  // `sip:+79161234567@pbx`): a person's SIP address cannot be dialled through the PBX.
  const decoded = decodeOnce(user);
  if (!decoded.ok) return decoded;
  if (/\p{L}/u.test(decoded.value)) return fail('sipUserNotNumber');
  const checked = checkDialString(decoded.value, { allowFeatureCodes: true, extensionSuffix: false });
  if (!checked.ok) return checked;
  return { ok: true, value: { number: checked.value.compact } };
}

/** Parses a `tel:`, `callto:`, `sip:` or `sips:` link into the number it asks to dial; hostile links are refused. */
export function parseCallLink(uri: string): CallLinkResult {
  if (uri.length > MAX_LINK_LENGTH) return fail('tooLong');
  // Raw control characters are refused before anything else looks at the link.
  if (CONTROL_OR_FORMAT.test(uri)) return fail('controlCharacter');
  if (UNREADABLE.test(uri)) return fail('invalidCharacter');
  const text = uri.replace(/^ +| +$/g, '');
  if (text === '') return fail('empty');
  const scheme = SCHEME.exec(text);
  const name = scheme?.[1]?.toLowerCase();
  if (scheme === null || !isScheme(name)) return fail('unsupportedScheme');
  let rest = text.slice(scheme[0].length);
  // `tel://+7...`, `callto://+7.../` and `tel:/+7...`: browsers and apps that build
  // links as if they had an authority or a path. RFC 3966 has neither.
  if (rest.startsWith('//')) rest = rest.slice(2);
  else if (rest.startsWith('/')) rest = rest.slice(1);
  if (rest.endsWith('/')) rest = rest.slice(0, -1);

  let subscriber: Step<Subscriber>;
  if (name === 'sip' || name === 'sips') subscriber = readSip(rest);
  else if (name === 'callto') {
    // Skype-style `callto:+7...?call`: the query is an instruction to the client, not part of the number.
    const q = rest.indexOf('?');
    if (q >= 0) {
      const query = decodeOnce(rest.slice(q + 1));
      if (!query.ok) return query;
    }
    subscriber = readSubscriber(q < 0 ? rest : rest.slice(0, q));
  } else subscriber = readSubscriber(rest);
  if (!subscriber.ok) return subscriber;

  return { ok: true, link: { scheme: name, raw: uri, ...subscriber.value } };
}

export type DialLinkResult =
  | { readonly ok: true; readonly link: CallLink; readonly target: DialTarget }
  | { readonly ok: false; readonly error: CallLinkError };

/**
 * What call control runs on a link: parseCallLink, then parseDialTarget on its
 * number with the operator's settings; the link's `;ext=` becomes the target's extension.
 */
export function dialTargetFromLink(uri: string, opts: DialTargetOptions): DialLinkResult {
  const parsed = parseCallLink(uri);
  if (!parsed.ok) return parsed;
  const result = parseDialTarget(parsed.link.number, opts);
  if (!result.ok) return result;
  const target = parsed.link.extension === undefined ? result.target : { ...result.target, extension: parsed.link.extension };
  return { ok: true, link: parsed.link, target };
}

/**
 * The link in a command line, as the OS hands it over (Windows and Linux start a
 * second instance with it in argv; the installers register `app -- %1`). Takes the
 * first argument after `--` that starts with a link scheme, else the last such
 * argument anywhere. An argument starting with `-` is never a link, even after
 * `--`: Chromium inserts its own switches into a second instance's argv, and a
 * link must never be read as (or be able to smuggle in) a switch.
 */
export function linkFromArgv(argv: readonly string[]): string | undefined {
  const isLink = (arg: string): boolean => !arg.startsWith('-') && LINK_PREFIX.test(arg);
  const separator = argv.indexOf('--');
  if (separator >= 0) {
    const first = argv.slice(separator + 1).find(isLink);
    if (first !== undefined) return first;
  }
  return argv.findLast(isLink);
}
