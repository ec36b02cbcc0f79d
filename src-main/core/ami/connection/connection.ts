// AmiConnection: one operator's AMI session that heals itself. Connects through
// an injected AmiTransport, logs in (MD5 challenge or plain), narrows the event
// stream (Filter action where allowed, always the client-side channel match),
// resynchronises live channels with CoreShowChannels on every login before any
// event of that session is delivered, keeps the link alive with Ping, and
// reconnects with exponential backoff + full jitter after any drop. Every timer
// runs on the injected Clock, so the whole state machine is tested on a fake clock.
//
// States (ConnectionStatus): connecting -> loggingIn (login, filter, resync) ->
// ready{filtering} -> (drop) reconnecting{retryAt, attempt, reason} -> connecting...
// A refused login goes to loginRefused and stays there until configure() brings
// different settings (or retryNow()): retrying a wrong secret only fills the PBX
// log and may trip fail2ban on the operator's address.
//
// Asterisk behaviour relied on (main/manager.c, ami-traces/README.md):
// - the greeting is one line; a second greeting on the same stream means the
//   AMI session was restarted under us;
// - a failed Login gets `Response: Error` "Authentication failed" and the socket
//   is closed;
// - `Shutdown` is a system-class event: operators (no read=system) never see it,
//   they see the close and then "connection refused" while Asterisk is down,
//   which is why a refused connect counts as a restart for the reconnect spread;
// - FullyBooted needs read=system too: never waited for;
// - OriginateResponse carries the ActionID of the Originate that caused it, and
//   is broadcast to every session: our ActionIDs get a per-connection random
//   prefix, and events carrying one of ours are delivered even when the channel
//   match would drop them (a failed originate names `PJSIP/101`, no suffix).
import { randomBytes } from 'node:crypto';
import type { ConnectionStatus } from '../../../../src-shared/domain/connection';
import type { Clock, Logger, TimerHandle } from '../../../ports';
import type { AmiFrame, AmiMessage } from '../codec';
import { ActionIdGenerator, AmiDecoder, encodeAction, getHeader, messageKind } from '../codec';
import type { OperatorFilter } from '../filter';
import { createOperatorFilter } from '../filter';
import { challenge, filter as filterAction, login, md5Key } from '../actions/session';
import { coreShowChannels, status as statusAction } from '../actions/channels';
import { operatorEventFilters } from '../manager-conf';
import type {
  AmiActionSender,
  AmiChannelSnapshot,
  AmiEvent,
  AmiEventSource,
  AmiFiltering,
  AmiRequest,
  AmiResponse,
  AmiResync,
} from '../event-source';
import { Backoff, type BackoffOptions } from './backoff';
import { AmiActionError, AmiNotReadyError, AmiTimeoutError, formatSeconds } from './errors';
import { PendingActions } from './pending';
import type { AmiSocket, AmiTransport } from './transport';

/** What to connect to and as whom. */
export interface AmiConnectionConfig {
  readonly host: string;
  readonly port: number;
  readonly tls: boolean;
  /** Check the TLS certificate (default true). */
  readonly rejectUnauthorized?: boolean;
  /** Extra trusted CA (PEM) for a PBX with a private CA. */
  readonly ca?: string;
  readonly username: string;
  readonly secret: string;
  /** `md5` (default) sends md5(challenge + secret), never the secret; `plain` sends it as is. */
  readonly auth?: 'md5' | 'plain';
  /** The operator's extension: whose events are delivered. */
  readonly extension: string;
  /** Client-side channel pattern: a template with `<ext>` or a RegExp (default `^(?:PJSIP|SIP|IAX2)/<ext>-`). */
  readonly channelPattern?: string | RegExp;
  /**
   * IT gave this AMI user eventfilter lines (`sidecall ami-config`). Reported as
   * `pbx-eventfilter+client`, and withdrawn (with a warning) as soon as an event
   * of another operator arrives.
   */
  readonly pbxEventFilter?: boolean;
  /**
   * eventfilter expressions to add with the `Filter` action after login; default:
   * the ones ami-config generates for the extension, plus `Event: Shutdown` and
   * this connection's ActionID prefix (only with the default channel pattern).
   * `[]` skips the Filter action.
   */
  readonly filterAction?: readonly string[];
}

