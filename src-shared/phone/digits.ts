// Unicode digit folding for phone numbers. Caller ID and CRM data arrive with
// fullwidth (０-９), Arabic-Indic (٠-٩), Persian (۰-۹), Devanagari and other
// decimal digits; a lookup key must be ASCII. Unicode guarantees that every
// decimal digit (General_Category Nd) sits in a run of ten code points from 0 to 9
// (https://www.unicode.org/versions/latest/ch04.pdf, 4.6 "Numeric Value"), so the
// value of a digit is its distance from the start of its run, modulo 10 for the
// runs that follow each other (the mathematical digits U+1D7CE..U+1D7FF).

const ND = /\p{Nd}/u;
// Anything beyond ASCII may be a digit of another script; pure ASCII needs no folding.
const NON_ASCII = /[^ -~\t]/;

function isNd(cp: number): boolean {
  return ND.test(String.fromCodePoint(cp));
}

/** The ASCII digit for one decimal digit code point (any script), or undefined if it is not one. */
export function digitValue(cp: number): number | undefined {
  if (cp >= 0x30 && cp <= 0x39) return cp - 0x30;
  if (!isNd(cp)) return undefined;
  // Walk back to the start of this run of Nd code points (at most 5 runs of ten are adjacent).
  let start = cp;
  while (start > 0 && cp - start < 60 && isNd(start - 1)) start -= 1;
  return (cp - start) % 10;
}

/** Replaces every decimal digit of any script with its ASCII digit; other characters are kept. */
export function foldDigits(text: string): string {
  if (!NON_ASCII.test(text)) return text;
  let out = '';
  for (const ch of text) {
    const cp = ch.codePointAt(0) ?? 0;
    const v = cp > 0x7f ? digitValue(cp) : undefined;
    out += v === undefined ? ch : String(v);
  }
  return out;
}
