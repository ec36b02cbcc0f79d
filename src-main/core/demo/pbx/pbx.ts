// The call model of the demo PBX / AMI test server: channels, Local channel
// pairs, bridges, device states, queue member states, CDR and CEL, published as
// the AMI events Asterisk 22 produces for them. The order of events inside each
// operation follows the recorded traces in shared/reference/ami-traces; where
// Asterisk's threads race (see the traces' README, item 11) one of the recorded
// orders is used. Timing goes through the injected Clock so tests run on a
// fake clock; zero-delay steps run synchronously from a run queue so a whole
// operation (an action, a timer) publishes its events in one go, deterministically.
import { Buffer } from 'node:buffer';
import { randomUUID } from 'node:crypto';
import type { Clock, TimerHandle } from '../../../ports';
import { Bridge, CAUSE_TEXT, Channel, STATE, bareVarName, bridgeHeaders, callerIdAll, channelHeaders, emptyParty, formatDateTime, type Party } from './channel';
import type { EndpointConfig, PbxConfig } from './config';
import { parseDialplan, type Dialplan } from './dialplan';
import { EVENT_FLAG, privilegeString } from './permissions';
import type { Header, Headers } from './wire';
import { formatMessage } from './wire';

/** One event as published to every manager session. */
export class PbxEvent {
  #text: string | undefined;
  #bytes: Buffer | undefined;
  constructor(
    readonly name: string,
    /** Permission class bitmask (EVENT_FLAG). */
    readonly category: number,
    /** Full header list, starting with Event and Privilege. */
    readonly headers: Headers,
  ) {}

  /** Wire text, built once and shared by all sessions. */
  get text(): string {
    this.#text ??= formatMessage(this.headers);
    return this.#text;
  }

  /** Wire bytes, encoded once: every session writes the same Buffer. */
  get bytes(): Buffer {
    this.#bytes ??= Buffer.from(this.text, 'utf8');
    return this.#bytes;
  }
}

/** Where a channel is in the dialplan. */
export interface Location {
  readonly context: string;
  readonly exten: string;
  readonly priority: number | string;
}

/**
 * Whatever drives a channel: its dialplan thread, the Dial app that called it,
 * the originate that created it. Each hook is optional; the PBX calls it from
 * its run queue, never re-entrantly.
 */
export interface ChannelDriver {
  /** A hangup request (remote or soft) reached the channel. */
  hangup(ch: Channel): void;
  /** The channel started ringing (callee side). */
  ringing?(ch: Channel): void;
  /** The channel was answered (callee side). */
  answered?(ch: Channel): void;
  /** Send the channel to a dialplan location (AMI Redirect); false if it cannot go. */
  redirect?(ch: Channel, to: Location, how: RedirectKind): boolean;
  /**
   * The channel was taken out of its bridge (Park): let it go without hanging
   * it up, and end the call for the party left behind. False if not handled.
   */
  detach?(ch: Channel): boolean;
}

export type RedirectKind = 'redirect' | 'blind-transfer';

/** How the operator's phone treats one particular call (simulated calls). */
export interface CallOverride {
  readonly endpoint: string;
  readonly answer?: EndpointConfig['answer'];
  readonly answerAfterMs?: number;
  /** Called once the endpoint's phone answered this call. */
  readonly onAnswered?: (ch: Channel) => void;
}

/** A phone registered on an endpoint: answers, rejects or waits for the test to act. */
interface PhoneState {
  readonly config: EndpointConfig;
  registered: boolean;
  answer: EndpointConfig['answer'];
  answerAfterMs: number;
}

interface CdrRecord {
  start: number;
  answer: number | undefined;
  end: number | undefined;
  dstChannel: string;
  lastApp: string;
  lastData: string;
  dialStatus: string;
  frozen: Headers | undefined;
}

interface ChannelExtras {
  driver: ChannelDriver | undefined;
  cdr: CdrRecord[] | undefined;
  rtcp: TimerHandle | undefined;
  /** Set when the Dial app put a new location (exten "") not yet published by Newexten. */
  pendingNewexten: boolean;
  /** Explicit hangup cause was set (Hangup app, AMI Cause, dial timeout). */
  causeSet: boolean;
  ringingNotified: boolean;
  answerNotified: boolean;
  inDialplan: boolean;
  pendingCaller: { num: string; name: string } | undefined;
}

export interface PbxOptions {
  readonly clock: Clock;
  readonly config: PbxConfig;
  /** Source of bridge ids and call ids; defaults to crypto.randomUUID. */
  readonly uuid?: () => string;
}

const QMS_STATUS: Readonly<Record<string, number>> = { UNKNOWN: 0, NOT_INUSE: 1, INUSE: 2, BUSY: 3, INVALID: 4, UNAVAILABLE: 5, RINGING: 6, RINGINUSE: 7, ONHOLD: 8 };

/** The call model. One instance per server; everything runs on the injected clock. */
export class Pbx {
  readonly clock: Clock;
  readonly config: PbxConfig;
  readonly dialplan: Dialplan;
  readonly globals = new Map<string, string>();
  readonly channels = new Map<string, Channel>();
  /** PJSIP channels by endpoint, for device state without scanning every channel. */
  readonly #byEndpoint = new Map<string, Set<Channel>>();
  readonly bridges = new Map<string, Bridge>();
  startedAt: number;
  lastReloadAt: number;
  readonly #uuid: () => string;
  readonly #listeners = new Set<(ev: PbxEvent) => void>();
  readonly #extras = new WeakMap<Channel, ChannelExtras>();
  readonly #phones = new Map<string, PhoneState>();
  readonly #deviceStates = new Map<string, string>();
  readonly #queue: (() => void)[] = [];
  readonly #timers = new Set<TimerHandle>();
  readonly #linkedCounts = new Map<string, number>();
  #draining = false;
  #uniqueSeq = 0;
  readonly #nameSeq = new Map<string, number>();
  #callIdSeq = 0;
  /** Filled in by the apps module (set by createPbx); starts a dialplan thread on a channel. */
  startThread: (pbx: Pbx, ch: Channel, at: Location) => void = () => {
    throw new Error('dialplan runner not installed');
  };
  /** Filled in by the apps module: runs one application without dialplan (Originate Application:). */
  startApplication: (pbx: Pbx, ch: Channel, app: string, data: string) => void = () => {
    throw new Error('dialplan runner not installed');
  };

