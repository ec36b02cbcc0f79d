// The manager side of the demo PBX: one AmiSession per TCP/TLS connection,
// speaking AMI as main/manager.c does (greeting, Login plain and MD5,
// permission checks, per-user and per-session event filters, the response
// formats of astman_send_response_full) and the actions Sidecall uses.
// Action parsing uses the shared codec (src-main/core/ami/codec).
import type { Buffer } from 'node:buffer';
import { createHash, randomInt } from 'node:crypto';
import { AmiDecoder, getHeader, getHeaders, type AmiMessage } from '../../ami/codec';
import { STATE, bridgeHeaders, formatDuration, formatEventTv, type Channel } from './channel';
import { amiVersionFor } from './config';
import { originate } from './dial';
import { EventFilterError, legacyFilter, parseEventFilterLine, passesFilters, type EventFilter } from './event-filter';
import type { ManagerUser } from './manager-config';
import { channelSubstitution, startMixMonitor, stopMixMonitor } from './apps';
import { attendedTransfer, blindTransfer, nextParkingSpace, park } from './features';
import { substitute } from './dialplan';
import { ACTION_AUTHORITY, EVENT_FLAG, parseClasses, privilegeString } from './permissions';
import type { Pbx, PbxEvent } from './pbx';
import type { Header, Headers } from './wire';
import { formatMessage } from './wire';

/** Asterisk reads 1024 bytes per line and keeps the first 128 headers of an action. */
export const MAX_LINE_BYTES = 1024;
export const MAX_HEADERS = 128;

/** Where the session writes and how it closes; the server layer adds the misbehaviours. */
export interface SessionTransport {
  write(data: string | Buffer): void;
  /** Close after what was written is flushed. */
  end(): void;
  readonly tls: boolean;
  readonly localAddress: string;
  readonly localPort: number;
  readonly remoteAddress: string;
  readonly remotePort: number;
}

export interface ManagerOptions {
  readonly pbx: Pbx;
  users(): readonly ManagerUser[];
  /** Delay before "Authentication failed" (Asterisk sleeps 1 s); on the PBX clock. */
  readonly loginFailureDelayMs: number;
  /** When true every Login is refused as if the secret were wrong. */
  refuseLogins(): boolean;
  /** Called with each parsed action, for the test server's records. */
  onAction?(session: AmiSession, action: AmiMessage): void;
  /** A handler threw: the client gets a generic error, the server keeps the exception for tests. */
  onError?(err: unknown): void;
  /**
   * After a successful Login: bytes to serve instead of the live session
   * (a recorded trace replayed verbatim); undefined for a normal session.
   */
  replayFor?(session: AmiSession): { readonly bytes: Buffer; readonly closeAfter: boolean } | undefined;
}

/** One manager session (mansession). */
export class AmiSession {
  readonly id = randomInt(0x10000, 0xffffff);
  authenticated = false;
  user: ManagerUser | undefined;
  readperm = 0;
  writeperm = 0;
  sendEvents = -1;
  readonly filters: EventFilter[] = [];
  /** When false the session gets no live events (trace replay). */
  liveEvents = true;
  closed = false;
  readonly startedAt: number;
  #challenge = '';
  #decoder = new AmiDecoder({ greeting: false, maxLineBytes: MAX_LINE_BYTES });
  /** Events arriving while an action is processed are sent after its response, as the session thread does. */
  #holding = 0;
  #held: (string | Buffer)[] = [];
  /** Actions wait while a synchronous Originate blocks the session. */
  #busy = false;
  #queued: AmiMessage[] = [];
  readonly #unsubscribe: () => void;

  constructor(
    readonly manager: ManagerOptions,
    readonly transport: SessionTransport,
  ) {
    this.startedAt = manager.pbx.now();
    this.#unsubscribe = manager.pbx.onEvent((ev) => this.#event(ev));
    transport.write(`Asterisk Call Manager/${amiVersionFor(manager.pbx.config.asteriskVersion)}\r\n`);
  }

  get pbx(): Pbx {
    return this.manager.pbx;
  }

