// Manager permission classes (manager.c `perms[]`): the read= classes decide
// which events a session gets, the write= classes which actions it may run.
// See shared/reference/asterisk-ami.md for the action table this encodes.

export const EVENT_FLAG = {
  system: 1 << 0,
  call: 1 << 1,
  log: 1 << 2,
  verbose: 1 << 3,
  command: 1 << 4,
  agent: 1 << 5,
  user: 1 << 6,
  config: 1 << 7,
  dtmf: 1 << 8,
  reporting: 1 << 9,
  cdr: 1 << 10,
  dialplan: 1 << 11,
  originate: 1 << 12,
  agi: 1 << 13,
  cc: 1 << 14,
  aoc: 1 << 15,
  test: 1 << 16,
  security: 1 << 17,
  message: 1 << 18,
} as const;

export type EventClass = keyof typeof EVENT_FLAG;

const ORDER = Object.keys(EVENT_FLAG) as EventClass[];
const ALL = ORDER.reduce((acc, k) => acc | EVENT_FLAG[k], 0);

/** Parses "call,cdr,reporting" / "all" / "none" into a bitmask (get_perm()). */
export function parseClasses(text: string): number {
  let mask = 0;
  for (const raw of text.split(',')) {
    const word = raw.trim().toLowerCase();
    if (word === 'all') mask |= ALL;
    else if (word in EVENT_FLAG) mask |= EVENT_FLAG[word as EventClass];
  }
  return mask;
}

/**
 * The Privilege: header value for an event category. Asterisk's
 * authority_to_str() lists the set classes and then "all", because the "all"
 * alias (-1) matches every category.
 */
export function privilegeString(category: number): string {
  let text = PRIVILEGE_CACHE.get(category);
  if (text === undefined) {
    const names: string[] = ORDER.filter((k) => (category & EVENT_FLAG[k]) !== 0);
    names.push('all');
    text = names.join(',');
    PRIVILEGE_CACHE.set(category, text);
  }
  return text;
}

const PRIVILEGE_CACHE = new Map<number, string>();

/** Write classes an action needs; any one of them is enough, 0 means none. */
export const ACTION_AUTHORITY: Readonly<Record<string, number>> = {
  originate: EVENT_FLAG.originate,
  redirect: EVENT_FLAG.call,
  atxfer: EVENT_FLAG.call,
  blindtransfer: EVENT_FLAG.call,
  setvar: EVENT_FLAG.call,
  getvar: EVENT_FLAG.call | EVENT_FLAG.reporting,
  // main/db.c: reading the astdb needs system or reporting, writing it system.
  dbget: EVENT_FLAG.system | EVENT_FLAG.reporting,
  dbput: EVENT_FLAG.system,
  dbdel: EVENT_FLAG.system,
  status: EVENT_FLAG.system | EVENT_FLAG.call | EVENT_FLAG.reporting,
  hangup: EVENT_FLAG.system | EVENT_FLAG.call,
  coreshowchannels: EVENT_FLAG.system | EVENT_FLAG.reporting,
  coresettings: EVENT_FLAG.system | EVENT_FLAG.reporting,
  corestatus: EVENT_FLAG.system | EVENT_FLAG.reporting,
  filter: EVENT_FLAG.system,
  mixmonitor: EVENT_FLAG.system,
  stopmixmonitor: EVENT_FLAG.system | EVENT_FLAG.call,
  mixmonitormute: EVENT_FLAG.system | EVENT_FLAG.call,
  park: EVENT_FLAG.call,
  command: EVENT_FLAG.command,
  queuepause: EVENT_FLAG.agent,
  extensionstate: EVENT_FLAG.call | EVENT_FLAG.reporting,
  devicestatelist: EVENT_FLAG.call | EVENT_FLAG.reporting,
  ping: 0,
  login: 0,
  logoff: 0,
  challenge: 0,
  events: 0,
  bridgelist: 0,
  bridgeinfo: 0,
  queuestatus: 0,
  queuesummary: 0,
  listcommands: 0,
};
