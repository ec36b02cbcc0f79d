// Managed settings (policy) that IT deploys machine-wide, as pure data: the
// document format, its validation against the Settings schema, and the merge
// of several sources into one PolicyLayer that settings resolution applies
// (core/settings/layered-settings.ts). Reading the files, the Windows registry
// and the macOS configuration profile is in src-main/adapters/policy/.
//
// The format (policy.json, or the same keys in the managed-preferences plist):
//
//   {
//     "values": { "pbx.host": "pbx.corp.example", "pbx.port": 5039, "shell.startAtLogin": true },
//     "locked": ["pbx.host", "pbx.port", "updates"]
//   }
//
// - `values`: dotted Settings paths (as in the Settings schema) and their
//   values. A nested object is accepted too ({"pbx": {"host": "..."}}) and is
//   read as its dotted leaves.
// - `locked`: paths the operator cannot change. A locked path takes the value
//   given in `values`, or the built-in default when `values` has none. A
//   section name ("pbx", "updates") locks every field under it; "*" locks all.
// - A value that is not locked is this machine's default: it applies until
//   the operator changes that field.
// - Unknown paths, invalid values and unknown top-level keys are reported
//   (log, Settings page, diagnostics) and ignored; the rest still applies. A
//   file that is not a JSON object of this shape is ignored as a whole.
//
// Windows registry (HKLM\Software\Policies\Sidecall): every value is a dotted
// path; its data is JSON (`5039`, `true`, `"x"`, `["a"]`) or plain text;
// REG_DWORD 0/1 also serve booleans. Values directly under the key are
// locked (mandatory); values under its `Recommended` subkey are defaults the
// operator may change (the convention of Chrome and Edge policies).
//
// Precedence: built-in default < unlocked policy value < the operator's own
// settings < --config file (wins and locks) < locked policy value. Policy is
// above --config because anyone can start the app with --config, and a machine
// policy must not be escapable that way. Between policy sources, the first
// listed (registry, then configuration profile, then file) wins a conflict;
// locks add up.
import { z } from 'zod';
import { SETTINGS_PATHS, settingsLeafSchema } from '../settings/layered-settings';
import type { SettingsProblem } from '../../../src-shared/domain/settings';

/** One policy source as read: its document, or why it could not be read. */
export interface RawPolicySource {
  /** Where it came from, shown in problems: a file path or the registry key. */
  readonly source: string;
  readonly doc?: unknown;
  /** The source exists but could not be read or parsed (message for IT). */
  readonly error?: string;
  /** Registry data arrives as text: "5039" may mean the number, "true" the boolean. */
  readonly lenient?: boolean;
}

export interface PolicyValue {
  readonly value: unknown;
  readonly source: string;
}

/** The merged, validated policy of this machine. */
export interface PolicyLayer {
  /** Valid values by dotted path (locked or not). */
  readonly values: ReadonlyMap<string, PolicyValue>;
  /** Locked dotted paths, each with the source that locked it. */
  readonly locked: ReadonlyMap<string, string>;
  readonly problems: readonly SettingsProblem[];
  /** The sources that were found (read or broken), for diagnostics. */
  readonly sources: readonly string[];
}

export const EMPTY_POLICY: PolicyLayer = { values: new Map(), locked: new Map(), problems: [], sources: [] };

export const PolicyDocumentSchema = z
  .object({
    values: z.record(z.string(), z.unknown()).optional(),
    locked: z.array(z.string().max(200)).max(1000).optional(),
    /** Free text for the IT department's own notes. */
    comment: z.string().optional(),
    $schema: z.string().optional(),
  })
  .strict();
export type PolicyDocument = z.infer<typeof PolicyDocumentSchema>;

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

const SECTIONS: ReadonlySet<string> = new Set(SETTINGS_PATHS.flatMap((p) => p.split('.').slice(0, -1).map((_, i, parts) => parts.slice(0, i + 1).join('.'))));

/** The leaves a `values` entry stands for: a leaf path, or a nested object under a section. */
function flattenValue(key: string, value: unknown, out: [string, unknown][], unknown: string[]): void {
  if (settingsLeafSchema(key)) {
    out.push([key, value]);
    return;
  }
  if (SECTIONS.has(key) && isRecord(value)) {
    for (const [k, v] of Object.entries(value)) flattenValue(`${key}.${k}`, v, out, unknown);
    return;
  }
  unknown.push(key);
}

