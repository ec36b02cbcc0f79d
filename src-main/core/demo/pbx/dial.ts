// app_dial and the originate dialer (dial.c, "AppDial2"), with the event
// sequences recorded in shared/reference/ami-traces: DialBegin/DialState/
// DialEnd, the callee's AppDial Newexten, caller id and connected line
// bookkeeping, Local channel set-up (LocalBridge), the two-party bridge with
// BRIDGEPEER, and the teardown orders of traces a (caller side hangs up),
// c (the calling phone hangs up), b (no answer) and e (Redirect out of the bridge).
import type { AppResult, Blocker, PbxThread } from './apps';
import { STATE, type Bridge, type Channel, type Party } from './channel';
import { splitArgs } from './dialplan';
import type { ChannelDriver, Location, Pbx } from './pbx';
import { EVENT_FLAG } from './permissions';

/** A dial target as Dial() and Originate spell it. */
interface Target {
  readonly tech: 'PJSIP' | 'Local';
  /** Endpoint for PJSIP, exten@context for Local. */
  readonly resource: string;
  /** The part after the tech, as DialString shows it. */
  readonly dialString: string;
  /** DIALEDPEERNUMBER. */
  readonly number: string;
  /** For a trunk: the number dialled through it. */
  readonly trunkNumber?: string;
}

/** Parses "PJSIP/101", "PJSIP/849...@trunk", "Local/101@inbound-sim"; undefined for an unknown tech. */
export function parseTarget(spec: string): Target | undefined {
  const slash = spec.indexOf('/');
  if (slash < 0) return undefined;
  const tech = spec.slice(0, slash);
  const rest = spec.slice(slash + 1);
  if (tech.toUpperCase() === 'LOCAL') {
    const res = rest.replace(/\/n$/, '');
    return res.includes('@') ? { tech: 'Local', resource: res, dialString: res, number: res } : { tech: 'Local', resource: `${res}@default`, dialString: res, number: res };
  }
  if (tech.toUpperCase() !== 'PJSIP') return undefined;
  const at = rest.indexOf('@');
  if (at >= 0) {
    const ep = rest.slice(at + 1);
    return { tech: 'PJSIP', resource: ep, dialString: rest, number: rest, trunkNumber: rest.slice(0, at) };
  }
  return { tech: 'PJSIP', resource: rest, dialString: rest, number: rest };
}

/** Whether chan_pjsip / chan_local would create a channel for the target. */
function requestable(pbx: Pbx, t: Target): boolean {
  if (t.tech === 'Local') return true;
  const ep = pbx.endpoint(t.resource);
  if (!ep) return false;
  return ep.trunk === true || pbx.isRegistered(t.resource);
}

/** Local channel call set-up: ;2 gets ;1's variables and crossed caller/connected, then LocalBridge. */
function callLocal(pbx: Pbx, one: Channel, two: Channel): void {
  for (const v of one.vars.values()) pbx.setVar(two, v.fullName, v.value);
  // Both parties are copied before either event goes out (trace a: NewCallerid ;2 already shows the connected line).
  const cid = pbx.updateCaller(two, one.connected, one.connected.ani);
  const conn = pbx.updateConnected(two, { ...one.caller, ani: '' });
  if (cid) pbx.callerEvent(two);
  if (conn) pbx.connectedEvent(two);
  const [context, exten] = [two.context, two.exten];
  pbx.publish('LocalBridge', EVENT_FLAG.call, [...pbx.snapshot(one, 'LocalOne'), ...pbx.snapshot(two, 'LocalTwo'), ['Context', context], ['Exten', exten], ['LocalOptimization', 'Yes']]);
}

function dialEvent(pbx: Pbx, name: 'DialBegin' | 'DialState' | 'DialEnd', caller: Channel | undefined, callee: Channel, tail: [string, string][]): void {
  pbx.publish(name, EVENT_FLAG.call, [...(caller ? pbx.snapshot(caller) : []), ...pbx.snapshot(callee, 'Dest'), ...tail]);
}

interface Leg {
  readonly callee: Channel;
  readonly target: Target;
  /** The Local ;2 that runs the dialplan for a Local target. */
  readonly two: Channel | undefined;
  done: boolean;
}

