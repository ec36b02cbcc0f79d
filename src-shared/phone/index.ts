// Phone numbers: normalization for CRM lookups and the rewrite rules operators
// configure for their PBX. Pure: no Node, no DOM (runs in main and the renderer).
export { normalizeNumber, DEFAULT_SHORT_NUMBERS } from './normalize';
export type { NormalizedNumber, NormalizeOptions, NormalizeReason, NumberKind } from './normalize';
export { validateRewriteRules, compileRewriteRules, applyRewriteRules, RewriteRuleSchema, MAX_RULE_LENGTH } from './rewrite-rules';
export type { RewriteRule, RewriteRuleError, RewriteRuleErrorCode, CompiledRule } from './rewrite-rules';
export { foldDigits, digitValue } from './digits';
