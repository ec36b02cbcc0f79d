// The two templates of call control: the CallerID name of the click-to-call
// leg (what the operator's phone shows while it rings) and the recording file
// name (what MixMonitor is asked to write, so the app knows it without
// read=dialplan). Pure functions; values substituted from the PBX or the CRM
// are reduced to safe characters here, and the result is checked as a whole.
import { CallControlError } from './errors';

export interface CallerIdNameValues {
  /** The CRM contact's name, when the click came from a contact. */
  readonly contact?: string;
  /** The number as the operator should read it (display form). */
  readonly number: string;
  readonly ext: string;
}

/**
 * Expands `{contact|number}`, `{contact}`, `{number}`, `{ext}`. The result is
 * left as it is (no whitespace folding) so validateCallerIdName sees a line
 * break or a bidi mark in CRM data and refuses it, rather than a cleaned copy.
 */
export function expandCallerIdName(template: string, v: CallerIdNameValues): string {
  const contact = v.contact?.trim() ?? '';
  const out = template.replace(/\{(contact\|number|contact|number|ext)\}/g, (_, name: string) => {
    switch (name) {
      case 'contact|number':
        return contact !== '' ? contact : v.number;
      case 'contact':
        return contact;
      case 'number':
        return v.number;
      default:
        return v.ext;
    }
  });
  return out;
}

export interface RecordingFileValues {
  /** Clock time of the request (ms); the date parts use the desktop's local time. */
  readonly at: number;
  readonly linkedid: string;
  /** Uniqueid of the recorded channel. */
  readonly uniqueid: string;
  readonly ext: string;
  /** The other party's number, when known. */
  readonly number?: string;
}

const SAFE_VALUE = /[^A-Za-z0-9._-]/g;
const MAX_FILE_LENGTH = 255;

function safe(value: string | undefined): string {
  const v = (value ?? '').replace(SAFE_VALUE, '_');
  // A value that is only dots could become a `.` or `..` path segment.
  return v === '' || /^\.+$/.test(v) ? 'unknown' : v;
}

const two = (n: number): string => String(n).padStart(2, '0');

/**
 * The file name MixMonitor is asked to write, from a template such as
 * `sidecall/${YYYY}/${MM}/${DD}/${LINKEDID}-${EXT}.wav`. Values are reduced to
 * `[A-Za-z0-9._-]`; the result must stay a relative path without `.`/`..`
 * parts and without a `,` (MixMonitor's manager action joins File, Options and
 * Command with commas: apps/app_mixmonitor.c, start_mixmonitor_callback).
 */
export function expandRecordingFile(template: string, v: RecordingFileValues): string {
  const d = new Date(v.at);
  const values: Readonly<Record<string, string>> = {
    YYYY: String(d.getFullYear()),
    MM: two(d.getMonth() + 1),
    DD: two(d.getDate()),
    hh: two(d.getHours()),
    mm: two(d.getMinutes()),
    ss: two(d.getSeconds()),
    LINKEDID: safe(v.linkedid),
    UNIQUEID: safe(v.uniqueid),
    EXT: safe(v.ext),
    NUMBER: safe(v.number),
  };
  const file = template.replace(/\$\{([A-Za-z]+)\}/g, (whole, name: string) => values[name] ?? whole);
  const parts = file.split('/');
  if (
    file.length > MAX_FILE_LENGTH ||
    !/^[A-Za-z0-9_./-]+$/.test(file) ||
    file.startsWith('/') ||
    parts.some((p) => p === '' || p === '.' || p === '..')
  ) {
    throw new CallControlError('badSettings', `The recording file name ${JSON.stringify(file)} is not a safe relative path: check Settings → Recording → file name.`);
  }
  return file;
}
