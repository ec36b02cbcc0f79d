// AMI users, the part of manager.conf the test server and demo PBX honour:
// secret, read/write classes, eventfilter lines, channelvars. Can be built in
// code or read from manager.conf text (see shared/reference/ami-traces/
// asterisk-etc/manager.conf for the recorded lab's file).
import { parseEventFilterLine, type EventFilter } from './event-filter';
import { parseClasses } from './permissions';

export interface ManagerUser {
  readonly username: string;
  readonly secret: string;
  /** Bitmask of read classes (events the user receives). */
  readonly read: number;
  /** Bitmask of write classes (actions the user may run). */
  readonly write: number;
  readonly eventFilters: readonly EventFilter[];
}

/** A user described with class names, the way manager.conf spells them. */
export interface ManagerUserSpec {
  readonly secret: string;
  readonly read?: string;
  readonly write?: string;
  /** Each entry is either a legacy filter ("!Event: Newexten") or `{ criteria, expression }`. */
  readonly eventfilter?: readonly (string | { readonly criteria: string; readonly expression: string })[];
}

export function buildUser(username: string, spec: ManagerUserSpec): ManagerUser {
  const eventFilters = (spec.eventfilter ?? []).map((f) =>
    typeof f === 'string' ? parseEventFilterLine('eventfilter', f) : parseEventFilterLine(`eventfilter(${f.criteria})`, f.expression),
  );
  return { username, secret: spec.secret, read: parseClasses(spec.read ?? 'all'), write: parseClasses(spec.write ?? 'all'), eventFilters };
}

export interface ManagerConf {
  readonly users: readonly ManagerUser[];
  /** [general] channelvars: variables appended to channel events as ChanVariable. */
  readonly channelVars: readonly string[];
}

/** Reads manager.conf text: [general] channelvars and one section per user. */
export function parseManagerConf(text: string): ManagerConf {
  const users: ManagerUser[] = [];
  let channelVars: string[] = [];
  let section: string | undefined;
  let fields: { secret?: string; read?: string; write?: string; filters: EventFilter[] } = { filters: [] };
  const flush = (): void => {
    if (section && section !== 'general' && fields.secret !== undefined) {
      users.push({
        username: section,
        secret: fields.secret,
        read: parseClasses(fields.read ?? ''),
        write: parseClasses(fields.write ?? ''),
        eventFilters: fields.filters,
      });
    }
  };
  for (const rawLine of text.split(/\r?\n/)) {
    const line = rawLine.replace(/;.*$/, '').trim();
    if (line === '') continue;
    const sec = /^\[([^\]]+)\]/.exec(line);
    if (sec) {
      flush();
      section = sec[1];
      fields = { filters: [] };
      continue;
    }
    const eq = line.indexOf('=');
    if (eq < 0) continue;
    // "eventfilter(...) = x" has "=" only after the criteria; "eventfilter = x" too.
    const key = line.slice(0, eq).trim();
    const value = line.slice(eq + 1).replace(/^>/, '').trim();
    const lower = key.toLowerCase();
    if (section === 'general') {
      if (lower === 'channelvars') channelVars = value.split(',').map((v) => v.trim()).filter(Boolean);
      continue;
    }
    if (lower === 'secret') fields.secret = value;
    else if (lower === 'read') fields.read = value;
    else if (lower === 'write') fields.write = value;
    else if (lower.startsWith('eventfilter')) fields.filters.push(parseEventFilterLine(key, value));
  }
  flush();
  return { users, channelVars };
}
