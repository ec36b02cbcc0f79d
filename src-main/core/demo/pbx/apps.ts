// The dialplan runner (pbx.c's __ast_pbx_run) and the applications the lab
// dialplan uses. Each priority publishes Newexten with its substituted data;
// applications that wait (Wait, Playback, Echo, Dial) block the thread and
// resume it from a timer or an event. pbx_exec() saves and restores the
// channel's appl/data around each application, which is why a hung-up Local
// ;1 still shows "AppDial2" in its CEL HANGUP record (trace a).
import type { Channel} from './channel';
import { STATE, callerIdAll } from './channel';
import { findExtension, findPriority, splitArgs, substitute, type Substitution } from './dialplan';
import { DialApp } from './dial';
import { QueueApp } from './queue';
import type { ChannelDriver, Location, Pbx, RedirectKind } from './pbx';

/** What an application tells the runner. */
export type AppResult =
  | { readonly kind: 'next' }
  | { readonly kind: 'goto' }
  | { readonly kind: 'hangup' }
  | { readonly kind: 'block'; readonly blocker: Blocker };

/** An application that is waiting: the runner calls these when something happens to the channel. */
export interface Blocker {
  /** The channel got a hangup request: stop and call thread.resume({kind:'hangup'}). */
  interrupt(): void;
  /** AMI Redirect while blocked; return false to let the runner interrupt and jump. */
  redirect?(to: Location, how: RedirectKind): boolean;
  /** The channel is parked out of the app's bridge (see ChannelDriver.detach). */
  detach?(): boolean;
}

interface GosubFrame {
  readonly returnTo: { context: string; exten: string; priority: number };
  readonly locals: readonly string[];
}

const NEXT: AppResult = { kind: 'next' };
const GOTO: AppResult = { kind: 'goto' };
const HANGUP: AppResult = { kind: 'hangup' };

/** Substitution of ${...} for one channel: its variables, then globals, and a few functions. */
export function channelSubstitution(pbx: Pbx, ch: Channel): Substitution {
  return {
    variable(name: string): string | undefined {
      switch (name) {
        case 'EXTEN':
          return ch.exten;
        case 'CONTEXT':
          return ch.context;
        case 'PRIORITY':
          return String(ch.priority);
        case 'CHANNEL':
          return ch.name;
        case 'UNIQUEID':
          return ch.uniqueid;
        case 'EPOCH':
          return String(Math.floor(pbx.now() / 1000));
        default:
          return pbx.getVar(ch, name);
      }
    },
    func(name: string, args: string): string | undefined {
      const upper = name.toUpperCase();
      if (upper === 'CALLERID') {
        const what = args.toLowerCase();
        if (what === 'num' || what === 'number') return ch.caller.num;
        if (what === 'name') return ch.caller.name;
        if (what === 'ani') return ch.caller.ani;
        if (what === 'all') return callerIdAll(ch.caller);
        return '';
      }
      if (upper === 'CONNECTEDLINE') return args.toLowerCase() === 'name' ? ch.connected.name : ch.connected.num;
      if (upper === 'IF') {
        const q = args.indexOf('?');
        const cond = q < 0 ? args : args.slice(0, q);
        const rest = q < 0 ? '' : args.slice(q + 1);
        const c = rest.indexOf(':');
        const yes = c < 0 ? rest : rest.slice(0, c);
        const no = c < 0 ? '' : rest.slice(c + 1);
        return cond.trim() !== '' && cond.trim() !== '0' ? yes : no;
      }
      if (upper === 'LEN') return String(args.length);
      if (upper === 'STRFTIME') {
        const [epoch, , format] = splitArgs(args);
        return strftime(epoch ? Number(epoch) * 1000 : pbx.now(), format ?? '%c');
      }
      if (upper === 'TIMEOUT') return '0';
      return undefined;
    },
  };
}

function strftime(ms: number, format: string): string {
  const d = new Date(ms);
  const p = (n: number): string => String(n).padStart(2, '0');
  return format.replace(/%([YmdHMSs%])/g, (_m, c: string) => {
    switch (c) {
      case 'Y':
        return String(d.getUTCFullYear());
      case 'm':
        return p(d.getUTCMonth() + 1);
      case 'd':
        return p(d.getUTCDate());
      case 'H':
        return p(d.getUTCHours());
      case 'M':
        return p(d.getUTCMinutes());
      case 'S':
        return p(d.getUTCSeconds());
      case 's':
        return String(Math.floor(ms / 1000));
      default:
        return '%';
    }
  });
}

