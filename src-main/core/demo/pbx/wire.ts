// Serialising AMI messages the way Asterisk's manager.c writes them:
// "Name: value\r\n" per header and one empty line at the end. The test server
// and the demo PBX build every message from an ordered header list, so the
// header order of a recorded trace can be reproduced exactly.

/** One AMI header, name and value, in wire order. */
export type Header = readonly [name: string, value: string];
export type Headers = readonly Header[];

/** The bytes of one message: headers, CRLF after each, CRLF at the end. */
export function formatMessage(headers: Headers): string {
  let out = '';
  for (const [name, value] of headers) out += `${name}: ${value}\r\n`;
  return `${out}\r\n`;
}

/** First value of a header, case-insensitive like astman_get_header(). */
export function headerValue(headers: Headers, name: string): string | undefined {
  const lower = name.toLowerCase();
  for (const [n, v] of headers) if (n.toLowerCase() === lower) return v;
  return undefined;
}

/** Every value of a repeated header (e.g. several Variable: lines), in order. */
export function headerValues(headers: Headers, name: string): string[] {
  const lower = name.toLowerCase();
  const out: string[] = [];
  for (const [n, v] of headers) if (n.toLowerCase() === lower) out.push(v);
  return out;
}