/** Timers of the connection, all on the injected Clock. */
export interface AmiTimingOptions {
  /** TCP connect + TLS handshake + greeting (default 10 s). */
  readonly connectTimeoutMs?: number;
  /** Default reply timeout of an action (default 10 s). */
  readonly actionTimeoutMs?: number;
  /** Ping interval while ready (default 20 s). */
  readonly keepaliveMs?: number;
  /** A Ping unanswered this long means a dead link (default 5 s). */
  readonly pingTimeoutMs?: number;
  /** CoreShowChannels on a busy PBX lists hundreds of channels (default 30 s). */
  readonly resyncTimeoutMs?: number;
  /** After Logoff on dispose, how long to wait for the PBX to close (default 1 s). */
  readonly logoffWaitMs?: number;
  /** A session ready for this long ends the outage: the backoff starts over (default 30 s). */
  readonly stableMs?: number;
  readonly backoff?: BackoffOptions;
}

export interface AmiConnectionDeps {
  readonly transport: AmiTransport;
  readonly clock: Clock;
  readonly log: Logger;
  /** Random source in [0, 1) for the jitter (default Math.random; tests seed it). */
  readonly random?: () => number;
  readonly timing?: AmiTimingOptions;
}

/** Counters for diagnostics and leak tests. */
export interface AmiConnectionDiagnostics {
  readonly state: ConnectionStatus['state'];
  readonly filtering: AmiFiltering | undefined;
  /** Sockets opened since construction. */
  readonly connects: number;
  /** Sockets opened and not yet closed (0 or 1 when nothing leaks). */
  readonly openSockets: number;
  readonly pendingActions: number;
  readonly attempt: number;
  /** Asterisk's AMI version from the greeting, e.g. 11.0.0. */
  readonly amiVersion: string | undefined;
  readonly lastDrop: string | undefined;
  readonly listeners: { readonly event: number; readonly resync: number; readonly status: number };
}

const TIMING_DEFAULTS = {
  connectTimeoutMs: 10_000,
  actionTimeoutMs: 10_000,
  keepaliveMs: 20_000,
  pingTimeoutMs: 5_000,
  resyncTimeoutMs: 30_000,
  logoffWaitMs: 1_000,
  stableMs: 30_000,
} as const;

// Events held back while a session resynchronises; more means something is
// badly wrong (or the PBX is flooding an unfiltered user): start over.
const MAX_BUFFERED_EVENTS = 20_000;

type Phase = 'idle' | 'connecting' | 'loggingIn' | 'syncing' | 'ready' | 'waiting' | 'refused' | 'error' | 'disposed';

interface Drop {
  /** For the operator: what happened. */
  readonly reason: string;
  /** Looks like a PBX restart: the first reconnect is spread wide (see backoff.ts). */
  readonly restartLike: boolean;
}

class Session {
  readonly decoder: AmiDecoder;
  readonly pending: PendingActions;
  alive = true;
  greeted = false;
  connectTimer: TimerHandle | undefined;
  keepaliveTimer: TimerHandle | undefined;
  buffered: AmiEvent[] = [];
  filtering: AmiFiltering = 'client-only';
  readyAt = 0;
  /** Asterisk's Message when it refused our Login (set as the reply arrives, before the close that follows it). */
  refusedWith: string | undefined;
  readonly closed: Promise<void>;
  markClosed: () => void = () => undefined;

  constructor(
    readonly socket: AmiSocket,
    clock: Clock,
    filter: OperatorFilter,
    onForeign: (text: () => string) => void,
  ) {
    const accept = filter.acceptFrame;
    // The operator filter's byte prefilter skips decoding other operators'
    // events; wrapped to notice them (they disprove a claimed PBX eventfilter).
    this.decoder = new AmiDecoder(
      accept === undefined
        ? {}
        : {
            acceptFrame: (buf, start, end) => {
              if (accept(buf, start, end)) return true;
              // Only while a PBX eventfilter is claimed: no work on the hot path otherwise.
              if (this.filtering === 'pbx-eventfilter+client') onForeign(() => buf.toString('latin1', start, end));
              return false;
            },
          },
    );
    this.pending = new PendingActions(clock);
    this.closed = new Promise<void>((resolve) => {
      this.markClosed = resolve;
    });
  }
}

function sameConfig(a: AmiConnectionConfig | null, b: AmiConnectionConfig | null): boolean {
  if (a === null || b === null) return a === b;
  const pattern = (p: string | RegExp | undefined): string | undefined => (p instanceof RegExp ? `/${p.source}/${p.flags}` : p);
  return (
    a.host === b.host &&
    a.port === b.port &&
    a.tls === b.tls &&
    (a.rejectUnauthorized ?? true) === (b.rejectUnauthorized ?? true) &&
    a.ca === b.ca &&
    a.username === b.username &&
    a.secret === b.secret &&
    (a.auth ?? 'md5') === (b.auth ?? 'md5') &&
    a.extension === b.extension &&
    pattern(a.channelPattern) === pattern(b.channelPattern) &&
    (a.pbxEventFilter ?? false) === (b.pbxEventFilter ?? false) &&
    JSON.stringify(a.filterAction) === JSON.stringify(b.filterAction)
  );
}

