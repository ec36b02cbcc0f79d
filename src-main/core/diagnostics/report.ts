// The "Copy diagnostics" text: what support needs from a desk (version, host,
// settings, what IT locked, settings and policy problems, connection states,
// the last log lines) and nothing it must not see. Settings hold no secrets by
// design; still, every value under a secret-looking key is redacted, user:pass@
// in URLs and token-like query parameters are cut, and the known secret values
// themselves (the AMI secret and whatever else the core hands in) are replaced
// wherever they appear, log lines included. Pure: the core collects, this formats.
import { redact, type LogRecord } from '../log/logger';

export interface DiagnosticsInput {
  readonly generatedAt: number;
  /** Name, version, host, platform and what the host adds (Electron and Chrome versions, OS, log folder). */
  readonly app: Readonly<Record<string, unknown>>;
  readonly settings: unknown;
  readonly locked: readonly string[];
  readonly problems: readonly { readonly path: string; readonly message: string; readonly source: string }[];
  /** Connection, Do not disturb, calls, keychain, CRM, outbox...: one entry per state. */
  readonly states: Readonly<Record<string, unknown>>;
  readonly log: readonly LogRecord[];
  /** Secret values to remove wherever they appear (never shown, never logged). */
  readonly secrets: readonly string[];
}

/** How many log lines a report carries (the newest). */
export const DIAGNOSTICS_LOG_LINES = 200;

const URL_USERINFO = /([a-z][a-z0-9+.-]*:\/\/)[^/\s:@]+(?::[^/\s@]*)?@/gi;
const SECRET_QUERY = /([?&](?:access_token|refresh_token|token|key|apikey|api_key|secret|password|auth|sig|signature|code)=)[^&\s"#]*/gi;

/** Removes credentials from one piece of text. */
export function scrubText(text: string, secrets: readonly string[]): string {
  let out = text.replace(URL_USERINFO, '$1[redacted]@').replace(SECRET_QUERY, '$1[redacted]');
  // Longest first, so a secret containing another is replaced whole. Very short
  // values would blank out ordinary text and are not secrets worth the name.
  for (const s of [...secrets].filter((v) => v.length >= 4).sort((a, b) => b.length - a.length)) out = out.split(s).join('[redacted]');
  return out;
}

/** The values to scrub for one keychain entry: itself and, for a JSON token set, every string in it. */
export function secretValues(stored: string): string[] {
  const out = [stored];
  try {
    const walk = (v: unknown): void => {
      if (typeof v === 'string') out.push(v);
      else if (Array.isArray(v)) v.forEach(walk);
      else if (typeof v === 'object' && v !== null) Object.values(v).forEach(walk);
    };
    walk(JSON.parse(stored) as unknown);
  } catch {
    // not JSON: the value itself is the secret
  }
  // Short strings inside a token set (token_type "Bearer", a kind) are not secret and would blank out words.
  return out.filter((v, i) => i === 0 || v.length >= 12);
}

function logLine(r: LogRecord): string {
  return JSON.stringify({ t: new Date(r.at).toISOString(), level: r.level, scope: r.scope, msg: r.message, ...r.fields });
}

function block(value: unknown): string {
  return JSON.stringify(redact(value), null, 2);
}

/** The report as plain text, secrets removed. */
export function diagnosticsReport(input: DiagnosticsInput): string {
  const lines: string[] = [
    `Sidecall diagnostics, ${new Date(input.generatedAt).toISOString()}`,
    '',
    '## App',
    block(input.app),
    '',
    '## States',
    block(input.states),
    '',
    `## Managed by the organization (${input.locked.length})`,
    input.locked.length === 0 ? '(nothing locked)' : input.locked.join('\n'),
    '',
    `## Settings and policy problems (${input.problems.length})`,
    input.problems.length === 0 ? '(none)' : input.problems.map((p) => `${p.source}: ${p.path}: ${p.message}`).join('\n'),
    '',
    '## Settings (no secrets: those are in the keychain)',
    block(input.settings),
    '',
    `## Last ${Math.min(input.log.length, DIAGNOSTICS_LOG_LINES)} log lines`,
    ...input.log.slice(-DIAGNOSTICS_LOG_LINES).map(logLine),
    '',
  ];
  return scrubText(lines.join('\n'), input.secrets);
}
