// manager.conf stanzas for IT: one least-privilege AMI user per operator, with
// eventfilter lines so Asterisk sends each session only that operator's events.
// Pure: options in, text out (the CLI is src-main/cli/ami-config.ts).
//
// What Sidecall needs, from the permission table in asterisk-ami.md:
// - read=call (channel, dial, bridge, hangup, OriginateResponse events) and
//   agent (queue calls: AgentCalled/AgentConnect/...). Not dialplan (dozens of
//   VarSet/Newexten per call), not reporting (RTCP every ~5 s), not system or
//   security (FullyBooted, SuccessfulAuth): Sidecall does not rely on them.
// - write=originate (click-to-call), call (Redirect, Atxfer, BlindTransfer,
//   Hangup, Getvar/Setvar, Park, StopMixMonitor, MixMonitorMute) and reporting
//   (CoreShowChannels, the resync after every login). Not system: it is close to
//   shell access; the Filter and MixMonitor actions need it, so PBX-side
//   filtering comes from these eventfilter lines instead.
// - eventfilter (legacy regex form, matched against the whole event text, so
//   `Channel: ` also matches inside `DestChannel: `; Asterisk passes an event when
//   any include filter matches and no `!` filter does - main/manager.c,
//   match_filter). `[^0-9]` after the extension admits `PJSIP/101-0000002a` and
//   the suffix-less `PJSIP/101` of a failed OriginateResponse, but not 1010.
// - no secret is written: an empty `secret=` would let anyone log in with an
//   empty Secret (main/manager.c, authenticate: strcmp(password, user->secret)),
//   so the line stays commented out and the user cannot log in until IT sets one.

/** Channel technologies an operator's phone may use (the default client pattern's). */
export const DEFAULT_TECHNOLOGIES: readonly string[] = ['PJSIP', 'SIP', 'IAX2'];

/** Most users one run may print: a typo like 101-1500000 should not print a book. */
export const MAX_EXTENSIONS = 5000;

export interface ManagerConfOptions {
  /** Operator extensions, e.g. from parseExtensionList('101-150'). */
  readonly extensions: readonly string[];
  /** AMI user name = prefix + extension (default `op`). */
  readonly prefix?: string;
  /** The PBX address operators enter in Settings -> PBX; printed in each stanza's comment. */
  readonly pbxHost?: string;
  /** `permit=` networks (e.g. `10.20.0.0/255.255.0.0`); without any, the permit line is a commented placeholder and no one can log in. */
  readonly permit?: readonly string[];
  readonly technologies?: readonly string[];
  /** Adds write=system so the MixMonitor action works (system is near shell access: prefer MixMonitor in the dialplan). */
  readonly allowMixMonitor?: boolean;
}

/** A problem with the generator's input, phrased for the person running the command. */
export class ManagerConfError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ManagerConfError';
  }
}

const EXTENSION = /^[0-9]{2,10}$/;
// manager.conf section names as Sidecall's settings accept them (AmiUserSchema).
const AMI_USER = /^[A-Za-z0-9_.@-]{1,64}$/;
const TECHNOLOGY = /^[A-Za-z][A-Za-z0-9_]*$/;
const IPV4 = String.raw`(?:25[0-5]|2[0-4]\d|1?\d?\d)(?:\.(?:25[0-5]|2[0-4]\d|1?\d?\d)){3}`;
const PERMIT = new RegExp(`^${IPV4}/(?:${IPV4}|[0-9]|[12][0-9]|3[0-2])$`);

/**
 * `101-150`, `101,105,110-112` -> the extensions in order, without repeats.
 * Leading zeros are kept (`0101-0103` -> 0101, 0102, 0103).
 */
export function parseExtensionList(text: string): string[] {
  const out: string[] = [];
  const seen = new Set<string>();
  const add = (ext: string): void => {
    if (seen.has(ext)) return;
    seen.add(ext);
    out.push(ext);
    if (out.length > MAX_EXTENSIONS) throw new ManagerConfError(`More than ${MAX_EXTENSIONS} extensions: split the range into several runs`);
  };
  const parts = text.split(',').map((p) => p.trim());
  if (parts.every((p) => p === '')) throw new ManagerConfError('No extensions given: use e.g. --ext 101-150');
  for (const part of parts) {
    if (part === '') throw new ManagerConfError(`Empty item in ${JSON.stringify(text)}: separate extensions or ranges with single commas`);
    const range = /^([0-9]+)\s*-\s*([0-9]+)$/.exec(part);
    if (range === null) {
      if (!EXTENSION.test(part)) throw new ManagerConfError(`${JSON.stringify(part)} is not an extension: use 2 to 10 digits, or a range like 101-150`);
      add(part);
      continue;
    }
    const [, fromText = '', toText = ''] = range;
    for (const end of [fromText, toText]) {
      if (!EXTENSION.test(end)) throw new ManagerConfError(`${JSON.stringify(end)} in ${JSON.stringify(part)} is not an extension: use 2 to 10 digits`);
    }
    const from = Number(fromText);
    const to = Number(toText);
    if (from > to) throw new ManagerConfError(`The range ${part} runs backwards: write the lower extension first, e.g. ${toText}-${fromText}`);
    if (to - from + 1 > MAX_EXTENSIONS) throw new ManagerConfError(`The range ${part} has ${to - from + 1} extensions, more than ${MAX_EXTENSIONS}: split it into several runs`);
    // Zero padding only when written (0101-0150); otherwise plain numbers.
    const width = fromText.startsWith('0') || toText.startsWith('0') ? Math.max(fromText.length, toText.length) : 0;
    for (let n = from; n <= to; n++) add(String(n).padStart(width, '0'));
  }
  return out;
}