  /** Bytes from the client. */
  receive(chunk: Buffer): void {
    this.#decoder.push(chunk, (frame) => {
      if (frame.type === 'message') this.#enqueue(frame.message);
      else if (frame.type === 'error') {
        // manager.c: a line over 1024 bytes discards the message and answers when it ends.
        const msg = frame.error.code === 'line-too-long' || frame.error.code === 'message-too-long' ? 'Failed to parse message: line too long' : 'Failed to parse message';
        this.#write(formatMessage([['Response', 'Error'], ['Message', msg]]));
      }
    });
  }

  #enqueue(m: AmiMessage): void {
    // Asterisk keeps the first 128 headers of an action and ignores the rest.
    const action: AmiMessage = m.headers.length > MAX_HEADERS ? { headers: m.headers.slice(0, MAX_HEADERS) } : m;
    if (this.#busy) {
      this.#queued.push(action);
      return;
    }
    this.#process(action);
  }

  #process(m: AmiMessage): void {
    if (this.closed) return;
    this.manager.onAction?.(this, m);
    this.#holding++;
    try {
      this.pbx.run(() => this.#dispatch(m));
    } catch (err) {
      // A bug in a handler must not take the whole server (or the demo) down.
      this.manager.onError?.(err);
      this.error(m, 'Internal error');
    } finally {
      this.#holding--;
      if (this.#holding === 0 && !this.#busy) this.#flushHeld();
    }
  }

  #flushHeld(): void {
    const held = this.#held;
    this.#held = [];
    for (const t of held) this.transport.write(t);
  }

  #write(text: string): void {
    if (this.closed) return;
    this.transport.write(text);
  }

  /** Writes a whole message now (responses bypass the event hold). */
  send(headers: Headers): void {
    this.#write(formatMessage(headers));
  }

  /** Writes raw bytes (Asterisk quirks such as the bare LF in the Park reply, trace replay). */
  sendRaw(data: string | Buffer): void {
    if (this.closed) return;
    this.transport.write(data);
  }

  #event(ev: PbxEvent): void {
    if (!this.authenticated || !this.liveEvents || this.closed) return;
    if ((this.readperm & ev.category) !== ev.category) return;
    if ((this.sendEvents & ev.category) !== ev.category) return;
    const userFilters = this.user?.eventFilters ?? [];
    if (this.filters.length > 0 || userFilters.length > 0) {
      const all = this.filters.length === 0 ? userFilters : [...userFilters, ...this.filters];
      if (!passesFilters(all, ev.name, ev.text)) return;
    }
    if (this.#holding > 0 || this.#busy) this.#held.push(ev.bytes);
    else this.transport.write(ev.bytes);
  }

  /** Response: X, ActionID (when the action had one), [EventList: start], Message, then extra headers. */
  respond(m: AmiMessage, response: string, message?: string, extra: Headers = [], listStart = false): void {
    const out: Header[] = [['Response', response]];
    const id = getHeader(m, 'ActionID');
    if (id !== undefined && id !== '') out.push(['ActionID', id]);
    if (listStart) out.push(['EventList', 'start']);
    if (message !== undefined) out.push(['Message', message]);
    this.send([...out, ...extra]);
  }

  error(m: AmiMessage, message: string): void {
    this.respond(m, 'Error', message);
  }

  /** ActionID header for list events, omitted when the action had none. */
  idHeader(m: AmiMessage): Header[] {
    const id = getHeader(m, 'ActionID');
    return id !== undefined && id !== '' ? [['ActionID', id]] : [];
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.#unsubscribe();
    this.transport.end();
  }

  /** The socket went away (client closed, drop). */
  detach(): void {
    this.closed = true;
    this.#unsubscribe();
  }

  /** Blocks action processing (sync Originate) until unblock(). */
  block(): void {
    this.#busy = true;
  }

  unblock(): void {
    this.#busy = false;
    if (this.#holding === 0) this.#flushHeld();
    const queued = this.#queued;
    this.#queued = [];
    for (const m of queued) this.#enqueue(m);
  }

  #dispatch(m: AmiMessage): void {
    const action = (getHeader(m, 'Action') ?? '').trim();
    if (action === '') {
      this.error(m, 'Missing action in request');
      return;
    }
    const lower = action.toLowerCase();
    if (!this.authenticated && lower !== 'login' && lower !== 'logoff' && lower !== 'challenge') {
      this.error(m, 'Permission denied');
      return;
    }
    const handler = ACTIONS[lower];
    const authority = ACTION_AUTHORITY[lower];
    if (!handler || authority === undefined) {
      this.error(m, `Invalid/unknown command: ${action}. Use Action: ListCommands to show available commands.`);
      return;
    }
    if (authority !== 0 && (this.writeperm & authority) === 0) {
      this.error(m, 'Permission denied');
      return;
    }
    handler(this, m);
  }

  // ---------------------------------------------------------------------------
  // Authentication

  get challenge(): string {
    return this.#challenge;
  }

  newChallenge(): string {
    if (this.#challenge === '') this.#challenge = String(randomInt(100_000_000, 2_147_483_647));
    return this.#challenge;
  }

  /** authenticate(): the user, then MD5(challenge + secret) or the plain secret. */
  authenticate(m: AmiMessage): ManagerUser | undefined {
    const username = getHeader(m, 'Username') ?? '';
    if (username === '') return undefined;
    const user = this.manager.users().find((u) => u.username.toLowerCase() === username.toLowerCase());
    if (!user) {
      this.#security('InvalidAccountID', 'Error', 1, username, []);
      return undefined;
    }
    if (this.manager.refuseLogins()) {
      this.#security('InvalidPassword', 'Error', 2, username, []);
      return undefined;
    }
    if ((getHeader(m, 'AuthType') ?? '').toLowerCase() === 'md5') {
      const key = getHeader(m, 'Key') ?? '';
      if (key === '' || this.#challenge === '') return undefined;
      const expected = createHash('md5').update(this.#challenge + user.secret).digest('hex');
      if (key.toLowerCase() !== expected) {
        this.#security('ChallengeResponseFailed', 'Error', 1, username, [['Challenge', this.#challenge], ['Response', key], ['ExpectedResponse', expected]]);
        return undefined;
      }
      return user;
    }
    if ((getHeader(m, 'Secret') ?? '') !== user.secret) {
      this.#security('InvalidPassword', 'Error', 2, username, []);
      return undefined;
    }
    return user;
  }

  addressText(local: boolean): string {
    const t = this.transport;
    return `IPV4/${t.tls ? 'TLS' : 'TCP'}/${local ? t.localAddress : t.remoteAddress}/${local ? t.localPort : t.remotePort}`;
  }

  /** A security event (security class) about this session. */
  #security(name: string, severity: string, version: number, account: string, extra: Headers): void {
    const now = this.pbx.now();
    this.pbx.publish(name, EVENT_FLAG.security, [
      ['EventTV', formatEventTv(now)], ['Severity', severity], ['Service', 'AMI'], ['EventVersion', String(version)], ['AccountID', account],
      ['SessionID', `0x${(0x7f0000000000 + this.id * 16).toString(16)}`], ['LocalAddress', this.addressText(true)], ['RemoteAddress', this.addressText(false)],
      ...(name === 'SuccessfulAuth' ? ([['UsingPassword', '0']] as Header[]) : []),
      ['SessionTV', formatEventTv(this.startedAt)], ...extra,
    ]);
  }

  successfulAuth(user: ManagerUser): void {
    this.#security('SuccessfulAuth', 'Informational', 1, user.username, []);
  }
}

type Handler = (s: AmiSession, m: AmiMessage) => void;

const h = (m: AmiMessage, name: string): string => getHeader(m, name) ?? '';

function login(s: AmiSession, m: AmiMessage): void {
  if (s.authenticated) {
    s.respond(m, 'Success', 'Already authenticated');
    return;
  }
  const user = s.authenticate(m);
  if (!user) {
    // manager.c sleeps a second, answers, and returns -1: the session is closed.
    s.block();
    s.pbx.schedule(s.manager.loginFailureDelayMs, () => {
      s.error(m, 'Authentication failed');
      s.close();
    });
    return;
  }
  s.authenticated = true;
  s.user = user;
  s.readperm = user.read;
  s.writeperm = user.write;
  const events = getHeader(m, 'Events');
  if (events !== undefined) s.sendEvents = eventMask(events);
  s.respond(m, 'Success', 'Authentication accepted');
  const replay = s.manager.replayFor?.(s);
  if (replay) {
    // The recording carries its own FullyBooted and security events.
    s.liveEvents = false;
    s.sendRaw(replay.bytes);
    if (replay.closeAfter) s.close();
    return;
  }
  if ((s.readperm & EVENT_FLAG.system) !== 0 && (s.sendEvents & EVENT_FLAG.system) !== 0) {
    const uptime = Math.floor((s.pbx.now() - s.pbx.startedAt) / 1000);
    const reload = Math.floor((s.pbx.now() - s.pbx.lastReloadAt) / 1000);
    s.send([['Event', 'FullyBooted'], ['Privilege', privilegeString(EVENT_FLAG.system)], ['Uptime', String(uptime)], ['LastReload', String(reload)], ['Status', 'Fully Booted']]);
  }
  s.successfulAuth(user);
}

/** set_eventmask(): "on"/"off", a number, or class names. */
function eventMask(text: string): number {
  const t = text.trim().toLowerCase();
  if (t === 'on' || t === 'yes' || t === 'true') return -1;
  if (t === 'off' || t === 'no' || t === 'false') return 0;
  if (/^\d+$/.test(t)) return Number(t);
  return parseClasses(t);
}

function channelArg(s: AmiSession, m: AmiMessage, missing: string, notFound: (name: string) => string): Channel | undefined {
  const name = h(m, 'Channel');
  if (name === '') {
    s.error(m, missing);
    return undefined;
  }
  const ch = s.pbx.findChannel(name);
  if (!ch) s.error(m, notFound(name));
  return ch;
}

function parseCallerId(text: string): { num: string; name: string } {
  const m = /^\s*(?:"([^"]*)"|([^<]*?))\s*<([^>]*)>\s*$/.exec(text);
  if (m) return { name: (m[1] ?? m[2] ?? '').trim(), num: m[3] ?? '' };
  return /^[+\d*#]+$/.test(text.trim()) ? { num: text.trim(), name: '' } : { num: '', name: text.trim() };
}

const SYSTEM_APPS = ['system', 'exec', 'agi', 'mixmonitor', 'externalivr', 'originate'];

function originateAction(s: AmiSession, m: AmiMessage): void {
  const channel = h(m, 'Channel');
  if (channel === '') {
    s.error(m, 'Channel not specified');
    return;
  }
  const timeoutText = h(m, 'Timeout');
  const timeout = timeoutText === '' ? 30000 : Number(timeoutText);
  if (!Number.isFinite(timeout)) {
    s.error(m, 'Invalid timeout');
    return;
  }
  if (!channel.includes('/')) {
    s.error(m, 'Invalid channel');
    return;
  }
  const app = h(m, 'Application');
  const data = h(m, 'Data');
  if (app !== '' && (s.writeperm & EVENT_FLAG.system) === 0) {
    const badApp = SYSTEM_APPS.some((a) => app.toLowerCase().includes(a));
    const badData = data.includes('SHELL') || data.includes('EVAL');
    if (badApp || badData) {
      s.error(m, `Originate Access Forbidden: ${badData && !badApp ? 'Data' : 'Application'}`);
      return;
    }
  }
  const context = h(m, 'Context');
  const exten = h(m, 'Exten');
  const priorityText = h(m, 'Priority');
  if (app === '' && (exten === '' || context === '' || priorityText === '')) {
    s.error(m, "Originate with 'Exten' requires 'Context' and 'Priority'");
    return;
  }
  const priority: number | string = /^\d+$/.test(priorityText) ? Number(priorityText) : priorityText;
  const variables: [string, string][] = [];
  for (const v of getHeaders(m, 'Variable')) {
    for (const part of v.split(',')) {
      const eq = part.indexOf('=');
      if (eq > 0) variables.push([part.slice(0, eq), part.slice(eq + 1)]);
    }
  }
  const cidText = getHeader(m, 'CallerID');
  const callerId = cidText !== undefined && cidText !== '' ? parseCallerId(cidText) : undefined;
  const asyncOn = /^(1|yes|true|on|y|t)$/i.test(h(m, 'Async'));
  const actionIdHeaders = s.idHeader(m);
  const pbx = s.pbx;
  const channelId = h(m, 'ChannelId');
  const otherChannelId = h(m, 'OtherChannelId');
  const request = {
    channel,
    timeoutMs: timeout,
    variables,
    ...(callerId ? { callerId } : {}),
    ...(channelId !== '' ? { channelId } : {}),
    ...(otherChannelId !== '' ? { otherChannelId } : {}),
    ...(app !== '' ? { application: app, data } : { context, exten, priority }),
  };

  const originateResponse = (ok: boolean, reason: number, ch: Channel | undefined): void => {
    pbx.publish('OriginateResponse', EVENT_FLAG.call, [
      ...actionIdHeaders, ['Response', ok ? 'Success' : 'Failure'], ['Channel', ok && ch ? ch.name : channel],
      ...(app !== '' ? ([['Application', app], ['Data', data]] as Header[]) : ([['Context', context], ['Exten', exten]] as Header[])),
      ['Reason', String(reason)], ['Uniqueid', ok && ch ? ch.uniqueid : '<unknown>'],
      ['CallerIDNum', callerId?.num || '<unknown>'], ['CallerIDName', callerId?.name || '<unknown>'],
    ]);
  };

  if (asyncOn) {
    s.respond(m, 'Success', 'Originate successfully queued');
    const started = originate(pbx, request, (o) => originateResponse(o.success, o.reason, o.channel));
    if (!started) originateResponse(false, 0, undefined);
    return;
  }
  // Synchronous: the session waits for the outcome; events wait with it.
  s.block();
  const started = originate(pbx, request, (o) => {
    if (o.success) s.respond(m, 'Success', 'Originate successfully queued');
    else s.error(m, 'Originate failed');
    pbx.defer(() => s.unblock());
  });
  if (!started) {
    s.error(m, 'Originate failed');
    s.unblock();
  }
}

function hangupAction(s: AmiSession, m: AmiMessage): void {
  const name = h(m, 'Channel');
  if (name === '') {
    s.error(m, 'No channel specified');
    return;
  }
  const causeText = h(m, 'Cause');
  const cause = causeText === '' ? 0 : Number(causeText);
  const pbx = s.pbx;
  if (name.startsWith('/') && name.endsWith('/') && name.length > 1) {
    let re: RegExp;
    try {
      re = new RegExp(name.slice(1, -1));
    } catch {
      s.error(m, 'Invalid regex');
      return;
    }
    const hits = [...pbx.channels.values()].filter((c) => re.test(c.name));
    s.respond(m, 'Success', 'Channels hung up will follow', [], true);
    for (const ch of hits) {
      s.send([['Event', 'ChannelHungup'], ['Channel', ch.name], ...s.idHeader(m)]);
      pbx.softHangup(ch, cause);
    }
    s.send([['Event', 'ChannelsHungupListComplete'], ['EventList', 'Complete'], ['ListItems', String(hits.length)], ...s.idHeader(m)]);
    return;
  }
  const ch = pbx.findChannel(name);
  if (!ch) {
    s.error(m, 'No such channel');
    return;
  }
  s.respond(m, 'Success', 'Channel Hungup');
  pbx.softHangup(ch, cause);
}

function redirectAction(s: AmiSession, m: AmiMessage): void {
  const name = h(m, 'Channel');
  const extra = h(m, 'ExtraChannel');
  const context = h(m, 'Context');
  const exten = h(m, 'Exten');
  const priorityText = h(m, 'Priority');
  if (name === '') return s.error(m, 'Channel not specified');
  if (context === '') return s.error(m, 'Context not specified');
  if (exten === '') return s.error(m, 'Exten not specified');
  if (priorityText === '') return s.error(m, 'Priority not specified');
  const priority: number | string = /^\d+$/.test(priorityText) ? Number(priorityText) : priorityText;
  if (typeof priority === 'number' && priority < 1) return s.error(m, 'Priority is invalid');
  const pbx = s.pbx;
  const ch = pbx.findChannel(name);
  if (!ch) return s.error(m, `Channel does not exist: ${name}`);
  if (ch.hangupRequested) return s.error(m, 'Redirect failed, channel not up.');
  const to = { context, exten, priority };
  if (extra === '') {
    const driver = pbx.driverOf(ch);
    if (!driver?.redirect || !driver.redirect(ch, to, 'redirect')) return s.error(m, 'Redirect failed');
    s.respond(m, 'Success', 'Redirect successful');
    return;
  }
  const ch2 = pbx.findChannel(extra);
  if (!ch2) return s.error(m, `ExtraChannel does not exist: ${extra}`);
  if (ch2.hangupRequested) return s.error(m, 'Redirect failed, extra channel not up.');
  const to2 = { context: h(m, 'ExtraContext') || context, exten: h(m, 'ExtraExten') || exten, priority: h(m, 'ExtraPriority') ? Number(h(m, 'ExtraPriority')) : priority };
  // Both leave together: the partner is marked first, so when the first one's
  // Dial takes the bridge down the partner is redirected instead of hung up.
  if (ch2.bridge && ch2.bridge === ch.bridge) {
    pbx.setPendingRedirect(ch2, to2);
    const d1 = pbx.driverOf(ch);
    const ok = d1?.redirect ? d1.redirect(ch, to, 'redirect') : false;
    if (!ok) {
      pbx.takePendingRedirect(ch2);
      return s.error(m, 'Redirect failed');
    }
    if (pbx.takePendingRedirect(ch2)) {
      // The partner was not torn down by the first redirect: send it on its own.
      const d2 = pbx.driverOf(ch2);
      if (!d2?.redirect || !d2.redirect(ch2, to2, 'redirect')) return s.error(m, 'Secondary redirect failed');
    }
    s.respond(m, 'Success', 'Dual Redirect successful');
    return;
  }
  const d1 = pbx.driverOf(ch);
  const ok1 = d1?.redirect ? d1.redirect(ch, to, 'redirect') : false;
  const d2 = pbx.driverOf(ch2);
  const ok2 = ok1 && !ch2.destroyed && d2?.redirect ? d2.redirect(ch2, to2, 'redirect') : false;
  if (ok1 && ok2) s.respond(m, 'Success', 'Dual Redirect successful');
  else if (ok1) s.error(m, 'Secondary redirect failed');
  else s.error(m, 'Redirect failed');
}

function blindTransferAction(s: AmiSession, m: AmiMessage): void {
  const name = h(m, 'Channel');
  const exten = h(m, 'Exten');
  if (name === '') return s.error(m, 'No channel specified');
  if (exten === '') return s.error(m, 'No extension specified');
  const pbx = s.pbx;
  const transferer = pbx.findChannel(name);
  if (!transferer) return s.error(m, 'Channel specified does not exist');
  const transferee = transferer.bridge?.channels.find((c) => c !== transferer);
  if (!transferee) return s.error(m, 'Transfer not permitted');
  s.respond(m, 'Success', 'Transfer succeeded');
  blindTransfer(pbx, transferer, h(m, 'Context') || transferer.context, exten);
}

function atxferAction(s: AmiSession, m: AmiMessage): void {
  const name = h(m, 'Channel');
  const exten = h(m, 'Exten');
  if (name === '') return s.error(m, 'No channel specified');
  if (exten === '') return s.error(m, 'No extension specified');
  const pbx = s.pbx;
  const transferer = pbx.findChannel(name);
  if (!transferer) return s.error(m, 'Channel specified does not exist');
  const context = h(m, 'Context') || transferer.context;
  if (context !== '') pbx.setVar(transferer, 'TRANSFER_CONTEXT', context);
  s.respond(m, 'Success', 'Atxfer successfully queued');
  attendedTransfer(pbx, transferer, context, exten);
}

/** MixMonitor: the reply has no MixMonitorID unless Options asks for one with i(VAR) (trace README, item 4). */
function mixMonitorAction(s: AmiSession, m: AmiMessage): void {
  const ch = channelArg(s, m, 'No channel specified', () => 'No such channel');
  if (!ch) return;
  const file = h(m, 'File');
  if (file === '') return s.error(m, 'Could not start monitoring channel');
  // Events raised here are held by the session until the reply is written.
  const id = startMixMonitor(s.pbx, ch, file, h(m, 'Options'));
  s.send([['Response', 'Success'], ...s.idHeader(m), ...(id !== '' ? ([['MixMonitorID', id]] as Header[]) : [])]);
}

function stopMixMonitorAction(s: AmiSession, m: AmiMessage): void {
  const ch = channelArg(s, m, 'No channel specified', () => 'No such channel');
  if (!ch) return;
  if (!ch.mixMonitor) return s.error(m, 'Could not stop monitoring channel');
  s.send([['Response', 'Success'], ...s.idHeader(m)]);
  stopMixMonitor(s.pbx, ch);
}

function mixMonitorMuteAction(s: AmiSession, m: AmiMessage): void {
  const name = h(m, 'Channel');
  const direction = h(m, 'Direction');
  if (name === '') return s.error(m, 'No channel specified');
  if (direction === '') return s.error(m, 'No direction specified. Must be read, write or both');
  if (!['read', 'write', 'both'].includes(direction.toLowerCase())) return s.error(m, 'Invalid direction specified. Must be read, write or both');
  const ch = s.pbx.findChannel(name);
  if (!ch) return s.error(m, 'No such channel');
  if (!ch.mixMonitor) return s.error(m, 'Cannot set mute flag');
  const state = /^(1|yes|true|on)$/i.test(h(m, 'State')) ? '1' : '0';
  ch.mixMonitor.muted = state === '1';
  s.send([['Response', 'Success'], ...s.idHeader(m)]);
  s.pbx.channelEvent('MixMonitorMute', ch, [['Direction', direction.toLowerCase()], ['State', state]]);
}

/**
 * Park: the reply carries "Park successful\n" with its bare LF (parking_manager.c
 * astman_send_ack(s, m, "Park successful\n")), so the message ends in \n\r\n\r\n.
 */
function parkAction(s: AmiSession, m: AmiMessage): void {
  const name = h(m, 'Channel');
  if (name === '') return s.error(m, 'Channel not specified');
  const timeoutText = h(m, 'Timeout');
  const timeout = timeoutText === '' ? -1 : Number(timeoutText);
  if (timeoutText !== '' && (!Number.isFinite(timeout) || timeout < 0)) return s.error(m, 'Invalid Timeout value.');
  const pbx = s.pbx;
  const ch = pbx.findChannel(name);
  if (!ch) return s.error(m, `Channel does not exist: ${name}`);
  const lot = pbx.config.parking;
  const space = nextParkingSpace(pbx);
  if (space === undefined) {
    s.sendRaw(`Response: Error\r\n${s.idHeader(m).map(([k, v]) => `${k}: ${v}\r\n`).join('')}Message: Park action failed\n\r\n\r\n`);
    return;
  }
  const timeoutChannel = h(m, 'TimeoutChannel') || h(m, 'Channel2');
  if (timeoutChannel !== '') pbx.setVar(ch, 'BLINDTRANSFER', timeoutChannel);
  s.sendRaw(`Response: Success\r\n${s.idHeader(m).map(([k, v]) => `${k}: ${v}\r\n`).join('')}Message: Park successful\n\r\n\r\n`);
  const secs = timeout > 0 ? Math.max(1, Math.floor(timeout / 1000)) : lot.timeoutSec;
  park(pbx, ch, space, secs, timeoutChannel ? timeoutChannel.replace(/-[0-9a-f]{8}(;\d)?$/, '') : '');
}

/** The action's optional Channel header: the channel, undefined when absent, or false after answering "No such channel". */
function optionalChannel(s: AmiSession, m: AmiMessage): Channel | undefined | false {
  const name = h(m, 'Channel');
  if (name === '') return undefined;
  const ch = s.pbx.findChannel(name);
  if (!ch) {
    s.error(m, 'No such channel');
    return false;
  }
  return ch;
}

function getvarAction(s: AmiSession, m: AmiMessage): void {
  const variable = h(m, 'Variable');
  if (variable === '') return s.error(m, 'No variable specified');
  const pbx = s.pbx;
  const found = optionalChannel(s, m);
  if (found === false) return;
  const ch = found;
  let value: string;
  if (variable.includes('(') && ch) value = substitute(`\${${variable}}`, channelSubstitution(pbx, ch));
  else if (variable.includes('(')) value = substitute(`\${${variable}}`, { variable: (v) => pbx.globals.get(v), func: () => undefined });
  else value = pbx.getVar(ch, variable) ?? '';
  s.respond(m, 'Success', undefined, [['Variable', variable], ['Value', value]]);
}

function setvarAction(s: AmiSession, m: AmiMessage): void {
  const variable = h(m, 'Variable');
  if (variable === '') return s.error(m, 'No variable specified');
  const pbx = s.pbx;
  const found = optionalChannel(s, m);
  if (found === false) return;
  const ch = found;
  s.respond(m, 'Success', 'Variable Set');
  const value = h(m, 'Value');
  const fn = /^CALLERID\((num|name)\)$/i.exec(variable);
  if (fn && ch) pbx.setCaller(ch, (fn[1] ?? '').toLowerCase() === 'name' ? { num: ch.caller.num, name: value } : { num: value, name: ch.caller.name });
  else pbx.setVar(ch, variable, value);
}

/** The Asterisk database (astdb) of each demo PBX: family/key -> value (main/db.c keeps it in SQLite). */
const ASTDB = new WeakMap<Pbx, Map<string, string>>();
function astdb(pbx: Pbx): Map<string, string> {
  let db = ASTDB.get(pbx);
  if (!db) ASTDB.set(pbx, (db = new Map()));
  return db;
}

/** Family and Key of a DB* action, or false after answering the error main/db.c gives. */
function dbKey(s: AmiSession, m: AmiMessage): string | false {
  const family = h(m, 'Family');
  const key = h(m, 'Key');
  if (family === '') return (s.error(m, 'No family specified.'), false);
  if (key === '') return (s.error(m, 'No key specified.'), false);
  return `/${family}/${key}`;
}

function dbGetAction(s: AmiSession, m: AmiMessage): void {
  const k = dbKey(s, m);
  if (k === false) return;
  const value = astdb(s.pbx).get(k);
  if (value === undefined) return s.error(m, 'Database entry not found');
  s.respond(m, 'Success', 'Result will follow', [], true);
  s.send([['Event', 'DBGetResponse'], ['Family', h(m, 'Family')], ['Key', h(m, 'Key')], ['Val', value], ...s.idHeader(m)]);
  s.send([['Event', 'DBGetComplete'], ...s.idHeader(m), ['EventList', 'Complete'], ['ListItems', '1']]);
}

function dbPutAction(s: AmiSession, m: AmiMessage): void {
  const k = dbKey(s, m);
  if (k === false) return;
  astdb(s.pbx).set(k, h(m, 'Val'));
  s.respond(m, 'Success', 'Updated database successfully');
}

function dbDelAction(s: AmiSession, m: AmiMessage): void {
  const k = dbKey(s, m);
  if (k === false) return;
  if (!astdb(s.pbx).delete(k)) return s.error(m, 'Database entry not found');
  s.respond(m, 'Success', 'Key deleted successfully');
}

/** Live channels, newest first (Asterisk walks a hash container; the traces show no stable order). */
function listChannels(pbx: Pbx): Channel[] {
  return [...pbx.channels.values()].reverse();
}

function coreShowChannelsAction(s: AmiSession, m: AmiMessage): void {
  const pbx = s.pbx;
  const list = listChannels(pbx);
  s.respond(m, 'Success', 'Channels will follow', [], true);
  const now = pbx.now();
  for (const ch of list) {
    s.send([
      ['Event', 'CoreShowChannel'], ...s.idHeader(m), ...pbx.snapshot(ch), ['Application', ch.appl], ['ApplicationData', ch.data],
      ['Duration', formatDuration((now - ch.createdAt) / 1000)], ['BridgeId', ch.bridge?.uniqueid ?? ''],
    ]);
  }
  s.send([['Event', 'CoreShowChannelsComplete'], ...s.idHeader(m), ['EventList', 'Complete'], ['ListItems', String(list.length)]]);
}

function statusAction(s: AmiSession, m: AmiMessage): void {
  const pbx = s.pbx;
  const name = h(m, 'Channel');
  let list: Channel[];
  if (name !== '') {
    const ch = pbx.findChannel(name);
    if (!ch) return s.error(m, 'No such channel');
    list = [ch];
  } else list = listChannels(pbx);
  const wanted = h(m, 'Variables').split(',').map((v) => v.trim()).filter(Boolean);
  s.respond(m, 'Success', 'Channel status will follow', [], true);
  const now = pbx.now();
  for (const ch of list) {
    const pjsip = ch.tech === 'PJSIP';
    const bridged = ch.bridge !== undefined;
    s.send([
      ['Event', 'Status'], ['Privilege', 'Call'], ...pbx.snapshot(ch), ['Type', ch.tech], ['DNID', ch.dnid],
      ['EffectiveConnectedLineNum', ch.connected.num || '<unknown>'], ['EffectiveConnectedLineName', ch.connected.name || '<unknown>'],
      ['TimeToHangup', '0'], ['BridgeID', ch.bridge?.uniqueid ?? ''], ['Application', ch.appl], ['Data', ch.data],
      ['Nativeformats', pjsip ? '(ulaw)' : '(slin)'], ['Readformat', pjsip && !bridged ? 'ulaw' : 'slin'], ['Readtrans', pjsip && bridged ? '(ulaw@8000)->(slin@8000)' : ''],
      ['Writeformat', pjsip && !bridged ? 'ulaw' : 'slin'], ['Writetrans', pjsip && bridged ? '(slin@8000)->(ulaw@8000)' : ''], ['Callgroup', '0'], ['Pickupgroup', '0'],
      ['Seconds', String(Math.floor((now - ch.createdAt) / 1000))], ...wanted.map((v): Header => ['Variable', `${v}=${pbx.getVar(ch, v) ?? ''}`]), ...s.idHeader(m),
    ]);
  }
  s.send([['Event', 'StatusComplete'], ...s.idHeader(m), ['EventList', 'Complete'], ['ListItems', String(list.length)], ['Items', String(list.length)]]);
}

function bridgeListAction(s: AmiSession, m: AmiMessage): void {
  const pbx = s.pbx;
  const list = [...pbx.bridges.values()].filter((b) => b.technology !== 'holding_bridge');
  s.respond(m, 'Success', 'Bridge listing will follow', [], true);
  for (const b of list) s.send([['Event', 'BridgeListItem'], ...s.idHeader(m), ...bridgeHeaders(b)]);
  s.send([['Event', 'BridgeListComplete'], ...s.idHeader(m), ['EventList', 'Complete'], ['ListItems', String(list.length)]]);
}

function bridgeInfoAction(s: AmiSession, m: AmiMessage): void {
  const id = h(m, 'BridgeUniqueid');
  if (id === '') return s.error(m, 'Bridge identifier not provided');
  const b = s.pbx.bridges.get(id);
  if (!b) return s.error(m, `Bridge ${id} not found`);
  s.respond(m, 'Success', 'Details will follow', [], true);
  for (const ch of b.channels) s.send([['Event', 'BridgeInfoChannel'], ...s.pbx.snapshot(ch), ...s.idHeader(m)]);
  s.send([['Event', 'BridgeInfoComplete'], ...bridgeHeaders(b), ...s.idHeader(m)]);
}

/** CLI output for the few commands the demo PBX answers. */
function cli(pbx: Pbx, command: string): { ok: boolean; text: string } {
  const cmd = command.trim().replace(/\s+/g, ' ').toLowerCase();
  const version = pbx.config.asteriskVersion;
  if (cmd === 'core show version') return { ok: true, text: `Asterisk ${version} built by root @ demo on a x86_64 running Linux on 2026-01-01 00:00:00 UTC\n` };
  if (cmd === 'core show uptime' || cmd === 'core show uptime seconds') {
    const up = Math.floor((pbx.now() - pbx.startedAt) / 1000);
    const rl = Math.floor((pbx.now() - pbx.lastReloadAt) / 1000);
    return cmd.endsWith('seconds') ? { ok: true, text: `System uptime: ${up}\nLast reload: ${rl}\n` } : { ok: true, text: `System uptime: ${up} seconds\nLast reload: ${rl} seconds\n` };
  }
  if (cmd === 'core show channels' || cmd === 'core show channels concise') {
    const list = listChannels(pbx);
    if (cmd.endsWith('concise')) {
      return { ok: true, text: list.map((c) => `${c.name}!${c.context}!${c.exten}!${c.priority}!${['Down', '', '', '', 'Ring', 'Ringing', 'Up'][c.state] ?? 'Unknown'}!${c.appl}!${c.data}!${c.caller.num}!!!3!${Math.floor((pbx.now() - c.createdAt) / 1000)}!${c.bridge?.uniqueid ?? '(None)'}!${c.uniqueid}\n`).join('') };
    }
    const rows = list.map((c) => `${c.name.padEnd(20)} ${`${c.exten}@${c.context}:${c.priority}`.padEnd(20)} ${(c.state === STATE.up ? 'Up' : c.state === STATE.ringing ? 'Ringing' : c.state === STATE.ring ? 'Ring' : 'Down').padEnd(7)} ${`${c.appl}(${c.data})`.padEnd(30)}\n`);
    const calls = new Set(list.map((c) => c.linkedid)).size;
    return { ok: true, text: `Channel              Location             State   Application(Data)             \n${rows.join('')}${list.length} active channel${list.length === 1 ? '' : 's'}\n${calls} active call${calls === 1 ? '' : 's'}\n` };
  }
  return { ok: false, text: `No such command '${command}' (type 'core show help ${command}' for other possible commands)\n` };
}

const COMMAND_BLACKLIST = ['module load', 'module unload', 'module reload', 'core stop', 'core restart'];

/**
 * Command: Asterisk 14+ answers "Message: Command output follows" with one
 * Output: header per line (the trailing newline gives a last empty Output:);
 * Asterisk 13 and older answer "Response: Follows" with the raw text ended by
 * "--END COMMAND--".
 */
function commandAction(s: AmiSession, m: AmiMessage): void {
  const command = h(m, 'Command');
  if (command === '') return s.error(m, 'No command provided');
  if (COMMAND_BLACKLIST.some((b) => command.trim().toLowerCase().startsWith(b))) return s.error(m, 'Command blacklisted');
  const { ok, text } = cli(s.pbx, command);
  const major = Number(s.pbx.config.asteriskVersion.split('.')[0]);
  if (major < 14) {
    const id = s.idHeader(m).map(([k, v]) => `${k}: ${v}\r\n`).join('');
    s.sendRaw(`Response: Follows\r\nPrivilege: Command\r\n${id}${text}--END COMMAND--\r\n\r\n`);
    return;
  }
  s.send([['Response', ok ? 'Success' : 'Error'], ...s.idHeader(m), ['Message', 'Command output follows'], ...text.split('\n').map((line): Header => ['Output', line])]);
}

function filterAction(s: AmiSession, m: AmiMessage): void {
  const operation = h(m, 'Operation');
  if (operation.toLowerCase() !== 'add') return s.error(m, 'Unknown operation');
  const criteria = h(m, 'MatchCriteria');
  let filter: EventFilter;
  try {
    filter = criteria !== '' ? parseEventFilterLine(`eventfilter(${criteria})`, h(m, 'Filter')) : legacyFilter(h(m, 'Filter'));
  } catch (err) {
    if (err instanceof EventFilterError && err.kind === 'format') return s.error(m, 'Filter was formatted incorrectly.  Check the syntax of the filter given.');
    return s.error(m, 'Filter did not compile.  Check the syntax of the filter given.');
  }
  s.filters.push(filter);
  s.respond(m, 'Success', 'Success');
}

function coreSettingsAction(s: AmiSession, m: AmiMessage): void {
  const cfg = s.pbx.config;
  s.respond(m, 'Success', undefined, [
    ['AMIversion', amiVersionFor(cfg.asteriskVersion)], ['AsteriskVersion', cfg.asteriskVersion], ['SystemName', cfg.systemName], ['CoreMaxCalls', '0'],
    ['CoreMaxLoadAvg', '0.000000'], ['CoreRunUser', ''], ['CoreRunGroup', ''], ['CoreMaxFilehandles', '0'], ['CoreRealTimeEnabled', 'No'],
    ['CoreCDRenabled', cfg.cdr ? 'Yes' : 'No'], ['CoreHTTPenabled', 'No'], ['SoundsSearchCustomDir', 'No'],
  ]);
}

function coreStatusAction(s: AmiSession, m: AmiMessage): void {
  const pbx = s.pbx;
  const [sd, st] = new Date(pbx.startedAt).toISOString().split('T');
  const [rd, rt] = new Date(pbx.lastReloadAt).toISOString().split('T');
  s.respond(m, 'Success', 'Core Status', [
    ['CoreStartupDate', sd ?? ''], ['CoreStartupTime', (st ?? '').slice(0, 8)], ['CoreReloadDate', rd ?? ''], ['CoreReloadTime', (rt ?? '').slice(0, 8)],
    ['CoreCurrentCalls', String(new Set([...pbx.channels.values()].map((c) => c.linkedid)).size)],
  ]);
}

function eventsAction(s: AmiSession, m: AmiMessage): void {
  const mask = eventMask(h(m, 'EventMask'));
  s.sendEvents = mask;
  s.send([['Response', 'Success'], ...s.idHeader(m), ['Events', mask === 0 ? 'Off' : 'On']]);
}

function listCommandsAction(s: AmiSession, m: AmiMessage): void {
  const extra: Header[] = Object.keys(ACTIONS).map((a): Header => [a, `(Priv: ${privilegeString(ACTION_AUTHORITY[a] ?? 0).replace(/,all$/, '') || '<none>'})`]);
  s.respond(m, 'Success', undefined, extra);
}

function queueStatusAction(s: AmiSession, m: AmiMessage): void {
  const pbx = s.pbx;
  s.respond(m, 'Success', 'Queue status will follow', [], true);
  let items = 0;
  for (const q of pbx.config.queues) {
    items++;
    s.send([['Event', 'QueueParams'], ['Queue', q.name], ['Max', '0'], ['Strategy', 'ringall'], ['Calls', '0'], ['Holdtime', '0'], ['TalkTime', '0'], ['Completed', '0'], ['Abandoned', '0'], ['ServiceLevel', '0'], ['ServicelevelPerf', '0.0'], ['ServicelevelPerf2', '0.0'], ['Weight', '0'], ...s.idHeader(m)]);
    for (const mem of q.members) {
      items++;
      const state = pbx.deviceState(mem.stateInterface ?? mem.interface);
      const status = { NOT_INUSE: 1, INUSE: 2, BUSY: 3, INVALID: 4, UNAVAILABLE: 5, RINGING: 6 }[state] ?? 0;
      s.send([
        ['Event', 'QueueMember'], ['Queue', q.name], ['Name', mem.memberName], ['Location', mem.interface], ['StateInterface', mem.stateInterface ?? mem.interface],
        ['Membership', 'static'], ['Penalty', String(mem.penalty ?? 0)], ['CallsTaken', '0'], ['LastCall', '0'], ['LastPause', '0'],
        ['LoginTime', String(Math.floor(pbx.startedAt / 1000))], ['InCall', '0'], ['Status', String(status)], ['Paused', '0'], ['PausedReason', ''], ['Wrapuptime', '0'], ...s.idHeader(m),
      ]);
    }
  }
  s.send([['Event', 'QueueStatusComplete'], ...s.idHeader(m), ['EventList', 'Complete'], ['ListItems', String(items)]]);
}

function challengeAction(s: AmiSession, m: AmiMessage): void {
  if (h(m, 'AuthType').toLowerCase() !== 'md5') return s.error(m, 'Must specify AuthType');
  s.respond(m, 'Success', undefined, [['Challenge', s.newChallenge()]]);
}

function logoffAction(s: AmiSession, m: AmiMessage): void {
  s.respond(m, 'Goodbye', 'Thanks for all the fish.');
  s.close();
}

function pingAction(s: AmiSession, m: AmiMessage): void {
  const now = s.pbx.now();
  const usec = String((now % 1000) * 1000).padStart(6, '0');
  s.respond(m, 'Success', undefined, [['Ping', 'Pong'], ['Timestamp', `${Math.floor(now / 1000)}.${usec}`]]);
}

function extensionStateAction(s: AmiSession, m: AmiMessage): void {
  const exten = h(m, 'Exten');
  const context = h(m, 'Context') || 'default';
  const state = s.pbx.deviceState(`PJSIP/${exten}`);
  const code = { NOT_INUSE: 0, INUSE: 1, BUSY: 2, UNAVAILABLE: 4, RINGING: 8 }[state] ?? -1;
  const text = { NOT_INUSE: 'Idle', INUSE: 'InUse', BUSY: 'Busy', UNAVAILABLE: 'Unavailable', RINGING: 'Ringing' }[state] ?? 'Unknown';
  s.respond(m, 'Success', 'Extension Status', [['Exten', exten], ['Context', context], ['Hint', `PJSIP/${exten}`], ['Status', String(code)], ['StatusText', text]]);
}

const ACTIONS: Readonly<Record<string, Handler>> = {
  login,
  logoff: logoffAction,
  challenge: challengeAction,
  ping: pingAction,
  events: eventsAction,
  originate: originateAction,
  redirect: redirectAction,
  atxfer: atxferAction,
  blindtransfer: blindTransferAction,
  hangup: hangupAction,
  mixmonitor: mixMonitorAction,
  stopmixmonitor: stopMixMonitorAction,
  mixmonitormute: mixMonitorMuteAction,
  park: parkAction,
  getvar: getvarAction,
  setvar: setvarAction,
  dbget: dbGetAction,
  dbput: dbPutAction,
  dbdel: dbDelAction,
  coreshowchannels: coreShowChannelsAction,
  status: statusAction,
  bridgelist: bridgeListAction,
  bridgeinfo: bridgeInfoAction,
  command: commandAction,
  filter: filterAction,
  coresettings: coreSettingsAction,
  corestatus: coreStatusAction,
  listcommands: listCommandsAction,
  queuestatus: queueStatusAction,
  extensionstate: extensionStateAction,
};