/** `pbx.example.com:5038 (TLS) as op101`, the same text as describeTarget() in core/connection. */
export function describeAmiTarget(c: Pick<AmiConnectionConfig, 'host' | 'port' | 'tls' | 'username'>): string {
  return `${c.host}:${c.port}${c.tls ? ' (TLS)' : ''}${c.username ? ` as ${c.username}` : ''}`;
}

const TLS_CODES = /^(ERR_TLS_|ERR_SSL_|CERT_|DEPTH_ZERO_SELF_SIGNED_CERT$|SELF_SIGNED_CERT_IN_CHAIN$|UNABLE_TO_(GET_ISSUER_CERT|VERIFY_LEAF_SIGNATURE))/;

/** A socket error in the operator's words, and whether it looks like a PBX restart. */
function dropFromError(error: Error, c: AmiConnectionConfig): Drop {
  const code = (error as NodeJS.ErrnoException).code ?? '';
  const where = `${c.host}:${c.port}`;
  switch (code) {
    case 'ECONNREFUSED':
      return { reason: `The PBX at ${where} refused the connection: Asterisk may be restarting, or AMI is not enabled on this port`, restartLike: true };
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return { reason: `Cannot find the PBX host "${c.host}": check the address in Settings -> PBX and the network`, restartLike: false };
    case 'ETIMEDOUT':
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
    case 'EHOSTDOWN':
    case 'ENETDOWN':
      return { reason: `Cannot reach the PBX at ${where}: check the network connection`, restartLike: false };
    case 'ECONNRESET':
    case 'EPIPE':
      return { reason: `The connection to the PBX at ${where} was reset`, restartLike: false };
    default:
      if (TLS_CODES.test(code) || /certificate|ssl|tls/i.test(error.message)) {
        return { reason: `The PBX's TLS certificate was not accepted (${code || error.message}): ask IT for the PBX's CA certificate, or check the port (TLS is usually 5039)`, restartLike: false };
      }
      return { reason: `Connection to the PBX at ${where} failed: ${error.message}`, restartLike: false };
  }
}

/** The operator's self-healing AMI session; see the header comment. */
export class AmiConnection implements AmiEventSource {
  readonly #transport: AmiTransport;
  readonly #clock: Clock;
  readonly #log: Logger;
  readonly #timing: Required<Omit<AmiTimingOptions, 'backoff'>>;
  readonly #backoff: Backoff;
  readonly #ids: ActionIdGenerator;
  readonly #idPrefix: string;

  readonly #eventListeners = new Set<(e: AmiEvent) => void>();
  readonly #resyncListeners = new Set<(r: AmiResync) => void>();
  readonly #statusListeners = new Set<(s: ConnectionStatus) => void>();

  #config: AmiConnectionConfig | null = null;
  #filter: OperatorFilter | undefined;
  #deviceMention: RegExp | undefined;
  #phase: Phase = 'idle';
  #status: ConnectionStatus = { state: 'unconfigured' };
  #session: Session | undefined;
  #waitTimer: TimerHandle | undefined;
  #everReady = false;
  #connects = 0;
  #openSockets = 0;
  #amiVersion: string | undefined;
  #lastDrop: string | undefined;

  constructor(deps: AmiConnectionDeps) {
    this.#transport = deps.transport;
    this.#clock = deps.clock;
    this.#log = deps.log;
    const { backoff, ...timing } = deps.timing ?? {};
    this.#timing = { ...TIMING_DEFAULTS, ...timing };
    this.#backoff = new Backoff(deps.random ?? Math.random, backoff);
    this.#idPrefix = `sc${randomBytes(4).toString('hex')}-`;
    this.#ids = new ActionIdGenerator(this.#idPrefix);
  }

  // ---- public API -------------------------------------------------------

  status(): ConnectionStatus {
    return this.#status;
  }

  onStatus(listener: (status: ConnectionStatus) => void): () => void {
    this.#statusListeners.add(listener);
    return () => this.#statusListeners.delete(listener);
  }

  onEvent(listener: (event: AmiEvent) => void): () => void {
    this.#eventListeners.add(listener);
    return () => this.#eventListeners.delete(listener);
  }

