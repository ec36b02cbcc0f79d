// Comparing the test server's output with a recorded Asterisk trace, message by
// message and header for header, after replacing what differs by nature
// between two runs: unique ids, channel name suffixes, bridge ids, SIP call
// ids, session ids, addresses, wall-clock times and millisecond timings.
//
// Ids are numbered by their own order (uniqueids by sequence, channel suffixes
// by counter value, bridges by first appearance), so "the second channel the
// PBX made" is the same placeholder in both, whatever the absolute numbers.
//
// Order. Asterisk publishes from many threads and the recorded runs differ in
// interleaving (README item 11 and the traces themselves). So instead of one
// global order the comparison checks (1) the same multiset of messages, every
// header equal, and (2) the same order within each "stream" a single Asterisk
// thread or object produces: one channel's events, one bridge's, one device's,
// one action's replies, CEL per channel, CDR per channel.
import type { AmiMessage } from '../../../src-main/core/ami/codec';

export type Header = readonly [string, string];

export interface NormalMessage {
  readonly headers: readonly Header[];
  /** Canonical text: the normalised headers, one per line. */
  readonly text: string;
  readonly name: string;
  readonly streams: readonly string[];
}

const UNIQUEID_VALUE = /^\d+\.\d+$/;
export const CHANNEL_NAME = /\b(PJSIP|Local|SIP|IAX2)\/([^\s,;!]*?)-([0-9a-f]{8})(?=;|\b)/g;
const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g;
const TIME_HEADERS = new Set([
  'EventTV', 'SessionTV', 'EventTime', 'StartTime', 'AnswerTime', 'EndTime', 'Timestamp', 'SentNTP', 'LoginTime', 'Uptime', 'LastReload',
  'CoreStartupDate', 'CoreStartupTime', 'CoreReloadDate', 'CoreReloadTime', 'Challenge',
]);
const MS_VARIABLES = new Set(['ANSWEREDTIME_MS', 'DIALEDTIME_MS', 'RINGTIME_MS', 'PROGRESSTIME_MS']);

const isUniqueidHeader = (name: string): boolean => /(?:Uniqueid|Linkedid|UniqueID|LinkedID)$/.test(name) && !/BridgeUniqueid$/.test(name);
const isBridgeHeader = (name: string): boolean => /(?:BridgeUniqueid|BridgeId|BridgeID)$/.test(name);

function headerValue(m: AmiMessage, name: string): string | undefined {
  for (const [n, v] of m.headers) if (n === name) return v;
  return undefined;
}

/** The id maps of one side, built over the whole message list. */
export interface IdMaps {
  readonly uniqueids: ReadonlyMap<string, string>;
  readonly channels: ReadonlyMap<string, string>;
  readonly bridges: ReadonlyMap<string, string>;
}

export function buildIdMaps(messages: readonly AmiMessage[]): IdMaps {
  const uids = new Set<string>();
  const chans = new Map<string, { tech: string; n: number }>();
  const bridges = new Map<string, string>();
  for (const m of messages) {
    for (const [name, value] of m.headers) {
      if (isUniqueidHeader(name) && UNIQUEID_VALUE.test(value)) uids.add(value);
      if (isBridgeHeader(name) && value !== '' && !bridges.has(value)) bridges.set(value, `bridge#${bridges.size + 1}`);
      for (const match of value.matchAll(CHANNEL_NAME)) {
        const tech = match[1] ?? '';
        const hex = match[3] ?? '';
        chans.set(`${tech}-${hex}`, { tech, n: parseInt(hex, 16) });
      }
      if (name === 'Extra') for (const u of value.matchAll(UUID)) if (!bridges.has(u[0])) bridges.set(u[0], `bridge#${bridges.size + 1}`);
    }
  }
  const uniqueids = new Map<string, string>();
  [...uids].sort((a, b) => Number(a.split('.')[1]) - Number(b.split('.')[1])).forEach((u, i) => uniqueids.set(u, `uid#${i + 1}`));
  const channels = new Map<string, string>();
  const byTech = new Map<string, { key: string; n: number }[]>();
  for (const [key, v] of chans) {
    const list = byTech.get(v.tech) ?? [];
    list.push({ key, n: v.n });
    byTech.set(v.tech, list);
  }
  for (const [tech, list] of byTech) list.sort((a, b) => a.n - b.n).forEach((e, i) => channels.set(e.key, `${tech}#${i + 1}`));
  return { uniqueids, channels, bridges };
}

/** Replaces channel suffixes and bridge ids inside any value. */
function replaceIds(value: string, maps: IdMaps): string {
  let v = value.replace(CHANNEL_NAME, (_m, tech: string, res: string, hex: string) => `${tech}/${res}-<${maps.channels.get(`${tech}-${hex}`) ?? '?'}>`);
  v = v.replace(UUID, (u) => (maps.bridges.has(u) ? `<${maps.bridges.get(u) ?? ''}>` : '<uuid>'));
  return v;
}

function normaliseValue(name: string, value: string, m: AmiMessage, maps: IdMaps): string {
  if (value === '') return value;
  if (isUniqueidHeader(name)) return maps.uniqueids.get(value) ?? value;
  if (TIME_HEADERS.has(name)) return '<time>';
  if (name === 'SessionID') return '<session>';
  if (name === 'LocalAddress' || name === 'RemoteAddress') return value.replace(/\/\d+$/, '/<port>');
  if (name === 'Value') {
    const variable = headerValue(m, 'Variable') ?? '';
    if (MS_VARIABLES.has(variable)) return '<ms>';
    if (variable.startsWith('RTPAUDIOQOS')) return '<qos>';
    if (variable === 'BRIDGEPVTCALLID') return '<callid>';
  }
  return replaceIds(value, maps);
}

