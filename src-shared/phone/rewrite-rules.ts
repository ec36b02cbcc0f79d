// Rewrite rules: an ordered chain of regex replacements applied to a number
// before it is parsed, for PBX habits libphonenumber cannot know (a leading 9 or
// 8 for an outside line, a trunk that prepends a carrier code, a DID that
// arrives without its area code). Settings validate them with
// validateRewriteRules() so a broken rule is refused with its error where it is
// typed, and normalizeNumber() never has to guess.
import { z } from 'zod';

/** Longest pattern or replacement accepted (Settings field limit). */
export const MAX_RULE_LENGTH = 200;

/** One rule: JavaScript RegExp source (no flags) and a `String.prototype.replace` replacement (`$1`, `$<name>`). */
export const RewriteRuleSchema = z.object({
  pattern: z.string(),
  replacement: z.string(),
});
export type RewriteRule = Readonly<z.infer<typeof RewriteRuleSchema>>;

export type RewriteRuleErrorCode = 'empty' | 'tooLong' | 'invalidRegex' | 'unknownGroup' | 'matchesEmpty';

/** A problem with one rule, for the Settings form (`index` is the rule's position). */
export interface RewriteRuleError {
  readonly index: number;
  readonly field: 'pattern' | 'replacement';
  readonly code: RewriteRuleErrorCode;
  readonly message: string;
}

export interface CompiledRule {
  readonly re: RegExp;
  readonly replacement: string;
}

function compile(pattern: string): RegExp | string {
  try {
    return new RegExp(pattern);
  } catch (err) {
    return err instanceof Error ? err.message : String(err);
  }
}

function groupInfo(re: RegExp): { readonly count: number; readonly names: ReadonlySet<string> } {
  // A pattern ORed with the empty pattern always matches '', and the match has
  // one slot per capture group: the standard way to count groups without parsing.
  const probe = new RegExp(`${re.source}|`).exec('');
  return { count: probe === null ? 0 : probe.length - 1, names: new Set(Object.keys(probe?.groups ?? {})) };
}

/** Per-rule errors; an empty array means every rule is usable. */
export function validateRewriteRules(rules: readonly RewriteRule[]): RewriteRuleError[] {
  const errors: RewriteRuleError[] = [];
  rules.forEach((rule, index) => {
    const err = (field: RewriteRuleError['field'], code: RewriteRuleErrorCode, message: string): void => {
      errors.push({ index, field, code, message });
    };
    if (rule.pattern.length === 0) {
      err('pattern', 'empty', 'The pattern is empty.');
      return;
    }
    if (rule.pattern.length > MAX_RULE_LENGTH) err('pattern', 'tooLong', `The pattern is longer than ${MAX_RULE_LENGTH} characters.`);
    if (rule.replacement.length > MAX_RULE_LENGTH) err('replacement', 'tooLong', `The replacement is longer than ${MAX_RULE_LENGTH} characters.`);
    if (rule.pattern.length > MAX_RULE_LENGTH) return;
    const re = compile(rule.pattern);
    if (typeof re === 'string') {
      err('pattern', 'invalidRegex', `Not a valid regular expression: ${re}`);
      return;
    }
    // A rule that matches the empty string rewrites every number (e.g. `^` or `x*`):
    // almost always a typo, and it would prepend its replacement to every caller.
    if (re.test('')) err('pattern', 'matchesEmpty', 'The pattern matches an empty number, so it would rewrite every number.');
    const { count, names } = groupInfo(re);
    for (const m of rule.replacement.matchAll(/\$(\d{1,2})|\$<([^>]*)>/g)) {
      const digits = m[1];
      if (digits !== undefined) {
        // String.replace reads `$12` as group 12 when it exists, else as `$1` then "2";
        // `$0` is taken literally. Only a reference that reaches no group is an error.
        const whole = Number(digits);
        const first = Number(digits.slice(0, 1));
        const resolves = (whole >= 1 && whole <= count) || (first >= 1 && first <= count);
        if (!resolves) err('replacement', 'unknownGroup', `$${digits} refers to a group the pattern does not have (it has ${count}).`);
      } else if (m[2] !== undefined && !names.has(m[2])) {
        err('replacement', 'unknownGroup', `$<${m[2]}> refers to a named group the pattern does not have.`);
      }
    }
  });
  return errors;
}

const compiledCache = new WeakMap<readonly RewriteRule[], readonly CompiledRule[]>();

/**
 * Compiles the rules that are valid (invalid ones are skipped: Settings refuse
 * them, so one here can only come from a hand-edited file, which Settings report).
 * Cached per rules array, as settings hand the same array to every call.
 */
export function compileRewriteRules(rules: readonly RewriteRule[]): readonly CompiledRule[] {
  const hit = compiledCache.get(rules);
  if (hit !== undefined) return hit;
  const bad = new Set(validateRewriteRules(rules).map((e) => e.index));
  const out: CompiledRule[] = [];
  rules.forEach((rule, index) => {
    if (bad.has(index)) return;
    out.push({ re: new RegExp(rule.pattern), replacement: rule.replacement });
  });
  compiledCache.set(rules, out);
  return out;
}

/** Applies the rules in order, each to the output of the previous one. */
export function applyRewriteRules(value: string, rules: readonly CompiledRule[]): string {
  let out = value;
  for (const rule of rules) out = out.replace(rule.re, rule.replacement);
  return out;
}
