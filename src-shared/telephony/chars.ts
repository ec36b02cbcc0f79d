// Character classes shared by the number, link, channel and CallerID checks.
// AMI ends a header at CR or LF (see docs: a bare LF is enough), so a line break
// anywhere in a value can start a second action; format characters (zero-width,
// bidi overrides, BOM) are refused too because they make the number the operator
// sees differ from the one that would be sent.

/** C0/C1 controls (CR, LF, NUL, TAB, NEL...), format characters (U+200B..U+200F, U+202A..U+202E, U+2066..U+2069, U+FEFF, U+00AD...), U+2028, U+2029. */
export const CONTROL_OR_FORMAT = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/u;

/** Lone surrogates, private-use and unassigned code points: nothing a person types, and nothing to show. */
export const UNREADABLE = /[\p{Cs}\p{Co}\p{Cn}]/u;

/** Length in code points (what a person counts), so an astral digit counts once. */
export function codePointLength(text: string): number {
  return Array.from(text).length;
}