/** The leaf paths a `locked` entry covers: itself, a whole section, or "*" for everything. */
function lockedLeaves(entry: string): readonly string[] {
  if (entry === '*') return SETTINGS_PATHS;
  if (settingsLeafSchema(entry)) return [entry];
  if (SECTIONS.has(entry)) return SETTINGS_PATHS.filter((p) => p.startsWith(`${entry}.`));
  return [];
}

/** Registry text to what the field takes: JSON first ("5039" -> 5039), and 0/1 for booleans. */
function lenientCandidates(value: unknown): unknown[] {
  const out: unknown[] = [];
  if (typeof value === 'string') {
    try {
      out.push(JSON.parse(value) as unknown);
    } catch {
      // plain text: tried as it is
    }
  }
  if (value === 0 || value === 1) out.push(value === 1);
  return out;
}

/** Validates one source. A document of the wrong shape is ignored as a whole and reported. */
export function parsePolicySource(raw: RawPolicySource): PolicyLayer {
  const problems: SettingsProblem[] = [];
  const values = new Map<string, PolicyValue>();
  const locked = new Map<string, string>();
  const layer = (): PolicyLayer => ({ values, locked, problems, sources: [raw.source] });
  if (raw.error !== undefined) {
    problems.push({ path: '(file)', message: `The policy could not be read and is not applied: ${raw.error}`, source: raw.source });
    return layer();
  }
  const parsed = PolicyDocumentSchema.safeParse(raw.doc);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue && issue.path.length > 0 ? ` at "${issue.path.join('.')}"` : '';
    problems.push({
      path: '(file)',
      message: `The policy is not applied: it must be an object like {"values": {"pbx.host": "..."}, "locked": ["pbx.host"]} (${issue?.message ?? 'invalid'}${where})`,
      source: raw.source,
    });
    return layer();
  }
  const flat: [string, unknown][] = [];
  const unknownPaths: string[] = [];
  for (const [key, value] of Object.entries(parsed.data.values ?? {})) flattenValue(key, value, flat, unknownPaths);
  for (const path of unknownPaths) problems.push({ path, message: 'policy.error.unknownPath', source: raw.source });

  const invalid = new Set<string>();
  for (const [path, value] of flat) {
    const schema = settingsLeafSchema(path);
    if (!schema) continue;
    const candidates = raw.lenient ? [value, ...lenientCandidates(value)] : [value];
    const ok = candidates.map((c) => schema.safeParse(c)).find((r) => r.success);
    if (ok) values.set(path, { value: ok.data, source: raw.source });
    else {
      invalid.add(path);
      const first = schema.safeParse(value);
      problems.push({ path, message: first.success ? 'invalid' : (first.error.issues[0]?.message ?? 'invalid'), source: raw.source });
    }
  }
  for (const entry of parsed.data.locked ?? []) {
    const leaves = lockedLeaves(entry);
    if (leaves.length === 0) problems.push({ path: entry, message: 'policy.error.unknownPath', source: raw.source });
    // A locked field whose value is invalid stays the operator's: locking it at a default IT did not choose could break a working desk.
    for (const leaf of leaves) if (!invalid.has(leaf)) locked.set(leaf, raw.source);
  }
  return layer();
}

/** Merges sources in order of authority: the first value for a path wins; locks add up. */
export function mergePolicies(layers: readonly PolicyLayer[]): PolicyLayer {
  const values = new Map<string, PolicyValue>();
  const locked = new Map<string, string>();
  const problems: SettingsProblem[] = [];
  const sources: string[] = [];
  for (const l of layers) {
    for (const [path, v] of l.values) if (!values.has(path)) values.set(path, v);
    for (const [path, source] of l.locked) if (!locked.has(path)) locked.set(path, source);
    problems.push(...l.problems);
    sources.push(...l.sources);
  }
  return { values, locked, problems, sources };
}

/** Parses and merges raw sources (in order of authority). */
export function policyFromSources(raws: readonly RawPolicySource[]): PolicyLayer {
  return mergePolicies(raws.map(parsePolicySource));
}

/** Where settings get the machine policy from (adapters/policy reads the real sources). */
export interface PolicyProvider {
  /** Changes whenever load() may answer differently (file stamps); compared on every settings load. */
  stamp(): string;
  load(): PolicyLayer;
}