/** Hooks for applications built on Dial (Queue publishes its Agent* events from them). */
export interface DialHooks {
  /** A callee was created and dialled (after DialBegin). */
  called?(callee: Channel): void;
  /** The callee answered; the bridge is about to be made. */
  answered?(callee: Channel): void;
  /** The ring timeout expired with these callees still ringing (before they are hung up). */
  noAnswer?(callees: readonly Channel[]): void;
  /** The bridged call ended, by the caller or by the callee ("agent"). */
  ended?(callee: Channel, by: 'caller' | 'agent'): void;
  /** The caller hung up while the callees rang. */
  abandoned?(): void;
}

export interface DialOptions {
  /** Application shown on the callee channels ("AppDial"; Queue uses "AppQueue"). */
  readonly calleeAppl?: string;
  /** Whether the DIAL* variables are set on the caller (Dial: yes; Queue: no). */
  readonly dialVars?: boolean;
  /** Whether CEL APP_START/APP_END and the CDR fork belong to this dial (false inside Queue). */
  readonly ownsApp?: boolean;
  readonly hooks?: DialHooks;
  /** Where the result goes; default: the caller's dialplan thread. */
  readonly resume?: (result: AppResult) => void;
}

/** Dial(): one instance per execution, blocking the caller's thread until it returns. */
export class DialApp implements Blocker {
  readonly #pbx: Pbx;
  readonly #caller: Channel;
  readonly #legs: Leg[] = [];
  readonly #targets: string[];
  readonly #timeoutMs: number;
  #started = 0;
  #answeredAt = 0;
  #bridged: Leg | undefined;
  #cancelTimeout: (() => void) | undefined;
  #finished = false;
  /** The caller was parked out of this Dial's bridge; its hang-up ends the thread. */
  #parked = false;

  readonly #opts: DialOptions;
  readonly #resume: (result: AppResult) => void;

  constructor(
    readonly thread: PbxThread,
    data: string,
    opts: DialOptions = {},
  ) {
    this.#opts = opts;
    this.#resume = opts.resume ?? ((r) => thread.resume(r));
    this.#pbx = thread.pbx;
    this.#caller = thread.ch;
    const [targets = '', timeout = ''] = splitArgs(data);
    this.#targets = targets.split('&').filter((t) => t !== '');
    const secs = Number(timeout);
    this.#timeoutMs = timeout !== '' && Number.isFinite(secs) && secs > 0 ? secs * 1000 : 0;
  }

  /** A DIAL* variable on the caller (skipped inside Queue). */
  #var(name: string, value: string): void {
    if (this.#opts.dialVars !== false) this.#pbx.setVar(this.#caller, name, value);
  }

  #celApp(event: 'APP_START' | 'APP_END'): void {
    if (this.#opts.ownsApp !== false) this.#pbx.celApp(this.#caller, event);
  }

  #cdrFork(): void {
    if (this.#opts.ownsApp !== false) this.#pbx.cdrFork(this.#caller);
  }

