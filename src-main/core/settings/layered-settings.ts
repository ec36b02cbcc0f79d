// Pure settings resolution: the user's document, the IT/--config document
// (which wins and locks what it sets) and the machine policy (core/policy:
// unlocked values are defaults, locked ones win over everything) become one
// valid Settings. Validation is per field: one bad field falls back to its
// default and is reported by path, and nothing else the user set is lost or
// rewritten.
import { z } from 'zod';
import { AppError } from '../../../src-shared/errors';
import { SettingsSchema, type Settings, type SettingsPatch, type SettingsProblem } from '../../../src-shared/domain/settings';
import type { PolicyLayer } from '../policy/policy';

export type RawDocument = Readonly<Record<string, unknown>>;

interface Leaf {
  readonly path: readonly string[];
  readonly schema: z.ZodType;
}

function collectLeaves(schema: z.ZodType, prefix: readonly string[]): Leaf[] {
  const inner = schema instanceof z.ZodDefault ? (schema.unwrap() as z.ZodType) : schema;
  if (inner instanceof z.ZodObject) {
    return Object.entries(inner.shape as Record<string, z.ZodType>).flatMap(([key, child]) => collectLeaves(child, [...prefix, key]));
  }
  return [{ path: prefix, schema }];
}

/** Every settable field of Settings, as dotted paths with its own schema. */
const LEAVES: readonly Leaf[] = collectLeaves(SettingsSchema, []);
export const SETTINGS_PATHS: readonly string[] = LEAVES.map((l) => l.path.join('.'));
const LEAF_BY_PATH: ReadonlyMap<string, z.ZodType> = new Map(LEAVES.map((l) => [l.path.join('.'), l.schema]));

/** The schema of one settable field by its dotted path; undefined for anything else (a section, an unknown key). */
export function settingsLeafSchema(dotted: string): z.ZodType | undefined {
  return LEAF_BY_PATH.get(dotted);
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function getPath(doc: unknown, path: readonly string[]): { found: boolean; value: unknown } {
  let cur: unknown = doc;
  for (const key of path) {
    if (!isRecord(cur) || !Object.hasOwn(cur, key)) return { found: false, value: undefined };
    cur = cur[key];
  }
  return { found: true, value: cur };
}

function setPath(target: Record<string, unknown>, path: readonly string[], value: unknown): void {
  let cur = target;
  path.forEach((key, i) => {
    if (i === path.length - 1) {
      cur[key] = value;
      return;
    }
    const next = cur[key];
    if (!isRecord(next)) cur[key] = {};
    cur = cur[key] as Record<string, unknown>;
  });
}

export interface SourceDocument {
  /** Shown in problems, e.g. the file path. */
  readonly source: string;
  readonly doc: unknown;
}

export interface ResolvedSettings {
  readonly settings: Settings;
  readonly problems: readonly SettingsProblem[];
  readonly lockedPaths: readonly string[];
}

/**
 * Resolves settings from the user's document, an optional override document
 * and the machine policy. A field set validly by the override wins and is
 * locked; an invalid field in either is reported and does not count. An
 * unlocked policy value stands in for the default; a locked one wins over
 * both documents (see core/policy/policy.ts for why).
 */
export function resolveSettings(user: SourceDocument, override?: SourceDocument, policy?: PolicyLayer): ResolvedSettings {
  const problems: SettingsProblem[] = [];
  const locked: string[] = [];
  const out: Record<string, unknown> = {};
  for (const docSource of [user, override]) {
    if (docSource && docSource.doc !== undefined && !isRecord(docSource.doc)) {
      problems.push({ path: '(root)', message: 'settings.error.notAnObject', source: docSource.source });
    }
  }
  for (const leaf of LEAVES) {
    const dotted = leaf.path.join('.');
    const fromPolicy = policy?.values.get(dotted);
    const policyLocked = policy?.locked.has(dotted) ?? false;
    // Already validated against this field's schema by the policy parser.
    let chosen: unknown = fromPolicy && !policyLocked ? fromPolicy.value : undefined;
    for (const [i, src] of [user, override].entries()) {
      if (!src) continue;
      const { found, value } = getPath(src.doc, leaf.path);
      if (!found) continue;
      const parsed = leaf.schema.safeParse(value);
      if (parsed.success) {
        chosen = parsed.data;
        if (i === 1) locked.push(dotted);
      } else {
        problems.push({ path: dotted, message: parsed.error.issues[0]?.message ?? 'invalid', source: src.source });
      }
    }
    if (policyLocked) {
      chosen = fromPolicy?.value;
      if (!locked.includes(dotted)) locked.push(dotted);
    }
    const final = leaf.schema.safeParse(chosen);
    // `chosen` was validated above or is undefined (-> default), so this always succeeds.
    setPath(out, leaf.path, final.success ? final.data : undefined);
  }
  return { settings: SettingsSchema.parse(out), problems: [...problems, ...(policy?.problems ?? [])], lockedPaths: locked };
}

/** The dotted paths a patch touches. */
export function patchPaths(patch: SettingsPatch): string[] {
  return SETTINGS_PATHS.filter((p) => getPath(patch, p.split('.')).found && getPath(patch, p.split('.')).value !== undefined);
}

/** Refuses a patch that touches a field IT locked (policy / --config): the one rule and message for every path a change takes. */
export function refuseLockedPaths(patch: SettingsPatch, lockedPaths: readonly string[]): void {
  const touched = patchPaths(patch).filter((p) => lockedPaths.includes(p));
  if (touched.length === 0) return;
  throw new AppError('settings.locked', `Managed by your organization: ${touched.join(', ')} cannot be changed here.`, {
    issues: touched.map((path) => ({ path, message: 'settings.error.locked' })),
  });
}

/**
 * Applies a validated patch to the user's raw document, keeping every other key
 * as it was (including keys this version does not know and fields that are
 * currently invalid), so saving never loses what the user had.
 */
export function applyPatch(doc: unknown, patch: SettingsPatch): Record<string, unknown> {
  const next: Record<string, unknown> = isRecord(doc) ? structuredClone(doc) : {};
  for (const dotted of patchPaths(patch)) {
    const path = dotted.split('.');
    setPath(next, path, getPath(patch, path).value);
  }
  return next;
}