/** Which ordered streams a message belongs to (see the header comment). */
function streamsOf(m: AmiMessage, normal: readonly Header[]): string[] {
  const get = (n: string): string | undefined => normal.find(([k]) => k === n)?.[1];
  const event = get('Event');
  const actionId = get('ActionID');
  if (event === undefined) return [`action:${actionId ?? '-'}`];
  if (event === 'OriginateResponse') return [`action:${actionId ?? '-'}`];
  if (actionId !== undefined && /^(CoreShowChannel|Status|BridgeListItem|BridgeInfoChannel|QueueMember|QueueParams|ChannelHungup)$/.test(event)) return [`list:${actionId}`];
  if (actionId !== undefined && /Complete$/.test(event)) return [`action:${actionId}`];
  if (event === 'CEL') return [get('UniqueID') === undefined ? `cel-linkedid:${get('LinkedID') ?? '-'}` : `cel:${get('UniqueID') ?? '-'}`];
  if (event === 'Cdr') return [`cdr:${get('UniqueID') ?? '-'}`];
  if (event === 'DeviceStateChange') return [`device:${get('Device') ?? '-'}`];
  if (event === 'QueueMemberStatus') return [`queue:${get('Interface') ?? '-'}`];
  if (get('Severity') !== undefined) return ['security'];
  const out: string[] = [];
  for (const [k, v] of normal) {
    if (isUniqueidHeader(k) && !/Linkedid$/i.test(k) && v.startsWith('uid#')) out.push(`chan:${v}`);
    if (/BridgeUniqueid$/.test(k)) out.push(`bridge:${v}`);
  }
  if (out.length === 0) out.push(`other:${event}`);
  void m;
  return [...new Set(out)];
}

export interface NormaliseOptions {
  /** Event names left out of the comparison (say why where you use it). */
  readonly skipEvents?: ReadonlySet<string>;
}

export function normalise(messages: readonly AmiMessage[], opts: NormaliseOptions = {}): { messages: NormalMessage[]; maps: IdMaps } {
  const maps = buildIdMaps(messages);
  const out: NormalMessage[] = [];
  for (const m of messages) {
    const event = headerValue(m, 'Event');
    if (event !== undefined && opts.skipEvents?.has(event)) continue;
    let headers: Header[] = m.headers.map(([n, v]) => [n, normaliseValue(n, v, m, maps)]);
    // LINKEDID_END is published by whichever channel of the call is destroyed
    // last, and that races between runs (trace a: PJSIP/101, trace k: Local ;2):
    // only "this call ended" is compared, not the snapshot of the last channel.
    if (event === 'CEL' && headerValue(m, 'EventName') === 'LINKEDID_END') headers = headers.filter(([n]) => ['Event', 'Privilege', 'EventName', 'LinkedID'].includes(n));
    out.push({ headers, text: headers.map(([n, v]) => `${n}: ${v}`).join('\n'), name: event ?? `Response:${headerValue(m, 'Response') ?? ''}`, streams: streamsOf(m, headers) });
  }
  return { messages: out, maps };
}

export interface Difference {
  readonly kind: 'missing' | 'unexpected' | 'order';
  readonly detail: string;
}

/**
 * Strict content, per-stream order. `listStreams` are compared as sets: an
 * event list (CoreShowChannels, Status) follows Asterisk's hash-container
 * order, which differs between the recorded runs h and k.
 */
export function compareNormalised(expected: readonly NormalMessage[], actual: readonly NormalMessage[]): Difference[] {
  const diffs: Difference[] = [];
  const count = (list: readonly NormalMessage[]): Map<string, number> => {
    const c = new Map<string, number>();
    for (const m of list) c.set(m.text, (c.get(m.text) ?? 0) + 1);
    return c;
  };
  const e = count(expected);
  const a = count(actual);
  for (const [text, n] of e) {
    const got = a.get(text) ?? 0;
    if (got < n) diffs.push({ kind: 'missing', detail: `${n - got}x\n${text}` });
  }
  for (const [text, n] of a) {
    const want = e.get(text) ?? 0;
    if (n > want) diffs.push({ kind: 'unexpected', detail: `${n - want}x\n${text}` });
  }
  if (diffs.length > 0) return diffs;
  const byStream = (list: readonly NormalMessage[]): Map<string, string[]> => {
    const s = new Map<string, string[]>();
    for (const m of list) {
      for (const k of m.streams) {
        const l = s.get(k) ?? [];
        l.push(m.text);
        s.set(k, l);
      }
    }
    return s;
  };
  const es = byStream(expected);
  const as = byStream(actual);
  for (const [k, list] of es) {
    const other = as.get(k) ?? [];
    const same = k.startsWith('list:') ? [...list].sort().join('\0') === [...other].sort().join('\0') : list.join('\0') === other.join('\0');
    if (!same) {
      const i = list.findIndex((t, idx) => other[idx] !== t);
      diffs.push({ kind: 'order', detail: `stream ${k} differs at #${i}:\nexpected ${list.map(firstLine).join(' | ')}\nactual   ${other.map(firstLine).join(' | ')}` });
    }
  }
  return diffs;
}

function firstLine(text: string): string {
  const lines = text.split('\n');
  const name = lines[0] ?? '';
  const v = lines.find((l) => l.startsWith('Variable: '));
  const app = lines.find((l) => l.startsWith('Application: '));
  return `${name.replace(/^Event: /, '')}${v ? `(${v.slice(10)})` : ''}${app && name.includes('Newexten') ? `(${app.slice(13)})` : ''}`;
}

/** Human-readable report of differences, capped so a failing test stays readable. */
export function formatDifferences(diffs: readonly Difference[], max = 12): string {
  return diffs
    .slice(0, max)
    .map((d) => `[${d.kind}] ${d.detail}`)
    .join('\n\n');
}