/** Parses a Goto-style label: [[context,]exten,]priority|label, relative to the channel. */
export function parseLabel(ch: Channel, label: string): Location {
  const parts = label.split(',').map((s) => s.trim());
  const prio = (s: string): number | string => (/^\d+$/.test(s) ? Number(s) : s);
  if (parts.length >= 3) return { context: parts[0] ?? ch.context, exten: parts[1] ?? ch.exten, priority: prio(parts[2] ?? '1') };
  if (parts.length === 2) return { context: ch.context, exten: parts[0] ?? ch.exten, priority: prio(parts[1] ?? '1') };
  return { context: ch.context, exten: ch.exten, priority: prio(parts[0] ?? '1') };
}

/** One channel's dialplan execution. It is the channel's driver while it runs. */
export class PbxThread implements ChannelDriver {
  readonly #frames: GosubFrame[] = [];
  #blocker: Blocker | undefined;
  #saved: [string, string] | undefined;
  #finished = false;
  #pendingRedirect: Location | undefined;
  /** Originate with Application: one application, then hang up (no dialplan after it). */
  #single = false;

  constructor(
    readonly pbx: Pbx,
    readonly ch: Channel,
  ) {}

  /** Starts at a location (priority number or label), publishing a Newexten per priority. */
  start(at: Location): void {
    this.pbx.setDriver(this.ch, this);
    this.pbx.setInDialplan(this.ch, true);
    if (!this.#jump(at)) {
      this.exit();
      return;
    }
    this.#loop();
  }

  /** Runs one application without dialplan (Originate with Application:). */
  startApplication(app: string, data: string): void {
    this.pbx.setDriver(this.ch, this);
    this.pbx.setInDialplan(this.ch, true);
    this.#single = true;
    const result = this.#exec(app, data);
    if (result.kind === 'block') {
      this.#blocker = result.blocker;
      return;
    }
    this.#restore();
    this.exit();
  }

  get blocked(): boolean {
    return this.#blocker !== undefined;
  }

