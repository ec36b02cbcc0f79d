// Serialization: pure functions from headers to the Buffer written on the socket.
// Every name and value is checked first: Asterisk ends a line at CR or at a bare
// LF, so a CR or LF inside a value would end the header and could start a second
// action (header injection). Both common Node AMI clients pass them through; we
// refuse them and name the field.
import { Buffer } from 'node:buffer';
import { AmiCodecError } from './errors';
import type { AmiHeader } from './message';

/** A field value of an action; an array is written as the same header repeated (e.g. `Variable`). */
export type ActionFieldValue = string | number | boolean | readonly string[] | undefined;

// C0 controls except TAB. TAB is legal in values (Asterisk copies it verbatim).
// DEL is not a line terminator for Asterisk, so it is left alone.
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u0008\u000a-\u001f]/;
// A name is a token: a space or ':' in it would make Asterisk read another name.
// eslint-disable-next-line no-control-regex
const BAD_NAME = /[\u0000-\u0020:\u007f]/;

function describe(ch: string): string {
  const code = ch.charCodeAt(0);
  if (code === 0x0d) return 'CR';
  if (code === 0x0a) return 'LF';
  return `control character 0x${code.toString(16).padStart(2, '0')}`;
}

function checkName(name: string): void {
  const bad = BAD_NAME.exec(name);
  if (name.length === 0 || bad !== null) {
    const why = bad === null ? 'is empty' : `contains ${bad[0] === ':' ? "':'" : bad[0] === ' ' ? 'a space' : describe(bad[0])}`;
    throw new AmiCodecError('invalid-value', `AMI header name ${JSON.stringify(name)} ${why}`, name);
  }
}

function checkValue(name: string, value: string): void {
  const bad = CONTROL.exec(value);
  if (bad !== null) {
    // The value itself is not quoted: it may be a secret (Login) or personal data.
    throw new AmiCodecError(
      'invalid-value',
      `AMI header "${name}" contains ${describe(bad[0])}; refused because it would inject a header or an action`,
      name,
    );
  }
}

/** `Name: value\r\n`... then `\r\n`. Throws AmiCodecError('invalid-value', field) on CR, LF or other C0 controls. */
export function encodeMessage(headers: readonly AmiHeader[]): Buffer {
  let text = '';
  for (const [name, value] of headers) {
    checkName(name);
    checkValue(name, value);
    text += `${name}: ${value}\r\n`;
  }
  return Buffer.from(`${text}\r\n`, 'utf8');
}

function fieldText(name: string, value: string | number | boolean): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (!Number.isFinite(value)) throw new AmiCodecError('invalid-value', `AMI header "${name}" is not a finite number`, name);
  return String(value);
}

/**
 * `Action`, `ActionID`, then the fields in insertion order. `undefined` fields are
 * left out; an array becomes the header repeated. A field may not be named
 * Action or ActionID: that would let data override the correlation id.
 */
export function encodeAction(action: string, actionId: string, fields: Readonly<Record<string, ActionFieldValue>>): Buffer {
  const headers: AmiHeader[] = [
    ['Action', action],
    ['ActionID', actionId],
  ];
  for (const [name, value] of Object.entries(fields)) {
    if (value === undefined) continue;
    const lower = name.toLowerCase();
    if (lower === 'action' || lower === 'actionid') {
      throw new AmiCodecError('invalid-value', `AMI field "${name}" is set by encodeAction itself`, name);
    }
    if (typeof value === 'object') {
      for (const item of value) headers.push([name, fieldText(name, item)]);
    } else {
      headers.push([name, fieldText(name, value)]);
    }
  }
  return encodeMessage(headers);
}