  start(): AppResult {
    const pbx = this.#pbx;
    const caller = this.#caller;
    this.#started = pbx.now();
    for (const v of ['DIALSTATUS', 'DIALEDPEERNUMBER', 'DIALEDPEERNAME', 'ANSWEREDTIME', 'ANSWEREDTIME_MS', 'DIALEDTIME', 'DIALEDTIME_MS', 'RINGTIME', 'RINGTIME_MS', 'PROGRESSTIME', 'PROGRESSTIME_MS']) {
      this.#var(v, '');
    }
    this.#celApp('APP_START');
    for (const spec of this.#targets) {
      const target = parseTarget(spec);
      if (!target || !requestable(pbx, target)) continue;
      this.#legs.push(this.#callTarget(target));
    }
    if (this.#legs.length === 0) {
      this.#finished = true;
      this.#var('DIALSTATUS', 'CHANUNAVAIL');
      pbx.cdrDialStatus(caller, 'CHANUNAVAIL');
      this.#celApp('APP_END');
      this.#cdrFork();
      return { kind: 'next' };
    }
    if (this.#timeoutMs > 0) this.#cancelTimeout = pbx.schedule(this.#timeoutMs, () => this.#timeout());
    return { kind: 'block', blocker: this };
  }

  #callTarget(target: Target): Leg {
    const pbx = this.#pbx;
    const caller = this.#caller;
    let callee: Channel;
    let two: Channel | undefined;
    if (target.tech === 'Local') {
      const at = target.resource.indexOf('@');
      const pair = pbx.newLocalPair(target.resource.slice(0, at), target.resource.slice(at + 1), { linkedid: caller.linkedid, cdrOne: false });
      callee = pair.one;
      two = pair.two;
    } else {
      callee = pbx.newPjsipChannel(target.resource, { linkedid: caller.linkedid, cdr: false });
    }
    const leg: Leg = { callee, target, two, done: false };
    pbx.setDriver(callee, this.#legDriver(leg));
    pbx.setVar(callee, 'DIALEDPEERNUMBER', target.number);
    // ast_channel_inherit_variables(): "_X" once (as X), "__X" forever (keeps its underscores).
    for (const v of caller.vars.values()) {
      if (v.fullName.startsWith('__')) pbx.setVar(callee, v.fullName, v.value);
      else if (v.fullName.startsWith('_')) pbx.setVar(callee, v.fullName.slice(1), v.value);
    }
    callee.exten = caller.exten;
    callee.appl = this.#opts.calleeAppl ?? 'AppDial';
    callee.data = '(Outgoing Line)';
    // Caller id and connected line are set first; Newexten already shows them (trace c #47).
    // No caller id from the channel driver: the dialled extension, named after the connected line.
    const cid = callee.caller.num === '' ? pbx.updateCaller(callee, { num: caller.exten, name: caller.connected.name }) : false;
    const conn = pbx.updateConnected(callee, { ...caller.caller });
    pbx.newexten(callee);
    if (cid) pbx.callerEvent(callee);
    if (conn) pbx.connectedEvent(callee);
    if (two) callLocal(pbx, callee, two);
    pbx.cdrDialed(caller, callee);
    dialEvent(pbx, 'DialBegin', caller, callee, [['DialString', target.dialString]]);
    this.#opts.hooks?.called?.(callee);
    if (two) {
      const ctx = two.context;
      const ex = two.exten;
      pbx.startThread(pbx, two, { context: ctx, exten: ex, priority: 1 });
    } else pbx.callPjsip(callee);
    return leg;
  }

  #legDriver(leg: Leg): ChannelDriver {
    return {
      hangup: () => this.#legHangup(leg),
      ringing: () => this.#legRinging(leg),
      answered: () => this.#legAnswered(leg),
      redirect: (_ch: Channel, to: Location) => this.#calleeRedirect(leg, to),
      detach: () => this.#calleeDetach(leg),
    };
  }

  #legRinging(leg: Leg): void {
    if (leg.done || this.#finished) return;
    const pbx = this.#pbx;
    const caller = this.#caller;
    pbx.connectedLineUpdate(caller, leg.callee.caller);
    pbx.indicateRingingThroughLocal(caller);
    const ms = pbx.now() - this.#started;
    this.#var('RINGTIME', String(Math.floor(ms / 1000)));
    this.#var('RINGTIME_MS', String(ms));
    if (caller.localPeer && caller.name.endsWith(';2')) pbx.notifyRinging(caller.localPeer);
    dialEvent(pbx, 'DialState', caller, leg.callee, [['DialStatus', 'RINGING']]);
  }

