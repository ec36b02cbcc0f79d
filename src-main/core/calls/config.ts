// Tracker configuration: whose calls these are. The operator's extension and
// the pattern that recognises the operator's own channels (the same default
// as the AMI operator filter, `^(?:PJSIP|SIP|IAX2)/<ext>-`), plus the rule that
// tells an internal party (another extension) from an outside number.
import { DEFAULT_CHANNEL_PATTERN } from '../ami/filter';

export interface TrackerConfig {
  /** The operator's extension, e.g. `101`. */
  readonly extension: string;
  /** A template with `<ext>` or a ready RegExp; default {@link DEFAULT_CHANNEL_PATTERN}. */
  readonly channelPattern?: string | RegExp;
  /**
   * Remote numbers that are internal (another extension, a feature code): the call
   * is then `internal`. Default: 1 to 5 digits. Numbers starting with `*` or `#`
   * (feature codes) are always internal.
   */
  readonly internalNumberPattern?: RegExp;
  /** Ended calls kept (for the UI) after reporting acknowledged them; default 20. */
  readonly maxEndedCalls?: number;
  /**
   * How long a queue call that stopped ringing me waits before it is reported as
   * missed, in case the queue rings me again or a colleague answers; default 45 s
   * (a queue's member timeout plus its retry delay).
   */
  readonly queueSettleMs?: number;
}

export interface ResolvedTrackerConfig {
  readonly extension: string;
  readonly pattern: RegExp;
  readonly internalNumberPattern: RegExp;
  readonly maxEndedCalls: number;
  readonly queueSettleMs: number;
}

export const DEFAULT_INTERNAL_NUMBER_PATTERN = /^[0-9]{1,5}$/;

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&');
}

function withoutStatefulFlags(re: RegExp): RegExp {
  // A global or sticky RegExp carries lastIndex between test() calls.
  return /[gy]/.test(re.flags) ? new RegExp(re.source, re.flags.replace(/[gy]/g, '')) : re;
}

/** Compiles the configuration once (getEmptyState does this). Throws on a template without `<ext>`. */
export function resolveTrackerConfig(config: TrackerConfig): ResolvedTrackerConfig {
  const template = config.channelPattern ?? DEFAULT_CHANNEL_PATTERN;
  let pattern: RegExp;
  if (template instanceof RegExp) {
    pattern = withoutStatefulFlags(template);
  } else {
    if (!template.includes('<ext>')) throw new Error(`Channel pattern ${JSON.stringify(template)} has no <ext> placeholder`);
    pattern = new RegExp(template.split('<ext>').join(escapeRegExp(config.extension)));
  }
  return {
    extension: config.extension,
    pattern,
    internalNumberPattern: withoutStatefulFlags(config.internalNumberPattern ?? DEFAULT_INTERNAL_NUMBER_PATTERN),
    maxEndedCalls: Math.max(0, config.maxEndedCalls ?? 20),
    queueSettleMs: Math.max(0, config.queueSettleMs ?? 45_000),
  };
}

/** Whether a channel name (`PJSIP/101-0000002a`) is one of the operator's channels. */
export function isMyChannel(config: ResolvedTrackerConfig, channel: string): boolean {
  return config.pattern.test(channel);
}

/**
 * Whether a dial string or suffix-less channel (`PJSIP/101`, as in a failed
 * OriginateResponse or a ParkerDialString) is the operator's device: it is if a
 * channel of it would be.
 */
export function isMyDevice(config: ResolvedTrackerConfig, device: string): boolean {
  return !/-[0-9a-f]{8}(?:;[12])?$/i.test(device) && config.pattern.test(`${device}-00000000`);
}

/** Whether a remote number is internal (another extension or a feature code). */
export function isInternalNumber(config: ResolvedTrackerConfig, number: string | undefined): boolean {
  if (number === undefined) return false;
  return /^[*#]/.test(number) || config.internalNumberPattern.test(number);
}

export function isLocalChannel(channel: string): boolean {
  return /^Local\//i.test(channel);
}