  onResync(listener: (resync: AmiResync) => void): () => void {
    this.#resyncListeners.add(listener);
    return () => this.#resyncListeners.delete(listener);
  }

  /** The filtering in effect while ready. */
  get filtering(): AmiFiltering | undefined {
    return this.#phase === 'ready' ? this.#session?.filtering : undefined;
  }

  diagnostics(): AmiConnectionDiagnostics {
    return {
      state: this.#status.state,
      filtering: this.filtering,
      connects: this.#connects,
      openSockets: this.#openSockets,
      pendingActions: this.#session?.pending.size ?? 0,
      attempt: this.#backoff.attempt,
      amiVersion: this.#amiVersion,
      lastDrop: this.#lastDrop,
      listeners: { event: this.#eventListeners.size, resync: this.#resyncListeners.size, status: this.#statusListeners.size },
    };
  }

  /**
   * Applies settings. Identical settings change nothing (a refused login stays
   * refused); different ones start over at once; null disconnects.
   */
  configure(config: AmiConnectionConfig | null): void {
    if (this.#phase === 'disposed') return;
    if (sameConfig(config, this.#config) && this.#phase !== 'idle') return;
    this.#config = config;
    this.#stop('Settings changed');
    this.#backoff.reset();
    this.#everReady = false;
    if (config === null) {
      this.#phase = 'idle';
      this.#setStatus({ state: 'unconfigured' });
      return;
    }
    try {
      this.#filter = createOperatorFilter({
        extension: config.extension,
        ...(config.channelPattern === undefined ? {} : { channelPattern: config.channelPattern }),
      });
      this.#deviceMention = new RegExp(`/${config.extension.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&')}(?![0-9])`);
    } catch (error) {
      this.#filter = undefined;
      this.#phase = 'error';
      const why = error instanceof Error ? error.message : String(error);
      this.#setStatus({ state: 'error', target: describeAmiTarget(config), reason: `The channel pattern for extension ${config.extension} is not valid (${why}): fix it in Settings -> PBX` });
      return;
    }
    this.#connect();
  }

  /** Tries again now: after a refused login (IT fixed the user) or instead of waiting for the backoff. */
  retryNow(): void {
    if (this.#config === null || this.#filter === undefined) return;
    if (this.#phase !== 'refused' && this.#phase !== 'waiting') return;
    this.#stop('Retry');
    this.#backoff.reset();
    this.#connect();
  }

  send(request: AmiRequest): Promise<AmiResponse> {
    const session = this.#session;
    if (this.#phase !== 'ready' || session === undefined) {
      return Promise.reject(new AmiNotReadyError(request.action, this.#describeState()));
    }
    return this.#sendOn(session, request);
  }

  /** Logs off (when logged in), closes the socket, cancels every timer; listeners are dropped. */
  async dispose(): Promise<void> {
    if (this.#phase === 'disposed') return;
    const wasReady = this.#phase === 'ready';
    this.#phase = 'disposed';
    this.#clearWait();
    const session = this.#session;
    if (session !== undefined) {
      if (wasReady) {
        // Polite Logoff so Asterisk logs a clean disconnect; then give it a moment to close.
        try {
          session.socket.write(encodeAction('Logoff', this.#ids.next(), {}));
          session.socket.end();
        } catch (error) {
          this.#log.debug('logoff write failed', { error });
        }
        const timer = this.#clock.setTimeout(() => this.#drop(session, { reason: 'Sidecall is closing', restartLike: false }), this.#timing.logoffWaitMs);
        await session.closed;
        this.#clock.clearTimeout(timer);
      }
      this.#drop(session, { reason: 'Sidecall is closing', restartLike: false });
      await session.closed;
    }
    this.#eventListeners.clear();
    this.#resyncListeners.clear();
    this.#statusListeners.clear();
  }

  // ---- connection lifecycle ---------------------------------------------

  #connect(): void {
    const config = this.#config;
    const filter = this.#filter;
    if (config === null || filter === undefined) return;
    const target = describeAmiTarget(config);
    this.#phase = 'connecting';
    this.#setStatus({ state: 'connecting', target });
    // A status listener may have reconfigured or disposed us meanwhile.
    if (this.#phase !== 'connecting' || this.#config !== config || this.#session !== undefined) return;
    let socket: AmiSocket;
    try {
      socket = this.#transport.connect({
        host: config.host,
        port: config.port,
        tls: config.tls,
        ...(config.rejectUnauthorized === undefined ? {} : { rejectUnauthorized: config.rejectUnauthorized }),
        ...(config.ca === undefined ? {} : { ca: config.ca }),
      });
    } catch (error) {
      this.#scheduleReconnect(error instanceof Error ? dropFromError(error, config) : { reason: String(error), restartLike: false });
      return;
    }
    this.#connects += 1;
    this.#openSockets += 1;
    const session = new Session(socket, this.#clock, filter, (text) => this.#onForeign(session, text));
    this.#session = session;

    const onData = (chunk: Buffer): void => {
      if (!session.alive) return;
      session.decoder.push(chunk, (frame) => this.#onFrame(session, frame));
    };
    const onError = (error: Error): void => {
      if (session.alive) this.#drop(session, dropFromError(error, config));
    };
    const onClose = (): void => {
      socket.off('data', onData);
      socket.off('error', onError);
      socket.off('close', onClose);
      this.#openSockets -= 1;
      if (session.alive) {
        this.#drop(
          session,
          session.greeted
            ? { reason: `The PBX at ${config.host}:${config.port} closed the connection`, restartLike: false }
            : // Asterisk closes at once, without a greeting, when `authlimit` logins are in progress (main/manager.c, session_do).
              { reason: `The PBX at ${config.host}:${config.port} closed the connection before greeting: it may be busy with other logins, or this is not an AMI port`, restartLike: true },
        );
      }
      session.markClosed();
    };
    socket.on('data', onData);
    socket.on('error', onError);
    socket.on('close', onClose);
    session.connectTimer = this.#clock.setTimeout(() => {
      session.connectTimer = undefined;
      this.#drop(session, { reason: `No answer from the PBX at ${config.host}:${config.port} within ${formatSeconds(this.#timing.connectTimeoutMs)}: check the address, port and TLS setting`, restartLike: false });
    }, this.#timing.connectTimeoutMs);
  }

  /**
   * Ends a session: rejects its pending actions, clears its timers, destroys its
   * socket; then, for the current session and unless told not to or stopped,
   * schedules the reconnect.
   */
  #drop(session: Session, drop: Drop, reconnect = true): void {
    if (!session.alive) return;
    session.alive = false;
    if (session.connectTimer !== undefined) this.#clock.clearTimeout(session.connectTimer);
    if (session.keepaliveTimer !== undefined) this.#clock.clearTimeout(session.keepaliveTimer);
    session.connectTimer = undefined;
    session.keepaliveTimer = undefined;
    session.buffered = [];
    session.pending.rejectAll(drop.reason);
    session.socket.destroy();
    if (this.#session !== session) return;
    this.#session = undefined;
    this.#lastDrop = drop.reason;
    if (!reconnect || this.#phase === 'disposed' || this.#phase === 'idle' || this.#phase === 'refused' || this.#phase === 'error') return;
    if (session.refusedWith !== undefined) {
      this.#enterRefused(session.refusedWith);
      return;
    }
    this.#log.info('AMI connection lost', { reason: drop.reason, restartLike: drop.restartLike });
    // An outage ends with a session that stayed up: only then does the backoff start over.
    if (session.readyAt !== 0 && this.#clock.now() - session.readyAt >= this.#timing.stableMs) this.#backoff.reset();
    this.#scheduleReconnect(drop);
  }

  #scheduleReconnect(drop: Drop): void {
    const config = this.#config;
    if (config === null) return;
    const { attempt, delayMs, spread } = this.#backoff.next(drop.restartLike);
    const retryAt = this.#clock.now() + delayMs;
    this.#phase = 'waiting';
    this.#lastDrop = drop.reason;
    this.#log.info('AMI reconnect scheduled', { attempt, delayMs, spread });
    this.#waitTimer = this.#clock.setTimeout(() => {
      this.#waitTimer = undefined;
      if (this.#phase === 'waiting') this.#connect();
    }, delayMs);
    this.#setStatus({ state: 'reconnecting', target: describeAmiTarget(config), retryAt, attempt, reason: drop.reason });
  }

  /** Drops the current session and any pending retry without scheduling another. */
  #stop(reason: string): void {
    this.#clearWait();
    const session = this.#session;
    if (session !== undefined) this.#drop(session, { reason, restartLike: false }, false);
  }

  #clearWait(): void {
    if (this.#waitTimer !== undefined) this.#clock.clearTimeout(this.#waitTimer);
    this.#waitTimer = undefined;
  }

  /**
   * Login refused: no retry until new settings. Asterisk closes the socket right
   * after the error reply, so whichever comes first (the rejected Login, or the
   * close) ends up here through #drop.
   */
  #refuse(session: Session, asteriskMessage: string): void {
    session.refusedWith ??= asteriskMessage;
    this.#drop(session, { reason: 'login refused', restartLike: false });
  }

  #enterRefused(asteriskMessage: string): void {
    const config = this.#config;
    if (config === null) return;
    this.#phase = 'refused';
    const reason = `AMI login refused for user ${config.username}: check the secret in Settings -> PBX (Asterisk said: ${asteriskMessage})`;
    this.#lastDrop = reason;
    this.#log.warn('AMI login refused', { user: config.username, asteriskMessage });
    this.#setStatus({ state: 'loginRefused', target: describeAmiTarget(config), reason });
  }

  // ---- inbound ------------------------------------------------------------

  #onFrame(session: Session, frame: AmiFrame): void {
    if (!session.alive) return;
    switch (frame.type) {
      case 'greeting':
        if (session.greeted) {
          this.#drop(session, { reason: 'The PBX restarted its AMI service', restartLike: true });
          return;
        }
        this.#onGreeting(session, frame.version);
        return;
      case 'error':
        if (!session.greeted) {
          const c = this.#config;
          this.#drop(session, { reason: `The server at ${c?.host ?? '?'}:${c?.port ?? '?'} does not answer like Asterisk AMI: check the port in Settings -> PBX`, restartLike: false });
          return;
        }
        this.#log.warn('AMI stream error (skipped)', { code: frame.error.code, message: frame.error.message });
        return;
      case 'message':
        this.#onMessage(session, frame.message);
        return;
    }
  }

  #onGreeting(session: Session, version: string): void {
    // The codec hands out what follows the last '/' of the first line. Asterisk's
    // is `Asterisk Call Manager/11.0.0`; an HTTP or SSH server's first line gives
    // something with spaces or no version at all: the wrong port.
    if (!/^[0-9][0-9A-Za-z._-]*$/.test(version)) {
      const c = this.#config;
      this.#drop(session, { reason: `The server at ${c?.host ?? '?'}:${c?.port ?? '?'} does not answer like Asterisk AMI: check the port in Settings -> PBX`, restartLike: false });
      return;
    }
    session.greeted = true;
    this.#amiVersion = version;
    if (session.connectTimer !== undefined) this.#clock.clearTimeout(session.connectTimer);
    session.connectTimer = undefined;
    const config = this.#config;
    if (config === null) return;
    this.#phase = 'loggingIn';
    this.#setStatus({ state: 'loggingIn', target: describeAmiTarget(config) });
    if (!session.alive || this.#session !== session) return;
    void this.#logIn(session, config);
  }

  #onMessage(session: Session, m: AmiMessage): void {
    const kind = messageKind(m);
    if (kind === 'response') {
      const id = getHeader(m, 'ActionID');
      if (id !== undefined && session.pending.actionOf(id) === 'Login' && getHeader(m, 'Response')?.toLowerCase() === 'error') {
        session.refusedWith = getHeader(m, 'Message') ?? 'Authentication failed';
      }
      if (!session.pending.onResponse(m)) this.#log.debug('AMI reply for no pending action', { actionId: getHeader(m, 'ActionID') });
      return;
    }
    if (kind !== 'event') return;
    const name = getHeader(m, 'Event') ?? '';
    const actionId = getHeader(m, 'ActionID');
    if (actionId !== undefined && session.pending.onEvent(actionId, m)) return;
    if (name === 'Shutdown') {
      const restart = getHeader(m, 'Restart')?.toLowerCase() === 'true';
      this.#drop(session, { reason: restart ? 'The PBX is restarting' : 'The PBX is shutting down', restartLike: true });
      return;
    }
    const own = actionId !== undefined && actionId.startsWith(this.#idPrefix);
    if (!own && this.#filter?.concernsOperator(m) !== true) {
      if (session.filtering === 'pbx-eventfilter+client') this.#onForeign(session, () => m.headers.map(([n, v]) => `${n}: ${v}`).join('\n'));
      return;
    }
    const event: AmiEvent = { name, message: m, receivedAt: this.#clock.now() };
    if (this.#phase === 'ready') {
      this.#emitEvent(event);
      return;
    }
    session.buffered.push(event);
    if (session.buffered.length > MAX_BUFFERED_EVENTS) {
      this.#drop(session, { reason: `More than ${MAX_BUFFERED_EVENTS} events arrived during the resync`, restartLike: false });
    }
  }

  /**
   * An event the client-side match dropped. While a PBX eventfilter is claimed,
   * one that does not even mention this operator's device (`/101` not followed by
   * a digit: the generated eventfilters also admit `Interface: PJSIP/101` and the
   * suffix-less `Channel: PJSIP/101`) proves the PBX is not filtering for this user.
   */
  #onForeign(session: Session, text: () => string): void {
    if (session.filtering !== 'pbx-eventfilter+client' || this.#phase !== 'ready' || this.#session !== session) return;
    if (this.#deviceMention?.test(text()) === true) return;
    session.filtering = 'client-only';
    const config = this.#config;
    this.#log.warn('PBX eventfilter expected but events of other extensions arrive: filtering on the client only', { user: config?.username });
    if (config !== null && this.#status.state === 'ready') this.#setStatus({ ...this.#status, filtering: session.filtering });
  }

  // ---- login, filter, resync --------------------------------------------

  #senderFor(session: Session): AmiActionSender {
    return { send: (request) => this.#sendOn(session, request) };
  }

  async #logIn(session: Session, config: AmiConnectionConfig): Promise<void> {
    const ami = this.#senderFor(session);
    let resync: AmiResync;
    try {
      await this.#authenticate(ami, config);
      if (!session.alive) return;
      this.#phase = 'syncing';
      session.filtering = await this.#setUpFiltering(ami, config);
      if (!session.alive) return;
      resync = await this.#resync(ami);
    } catch (error) {
      if (!session.alive) return;
      if (error instanceof AmiActionError && error.action === 'Login') {
        this.#refuse(session, error.asteriskMessage);
        return;
      }
      const reason =
        error instanceof AmiTimeoutError
          ? `The PBX did not answer ${error.action} within ${formatSeconds(error.timeoutMs)} during login`
          : `Login to the PBX failed: ${error instanceof Error ? error.message : String(error)}`;
      this.#drop(session, { reason, restartLike: false });
      return;
    }
    if (!session.alive || this.#session !== session) return;
    // Ready before the resync listeners run, so they may already send actions.
    this.#phase = 'ready';
    session.readyAt = this.#clock.now();
    this.#everReady = true;
    for (const listener of [...this.#resyncListeners]) {
      this.#safely('resync listener', () => listener(resync));
      if (!session.alive || this.#session !== session) return;
    }
    const held = session.buffered;
    session.buffered = [];
    for (const event of held) {
      this.#emitEvent(event);
      if (!session.alive || this.#session !== session) return;
    }
    this.#log.info('AMI ready', { filtering: session.filtering, channels: resync.channels.length, source: resync.source });
    this.#scheduleKeepalive(session);
    this.#setStatus({ state: 'ready', target: describeAmiTarget(config), since: session.readyAt, filtering: session.filtering });
  }

  async #authenticate(ami: AmiActionSender, config: AmiConnectionConfig): Promise<void> {
    const timeout = { replyTimeoutMs: this.#timing.actionTimeoutMs };
    if ((config.auth ?? 'md5') === 'md5') {
      let key: string | undefined;
      try {
        key = md5Key(await challenge(ami, timeout), config.secret);
      } catch (error) {
        // An AMI proxy without Challenge: fall back to the plain form.
        if (!(error instanceof AmiActionError)) throw error;
        this.#log.warn('AMI Challenge refused, logging in with the plain secret', { asteriskMessage: error.asteriskMessage });
      }
      if (key !== undefined) {
        await login(ami, { username: config.username, key, ...timeout });
        return;
      }
    }
    await login(ami, { username: config.username, secret: config.secret, ...timeout });
  }

  async #setUpFiltering(ami: AmiActionSender, config: AmiConnectionConfig): Promise<AmiFiltering> {
    const fallback: AmiFiltering = config.pbxEventFilter === true ? 'pbx-eventfilter+client' : 'client-only';
    // Include filters drop everything they do not match, Shutdown and the
    // OriginateResponse of an originate from a non-operator channel included, so
    // those are let through explicitly (our ActionIDs carry a unique prefix).
    const filters =
      config.filterAction ??
      (config.channelPattern === undefined ? [...operatorEventFilters(config.extension), 'Event: Shutdown', `ActionID: ${this.#idPrefix}`] : []);
    let added = 0;
    for (const expression of filters) {
      try {
        await filterAction(ami, { filter: expression, replyTimeoutMs: this.#timing.actionTimeoutMs });
        added += 1;
      } catch (error) {
        if (!(error instanceof AmiActionError)) throw error;
        // Filter needs write=system, which operator users should not have: the
        // usual answer is "Permission denied". Fall back quietly.
        if (added === 0) {
          this.#log.info('AMI Filter action not allowed; filtering on the client', { asteriskMessage: error.asteriskMessage });
          return fallback;
        }
        this.#log.warn('AMI Filter action partly refused', { expression, asteriskMessage: error.asteriskMessage });
      }
    }
    return added > 0 ? 'filter-action+client' : fallback;
  }

  async #resync(ami: AmiActionSender): Promise<AmiResync> {
    const opts = { timeoutMs: this.#timing.resyncTimeoutMs };
    let source: AmiResync['source'] = 'CoreShowChannels';
    let channels: AmiChannelSnapshot[] = [];
    try {
      channels = await coreShowChannels(ami, opts);
    } catch (error) {
      if (!(error instanceof AmiActionError)) throw error;
      // CoreShowChannels needs write=system or reporting; Status also takes call.
      try {
        channels = await statusAction(ami, opts);
        source = 'Status';
      } catch (statusError) {
        if (!(statusError instanceof AmiActionError)) throw statusError;
        source = 'none';
        this.#log.warn('AMI user may not list channels: calls in progress at login are not known', {
          coreShowChannels: error.asteriskMessage,
          status: statusError.asteriskMessage,
        });
      }
    }
    const pattern = this.#filter?.pattern;
    const mine = new Set<string>();
    for (const c of channels) if (pattern?.test(c.channel) === true && c.linkedid !== '') mine.add(c.linkedid);
    const related = channels.filter((c) => pattern?.test(c.channel) === true || mine.has(c.linkedid));
    return { at: this.#clock.now(), reason: this.#everReady ? 'reconnect' : 'login', source, channels, related };
  }

  // ---- outbound -----------------------------------------------------------

  #sendOn(session: Session, request: AmiRequest): Promise<AmiResponse> {
    if (!session.alive) return Promise.reject(new AmiNotReadyError(request.action, this.#describeState()));
    const actionId = this.#ids.next();
    let bytes: Buffer;
    try {
      // Throws AmiCodecError naming the field on CR/LF: nothing is registered or written.
      bytes = encodeAction(request.action, actionId, request.fields ?? {});
    } catch (error) {
      return Promise.reject(error);
    }
    const reply = session.pending.add(actionId, request.action, request.list, request.timeoutMs ?? this.#timing.actionTimeoutMs);
    try {
      session.socket.write(bytes);
    } catch (error) {
      // The reply promise is the caller's: it is rejected (AmiDisconnectedError) by the drop.
      this.#drop(session, { reason: `Writing to the PBX failed: ${error instanceof Error ? error.message : String(error)}`, restartLike: false });
    }
    return reply;
  }

  #scheduleKeepalive(session: Session): void {
    session.keepaliveTimer = this.#clock.setTimeout(() => {
      session.keepaliveTimer = undefined;
      if (!session.alive) return;
      this.#sendOn(session, { action: 'Ping', timeoutMs: this.#timing.pingTimeoutMs }).then(
        () => {
          if (session.alive) this.#scheduleKeepalive(session);
        },
        (error: unknown) => {
          if (!session.alive) return;
          if (error instanceof AmiTimeoutError) {
            this.#drop(session, { reason: `The PBX stopped answering (no reply to Ping within ${formatSeconds(this.#timing.pingTimeoutMs)})`, restartLike: false });
            return;
          }
          // An error reply still proves the link is alive.
          this.#scheduleKeepalive(session);
        },
      );
    }, this.#timing.keepaliveMs);
  }

  // ---- helpers --------------------------------------------------------------

  #emitEvent(event: AmiEvent): void {
    for (const listener of [...this.#eventListeners]) this.#safely('event listener', () => listener(event));
  }

  #setStatus(status: ConnectionStatus): void {
    this.#status = status;
    for (const listener of [...this.#statusListeners]) this.#safely('status listener', () => listener(status));
  }

  #safely(what: string, fn: () => void): void {
    try {
      fn();
    } catch (error) {
      this.#log.error(`${what} failed`, { error });
    }
  }

  #describeState(): string {
    const s = this.#status;
    switch (s.state) {
      case 'reconnecting':
        return `reconnecting: ${s.reason}`;
      case 'loginRefused':
      case 'error':
        return s.reason;
      case 'unconfigured':
        return 'no PBX is configured';
      default:
        return s.state === 'ready' ? 'closing' : s.state === 'loggingIn' ? 'logging in' : s.state;
    }
  }
}