  constructor(opts: PbxOptions) {
    this.clock = opts.clock;
    this.config = opts.config;
    this.dialplan = parseDialplan(opts.config.dialplan);
    for (const [k, v] of this.dialplan.globals) this.globals.set(k, v);
    this.#uuid = opts.uuid ?? randomUUID;
    this.startedAt = this.clock.now();
    this.lastReloadAt = this.startedAt;
    for (const ep of opts.config.endpoints) this.#addPhone(ep);
  }

  // -------------------------------------------------------------------------
  // Events and scheduling

  /** Subscribes to every event; returns the unsubscribe function. */
  onEvent(listener: (ev: PbxEvent) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Publishes an event with the Event and Privilege headers in front. */
  publish(name: string, category: number, headers: Headers): PbxEvent {
    const ev = new PbxEvent(name, category, [['Event', name], ['Privilege', privilegeString(category)], ...headers]);
    for (const l of this.#listeners) l(ev);
    return ev;
  }

  /** Channel snapshot headers with the configured channelvars. */
  snapshot(ch: Channel, prefix = ''): Header[] {
    return channelHeaders(ch, prefix, this.config.channelVars);
  }

  /** An event about one channel: its snapshot, then `extra`. */
  channelEvent(name: string, ch: Channel, extra: Headers = [], category: number = EVENT_FLAG.call): void {
    this.publish(name, category, [...this.snapshot(ch), ...extra]);
  }

  now(): number {
    return this.clock.now();
  }

  /** Queues work to run after the current step, like another Asterisk thread picking it up. */
  defer(fn: () => void): void {
    this.#queue.push(fn);
  }

  /** Runs an external entry point (action, timer, test call) and everything it defers. */
  run<T>(fn: () => T): T {
    if (this.#draining) return fn();
    this.#draining = true;
    try {
      const result = fn();
      for (let next = this.#queue.shift(); next; next = this.#queue.shift()) next();
      return result;
    } finally {
      this.#draining = false;
    }
  }

  /** Runs `fn` after `ms` on the clock (0: from the run queue, synchronously). Returns a cancel function. */
  schedule(ms: number, fn: () => void): () => void {
    if (ms <= 0) {
      let cancelled = false;
      this.defer(() => {
        if (!cancelled) fn();
      });
      return () => {
        cancelled = true;
      };
    }
    const handle = this.clock.setTimeout(() => {
      this.#timers.delete(handle);
      this.run(fn);
    }, ms);
    this.#timers.add(handle);
    return () => {
      if (this.#timers.delete(handle)) this.clock.clearTimeout(handle);
    };
  }

  /** Cancels every pending timer (server close / restart). */
  stopTimers(): void {
    for (const t of this.#timers) this.clock.clearTimeout(t);
    this.#timers.clear();
    this.#queue.length = 0;
  }

  /** A fresh bridge id or SIP Call-ID (UUID form). */
  uuid(): string {
    return this.#uuid();
  }

  // -------------------------------------------------------------------------
  // Channels

  #extra(ch: Channel): ChannelExtras {
    let e = this.#extras.get(ch);
    if (!e) {
      e = { driver: undefined, cdr: undefined, rtcp: undefined, pendingNewexten: false, causeSet: false, ringingNotified: false, answerNotified: false, inDialplan: false, pendingCaller: undefined };
      this.#extras.set(ch, e);
    }
    return e;
  }

  readonly #pendingRedirects = new Map<Channel, Location>();

  /** Dual Redirect: the other channel leaves with its partner and goes here instead of hanging up. */
  setPendingRedirect(ch: Channel, to: Location): void {
    this.#pendingRedirects.set(ch, to);
  }

  takePendingRedirect(ch: Channel): Location | undefined {
    const to = this.#pendingRedirects.get(ch);
    this.#pendingRedirects.delete(ch);
    return to;
  }

  setDriver(ch: Channel, driver: ChannelDriver | undefined): void {
    this.#extra(ch).driver = driver;
  }

  driverOf(ch: Channel): ChannelDriver | undefined {
    return this.#extra(ch).driver;
  }

  #nextUniqueid(): string {
    this.#uniqueSeq += 1;
    return `${Math.floor(this.now() / 1000)}.${this.#uniqueSeq}`;
  }

  #nextSuffix(tech: string): string {
    const n = (this.#nameSeq.get(tech) ?? 0) + 1;
    this.#nameSeq.set(tech, n);
    return n.toString(16).padStart(8, '0');
  }

  /** Creates a channel: CEL CHAN_START, then Newchannel. */
  #allocate(tech: string, resource: string, name: string, linkedid: string | undefined, context: string, exten: string, state: number, caller: Party, cdr: boolean, uniqueid = this.#nextUniqueid()): Channel {
    const ch = new Channel(name, uniqueid, linkedid ?? uniqueid, tech, resource, this.now(), context, exten);
    ch.state = state;
    ch.caller = caller;
    this.channels.set(name, ch);
    if (tech === 'PJSIP') {
      const set = this.#byEndpoint.get(resource) ?? new Set<Channel>();
      set.add(ch);
      this.#byEndpoint.set(resource, set);
    }
    this.#linkedCounts.set(ch.linkedid, (this.#linkedCounts.get(ch.linkedid) ?? 0) + 1);
    if (cdr && this.config.cdr) this.#extra(ch).cdr = [this.#newCdrRecord(ch.createdAt)];
    this.cel(ch, 'CHAN_START');
    this.channelEvent('Newchannel', ch);
    return ch;
  }

  /** A PJSIP channel for an endpoint; `cdr` false for channels dialled by Dial (they are party B). */
  newPjsipChannel(endpoint: string, opts: { linkedid?: string; cdr: boolean; state?: number; exten?: string; caller?: Party; uniqueid?: string }): Channel {
    const phone = this.#phones.get(endpoint);
    const ep = phone?.config;
    const caller: Party = opts.caller ?? { num: ep?.trunk ? '' : (ep?.callerNum ?? endpoint), name: ep?.trunk ? '' : (ep?.callerName ?? `Operator ${endpoint}`), ani: '' };
    const name = `PJSIP/${endpoint}-${this.#nextSuffix('PJSIP')}`;
    return this.#allocate('PJSIP', endpoint, name, opts.linkedid, ep?.context ?? 'from-internal', opts.exten ?? 's', opts.state ?? STATE.down, caller, opts.cdr, opts.uniqueid);
  }

  /** A Local channel pair for exten@context: ;1 (Down) then ;2 (Ring), as chan_local allocates them. */
  newLocalPair(exten: string, context: string, opts: { linkedid?: string; cdrOne: boolean; uniqueid?: string; otherUniqueid?: string }): { one: Channel; two: Channel } {
    const suffix = this.#nextSuffix('Local');
    const resource = `${exten}@${context}`;
    const one = this.#allocate('Local', resource, `Local/${resource}-${suffix};1`, opts.linkedid, context, exten, STATE.down, emptyParty(), opts.cdrOne, opts.uniqueid);
    const two = this.#allocate('Local', resource, `Local/${resource}-${suffix};2`, one.linkedid, context, exten, STATE.ring, emptyParty(), true, opts.otherUniqueid);
    one.localPeer = two;
    two.localPeer = one;
    return { one, two };
  }

  findChannel(name: string): Channel | undefined {
    return this.channels.get(name);
  }

  /** Sets a channel (or, with no channel, a global) variable and publishes VarSet. */
  setVar(ch: Channel | undefined, name: string, value: string): void {
    if (!ch) {
      this.globals.set(name, value);
      this.publish('VarSet', EVENT_FLAG.dialplan, [['Channel', 'none'], ['Uniqueid', 'none'], ['Variable', name], ['Value', value]]);
      return;
    }
    // LOCAL(X) is a Gosub frame variable; it reads as X inside the subroutine.
    const local = /^LOCAL\((.*)\)$/.exec(name);
    const fullName = local ? (local[1] ?? name) : name;
    ch.vars.set(bareVarName(fullName), { fullName, value });
    this.channelEvent('VarSet', ch, [['Variable', name], ['Value', value]], EVENT_FLAG.dialplan);
  }

  /** A variable as the dialplan sees it: channel first, then globals. */
  getVar(ch: Channel | undefined, name: string): string | undefined {
    return ch?.getVar(name) ?? this.globals.get(name);
  }

  /** Newexten for the channel's current location and application. */
  newexten(ch: Channel): void {
    this.#extra(ch).pendingNewexten = false;
    this.channelEvent('Newexten', ch, [['Extension', ch.exten], ['Application', ch.appl], ['AppData', ch.data]], EVENT_FLAG.dialplan);
  }

  /** Marks a location change the Dial app makes silently (exten cleared at answer); published before the next bridge entry. */
  markPendingNewexten(ch: Channel): void {
    this.#extra(ch).pendingNewexten = true;
  }

  /** Updates the caller id; NewCallerid only when it changed. */
  setCaller(ch: Channel, party: { num: string; name: string }, ani?: string): void {
    if (this.updateCaller(ch, party, ani)) this.callerEvent(ch);
  }

  /** Updates the connected line; NewConnectedLine only when it changed. */
  setConnected(ch: Channel, party: Party): void {
    if (this.updateConnected(ch, party)) this.connectedEvent(ch);
  }

  /**
   * Changes the caller id without publishing; true when it changed. Asterisk
   * often updates a snapshot before the NewCallerid for it goes out (traces a,
   * c, e show later events already carrying the new value), so callers publish
   * with callerEvent() where the recorded order puts it.
   */
  updateCaller(ch: Channel, party: { num: string; name: string }, ani?: string): boolean {
    if (ani !== undefined) ch.caller.ani = ani;
    if (ch.caller.num === party.num && ch.caller.name === party.name) return false;
    ch.caller = { ...ch.caller, num: party.num, name: party.name };
    return true;
  }

  updateConnected(ch: Channel, party: Party): boolean {
    const changed = ch.connected.num !== party.num || ch.connected.name !== party.name;
    ch.connected = { ...party };
    return changed;
  }

  callerEvent(ch: Channel): void {
    this.channelEvent('NewCallerid', ch, [['CID-CallingPres', '0 (Presentation Allowed, Not Screened)']]);
  }

  connectedEvent(ch: Channel): void {
    this.channelEvent('NewConnectedLine', ch);
  }

  /**
   * A connected-line update arriving on a channel (Dial passes the callee's
   * caller id to the caller while it rings). Crossing a Local pair to ;1's
   * caller id is indicateRingingThroughLocal's job.
   */
  connectedLineUpdate(ch: Channel, party: { num: string; name: string }): void {
    const before = ch.connected;
    this.setConnected(ch, { num: party.num, name: party.name, ani: before.ani });
  }

  /** ast_setstate(): Newstate, plus device state and CEL ANSWER on the first Up. */
  setState(ch: Channel, state: number): void {
    if (ch.state === state) return;
    if (state === STATE.up && ch.answeredAt === undefined) {
      ch.answeredAt = this.now();
      this.cel(ch, 'ANSWER');
      this.#cdrAnswered(ch);
    }
    ch.state = state;
    this.channelEvent('Newstate', ch);
    this.#deviceChanged(ch);
  }

  /**
   * Answers a channel. Through a Local pair the answer of ;2 answers ;1, and
   * the driver of an answered callee (Dial, Originate) is told.
   */
  answer(ch: Channel): void {
    if (ch.state === STATE.up) return;
    this.setState(ch, STATE.up);
    if (ch.tech === 'PJSIP') this.#startMedia(ch);
    const peer = ch.localPeer;
    if (peer && !peer.destroyed && ch.name.endsWith(';2') && peer.state !== STATE.up) {
      this.setState(peer, STATE.up);
      this.notifyAnswered(peer);
    }
  }

  /** Tells the callee's driver it was answered (once). */
  notifyAnswered(ch: Channel): void {
    const e = this.#extra(ch);
    if (e.answerNotified) return;
    e.answerNotified = true;
    e.driver?.answered?.(ch);
  }

  /** The callee side rings (a phone sent 180): Newstate Ringing, then its driver is told once. */
  ringing(ch: Channel): void {
    if (ch.state !== STATE.ringing && ch.state !== STATE.up) this.setState(ch, STATE.ringing);
    const e = this.#extra(ch);
    if (e.ringingNotified) return;
    e.ringingNotified = true;
    e.driver?.ringing?.(ch);
  }

  /**
   * A Local ;2 indicates ringing to its caller: ;1 goes Ringing, and picks up
   * ;2's connected line as its caller id, which its Newstate already shows (trace a).
   */
  indicateRingingThroughLocal(two: Channel): void {
    const one = two.localPeer;
    if (!one || one.destroyed || !two.name.endsWith(';2')) return;
    if (this.#extra(one).inDialplan) {
      // ;1 sits in a dialplan application (Wait) that does not service
      // connected-line frames: the update lands only when ;1 hangs up (trace e:
      // Hangup already shows 102, NewCallerid follows it).
      this.#extra(one).pendingCaller = { num: two.connected.num, name: two.connected.name };
      return;
    }
    const changed = this.updateCaller(one, two.connected);
    if (one.state !== STATE.ringing && one.state !== STATE.up) this.setState(one, STATE.ringing);
    if (changed) this.callerEvent(one);
  }

  /** Whether the channel runs dialplan (set by the runner). */
  setInDialplan(ch: Channel, on: boolean): void {
    this.#extra(ch).inDialplan = on;
  }

  /** Notifies the Local ;1's driver that it is ringing (after the caller-side bookkeeping). */
  notifyRinging(ch: Channel): void {
    const e = this.#extra(ch);
    if (e.ringingNotified) return;
    e.ringingNotified = true;
    e.driver?.ringing?.(ch);
  }

  // -------------------------------------------------------------------------
  // Bridges

  createBridge(): Bridge {
    const b = new Bridge(this.uuid(), this.now());
    this.bridges.set(b.uniqueid, b);
    this.publish('BridgeCreate', EVENT_FLAG.call, bridgeHeaders(b));
    return b;
  }

  /** A channel enters: CEL BRIDGE_ENTER, BridgeEnter; with two parties, BRIDGEPEER (and BRIDGEPVTCALLID). */
  joinBridge(b: Bridge, ch: Channel): void {
    const peer = b.channels[0];
    b.channels.push(ch);
    ch.bridge = b;
    this.cel(ch, 'BRIDGE_ENTER', peer ? peer.name : '', this.#bridgeExtra(b));
    if (this.#extra(ch).pendingNewexten) this.newexten(ch);
    this.publish('BridgeEnter', EVENT_FLAG.call, [...bridgeHeaders(b), ...this.snapshot(ch)]);
    this.#cdrBridged(b);
    if (b.channels.length === 2) this.refreshBridgePeers(b);
  }

  /** BRIDGEPEER for each party in entry order; BRIDGEPVTCALLID when the peer is a PJSIP channel (its SIP Call-ID). */
  refreshBridgePeers(b: Bridge): void {
    for (const ch of b.channels) {
      const peer = b.channels.find((c) => c !== ch);
      if (!peer) continue;
      this.setVar(ch, 'BRIDGEPEER', peer.name);
      if (peer.tech === 'PJSIP') this.setVar(ch, 'BRIDGEPVTCALLID', this.#callId(peer));
    }
  }

  /**
   * A channel leaves: its own BRIDGEPEER/BRIDGEPVTCALLID cleared, `between`
   * (e.g. the Newexten of a redirect), the others' cleared, CEL BRIDGE_EXIT, BridgeLeave.
   */
  leaveBridge(ch: Channel, between?: () => void): void {
    const b = ch.bridge;
    if (!b) return;
    const others = b.channels.filter((c) => c !== ch);
    if (b.channels.length >= 2) {
      this.#clearPeerVars(ch);
      between?.();
      for (const o of others) this.#clearPeerVars(o);
    } else between?.();
    b.channels.splice(b.channels.indexOf(ch), 1);
    ch.bridge = undefined;
    this.cel(ch, 'BRIDGE_EXIT', others[0]?.name ?? '', this.#bridgeExtra(b));
    this.publish('BridgeLeave', EVENT_FLAG.call, [...bridgeHeaders(b), ...this.snapshot(ch)]);
  }

  #clearPeerVars(ch: Channel): void {
    if ((ch.getVar('BRIDGEPEER') ?? '') !== '') this.setVar(ch, 'BRIDGEPEER', '');
    if ((ch.getVar('BRIDGEPVTCALLID') ?? '') !== '') this.setVar(ch, 'BRIDGEPVTCALLID', '');
  }

  destroyBridge(b: Bridge): void {
    if (!this.bridges.delete(b.uniqueid)) return;
    this.publish('BridgeDestroy', EVENT_FLAG.call, bridgeHeaders(b));
  }

  #bridgeExtra(b: Bridge): string {
    return `{"bridge_id":"${b.uniqueid}","bridge_technology":"${b.technology}"}`;
  }

  readonly #callIds = new WeakMap<Channel, string>();
  #callId(ch: Channel): string {
    let id = this.#callIds.get(ch);
    if (!id) {
      const ep = this.#phones.get(ch.resource)?.config;
      this.#callIdSeq += 1;
      id = ep?.trunk ? `${this.#callIdSeq}-${28000 + this.#callIdSeq}@127.0.0.1` : this.uuid();
      this.#callIds.set(ch, id);
    }
    return id;
  }

  // -------------------------------------------------------------------------
  // Hangup

  /**
   * ast_queue_hangup_with_cause(): the far end (a phone's BYE, the other half
   * of a Local pair) asks the channel to hang up. Publishes HangupRequest.
   */
  queueHangup(ch: Channel, cause: number, source?: string): void {
    if (ch.destroyed) return;
    if (cause > 0) this.setCause(ch, cause);
    if (source !== undefined && ch.hangupSource === '') ch.hangupSource = source;
    this.channelEvent('HangupRequest', ch, [['Cause', String(cause)]]);
    this.#requestHangup(ch);
  }

  /**
   * ast_softhangup_nolock(): AMI Hangup, the Hangup app, TIMEOUT(absolute).
   * Publishes nothing by itself; the SoftHangupRequest seen in traces comes
   * from the end of the dialplan (see endPbx).
   */
  softHangup(ch: Channel, cause?: number, source?: string): void {
    if (ch.destroyed) return;
    // An explicit cause, even 0 (AMI Hangup without Cause: trace d shows "Cause: 0 Unknown").
    if (cause !== undefined) this.setCause(ch, cause);
    if (source !== undefined && ch.hangupSource === '') ch.hangupSource = source;
    this.#requestHangup(ch);
  }

  setCause(ch: Channel, cause: number): void {
    ch.hangupCause = cause;
    this.#extra(ch).causeSet = true;
  }

  hasCause(ch: Channel): boolean {
    return this.#extra(ch).causeSet;
  }

  #requestHangup(ch: Channel): void {
    if (ch.hangupRequested) return;
    ch.hangupRequested = true;
    this.defer(() => {
      if (ch.destroyed) return;
      const driver = this.#extra(ch).driver;
      if (driver) driver.hangup(ch);
      else {
        if (ch.bridge) this.#leaveAndDissolve(ch);
        this.destroyChannel(ch);
      }
    });
  }

  #leaveAndDissolve(ch: Channel): void {
    const b = ch.bridge;
    if (!b) return;
    this.leaveBridge(ch);
    const rest = [...b.channels];
    for (const other of rest) this.softHangup(other);
    if (b.channels.length === 0) this.destroyBridge(b);
  }

  /**
   * The end of a dialplan thread: pbx.c's ast_softhangup(AST_SOFTHANGUP_APPUNLOAD)
   * publishes SoftHangupRequest with Cause 16 (the flag value), then the channel goes.
   */
  endPbx(ch: Channel): void {
    if (ch.destroyed) return;
    ch.softHangupPublished = true;
    this.channelEvent('SoftHangupRequest', ch, [['Cause', '16']]);
    this.destroyChannel(ch);
  }

  /** A phone or trunk hangs up: RTP statistics, then HangupRequest with cause 16. */
  farEndHangup(ch: Channel, cause = 16): void {
    if (ch.destroyed) return;
    if (ch.hadMedia) this.#qosVars(ch, true);
    this.queueHangup(ch, cause, ch.name);
  }

  /**
   * Destroys a channel: a Local half first asks its peer to hang up (with its
   * own cause), then RTP statistics, Hangup, CEL, CDR, device state.
   */
  destroyChannel(ch: Channel): void {
    if (ch.destroyed) return;
    ch.destroyed = true;
    const e = this.#extra(ch);
    if (e.rtcp) {
      this.clock.clearTimeout(e.rtcp);
      this.#timers.delete(e.rtcp);
      e.rtcp = undefined;
    }
    const cause = e.causeSet ? ch.hangupCause : 16;
    ch.hangupCause = cause;
    const peer = ch.localPeer;
    if (peer && !peer.destroyed) {
      // chan_local: a half hung up before answer tells the caller why (CHANLOCALSTATUS on ;1).
      if (ch.name.endsWith(';2') && ch.state !== STATE.up) this.setVar(peer, 'CHANLOCALSTATUS', ch.getVar('DIALSTATUS') ?? '');
      this.queueHangup(peer, e.causeSet ? cause : 16);
    }
    if (ch.hadMedia && ch.tech === 'PJSIP' && ch.getVar('RTPAUDIOQOS') === undefined) this.#qosVars(ch, false);
    const late = e.pendingCaller && this.updateCaller(ch, e.pendingCaller);
    this.channelEvent('Hangup', ch, [['Cause', String(cause)], ['Cause-txt', CAUSE_TEXT[cause] ?? 'Unknown']]);
    if (late) this.callerEvent(ch);
    this.#cdrDispatch(ch);
    this.cel(ch, 'HANGUP', '', `{"hangupcause":${cause},"hangupsource":"${ch.hangupSource}","dialstatus":"${ch.getVar('DIALSTATUS') ?? ''}"}`);
    this.cel(ch, 'CHAN_END');
    this.channels.delete(ch.name);
    this.#byEndpoint.get(ch.resource)?.delete(ch);
    const left = (this.#linkedCounts.get(ch.linkedid) ?? 1) - 1;
    if (left <= 0) {
      this.#linkedCounts.delete(ch.linkedid);
      this.#callOverrides.delete(ch.linkedid);
      this.cel(ch, 'LINKEDID_END');
    } else this.#linkedCounts.set(ch.linkedid, left);
    this.#deviceGone(ch);
  }

  // -------------------------------------------------------------------------
  // Media: RTCP reports while answered, RTPAUDIOQOS variables at the end

  #startMedia(ch: Channel): void {
    ch.hadMedia = true;
    const every = this.config.rtcpIntervalMs;
    if (every <= 0) return;
    const e = this.#extra(ch);
    const tick = (): void => {
      e.rtcp = undefined;
      if (ch.destroyed) return;
      this.#rtcp(ch);
      e.rtcp = this.clock.setTimeout(() => {
        if (e.rtcp) this.#timers.delete(e.rtcp);
        this.run(tick);
      }, every);
      this.#timers.add(e.rtcp);
    };
    e.rtcp = this.clock.setTimeout(() => {
      if (e.rtcp) this.#timers.delete(e.rtcp);
      this.run(tick);
    }, every);
    this.#timers.add(e.rtcp);
  }

  #rtcp(ch: Channel): void {
    const secs = (this.now() - (ch.answeredAt ?? ch.createdAt)) / 1000;
    const packets = Math.round(secs * 50);
    const ntp = (this.now() / 1000).toFixed(6);
    this.channelEvent('RTCPReceived', ch, [
      ['To', '127.0.0.1:10000'], ['From', '127.0.0.1:20000'], ['RTT', '0.0000'], ['MES', ' 0.0'], ['SSRC', '0x0000abcd'], ['PT', '200(SR)'],
      ['ReportCount', '0'], ['SentNTP', ntp], ['SentRTP', String(packets * 160)], ['SentPackets', String(packets)], ['SentOctets', String(packets * 160)],
    ], EVENT_FLAG.reporting);
    this.channelEvent('RTCPSent', ch, [
      ['To', '127.0.0.1:20000'], ['From', '127.0.0.1:10000'], ['MES', '88.1'], ['SSRC', '0x0000dcba'], ['PT', '201(RR)'], ['ReportCount', '1'],
      ['Report0SourceSSRC', '0x0000abcd'], ['Report0FractionLost', '0'], ['Report0CumulativeLost', '0'], ['Report0HighestSequence', String(packets)],
      ['Report0SequenceNumberCycles', '0'], ['Report0IAJitter', '6'], ['Report0LSR', '0'], ['Report0DLSR', '0.0030'],
    ], EVENT_FLAG.reporting);
  }

  /** RTPAUDIOQOS* on the channel; with `bridged`, the *BRIDGED copies on its bridge peer interleaved. */
  #qosVars(ch: Channel, bridged: boolean): void {
    const secs = (this.now() - (ch.answeredAt ?? ch.createdAt)) / 1000;
    const count = Math.round(secs * 50);
    const values: [string, string][] = [
      ['RTPAUDIOQOS', `ssrc=1;themssrc=2;lp=0;rxjitter=0.000000;rxcount=${count};txjitter=0.000750;txcount=${count};rlp=0;rtt=0.000000;rxmes=88.087887;txmes=88.087887`],
      ['RTPAUDIOQOSJITTER', 'minrxjitter=000.000000;maxrxjitter=000.000875;avgrxjitter=000.000750;stdevrxjitter=000.000130;mintxjitter=000.000000;maxtxjitter=000.000000;avgtxjitter=000.000000;stdevtxjitter=000.000000;'],
      ['RTPAUDIOQOSLOSS', '  minrxlost=000.000000;  maxrxlost=000.000000;  avgrxlost=000.000000;  stdevrxlost=000.000000;  mintxlost=000.000000;  maxtxlost=000.000000;  avgtxlost=000.000000;  stdevtxlost=000.000000;'],
      ['RTPAUDIOQOSRTT', '     minrtt=000.000000;     maxrtt=000.000000;     avgrtt=000.000000;     stdevrtt=000.000000;'],
      ['RTPAUDIOQOSMES', '   minrxmes=088.087887;   maxrxmes=088.087887;   avgrxmes=088.087887;   stdevrxmes=000.000000;   mintxmes=000.000000;   maxtxmes=000.000000;   avgtxmes=000.000000;   stdevtxmes=000.000000;'],
    ];
    const peer = bridged ? ch.bridge?.channels.find((c) => c !== ch) : undefined;
    for (const [name, value] of values) {
      this.setVar(ch, name, value);
      if (peer) this.setVar(peer, `${name}BRIDGED`, value);
    }
  }