/** The eventfilter values that let through only `ext`'s events (see the header comment). */
export function operatorEventFilters(ext: string, technologies: readonly string[] = DEFAULT_TECHNOLOGIES): string[] {
  const tech = technologies.length === 1 ? (technologies[0] ?? '') : `(${technologies.join('|')})`;
  return [
    // CEL is class "call" but repeats what the channel events say (ami-traces k).
    '!Event: CEL',
    `Channel: ${tech}/${ext}[^0-9]`,
    // Queue membership and pause state name the device as Interface / StateInterface.
    `Interface: ${tech}/${ext}[^0-9]`,
  ];
}

/** The manager.conf text: a header comment, then one stanza per extension. */
export function generateManagerConf(opts: ManagerConfOptions): string {
  const prefix = opts.prefix ?? 'op';
  const technologies = opts.technologies ?? DEFAULT_TECHNOLOGIES;
  const permit = opts.permit ?? [];
  if (opts.extensions.length === 0) throw new ManagerConfError('No extensions given: use e.g. --ext 101-150');
  if (opts.extensions.length > MAX_EXTENSIONS) throw new ManagerConfError(`More than ${MAX_EXTENSIONS} extensions: split the range into several runs`);
  if (technologies.length === 0) throw new ManagerConfError('No channel technologies given');
  for (const t of technologies) {
    if (!TECHNOLOGY.test(t)) throw new ManagerConfError(`${JSON.stringify(t)} is not a channel technology (e.g. PJSIP, SIP, IAX2)`);
  }
  for (const p of permit) {
    if (!PERMIT.test(p)) throw new ManagerConfError(`--permit ${JSON.stringify(p)} is not a network: write address/mask, e.g. 10.20.0.0/255.255.0.0 or 10.20.0.0/16`);
  }
  if (opts.pbxHost !== undefined && !/^[A-Za-z0-9.:[\]-]{1,253}$/.test(opts.pbxHost)) {
    throw new ManagerConfError(`--pbx-host ${JSON.stringify(opts.pbxHost)} is not a host name or IP address`);
  }
  for (const ext of opts.extensions) {
    if (!EXTENSION.test(ext)) throw new ManagerConfError(`${JSON.stringify(ext)} is not an extension: use 2 to 10 digits`);
    if (!AMI_USER.test(`${prefix}${ext}`)) {
      throw new ManagerConfError(`--prefix ${JSON.stringify(prefix)} makes the AMI user name ${JSON.stringify(`${prefix}${ext}`)}, which Sidecall does not accept: use letters, digits, _ . @ - (at most 64 in all)`);
    }
  }

  const write = opts.allowMixMonitor === true ? 'system,originate,call,reporting' : 'originate,call,reporting';
  const first = opts.extensions[0] ?? '';
  const last = opts.extensions[opts.extensions.length - 1] ?? '';
  const lines: string[] = [
    `; Sidecall operator AMI users, ${opts.extensions.length === 1 ? `extension ${first}` : `extensions ${first} to ${last} (${opts.extensions.length} users)`}.`,
    '; Generated by `sidecall ami-config`. Add to /etc/asterisk/manager.conf (or a',
    '; file #included from it), then run `manager reload` in the Asterisk CLI.',
    ';',
    '; Before reloading:',
    '; - set each secret= to a long random value and remove the ";" in front of it:',
    ';   a user without a secret cannot log in (an EMPTY secret would let anyone in);',
    permit.length === 0
      ? '; - replace each ";permit=" placeholder with the operators\' network: until then deny= refuses every address;'
      : '; - check the permit= networks below;',
    '; - write=originate needs Asterisk 18.24.2 / 20.9.2 / 21.4.2 or later (CVE-2024-42365).',
    '; Each operator enters in Sidecall, Settings -> PBX: the PBX address, the AMI user',
    '; below, its secret and the extension. In Sidecall\'s IT config file (--config), set',
    '; "pbx": { "eventFilter": true } so its diagnostics report the PBX-side filtering.',
  ];
  if (opts.allowMixMonitor === true) {
    lines.push(';', '; WARNING: --allow-mixmonitor grants write=system, which is close to shell access on the PBX.');
  }
  for (const ext of opts.extensions) {
    lines.push(
      '',
      `[${prefix}${ext}]`,
      `; Sidecall operator ${ext}${opts.pbxHost === undefined ? '' : `: PBX address ${opts.pbxHost}`}, AMI user ${prefix}${ext}, extension ${ext}`,
      ';secret=',
      'deny=0.0.0.0/0.0.0.0',
      ...(permit.length === 0 ? [';permit=10.0.0.0/255.255.255.0'] : permit.map((p) => `permit=${p}`)),
      'read=call,agent',
      `write=${write}`,
      // Asterisk drops a session whose socket does not take a write within this time (ms).
      'writetimeout=1000',
      ...operatorEventFilters(ext, technologies).map((f) => `eventfilter=${f}`),
    );
  }
  return `${lines.join('\n')}\n`;
}