  #legAnswered(leg: Leg): void {
    if (leg.done || this.#finished || this.#bridged) return;
    const pbx = this.#pbx;
    const caller = this.#caller;
    this.#cancelTimeout?.();
    this.#answeredAt = pbx.now();
    this.#bridged = leg;
    for (const other of this.#legs) {
      if (other === leg || other.done) continue;
      other.done = true;
      dialEvent(pbx, 'DialEnd', caller, other.callee, [['DialStatus', 'CANCEL']]);
      pbx.setCause(other.callee, 26);
      pbx.destroyChannel(other.callee);
    }
    this.#var('DIALSTATUS', 'ANSWER');
    this.#var('DIALEDPEERNAME', leg.callee.name);
    this.#var('DIALEDPEERNUMBER', leg.target.number);
    pbx.cdrDialStatus(caller, 'ANSWER');
    // The answered callee leaves its dialled extension (DialEnd already shows DestExten empty).
    leg.callee.exten = '';
    pbx.markPendingNewexten(leg.callee);
    dialEvent(pbx, 'DialEnd', caller, leg.callee, [['DialStatus', 'ANSWER']]);
    if (caller.state !== STATE.up) pbx.answer(caller);
    this.#opts.hooks?.answered?.(leg.callee);
    const b = pbx.createBridge();
    pbx.joinBridge(b, leg.callee);
    pbx.joinBridge(b, caller);
  }

  #timeout(): void {
    if (this.#finished || this.#bridged) return;
    const pbx = this.#pbx;
    const caller = this.#caller;
    for (const leg of this.#legs) {
      if (leg.done) continue;
      leg.done = true;
      dialEvent(pbx, 'DialEnd', caller, leg.callee, [['DialStatus', 'NOANSWER']]);
    }
    this.#opts.hooks?.noAnswer?.(this.#legs.map((l) => l.callee).filter((c) => !c.destroyed));
    this.#finish('NOANSWER', false);
    for (const leg of this.#legs) {
      // Dial's hanguptree() with cause 0: the unanswered callee shows "Cause: 0 Unknown" (trace b).
      pbx.setCause(leg.callee, 0);
      pbx.destroyChannel(leg.callee);
    }
    this.#resume({ kind: 'next' });
  }

