// Recording links for call logs: a URL template from Settings -> Reporting filled
// with the recording's file name, the call's date parts and ids, optionally
// signed and expiring in the format of nginx's secure_link module, so the PBX
// can serve its recordings to CRM users without exposing the spool.
//
// nginx side (documented in docs/crm-reporting.md):
//   secure_link $arg_md5,$arg_expires;
//   secure_link_md5 "$secure_link_expires$uri <secret>";
// i.e. md5 = base64url(MD5(expires + uri + " " + secret)) without padding, where
// $uri is the decoded path (a file name with '+', spaces or Cyrillic is signed as
// the name itself, not its percent-encoding).
import { createHash } from 'node:crypto';

export interface RecordingLinkInput {
  /** As Asterisk named it (MIXMONITOR_FILENAME): a bare name or a full path; '' when the PBX records by call id. */
  readonly file: string;
  readonly linkedid: string;
  readonly uniqueid: string;
  readonly extension: string;
  /** When the call started (unix ms): date parts are local time, as Asterisk names its folders. */
  readonly startedAt: number;
}

export interface RecordingLinkSigning {
  readonly secret: string;
  /** Unix seconds; undefined: the link does not expire. */
  readonly expiresAt?: number;
}

export const RECORDING_PLACEHOLDERS = ['file', 'file_base', 'path', 'linkedid', 'uniqueid', 'extension', 'yyyy', 'mm', 'dd'] as const;
type Placeholder = (typeof RECORDING_PLACEHOLDERS)[number];

/**
 * Why a template cannot make links, or undefined when it can. `byCallId`: the PBX records
 * every call itself and the file is named by the call's ids, not a name Sidecall saw.
 */
export function checkRecordingTemplate(template: string, byCallId = false): string | undefined {
  if (template === '') return undefined;
  if (!/^https?:\/\/[^\s/?#{}]+/i.test(template)) return 'The recording link must start with http:// or https:// and a host, e.g. https://pbx.example.com/rec/{yyyy}/{mm}/{dd}/{file}';
  const unknown = [...template.matchAll(/\{([^{}]*)\}/g)].map((m) => m[1] ?? '').filter((p) => !(RECORDING_PLACEHOLDERS as readonly string[]).includes(p));
  if (unknown.length > 0) return `Unknown placeholder {${unknown[0]}} in the recording link; use ${RECORDING_PLACEHOLDERS.map((p) => `{${p}}`).join(' ')}`;
  if (byCallId) {
    if (!template.includes('{linkedid}') && !template.includes('{uniqueid}')) return 'When the PBX records every call, the recording link must name the file by {linkedid} or {uniqueid}';
    return undefined;
  }
  if (!template.includes('{file}') && !template.includes('{file_base}') && !template.includes('{path}')) return 'The recording link must contain {file}, {file_base} or {path}';
  return undefined;
}

function pad2(n: number): string {
  return String(n).padStart(2, '0');
}

function values(input: RecordingLinkInput): Record<Placeholder, string> {
  const d = new Date(input.startedAt);
  const name = input.file.split(/[\\/]/).pop() ?? input.file;
  const dot = name.lastIndexOf('.');
  const path = input.file.replace(/^[\\/]+/, '').split(/[\\/]/).map(encodeURIComponent).join('/');
  return {
    file: encodeURIComponent(name),
    file_base: encodeURIComponent(dot > 0 ? name.slice(0, dot) : name),
    path,
    linkedid: encodeURIComponent(input.linkedid),
    uniqueid: encodeURIComponent(input.uniqueid),
    extension: encodeURIComponent(input.extension),
    yyyy: String(d.getFullYear()),
    mm: pad2(d.getMonth() + 1),
    dd: pad2(d.getDate()),
  };
}

/** The link for one recording, or undefined when the template is empty or unusable. */
export function recordingLink(template: string, input: RecordingLinkInput, signing?: RecordingLinkSigning): string | undefined {
  if (template === '' || checkRecordingTemplate(template, input.file === '') !== undefined) return undefined;
  const v = values(input);
  const url = template.replace(/\{([a-z_]+)\}/g, (_, p: string) => v[p as Placeholder]);
  return signing ? signSecureLink(url, signing) : url;
}

/**
 * The path as nginx's `$uri` holds it: percent-escapes decoded ('%2B' -> '+', '%20' -> ' ',
 * Cyrillic to its UTF-8), which is what secure_link_md5 hashes; the link keeps the encoded form.
 * A segment that is no valid escape sequence is left as written.
 */
function decodedPath(uri: string): string {
  return uri
    .split('/')
    .map((segment) => {
      try {
        return decodeURIComponent(segment);
      } catch {
        return segment;
      }
    })
    .join('/');
}

/** Adds nginx secure_link `md5` (and `expires`) query parameters to a URL. */
export function signSecureLink(url: string, signing: RecordingLinkSigning): string {
  const m = /^(https?:\/\/[^/?#]+)([^?#]*)(\?[^#]*)?$/i.exec(url);
  if (!m) throw new Error('Cannot sign a recording link that is not an http(s) URL');
  const uri = m[2] || '/';
  const expires = signing.expiresAt === undefined ? '' : String(Math.floor(signing.expiresAt));
  const md5 = createHash('md5').update(`${expires}${decodedPath(uri)} ${signing.secret}`, 'utf8').digest('base64url');
  const query = [m[3] ? m[3].slice(1) : '', `md5=${md5}`, expires ? `expires=${expires}` : ''].filter(Boolean).join('&');
  return `${m[1]}${uri}?${query}`;
}