  // -------------------------------------------------------------------------
  // Phones

  readonly #callOverrides = new Map<string, CallOverride>();

  /** Per-call phone behaviour for the operator's leg of one call (by linkedid): ring only, hang up after talking. */
  setCallOverride(linkedid: string, o: CallOverride): void {
    this.#callOverrides.set(linkedid, o);
  }

  #addPhone(ep: EndpointConfig): void {
    this.#phones.set(ep.id, { config: ep, registered: ep.registered ?? true, answer: ep.answer ?? 'auto', answerAfterMs: ep.answerAfterMs ?? 0 });
  }

  /** Adds an endpoint at run time (e.g. 300 operators for a load test). */
  addEndpoint(ep: EndpointConfig): void {
    this.#addPhone(ep);
  }

  endpoint(id: string): EndpointConfig | undefined {
    return this.#phones.get(id)?.config;
  }

  isRegistered(id: string): boolean {
    return this.#phones.get(id)?.registered === true;
  }

  /** Test/demo control of a phone: answer mode, registration. */
  setPhone(id: string, patch: { answer?: EndpointConfig['answer']; answerAfterMs?: number; registered?: boolean }): void {
    const p = this.#phones.get(id);
    if (!p) throw new Error(`no endpoint ${id}`);
    if (patch.answer !== undefined) p.answer = patch.answer;
    if (patch.answerAfterMs !== undefined) p.answerAfterMs = patch.answerAfterMs;
    if (patch.registered !== undefined) p.registered = patch.registered;
  }

  /**
   * ast_call() on a PJSIP channel: the phone rings at once (the recorded phones
   * sent 180 within a millisecond) and answers, rejects or waits per its mode.
   */
  callPjsip(ch: Channel): void {
    const phone = this.#phones.get(ch.resource);
    // An operator's endpoint has its own caller id, which becomes the ANI when called; a trunk leg has none (trace n).
    if (!phone?.config.trunk) ch.caller.ani = ch.caller.num;
    this.defer(() => {
      if (ch.destroyed || ch.hangupRequested) return;
      // Read when the phone reacts, so a per-call override set right after the call started applies.
      const override = this.#callOverrides.get(ch.linkedid);
      const own = override && override.endpoint === ch.resource ? override : undefined;
      const mode = own?.answer ?? phone?.answer ?? 'auto';
      const delay = own?.answerAfterMs ?? phone?.answerAfterMs ?? 0;
      if (mode === 'busy') {
        this.setCause(ch, 17);
        this.queueHangup(ch, 17);
        return;
      }
      if (mode === 'reject') {
        this.setCause(ch, 21);
        this.queueHangup(ch, 21);
        return;
      }
      this.ringing(ch);
      if (mode === 'auto') {
        this.schedule(delay, () => {
          if (!ch.destroyed && !ch.hangupRequested && ch.state !== STATE.up) this.phoneAnswer(ch);
        });
      }
    });
  }

  /** The phone picks up. */
  phoneAnswer(ch: Channel): void {
    this.answer(ch);
    this.notifyAnswered(ch);
    const override = this.#callOverrides.get(ch.linkedid);
    if (override && override.endpoint === ch.resource) override.onAnswered?.(ch);
  }

  /** The operator's phone answers its ringing call (manual answer mode). */
  answerPhone(endpoint: string): boolean {
    const ch = this.channelsOf(endpoint).find((c) => c.state === STATE.ringing);
    if (!ch) return false;
    this.run(() => this.phoneAnswer(ch));
    return true;
  }

  /** The operator's phone hangs up (its oldest live call). */
  hangupPhone(endpoint: string): boolean {
    const ch = this.channelsOf(endpoint)[0];
    if (!ch) return false;
    this.run(() => this.farEndHangup(ch));
    return true;
  }

  /** Live PJSIP channels of an endpoint, oldest first. */
  channelsOf(endpoint: string): Channel[] {
    return [...(this.#byEndpoint.get(endpoint) ?? [])];
  }

  // -------------------------------------------------------------------------
  // Device state and queue members

  #deviceChanged(ch: Channel): void {
    if (ch.tech === 'Local') {
      // Local devices are not cached: every state change of a half publishes one.
      this.publish('DeviceStateChange', EVENT_FLAG.call, [['Device', ch.device], ['State', 'INUSE']]);
      return;
    }
    this.#recomputeDevice(ch.resource);
  }

  #deviceGone(ch: Channel): void {
    if (ch.tech === 'Local') {
      const peer = ch.localPeer;
      if (peer && !peer.destroyed) return;
      this.publish('DeviceStateChange', EVENT_FLAG.call, [['Device', ch.device], ['State', 'NOT_INUSE']]);
      this.publish('DeviceStateChange', EVENT_FLAG.call, [['Device', ch.device], ['State', 'NOT_INUSE']]);
      return;
    }
    this.#recomputeDevice(ch.resource);
  }

  /** chan_pjsip device state: counted over channels past Down; BUSY at device_state_busy_at. */
  #recomputeDevice(endpoint: string): void {
    const phone = this.#phones.get(endpoint);
    const busyAt = phone?.config.busyAt ?? 1;
    const live = this.channelsOf(endpoint).filter((c) => c.state !== STATE.down);
    let state: string;
    if (live.length === 0) state = phone && !phone.registered && !phone.config.trunk ? 'UNAVAILABLE' : 'NOT_INUSE';
    else if (busyAt > 0 && live.length >= busyAt) state = 'BUSY';
    else if (live.every((c) => c.state === STATE.ringing)) state = 'RINGING';
    else state = 'INUSE';
    const device = `PJSIP/${endpoint}`;
    if ((this.#deviceStates.get(device) ?? 'NOT_INUSE') === state) return;
    this.#deviceStates.set(device, state);
    this.publish('DeviceStateChange', EVENT_FLAG.call, [['Device', device], ['State', state]]);
    for (const q of this.config.queues) {
      for (const m of q.members) {
        if ((m.stateInterface ?? m.interface) !== device) continue;
        this.publish('QueueMemberStatus', EVENT_FLAG.agent, [
          ['Queue', q.name], ['MemberName', m.memberName], ['Interface', m.interface], ['StateInterface', m.stateInterface ?? m.interface],
          ['Membership', 'static'], ['Penalty', String(m.penalty ?? 0)], ['CallsTaken', '0'], ['LastCall', '0'], ['LastPause', '0'],
          ['LoginTime', String(Math.floor(this.startedAt / 1000))], ['InCall', '0'], ['Status', String(QMS_STATUS[state] ?? 0)], ['Paused', '0'],
          ['PausedReason', ''], ['Ringinuse', '0'], ['Wrapuptime', '0'],
        ]);
      }
    }
  }

  deviceState(device: string): string {
    return this.#deviceStates.get(device) ?? 'NOT_INUSE';
  }

  // -------------------------------------------------------------------------
  // CEL

  /** One CEL event (channel event logging, "call" class) if CEL is on. */
  cel(ch: Channel, eventName: string, peer = '', extra = ''): void {
    if (!this.config.cel.enabled) return;
    this.publish('CEL', EVENT_FLAG.call, [
      ['EventName', eventName], ['AccountCode', ch.accountcode], ['CallerIDnum', ch.caller.num], ['CallerIDname', ch.caller.name],
      ['CallerIDani', ch.caller.ani], ['CallerIDrdnis', ''], ['CallerIDdnid', ch.dnid], ['Exten', ch.exten], ['Context', ch.context],
      ['Channel', ch.name], ['Application', ch.appl], ['AppData', ch.data], ['EventTime', formatDateTime(this.now())], ['AMAFlags', 'DOCUMENTATION'],
      ['UniqueID', ch.uniqueid], ['LinkedID', ch.linkedid], ['Userfield', ''], ['Peer', peer], ['PeerAccount', ''], ['Extra', extra],
    ]);
  }

  /** APP_START/APP_END only for the applications cel.conf lists. */
  celApp(ch: Channel, eventName: 'APP_START' | 'APP_END'): void {
    if (this.config.cel.apps.includes(ch.appl.toLowerCase())) this.cel(ch, eventName);
  }

  // -------------------------------------------------------------------------
  // CDR: one record per party-A channel, forked when a Dial ends and the dialplan goes on

  #newCdrRecord(start: number): CdrRecord {
    return { start, answer: undefined, end: undefined, dstChannel: '', lastApp: '', lastData: '', dialStatus: '', frozen: undefined };
  }

  #currentCdr(ch: Channel): CdrRecord | undefined {
    const list = this.#extra(ch).cdr;
    return list?.[list.length - 1];
  }

  /** The channel ran an application (pbx_exec, or AppDial2 set by an originate). */
  cdrApp(ch: Channel, app: string, data: string): void {
    const r = this.#currentCdr(ch);
    if (!r) return;
    r.lastApp = app;
    r.lastData = data;
  }

  /** Dial chose a party B for the current record. */
  cdrDialed(ch: Channel, callee: Channel): void {
    const r = this.#currentCdr(ch);
    if (r && r.dstChannel === '') r.dstChannel = callee.name;
  }

  cdrDialStatus(ch: Channel, status: string): void {
    const r = this.#currentCdr(ch);
    if (r) r.dialStatus = status;
  }

  #cdrAnswered(ch: Channel): void {
    const r = this.#currentCdr(ch);
    if (r && r.dstChannel === '' && r.answer === undefined) r.answer = this.now();
  }

  /** Two parties meet: their current records are answered now (e's second record: AnswerTime = bridge time). */
  #cdrBridged(b: Bridge): void {
    if (b.channels.length < 2) return;
    for (const c of b.channels) {
      const r = this.#currentCdr(c);
      if (!r || r.answer !== undefined) continue;
      const peer = b.channels.find((x) => x !== c);
      if (r.dstChannel === '' || r.dstChannel === peer?.name) r.answer = this.now();
    }
  }

  /** A Dial ended and the channel continues in the dialplan: close this record, open a new one. */
  cdrFork(ch: Channel): void {
    const list = this.#extra(ch).cdr;
    const r = list?.[list.length - 1];
    if (!list || !r) return;
    this.#cdrFinalize(ch, r);
    // The new record is answered only when the channel meets a new party (or answers, if it never did).
    list.push(this.#newCdrRecord(this.now()));
  }

  #cdrFinalize(ch: Channel, r: CdrRecord): void {
    if (r.frozen) return;
    r.end = this.now();
    const answered = r.answer !== undefined;
    const disposition = answered ? 'ANSWERED' : r.dialStatus === 'BUSY' ? 'BUSY' : r.dialStatus === 'CHANUNAVAIL' || r.dialStatus === 'CONGESTION' ? 'FAILED' : 'NO ANSWER';
    const duration = Math.floor((r.end - r.start) / 1000);
    const billable = r.answer === undefined ? 0 : Math.floor((r.end - r.answer) / 1000);
    r.frozen = [
      ['AccountCode', ch.accountcode], ['Source', ch.caller.num], ['Destination', ch.exten], ['DestinationContext', ch.context],
      ['CallerID', callerIdAll(ch.caller)], ['Channel', ch.name], ['DestinationChannel', r.dstChannel], ['LastApplication', r.lastApp],
      ['LastData', r.lastData], ['StartTime', formatDateTime(r.start)], ['AnswerTime', r.answer === undefined ? '' : formatDateTime(r.answer)],
      ['EndTime', formatDateTime(r.end)], ['Duration', String(duration)], ['BillableSeconds', String(billable)], ['Disposition', disposition],
      ['AMAFlags', 'DOCUMENTATION'], ['UniqueID', ch.uniqueid], ['UserField', ''],
    ];
  }

  #cdrDispatch(ch: Channel): void {
    const list = this.#extra(ch).cdr;
    if (!list) return;
    for (const r of list) {
      this.#cdrFinalize(ch, r);
      if (r.frozen) this.publish('Cdr', EVENT_FLAG.cdr, r.frozen);
    }
    this.#extra(ch).cdr = undefined;
  }

  // -------------------------------------------------------------------------
  // Whole-PBX operations

  /** Drops every channel without events (a restart: the sessions are gone already). */
  reset(): void {
    this.stopTimers();
    for (const ch of this.channels.values()) ch.destroyed = true;
    this.channels.clear();
    this.#byEndpoint.clear();
    this.bridges.clear();
    this.#linkedCounts.clear();
    this.#deviceStates.clear();
    this.#callOverrides.clear();
    this.startedAt = this.now();
    this.lastReloadAt = this.startedAt;
  }
}