  /** Sets DIALSTATUS, ends the CDR record, publishes APP_END. */
  #finish(status: string, hangup: boolean): void {
    this.#finished = true;
    this.#cancelTimeout?.();
    this.#var('DIALSTATUS', status);
    this.#pbx.cdrDialStatus(this.#caller, status);
    this.#celApp('APP_END');
    if (!hangup) this.#cdrFork();
  }

  /**
   * ANSWEREDTIME/DIALEDTIME: app_dial measures from the caller channel's own
   * answer and creation times, not from this Dial, so after a Redirect the
   * second Dial reports the whole call (trace e: 7 s where 102 talked 5 s).
   */
  #endVars(): void {
    const now = this.#pbx.now();
    const answered = now - (this.#caller.answeredAt ?? this.#answeredAt);
    const dialed = now - this.#caller.createdAt;
    this.#var('ANSWEREDTIME', String(Math.floor(answered / 1000)));
    this.#var('ANSWEREDTIME_MS', String(answered));
    this.#var('DIALEDTIME', String(Math.floor(dialed / 1000)));
    this.#var('DIALEDTIME_MS', String(dialed));
  }

  /** Hangs up the callee left in the bridge after the caller went (BridgeLeave, BridgeDestroy, Hangup). */
  #teardownCallee(leg: Leg): void {
    const pbx = this.#pbx;
    const b = leg.callee.bridge;
    if (b) {
      pbx.leaveBridge(leg.callee);
      if (b.channels.length === 0) pbx.destroyBridge(b);
    }
    leg.done = true;
    const away = pbx.takePendingRedirect(leg.callee);
    if (away && !leg.callee.destroyed) {
      // Dual Redirect: the callee goes on to its own destination with a dialplan of its own.
      pbx.setDriver(leg.callee, undefined);
      pbx.startThread(pbx, leg.callee, away);
      return;
    }
    if (!leg.callee.destroyed) {
      if (!pbx.hasCause(leg.callee)) pbx.setCause(leg.callee, 16);
      pbx.destroyChannel(leg.callee);
    }
  }

  // Blocker: the caller got a hangup request.
  interrupt(): void {
    const pbx = this.#pbx;
    const caller = this.#caller;
    if (this.#parked) {
      this.#parked = false;
      this.#resume({ kind: 'hangup' });
      return;
    }
    if (this.#finished) return;
    if (this.#bridged) {
      // Trace a/c/m: the caller leaves first, Dial sets its end variables, the
      // caller's dialplan ends (SoftHangupRequest, Hangup), then the callee goes.
      const leg = this.#bridged;
      pbx.leaveBridge(caller);
      // The bridge passes the hangup source to the party left behind (trace c: the Local ;1 gets "PJSIP/101-...").
      if (leg.callee.hangupSource === '') leg.callee.hangupSource = caller.hangupSource;
      this.#opts.hooks?.ended?.(leg.callee, 'caller');
      this.#endVars();
      this.#finish('ANSWER', true);
      if (!pbx.hasCause(caller)) pbx.setCause(caller, 16);
      this.#resume({ kind: 'hangup' });
      this.#teardownCallee(leg);
      return;
    }
    if (this.thread.redirecting) {
      for (const leg of this.#legs) {
        if (leg.done) continue;
        leg.done = true;
        dialEvent(pbx, 'DialEnd', caller, leg.callee, [['DialStatus', 'CANCEL']]);
        pbx.destroyChannel(leg.callee);
      }
      this.#finish('CANCEL', false);
      this.#resume({ kind: 'goto' });
      return;
    }
    // The caller hung up while the callees ring: they are cancelled.
    this.#opts.hooks?.abandoned?.();
    for (const leg of this.#legs) {
      if (leg.done) continue;
      leg.done = true;
      dialEvent(pbx, 'DialEnd', caller, leg.callee, [['DialStatus', 'CANCEL']]);
    }
    this.#finish('CANCEL', true);
    this.#resume({ kind: 'hangup' });
    for (const leg of this.#legs) {
      if (!leg.callee.destroyed) {
        pbx.setCause(leg.callee, 16);
        pbx.destroyChannel(leg.callee);
      }
    }
  }

  /** A callee got a hangup request: before answer the leg failed; after, the call is over. */
  #legHangup(leg: Leg): void {
    const pbx = this.#pbx;
    const caller = this.#caller;
    if (leg.done) {
      if (!leg.callee.destroyed) pbx.destroyChannel(leg.callee);
      return;
    }
    if (this.#bridged === leg) {
      // The callee's side hung up: it leaves, goes, and the caller's Dial returns
      // -1 (no 'g' option), so the caller hangs up too.
      leg.done = true;
      pbx.leaveBridge(leg.callee);
      if (caller.hangupSource === '') caller.hangupSource = leg.callee.hangupSource;
      this.#opts.hooks?.ended?.(leg.callee, 'agent');
      pbx.destroyChannel(leg.callee);
      const b = caller.bridge;
      pbx.leaveBridge(caller);
      if (b && b.channels.length === 0) pbx.destroyBridge(b);
      this.#endVars();
      this.#finish('ANSWER', true);
      if (!pbx.hasCause(caller)) pbx.setCause(caller, 16);
      this.#resume({ kind: 'hangup' });
      return;
    }
    leg.done = true;
    const cause = leg.callee.hangupCause;
    const status = cause === 17 || cause === 21 ? 'BUSY' : cause === 34 ? 'CONGESTION' : cause === 19 || cause === 18 ? 'NOANSWER' : 'CHANUNAVAIL';
    dialEvent(pbx, 'DialEnd', caller, leg.callee, [['DialStatus', status]]);
    pbx.destroyChannel(leg.callee);
    if (this.#legs.every((l) => l.done)) {
      this.#finish(status, false);
      this.#resume({ kind: 'next' });
    }
  }

  // Blocker: AMI Redirect / blind transfer of the caller while bridged (trace e).
  // Both leave through the after-bridge goto, so they look the same on the wire.
  redirect(to: Location): boolean {
    const leg = this.#bridged;
    if (!leg || this.#finished) return false;
    const pbx = this.#pbx;
    const caller = this.#caller;
    pbx.leaveBridge(caller, () => {
      // The after-bridge goto moves the channel before Dial returns; the
      // Newexten shows the new place with the old application still set.
      this.thread.continueAfterBridge(to);
      pbx.newexten(caller);
    });
    this.#var('DIALSTATUS', 'ANSWER');
    this.#finished = true;
    pbx.cdrDialStatus(caller, 'ANSWER');
    this.#celApp('APP_END');
    this.#cdrFork();
    this.#teardownCallee(leg);
    // pbx.c then increments the priority: the redirected caller skips priority 1 (trace e).
    this.#resume({ kind: 'next' });
    return true;
  }

  /** The callee is redirected out of the bridge: it gets its own dialplan; the caller's Dial ends. */
  #calleeRedirect(leg: Leg, to: Location): boolean {
    if (this.#bridged !== leg || this.#finished) return false;
    const pbx = this.#pbx;
    const caller = this.#caller;
    leg.done = true;
    const callee = leg.callee;
    pbx.leaveBridge(callee);
    pbx.setDriver(callee, undefined);
    pbx.startThread(pbx, callee, to);
    const b = caller.bridge;
    const away = pbx.takePendingRedirect(caller);
    if (away) {
      // Dual Redirect: the caller is redirected too, its Dial returns into the new place.
      pbx.leaveBridge(caller, () => {
        this.thread.continueAfterBridge(away);
        pbx.newexten(caller);
      });
      if (b && b.channels.length === 0) pbx.destroyBridge(b);
      this.#var('DIALSTATUS', 'ANSWER');
      this.#finished = true;
      pbx.cdrDialStatus(caller, 'ANSWER');
      this.#celApp('APP_END');
      this.#cdrFork();
      this.#resume({ kind: 'next' });
      return true;
    }
    this.#callerLeavesAnswered(b);
    return true;
  }

  /** The answered Dial ends with the caller leaving its bridge and hanging up (normal clearing unless a cause is set). */
  #callerLeavesAnswered(b: Bridge | undefined): void {
    const pbx = this.#pbx;
    const caller = this.#caller;
    pbx.leaveBridge(caller);
    if (b && b.channels.length === 0) pbx.destroyBridge(b);
    this.#endVars();
    this.#finish('ANSWER', true);
    if (!pbx.hasCause(caller)) pbx.setCause(caller, 16);
    this.#resume({ kind: 'hangup' });
  }

  /**
   * The bridged caller was parked: the callee is left alone and goes; the
   * caller's thread stays blocked here until the parked call ends.
   */
  detach(): boolean {
    const leg = this.#bridged;
    if (!leg || this.#finished) return false;
    this.#parked = true;
    this.#finish('ANSWER', true);
    this.#teardownCallee(leg);
    return true;
  }

  /** The bridged callee was parked: the caller's Dial ends as if the callee had left (no 'g': the caller hangs up). */
  #calleeDetach(leg: Leg): boolean {
    if (this.#bridged !== leg || this.#finished) return false;
    leg.done = true;
    this.#callerLeavesAnswered(this.#caller.bridge);
    return true;
  }

  /** Stops ringing without resuming anyone (Queue's overall timeout): DialEnd CANCEL, callees hung up. */
  cancel(): void {
    if (this.#finished || this.#bridged) return;
    this.#finished = true;
    this.#cancelTimeout?.();
    for (const leg of this.#legs) {
      if (leg.done) continue;
      leg.done = true;
      dialEvent(this.#pbx, 'DialEnd', this.#caller, leg.callee, [['DialStatus', 'CANCEL']]);
      this.#pbx.setCause(leg.callee, 0);
      this.#pbx.destroyChannel(leg.callee);
    }
  }

  /** The bridged callee, for transfers and parking. */
  get bridgedCallee(): Channel | undefined {
    return this.#bridged?.callee;
  }
}

export interface OriginateRequest {
  /** Channel header as given ("Local/101@inbound-sim", "PJSIP/101"). */
  readonly channel: string;
  readonly context?: string;
  readonly exten?: string;
  readonly priority?: number | string;
  readonly application?: string;
  readonly data?: string;
  readonly timeoutMs: number;
  readonly callerId?: { readonly num: string; readonly name: string };
  readonly variables: readonly (readonly [string, string])[];
  /** ChannelId / OtherChannelId: uniqueids chosen by the client (the Local ;2 gets the other). */
  readonly channelId?: string;
  readonly otherChannelId?: string;
}

export interface OriginateOutcome {
  readonly success: boolean;
  /** OriginateResponse Reason: 4 answered, 0 on every failure the traces show. */
  readonly reason: number;
  readonly channel: Channel | undefined;
}

/**
 * ast_pbx_outgoing_exten/app through the dial API: the target is created with
 * "AppDial2" as its application and dialled without a caller channel
 * (DialBegin has no Channel block). Returns the created channel (;1 for Local),
 * or undefined when the channel cannot be
 * requested at all (unknown tech, unknown or unregistered endpoint): then
 * there are no events, only the failed response (trace i).
 */
export function originate(pbx: Pbx, req: OriginateRequest, done: (o: OriginateOutcome) => void): Channel | undefined {
  const target = parseTarget(req.channel);
  if (!target || !requestable(pbx, target)) return undefined;
  let ch: Channel;
  let two: Channel | undefined;
  if (target.tech === 'Local') {
    const at = target.resource.indexOf('@');
    const pair = pbx.newLocalPair(target.resource.slice(0, at), target.resource.slice(at + 1), {
      cdrOne: true,
      ...(req.channelId ? { uniqueid: req.channelId } : {}),
      ...(req.otherChannelId ? { otherUniqueid: req.otherChannelId } : {}),
    });
    ch = pair.one;
    two = pair.two;
  } else {
    ch = pbx.newPjsipChannel(target.resource, { cdr: true, ...(req.channelId ? { uniqueid: req.channelId } : {}) });
  }
  ch.appl = 'AppDial2';
  ch.data = '(Outgoing Line)';
  pbx.newexten(ch);
  pbx.cdrApp(ch, 'AppDial2', '(Outgoing Line)');
  for (const [name, value] of req.variables) pbx.setVar(ch, name, value);
  if (req.callerId) {
    pbx.setCaller(ch, req.callerId, req.callerId.num);
    const connected: Party = { num: req.callerId.num, name: req.callerId.name, ani: '' };
    pbx.setConnected(ch, connected);
  }
  if (two) callLocal(pbx, ch, two);
  dialEvent(pbx, 'DialBegin', undefined, ch, [['DialString', target.dialString]]);

  let settled = false;
  // Set once the timer exists; the phone and the Local ;2 act from the run queue, after that.
  const timer: { cancel: (() => void) | undefined } = { cancel: undefined };
  const fail = (status: string): void => {
    if (settled) return;
    settled = true;
    timer.cancel?.();
    dialEvent(pbx, 'DialEnd', undefined, ch, [['DialStatus', status]]);
    done({ success: false, reason: 0, channel: undefined });
  };
  pbx.setDriver(ch, {
    ringing: () => {
      if (!settled) dialEvent(pbx, 'DialState', undefined, ch, [['DialStatus', 'RINGING']]);
    },
    answered: () => {
      if (settled) return;
      settled = true;
      timer.cancel?.();
      dialEvent(pbx, 'DialEnd', undefined, ch, [['DialStatus', 'ANSWER']]);
      done({ success: true, reason: 4, channel: ch });
      pbx.setDriver(ch, undefined);
      if (req.application) {
        pbx.startApplication(pbx, ch, req.application, req.data ?? '');
      } else {
        pbx.startThread(pbx, ch, { context: req.context ?? 'default', exten: req.exten ?? 's', priority: req.priority ?? 1 });
      }
    },
    hangup: () => {
      // The target went before answering (Local ;2 gave up, the phone was busy or rejected).
      const busy = ch.hangupCause === 17 || ch.hangupCause === 21;
      fail(ch.getVar('CHANLOCALSTATUS') || (busy ? 'BUSY' : 'NOANSWER'));
      pbx.destroyChannel(ch);
    },
  });
  timer.cancel = pbx.schedule(req.timeoutMs, () => {
    if (settled) return;
    fail('NOANSWER');
    pbx.setCause(ch, 0);
    pbx.destroyChannel(ch);
  });
  if (two) {
    const t = two;
    pbx.startThread(pbx, t, { context: t.context, exten: t.exten, priority: 1 });
  } else pbx.callPjsip(ch);
  return ch;
}