  #jump(to: Location): boolean {
    const found = findExtension(this.pbx.dialplan, to.context, to.exten);
    if (!found) return false;
    const p = findPriority(found.extension, to.priority);
    if (!p) return false;
    this.ch.context = to.context;
    this.ch.exten = to.exten;
    this.ch.priority = p.priority;
    return true;
  }

  /** Jumps within the current channel location (Goto/GotoIf/Gosub targets). */
  goto(to: Location): boolean {
    return this.#jump(to);
  }

  #exec(app: string, rawData: string): AppResult {
    const data = substitute(rawData, channelSubstitution(this.pbx, this.ch));
    this.#saved = [this.ch.appl, this.ch.data];
    this.ch.appl = app;
    this.ch.data = data;
    this.pbx.newexten(this.ch);
    this.pbx.cdrApp(this.ch, app, data);
    return runApp(this, app, data);
  }

  #restore(): void {
    if (!this.#saved) return;
    [this.ch.appl, this.ch.data] = this.#saved;
    this.#saved = undefined;
  }

  #loop(): void {
    for (;;) {
      if (this.ch.destroyed || this.#finished) return;
      if (this.ch.hangupRequested) {
        this.exit();
        return;
      }
      const found = findExtension(this.pbx.dialplan, this.ch.context, this.ch.exten);
      const prio = found ? findPriority(found.extension, this.ch.priority) : undefined;
      if (!prio) {
        // Fell off the end of the extension (autofallthrough) or invalid extension.
        this.exit();
        return;
      }
      const result = this.#exec(prio.app, prio.data);
      if (result.kind === 'block') {
        this.#blocker = result.blocker;
        return;
      }
      this.#restore();
      if (!this.#apply(result)) return;
    }
  }

  /** Applies an app's result; false when the thread ended. */
  #apply(result: AppResult): boolean {
    if (result.kind === 'hangup') {
      this.exit();
      return false;
    }
    if (result.kind === 'next') this.ch.priority += 1;
    return true;
  }

  /** Called by a blocking app when it is done. */
  resume(result: AppResult): void {
    this.#blocker = undefined;
    this.#restore();
    if (this.#single) {
      this.exit();
      return;
    }
    if (this.#pendingRedirect) {
      const to = this.#pendingRedirect;
      this.#pendingRedirect = undefined;
      if (result.kind !== 'hangup' && this.#jump(to)) {
        this.#loop();
        return;
      }
    }
    if (this.#apply(result)) this.#loop();
  }

  /** The dialplan ended: SoftHangupRequest (APPUNLOAD) and the channel goes. */
  exit(): void {
    if (this.#finished) return;
    this.#finished = true;
    this.pbx.setDriver(this.ch, undefined);
    this.pbx.endPbx(this.ch);
  }

  // ChannelDriver
  hangup(): void {
    if (this.#blocker) this.#blocker.interrupt();
    else if (!this.#finished) this.exit();
  }

  detach(): boolean {
    return this.#blocker?.detach?.() ?? false;
  }

  redirect(_ch: Channel, to: Location, how: RedirectKind): boolean {
    if (!findExtension(this.pbx.dialplan, to.context, to.exten)) return false;
    const blocker = this.#blocker;
    if (blocker?.redirect && blocker.redirect(to, how)) return true;
    // ast_async_goto on a channel running an application: the app is stopped and
    // the pbx continues exactly at the target (priority - 1, then the loop's +1).
    this.#pendingRedirect = to;
    if (blocker) blocker.interrupt();
    return true;
  }

  /** Redirect after the Dial bridge: the after-bridge goto lands one priority later (trace e). */
  continueAfterBridge(to: Location): void {
    this.ch.context = to.context;
    this.ch.exten = to.exten;
    const found = findExtension(this.pbx.dialplan, to.context, to.exten);
    const p = found ? findPriority(found.extension, to.priority) : undefined;
    this.ch.priority = p ? p.priority : typeof to.priority === 'number' ? to.priority : 1;
  }

  /** Interrupting a blocked app because of a redirect should not end the thread. */
  get redirecting(): boolean {
    return this.#pendingRedirect !== undefined;
  }

  pushFrame(frame: GosubFrame): void {
    this.#frames.push(frame);
  }

  popFrame(): GosubFrame | undefined {
    return this.#frames.pop();
  }
}

/** Installs the runner into a Pbx (kept out of pbx.ts to avoid an import cycle at load time). */
export function installRunner(pbx: Pbx): void {
  pbx.startThread = (p, ch, at) => new PbxThread(p, ch).start(at);
  pbx.startApplication = (p, ch, app, data) => new PbxThread(p, ch).startApplication(app, data);
}

function waitBlock(thread: PbxThread, ms: number, onDone: () => AppResult, onInterrupt?: () => void): AppResult {
  const cancel = thread.pbx.schedule(ms, () => thread.resume(onDone()));
  return {
    kind: 'block',
    blocker: {
      interrupt(): void {
        cancel();
        onInterrupt?.();
        thread.resume(thread.redirecting ? GOTO : HANGUP);
      },
    },
  };
}

function runApp(thread: PbxThread, app: string, data: string): AppResult {
  const { pbx, ch } = thread;
  switch (app.toLowerCase()) {
    case 'noop':
    case 'verbose':
    case 'log':
    case 'ringing':
    case 'progress':
      return NEXT;
    case 'set':
      return setApp(pbx, ch, data);
    case 'answer':
      pbx.answer(ch);
      return NEXT;
    case 'hangup': {
      const cause = Number(data);
      pbx.setCause(ch, Number.isFinite(cause) && cause > 0 ? cause : 16);
      pbx.softHangup(ch, undefined, 'dialplan/builtin');
      return HANGUP;
    }
    case 'busy':
    case 'congestion':
      pbx.setCause(ch, app.toLowerCase() === 'busy' ? 17 : 34);
      return waitBlock(thread, 10_000, () => HANGUP);
    case 'goto': {
      if (!thread.goto(parseLabel(ch, data))) return HANGUP;
      return GOTO;
    }
    case 'gotoif': {
      const q = data.indexOf('?');
      const cond = (q < 0 ? data : data.slice(0, q)).trim();
      const labels = q < 0 ? '' : data.slice(q + 1);
      const colon = labels.indexOf(':');
      const yes = colon < 0 ? labels : labels.slice(0, colon);
      const no = colon < 0 ? '' : labels.slice(colon + 1);
      const target = cond !== '' && cond !== '0' ? yes : no;
      if (target.trim() === '') return NEXT;
      if (!thread.goto(parseLabel(ch, target))) return HANGUP;
      return GOTO;
    }
    case 'gosub': {
      const open = data.indexOf('(');
      const label = open < 0 ? data : data.slice(0, open);
      const args = open < 0 ? [] : splitArgs(data.slice(open + 1, data.lastIndexOf(')')));
      const returnTo = { context: ch.context, exten: ch.exten, priority: ch.priority + 1 };
      const target = parseLabel(ch, label);
      const locals: string[] = [];
      args.forEach((a, i) => {
        pbx.setVar(ch, `LOCAL(ARG${i + 1})`, a);
        locals.push(`ARG${i + 1}`);
      });
      pbx.setVar(ch, 'LOCAL(ARGC)', String(args.length));
      locals.push('ARGC');
      if (!thread.goto(target)) return HANGUP;
      thread.pushFrame({ returnTo, locals });
      return GOTO;
    }
    case 'return': {
      const frame = thread.popFrame();
      if (!frame) return HANGUP;
      // Local variables go in reverse order of creation, then GOSUB_RETVAL.
      for (const name of [...frame.locals].reverse()) pbx.setVar(ch, name, '');
      pbx.setVar(ch, 'GOSUB_RETVAL', data);
      ch.context = frame.returnTo.context;
      ch.exten = frame.returnTo.exten;
      ch.priority = frame.returnTo.priority;
      return GOTO;
    }
    case 'wait': {
      const secs = Number(data);
      return waitBlock(thread, Number.isFinite(secs) ? secs * 1000 : 0, () => NEXT);
    }
    case 'echo':
      return { kind: 'block', blocker: { interrupt: () => thread.resume(thread.redirecting ? GOTO : HANGUP) } };
    case 'playback': {
      const [file = '', options = ''] = splitArgs(data);
      if (ch.state !== STATE.up && !options.includes('noanswer')) pbx.answer(ch);
      const sound = file.split('&')[0] ?? file;
      pbx.cel(ch, 'STREAM_BEGIN', '', `{"sound":"${sound}","format":"gsm","language":"${ch.language}"}`);
      const ms = pbx.config.soundDurationsMs[sound] ?? 3000;
      const finish = (): void => {
        pbx.setVar(ch, 'PLAYBACKSTATUS', 'SUCCESS');
        pbx.cel(ch, 'STREAM_END');
      };
      return waitBlock(
        thread,
        ms,
        () => {
          finish();
          return NEXT;
        },
        finish,
      );
    }
    case 'mixmonitor': {
      const [file = '', options = ''] = splitArgs(data);
      pbx.celApp(ch, 'APP_START');
      startMixMonitor(pbx, ch, file, options);
      pbx.celApp(ch, 'APP_END');
      return NEXT;
    }
    case 'stopmixmonitor':
      stopMixMonitor(pbx, ch);
      return NEXT;
    case 'dial':
      return new DialApp(thread, data).start();
    case 'queue':
      return new QueueApp(thread, data).start();
    default:
      // "No application 'X' for extension": pbx.c hangs the channel up.
      return HANGUP;
  }
}

/** Set(NAME=value), Set(TIMEOUT(absolute)=n), Set(CALLERID(num|name)=x). */
function setApp(pbx: Pbx, ch: Channel, data: string): AppResult {
  const eq = data.indexOf('=');
  if (eq < 0) return NEXT;
  const name = data.slice(0, eq);
  const value = data.slice(eq + 1);
  const fn = /^([A-Z_]+)\((.*)\)$/i.exec(name);
  if (!fn) {
    pbx.setVar(ch, name, value);
    return NEXT;
  }
  const f = (fn[1] ?? '').toUpperCase();
  const arg = (fn[2] ?? '').toLowerCase();
  if (f === 'TIMEOUT' && arg === 'absolute') {
    const secs = Number(value);
    if (secs > 0) pbx.schedule(secs * 1000, () => pbx.softHangup(ch));
  } else if (f === 'CALLERID') {
    pbx.setCaller(ch, arg === 'name' ? { num: ch.caller.num, name: value } : { num: value, name: ch.caller.name });
  }
  return NEXT;
}

/** MixMonitor: MIXMONITOR_FILENAME (dialplan class), MixMonitorStart, and a bridge refresh. */
export function startMixMonitor(pbx: Pbx, ch: Channel, file: string, options: string): string {
  const path = file.startsWith('/') ? file : `${pbx.config.monitorDir}/${file}`;
  const idVar = /i\(([^)]+)\)/.exec(options)?.[1];
  const id = `0x${(0x7f0000000000 + Math.floor(pbx.now() % 0xffffff) * 16).toString(16)}`;
  ch.mixMonitor = { file: path, id, muted: false };
  pbx.setVar(ch, 'MIXMONITOR_FILENAME', path);
  if (idVar) pbx.setVar(ch, idVar, id);
  pbx.channelEvent('MixMonitorStart', ch);
  // The audiohook changes the bridge technology path; Asterisk re-announces the peers (trace d).
  const b = ch.bridge;
  if (b) pbx.defer(() => b.channels.length === 2 && pbx.refreshBridgePeers(b));
  return idVar ? id : '';
}

export function stopMixMonitor(pbx: Pbx, ch: Channel): boolean {
  if (!ch.mixMonitor) return false;
  ch.mixMonitor = undefined;
  pbx.channelEvent('MixMonitorStop', ch);
  const b = ch.bridge;
  if (b) pbx.defer(() => b.channels.length === 2 && pbx.refreshBridgePeers(b));
  return true;
}
