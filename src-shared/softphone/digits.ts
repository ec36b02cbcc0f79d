// The digits of a number for comparing two sides' views of it (a SIP user part
// and the PBX's CallerID): `+7 (916) 123-45-67` -> `79161234567`. `*` and `#`
// are kept: feature codes are numbers too.
export function callDigits(s: string): string {
  return s.replace(/[^0-9*#]/g, '');
}
