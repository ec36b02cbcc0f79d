// The embedded softphone: a sip.js user agent registered over WebSocket,
// driven by the pure registration state machine and call list of
// src-shared/softphone. This class is the only place that touches sip.js: it
// turns sip.js callbacks into events for the reducers and carries out the
// effects they ask for (connect, register, retry later), and it offers the
// operator's actions (call, answer, reject, hold, mute, DTMF, transfers).
//
// Nothing here talks to main directly: the host hands in how to get the SIP
// password, how to probe the WebSocket URL and where to report the status
// (use-softphone.tsx wires them to `softphone.*` IPC; the tests to a page).
import {
  Invitation,
  Inviter,
  Registerer,
  RegistererState,
  SessionState,
  SIPExtension,
  UserAgent,
  Web,
  type Info,
  type Core,
  type Referral,
  type Session,
} from 'sip.js';
import type { SoftphoneSettings } from '../../src-shared/domain/softphone-settings';
import { softphoneConfigured } from '../../src-shared/domain/softphone-settings';
import { answerPlan, callCounts, incomingDecision, isDtmfDigit, reduceCalls, resumePlan, sipUser, targetUri, toneFor, type PhoneCall, type PhoneCallEvent, type PhoneEndReason } from '../../src-shared/softphone/calls';
import { registerFailure, softphoneError, transportFailure } from '../../src-shared/softphone/errors';
import { INITIAL_REGISTRATION, reduceRegistration, type RegistrationEffect, type RegistrationEvent, type RegistrationState } from '../../src-shared/softphone/registration';
import type { SoftphoneError, SoftphoneProbe, SoftphoneStatus } from '../../src-shared/softphone/status';
import { LevelMeter, MediaError, openMicrophone, RemoteAudio, Ringer, stopStream, type AudioSettings } from './media';

export interface SoftphoneDeps {
  /** The SIP password from the keychain (`softphone.credentials`). */
  credentials(): Promise<{ readonly password: string | null; readonly keychain: boolean }>;
  /** Why the WebSocket failed, from main (`softphone.probe`); undefined when main cannot tell. */
  probe(): Promise<SoftphoneProbe | undefined>;
  /** Called with every status change (and every 20 s, so main knows the page is alive). */
  report?(status: SoftphoneStatus): void;
  log?(level: 'info' | 'warn' | 'error', message: string, fields?: Readonly<Record<string, unknown>>): void;
  now?(): number;
  random?(): number;
  /** Play sounds (ring, far-end audio); tests of many calls may turn them off. */
  audio?: boolean;
  /** Log every SIP message sip.js sends and receives (diagnostics; never on by default: messages carry digest responses). */
  traceSip?: boolean;
}

export interface SoftphoneSnapshot {
  readonly registration: RegistrationState;
  readonly status: SoftphoneStatus;
  readonly calls: readonly PhoneCall[];
  /** The last error of an operator action (answer, transfer...), shown once. */
  readonly actionError?: SoftphoneError;
}

export interface CallStats {
  readonly packetsReceived: number;
  readonly bytesReceived: number;
  readonly packetsSent: number;
  readonly bytesSent: number;
  readonly audioLevel?: number;
  /** Sum of squared audio levels received (inbound-rtp totalAudioEnergy): grows with sound, stays with silence. */
  readonly totalAudioEnergy?: number;
  readonly localDirection?: string;
  /** Whether my microphone track is sending (false while muted or held). */
  readonly sending?: boolean;
}

interface Leg {
  readonly id: string;
  readonly session: Session;
  readonly audio: RemoteAudio | undefined;
  meter?: LevelMeter;
  /** Who ended it, set before we send BYE/CANCEL/reject so the Terminated state reads right. */
  endedBy?: PhoneEndReason;
  /** A final failure response to our INVITE. */
  failure?: { readonly reason: PhoneEndReason; readonly statusCode: number };
}

/** Settings that need a new user agent when they change. */
function connectionKey(s: SoftphoneSettings): string {
  return JSON.stringify([s.enabled, s.wsUrl, s.sipUri, s.authUser, s.displayName, s.outboundProxy, s.iceServers, s.registerExpiresSec]);
}

const HEARTBEAT_MS = 20_000;
/** sip.js's own connect timeout is 5 s; past this the attempt is abandoned. */
const CONNECT_GUARD_MS = 8_000;
const WAKE_CHECK_MS = 5_000;
/** The wall clock moved this much more than the timer: the computer slept. */
const WAKE_JUMP_MS = 15_000;
/** How long an ended call stays in the list (its card shows how it ended). */
const ENDED_LINGER_MS = 4_000;
const LINKEDID_HEADERS = ['X-Sidecall-Linkedid', 'X-Asterisk-Linkedid', 'X-Linkedid'];

class ConnectGuardTimeout extends Error {
  constructor() {
    super('The WebSocket did not open or close within its connect timeout.');
  }
}

export class Softphone {
  private settings: SoftphoneSettings | undefined;
  private key = '';
  private reg: RegistrationState = INITIAL_REGISTRATION;
  private calls: readonly PhoneCall[] = [];
  private actionError: SoftphoneError | undefined;
  private ua: UserAgent | undefined;
  private registerer: Registerer | undefined;
  private readonly legs = new Map<string, Leg>();
  private readonly listeners = new Set<() => void>();
  private snap: SoftphoneSnapshot;
  private retryTimer: number | undefined;
  private heartbeat: number | undefined;
  private wakeTimer: number | undefined;
  private lastTick = 0;
  private seq = 0;
  private readonly ringer = new Ringer();
  private cspBlocked = false;
  /** Bumped whenever the user agent is replaced, so late callbacks of an old one are ignored. */
  private generation = 0;
  private readonly onOnline = (): void => this.dispatch({ type: 'online' });
  private readonly onOffline = (): void => this.dispatch({ type: 'offline' });
  private readonly onCsp = (e: SecurityPolicyViolationEvent): void => {
    if (!/^wss?:/i.test(e.blockedURI)) return;
    this.cspBlocked = true;
    // The page's policy was fixed when it loaded, before this URL was in Settings: only a reload helps.
    if (this.reg.phase === 'connecting' || this.reg.phase === 'retrying') {
      this.teardownUa();
      this.dispatch({ type: 'fatal', error: softphoneError('blocked') });
    }
  };

  constructor(private readonly deps: SoftphoneDeps) {
    this.snap = this.makeSnapshot();
    window.addEventListener('online', this.onOnline);
    window.addEventListener('offline', this.onOffline);
    document.addEventListener('securitypolicyviolation', this.onCsp);
  }

  private now(): number {
    return this.deps.now?.() ?? Date.now();
  }

  private log(level: 'info' | 'warn' | 'error', message: string, fields?: Readonly<Record<string, unknown>>): void {
    this.deps.log?.(level, message, fields);
  }

  // ---------------------------------------------------------------- state

  subscribe(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  snapshot(): SoftphoneSnapshot {
    return this.snap;
  }

  private status(): SoftphoneStatus {
    const s = this.settings;
    return {
      registration: this.reg.phase,
      ...(s && s.sipUri ? { aor: s.sipUri } : {}),
      ...(this.reg.retryAt !== undefined ? { retryAt: this.reg.retryAt } : {}),
      ...(this.reg.error ? { error: this.reg.error } : {}),
      calls: { ...callCounts(this.calls) },
    };
  }

  private makeSnapshot(): SoftphoneSnapshot {
    return { registration: this.reg, status: this.status(), calls: this.calls, ...(this.actionError ? { actionError: this.actionError } : {}) };
  }

  private changed(): void {
    const before = this.snap.status;
    this.snap = this.makeSnapshot();
    if (JSON.stringify(before) !== JSON.stringify(this.snap.status)) this.deps.report?.(this.snap.status);
    const s = this.settings;
    if (this.deps.audio !== false) this.ringer.set(toneFor(this.calls), s?.ringerId ?? '');
    this.mediaKeys();
    for (const l of this.listeners) l();
  }

  /**
   * Headset and keyboard media keys, where the browser passes them on (Media
   * Session API): play/pause or the headset button answers a ringing call and
   * hangs up the current one; the microphone key mutes.
   */
  private mediaKeys(): void {
    const session = typeof navigator !== 'undefined' ? navigator.mediaSession : undefined;
    if (!session) return;
    const ringing = this.calls.find((c) => c.state === 'ringing' && c.direction === 'inbound');
    const current = this.calls.find((c) => c.state === 'connected' && !c.held) ?? this.calls.find((c) => c.state === 'dialing');
    const set = (action: string, handler: (() => void) | null): void => {
      try {
        session.setActionHandler(action as MediaSessionAction, handler);
      } catch {
        // This browser does not know the action.
      }
    };
    const answerOrHangUp = ringing ? () => void this.answer(ringing.id) : current ? () => void this.hangup(current.id) : null;
    set('play', answerOrHangUp);
    set('pause', answerOrHangUp);
    set('hangup', current ? () => void this.hangup(current.id) : null);
    set('togglemicrophone', current?.state === 'connected' ? () => this.mute(current.id, !current.muted) : null);
  }

  private callEvent(e: PhoneCallEvent): void {
    this.calls = reduceCalls(this.calls, e);
    if (e.type === 'ended') {
      window.setTimeout(() => {
        this.calls = reduceCalls(this.calls, { type: 'remove', id: e.id });
        this.changed();
      }, ENDED_LINGER_MS);
    }
    this.changed();
  }

  private setActionError(error: SoftphoneError | undefined): void {
    this.actionError = error;
    this.changed();
  }

  clearActionError(): void {
    if (this.actionError) this.setActionError(undefined);
  }

  // ---------------------------------------------------------------- registration

  /** Applies Settings -> Softphone: (re)starts, stops, or only updates audio and call options. */
  configure(settings: SoftphoneSettings): void {
    const key = connectionKey(settings);
    const prev = this.settings;
    this.settings = settings;
    if (prev && prev.speakerId !== settings.speakerId) {
      for (const leg of this.legs.values()) void leg.audio?.setSpeaker(settings.speakerId);
    }
    if (key === this.key) {
      this.changed();
      return;
    }
    this.key = key;
    this.restart();
  }

  /** Stops and starts again with the current settings (the "Try again" button). */
  restart(): void {
    this.dispatch({ type: 'stop' });
    this.teardownUa();
    this.cspBlocked = false;
    const s = this.settings;
    if (!s || !s.enabled) {
      this.stopTimers();
      this.changed();
      return;
    }
    if (!softphoneConfigured(s)) {
      this.dispatch({ type: 'start' });
      this.dispatch({ type: 'fatal', error: softphoneError('notConfigured') });
      return;
    }
    this.startTimers();
    this.dispatch({ type: 'start' });
  }

  private dispatch(event: RegistrationEvent): void {
    const t = reduceRegistration(this.reg, event, { now: this.now(), random: this.deps.random ?? Math.random });
    const before = this.reg.phase;
    this.reg = t.state;
    if (before !== this.reg.phase) this.log('info', 'registration', { from: before, to: this.reg.phase, event: event.type, ...(this.reg.error ? { error: this.reg.error.code } : {}) });
    for (const effect of t.effects) this.run(effect);
    this.changed();
  }

  private run(effect: RegistrationEffect): void {
    switch (effect.type) {
      case 'connect':
        void this.connect(false);
        return;
      case 'reconnect':
        void this.connect(true);
        return;
      case 'register':
        this.register();
        return;
      case 'unregister':
        void this.registerer?.unregister().catch(() => undefined);
        return;
      case 'disconnect':
        if (this.reg.phase === 'off') this.teardownUa();
        else void this.ua?.transport.disconnect().catch(() => undefined);
        return;
      case 'scheduleRetry':
        this.clearRetry();
        this.retryTimer = window.setTimeout(() => {
          this.retryTimer = undefined;
          this.dispatch({ type: 'retryDue' });
        }, effect.inMs);
        return;
      case 'cancelRetry':
        this.clearRetry();
        return;
    }
  }

  private clearRetry(): void {
    if (this.retryTimer !== undefined) window.clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
  }

  private async connect(reconnect: boolean): Promise<void> {
    const gen = this.generation;
    try {
      if (!this.ua) {
        const ua = await this.createUa();
        if (gen !== this.generation || !ua) return;
        await this.guarded(ua.start());
      } else if (reconnect || this.ua.transport.isConnected() === false) {
        await this.guarded(this.ua.reconnect());
      }
      if (gen !== this.generation) return;
      // Usually the delegate's onConnect said so already; the reducer ignores the repeat.
      if (this.ua?.transport.isConnected()) this.dispatch({ type: 'connected' });
    } catch (error) {
      // The guard replaced the user agent itself: this attempt still reports its failure.
      const current = error instanceof ConnectGuardTimeout ? this.generation : gen;
      if (current !== this.generation || this.reg.phase === 'off' || this.reg.phase === 'failed') return;
      this.log('warn', 'websocket failed', { error: String(error) });
      const probe = this.cspBlocked ? undefined : await this.deps.probe().catch(() => undefined);
      if (current !== this.generation) return;
      this.dispatch({ type: 'disconnected', error: transportFailure(probe, this.cspBlocked) });
    }
  }

  /**
   * sip.js waits for the WebSocket's close event after its connect timeout; a
   * socket that failed without one (e.g. refused by the page's CSP) would leave
   * it connecting for ever. Past its timeout, the user agent is dropped and the
   * next attempt builds a new one.
   */
  private guarded(p: Promise<void>): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const timer = window.setTimeout(() => {
        this.teardownUa();
        reject(new ConnectGuardTimeout());
      }, CONNECT_GUARD_MS);
      p.then(
        () => {
          window.clearTimeout(timer);
          resolve();
        },
        (error: unknown) => {
          window.clearTimeout(timer);
          reject(error instanceof Error ? error : new Error(String(error)));
        },
      );
    });
  }

  /** Builds the user agent; undefined (after a `fatal`) when the password or the microphone rules registering out. */
  private async createUa(): Promise<UserAgent | undefined> {
    const s = this.settings;
    if (!s) return undefined;
    const gen = this.generation;
    const creds = await this.deps.credentials().catch(() => ({ password: null, keychain: false }));
    if (gen !== this.generation) return undefined;
    if (!creds.keychain) {
      this.dispatch({ type: 'fatal', error: softphoneError('keychain') });
      return undefined;
    }
    if (creds.password === null || creds.password === '') {
      this.dispatch({ type: 'fatal', error: softphoneError('noPassword') });
      return undefined;
    }
    // A softphone that cannot hear the operator should not ring: check the microphone once before registering.
    try {
      stopStream(await openMicrophone(s));
    } catch (error) {
      if (gen !== this.generation) return undefined;
      this.dispatch({ type: 'fatal', error: error instanceof MediaError ? error.error : softphoneError('media', String(error)) });
      return undefined;
    }
    if (gen !== this.generation) return undefined;
    const uri = UserAgent.makeURI(s.sipUri);
    if (!uri) {
      this.dispatch({ type: 'fatal', error: softphoneError('notConfigured', 'The SIP URI cannot be parsed.') });
      return undefined;
    }
    const proxy = s.outboundProxy ? `<${s.outboundProxy.replace(/;lr\b/, '')};lr>` : undefined;
    const ua = new UserAgent({
      uri,
      authorizationUsername: s.authUser || uri.user || '',
      authorizationPassword: creds.password,
      ...(s.displayName ? { displayName: s.displayName } : {}),
      transportOptions: { server: s.wsUrl, connectionTimeout: 5, keepAliveInterval: 20, traceSip: this.deps.traceSip === true },
      ...(proxy ? { preloadedRouteSet: [proxy] } : {}),
      sessionDescriptionHandlerFactory: Web.defaultSessionDescriptionHandlerFactory((_constraints, sdh) => this.microphoneFor(sdh)),
      sessionDescriptionHandlerFactoryOptions: {
        peerConnectionConfiguration: { iceServers: s.iceServers.map((u) => ({ urls: u })), bundlePolicy: 'max-bundle', rtcpMuxPolicy: 'require' },
        iceGatheringTimeout: 1000,
      },
      sipExtensionReplaces: SIPExtension.Supported,
      logBuiltinEnabled: false,
      logConfiguration: false,
      logLevel: this.deps.traceSip ? 'debug' : 'error',
      logConnector: (level, category, _label, content) => {
        if (level === 'error' || this.deps.traceSip) this.log(level === 'error' ? 'warn' : 'info', `sip.js ${category}`, { message: content.slice(0, 600) });
      },
      userAgentString: 'Sidecall softphone (sip.js)',
      noAnswerTimeout: 120,
      delegate: {
        onConnect: () => {
          if (gen === this.generation) this.dispatch({ type: 'connected' });
        },
        onDisconnect: (error) => {
          if (gen !== this.generation || !error) return;
          this.dispatch({ type: 'disconnected', error: softphoneError('unreachable', `The WebSocket closed: ${error.message}`.slice(0, 200)) });
        },
        onInvite: (invitation) => {
          if (gen === this.generation) this.incoming(invitation);
        },
      },
    });
    const registerer = new Registerer(ua, { expires: s.registerExpiresSec, refreshFrequency: 90 });
    registerer.stateChange.addListener((state) => {
      if (gen !== this.generation) return;
      if (state === RegistererState.Registered) this.dispatch({ type: 'registered' });
      else if (state === RegistererState.Unregistered && this.reg.phase === 'registered') this.dispatch({ type: 'unregistered' });
    });
    this.ua = ua;
    this.registerer = registerer;
    return ua;
  }

  private register(): void {
    const registerer = this.registerer;
    const gen = this.generation;
    if (!registerer) return;
    registerer
      .register({
        requestDelegate: {
          // The Registerer emits no state change when it was Registered already (a re-register after a drop): the 200 says it.
          onAccept: () => {
            if (gen === this.generation) this.dispatch({ type: 'registered' });
          },
          onReject: (response) => {
            if (gen !== this.generation) return;
            const m = response.message;
            this.dispatch({ type: 'registerFailed', error: registerFailure(m.statusCode ?? 0, m.reasonPhrase ?? '', true) });
          },
        },
      })
      .catch((error: unknown) => {
        // A REGISTER still waiting for its answer will report on its own.
        if (gen !== this.generation || (error instanceof Error && error.name === 'RequestPendingError')) return;
        this.dispatch({ type: 'disconnected', error: softphoneError('unreachable', String(error).slice(0, 200)) });
      });
  }

  private teardownUa(): void {
    this.generation += 1;
    const ua = this.ua;
    this.ua = undefined;
    this.registerer = undefined;
    for (const leg of this.legs.values()) this.releaseLeg(leg);
    this.legs.clear();
    for (const c of this.calls) if (c.state !== 'ended') this.calls = reduceCalls(this.calls, { type: 'ended', id: c.id, reason: 'failed', now: this.now() });
    if (ua) void ua.stop().catch(() => undefined);
  }

  private startTimers(): void {
    this.stopTimers();
    this.heartbeat = window.setInterval(() => this.deps.report?.(this.snap.status), HEARTBEAT_MS);
    this.lastTick = Date.now();
    this.wakeTimer = window.setInterval(() => {
      const t = Date.now();
      const jumped = t - this.lastTick > WAKE_CHECK_MS + WAKE_JUMP_MS;
      this.lastTick = t;
      // During a call the media path proves the network; do not drop the WebSocket under it.
      if (jumped && !this.calls.some((c) => c.state !== 'ended')) this.dispatch({ type: 'wake' });
    }, WAKE_CHECK_MS);
  }

  private stopTimers(): void {
    if (this.heartbeat !== undefined) window.clearInterval(this.heartbeat);
    if (this.wakeTimer !== undefined) window.clearInterval(this.wakeTimer);
    this.heartbeat = undefined;
    this.wakeTimer = undefined;
  }

  /** Closes the WebSocket under the user agent, as a network failure would (tests, diagnostics). */
  dropTransport(): void {
    const ws = (this.ua?.transport as unknown as { ws?: WebSocket } | undefined)?.ws;
    ws?.close(4000, 'dropped');
  }

  dispose(): void {
    this.dispatch({ type: 'stop' });
    this.teardownUa();
    this.stopTimers();
    this.clearRetry();
    this.ringer.dispose();
    window.removeEventListener('online', this.onOnline);
    window.removeEventListener('offline', this.onOffline);
    document.removeEventListener('securitypolicyviolation', this.onCsp);
    this.listeners.clear();
  }

  // ---------------------------------------------------------------- media

  private async microphoneFor(sdh: Web.SessionDescriptionHandler): Promise<MediaStream> {
    const s = this.settings;
    if (!s) throw new MediaError(softphoneError('media', 'not configured'));
    const stream = await openMicrophone(s);
    const leg = [...this.legs.values()].find((l) => l.session.sessionDescriptionHandler === sdh);
    if (leg && this.deps.audio !== false) {
      leg.meter?.dispose();
      leg.meter = new LevelMeter(stream);
    }
    return stream;
  }

  /** The microphone level (0..1) of a call, for the meter. */
  inputLevel(id: string): number {
    const leg = this.legs.get(id);
    if (!leg) return 0;
    if (!leg.meter && this.deps.audio !== false) {
      const sdh = leg.session.sessionDescriptionHandler as Web.SessionDescriptionHandler | undefined;
      const stream = sdh?.localMediaStream;
      if (stream && stream.getAudioTracks().length > 0) leg.meter = new LevelMeter(stream);
    }
    return leg.meter?.level() ?? 0;
  }

  private releaseLeg(leg: Leg): void {
    leg.audio?.stop();
    leg.meter?.dispose();
    leg.meter = undefined;
  }

  private async playRemote(leg: Leg): Promise<void> {
    const sdh = leg.session.sessionDescriptionHandler as Web.SessionDescriptionHandler | undefined;
    if (!sdh || !leg.audio) return;
    await leg.audio.play(sdh.remoteMediaStream, this.settings?.speakerId ?? '');
  }

  /** RTP statistics of a call (getStats): what proves audio flows, not just signalling. */
  async stats(id: string): Promise<CallStats | undefined> {
    const pc = this.peerConnection(id);
    if (!pc) return undefined;
    const report = await pc.getStats();
    let out: { -readonly [K in keyof CallStats]: CallStats[K] } = { packetsReceived: 0, bytesReceived: 0, packetsSent: 0, bytesSent: 0 };
    report.forEach((r: { type?: string; kind?: string; packetsReceived?: number; bytesReceived?: number; packetsSent?: number; bytesSent?: number; audioLevel?: number; totalAudioEnergy?: number }) => {
      if (r.type === 'inbound-rtp' && r.kind === 'audio') {
        out = {
          ...out,
          packetsReceived: r.packetsReceived ?? 0,
          bytesReceived: r.bytesReceived ?? 0,
          ...(r.audioLevel !== undefined ? { audioLevel: r.audioLevel } : {}),
          ...(r.totalAudioEnergy !== undefined ? { totalAudioEnergy: r.totalAudioEnergy } : {}),
        };
      } else if (r.type === 'outbound-rtp' && r.kind === 'audio') {
        out = { ...out, packetsSent: r.packetsSent ?? 0, bytesSent: r.bytesSent ?? 0 };
      }
    });
    const direction = pc.getTransceivers()[0]?.currentDirection;
    const track = pc.getSenders().find((x) => x.track?.kind === 'audio')?.track;
    return { ...out, ...(direction ? { localDirection: direction } : {}), ...(track ? { sending: track.enabled && track.readyState === 'live' } : {}) };
  }

  private peerConnection(id: string): RTCPeerConnection | undefined {
    const sdh = this.legs.get(id)?.session.sessionDescriptionHandler as Web.SessionDescriptionHandler | undefined;
    return sdh?.peerConnection;
  }

  // ---------------------------------------------------------------- calls

  private newId(): string {
    this.seq += 1;
    return `sp-${this.now().toString(36)}-${this.seq}`;
  }

  private track(leg: Leg, consultFor?: string): void {
    const { session, id } = leg;
    this.legs.set(id, leg);
    session.delegate = {
      onInfo: (info) => this.onInfo(id, info),
      onRefer: (referral) => this.onRefer(id, referral),
    };
    session.stateChange.addListener((state) => {
      if (state === SessionState.Established) {
        this.callEvent({ type: 'answered', id, now: this.now() });
        void this.playRemote(leg);
      } else if (state === SessionState.Terminated) {
        // sip.js reports Terminated before it hands the final response to the request delegate: read the reason after it.
        queueMicrotask(() => this.ended(leg));
      }
    });
    void consultFor;
  }

  private ended(leg: Leg): void {
    const call = this.calls.find((c) => c.id === leg.id);
    this.releaseLeg(leg);
    this.legs.delete(leg.id);
    if (!call || call.state === 'ended') return;
    const answered = call.state === 'connected';
    const reason: PhoneEndReason = leg.endedBy ?? leg.failure?.reason ?? (answered ? 'remote' : call.direction === 'inbound' ? 'cancelled' : 'failed');
    this.callEvent({ type: 'ended', id: leg.id, reason, ...(leg.failure ? { statusCode: leg.failure.statusCode } : {}), now: this.now() });
    // The consultation call of an attended transfer ended without completing it: back to the caller.
    if (call.consultFor && reason !== 'transferred' && reason !== 'replaced') {
      const orig = this.calls.find((c) => c.id === call.consultFor);
      if (orig?.transfer?.kind === 'attended') this.callEvent({ type: 'transfer', id: orig.id, transfer: undefined });
    }
  }

  private incoming(invitation: Invitation): void {
    const s = this.settings;
    const remote = invitation.remoteIdentity;
    const linkedid = LINKEDID_HEADERS.map((h) => invitation.request.getHeader(h)).find((v): v is string => typeof v === 'string' && v.trim() !== '');
    const id = this.newId();
    const leg: Leg = { id, session: invitation, audio: this.deps.audio === false ? undefined : new RemoteAudio() };
    const replaced = invitation.replacee ? [...this.legs.values()].find((l) => l.session === invitation.replacee) : undefined;
    const base = {
      id,
      remoteUri: remote.uri.toString(),
      ...(remote.uri.user ? { remoteUser: sipUser(remote.uri.toString()) ?? remote.uri.user } : {}),
      ...(remote.displayName ? { remoteName: remote.displayName } : {}),
      sipCallId: invitation.request.callId,
      ...(linkedid ? { linkedid: linkedid.trim().slice(0, 100) } : {}),
      now: this.now(),
    };
    if (replaced) {
      // An attended transfer lands here: the new party replaces a call I already have. sip.js ends the replaced one.
      replaced.endedBy = 'replaced';
      this.track(leg);
      this.callEvent({ type: 'incoming', ...base });
      void this.accept(leg);
      return;
    }
    const decision = incomingDecision(this.calls, { callWaiting: s?.callWaiting ?? true });
    if (decision === 'busy') {
      this.log('info', 'incoming call rejected busy', { calls: this.calls.filter((c) => c.state !== 'ended').length });
      void invitation.reject({ statusCode: 486, reasonPhrase: 'Busy Here' }).catch(() => undefined);
      return;
    }
    this.track(leg);
    this.callEvent({ type: 'incoming', ...base });
  }

  private async accept(leg: Leg): Promise<void> {
    const session = leg.session;
    if (!(session instanceof Invitation)) return;
    try {
      await session.accept();
    } catch (error) {
      const e = error instanceof MediaError ? error.error : softphoneError('media', String(error).slice(0, 200));
      leg.endedBy = 'failed';
      this.setActionError(e);
      if (session.state !== SessionState.Terminated) void session.reject({ statusCode: 488 }).catch(() => undefined);
    }
  }

  /** Answers a ringing call; other calls are held (`hold`, the default) or ended (`end`) first. */
  async answer(id: string, mode: 'hold' | 'end' = 'hold'): Promise<void> {
    const leg = this.legs.get(id);
    if (!leg || !(leg.session instanceof Invitation) || leg.session.state !== SessionState.Initial) return;
    this.clearActionError();
    const plan = answerPlan(this.calls, id, mode);
    await Promise.all([...plan.hold.map((other) => this.hold(other, true)), ...plan.hangup.map((other) => this.hangup(other))]);
    await this.accept(leg);
  }

  /** Declines a ringing call (486 Busy Here: the PBX may send it to voicemail or the next agent). */
  async reject(id: string): Promise<void> {
    const leg = this.legs.get(id);
    if (!leg || !(leg.session instanceof Invitation)) return;
    leg.endedBy = 'rejected';
    await leg.session.reject({ statusCode: 486, reasonPhrase: 'Busy Here' }).catch(() => undefined);
  }

  /** Ends a call in whatever state it is: BYE, CANCEL, or decline. */
  async hangup(id: string): Promise<void> {
    const leg = this.legs.get(id);
    if (!leg) return;
    const s = leg.session;
    const established = s.state === SessionState.Established;
    leg.endedBy ??= established ? 'local' : s instanceof Invitation ? 'rejected' : 'cancelled';
    try {
      if (established) await s.bye();
      else if (s instanceof Inviter) await s.cancel();
      else if (s instanceof Invitation) await s.reject({ statusCode: 486 });
    } catch {
      // Not in a state to send anything (e.g. the INVITE never left): drop it locally.
      if (s.state !== SessionState.Terminated) await s.dispose().catch(() => undefined);
    }
  }

  /** Places a call to a number, extension or SIP URI; resolves with the call id once the INVITE is on its way. */
  async call(target: string, opts: { readonly consultFor?: string; readonly extraHeaders?: readonly string[] } = {}): Promise<string> {
    const s = this.settings;
    const ua = this.ua;
    if (!s || !ua || this.reg.phase !== 'registered') throw new MediaError(softphoneError('callFailed', 'The softphone is not registered.'));
    const uriText = targetUri(target, s.sipUri);
    const uri = uriText ? UserAgent.makeURI(uriText) : undefined;
    if (!uri) throw new MediaError(softphoneError('callFailed', `${target} is not a number or SIP address.`));
    this.clearActionError();
    const inviter = new Inviter(ua, uri, { extraHeaders: [...(opts.extraHeaders ?? [])] });
    const id = this.newId();
    const leg: Leg = { id, session: inviter, audio: this.deps.audio === false ? undefined : new RemoteAudio() };
    this.track(leg, opts.consultFor);
    this.callEvent({
      type: 'outgoing',
      id,
      remoteUri: uri.toString(),
      ...(uri.user ? { remoteUser: sipUser(uri.toString()) ?? uri.user } : {}),
      sipCallId: inviter.request.callId,
      ...(opts.consultFor ? { consultFor: opts.consultFor } : {}),
      now: this.now(),
    });
    const delegate: Core.OutgoingRequestDelegate = {
      onReject: (response: Core.IncomingResponse) => {
        const code = response.message.statusCode ?? 0;
        leg.failure = { reason: code === 486 || code === 600 || code === 603 ? 'busy' : code === 408 || code === 480 ? 'noAnswer' : code === 487 ? 'cancelled' : 'failed', statusCode: code };
      },
    };
    try {
      await inviter.invite({ requestDelegate: delegate });
    } catch (error) {
      leg.endedBy = 'failed';
      const e = error instanceof MediaError ? error.error : softphoneError('callFailed', String(error).slice(0, 200));
      this.setActionError(e);
      if (inviter.state !== SessionState.Terminated) void inviter.cancel().catch(() => undefined);
    }
    return id;
  }

  /** Hold (re-INVITE sendonly) or resume; resuming holds the other connected call. */
  async hold(id: string, on: boolean): Promise<void> {
    const leg = this.legs.get(id);
    if (!leg || leg.session.state !== SessionState.Established) return;
    if (!on) await Promise.all(resumePlan(this.calls, id).map((other) => this.hold(other, true)));
    const session = leg.session;
    const sdh = session.sessionDescriptionHandler as Web.SessionDescriptionHandler | undefined;
    const muted = this.calls.find((c) => c.id === id)?.muted ?? false;
    session.sessionDescriptionHandlerOptionsReInvite = { ...session.sessionDescriptionHandlerOptionsReInvite, hold: on } as Web.SessionDescriptionHandlerOptions;
    await new Promise<void>((resolve) => {
      session
        .invite({
          requestDelegate: {
            onAccept: () => {
              sdh?.enableReceiverTracks(!on);
              sdh?.enableSenderTracks(!on && !muted);
              this.callEvent({ type: 'held', id, held: on });
              resolve();
            },
            onReject: () => {
              session.sessionDescriptionHandlerOptionsReInvite = { ...session.sessionDescriptionHandlerOptionsReInvite, hold: !on } as Web.SessionDescriptionHandlerOptions;
              this.setActionError(softphoneError('callFailed', on ? 'The other side refused the hold.' : 'The other side refused to resume.'));
              resolve();
            },
          },
        })
        .catch((error: unknown) => {
          this.setActionError(softphoneError('callFailed', String(error).slice(0, 200)));
          resolve();
        });
    });
  }

  mute(id: string, on: boolean): void {
    const leg = this.legs.get(id);
    const call = this.calls.find((c) => c.id === id);
    if (!leg || !call) return;
    const sdh = leg.session.sessionDescriptionHandler as Web.SessionDescriptionHandler | undefined;
    sdh?.enableSenderTracks(!on && !call.held);
    this.callEvent({ type: 'muted', id, muted: on });
  }

  /**
   * Sends one DTMF digit: RFC 4733 telephone events when the call negotiated
   * them (Settings `auto`/`rfc4733`), else SIP INFO (application/dtmf-relay).
   * Resolves with the method used.
   */
  async dtmf(id: string, digit: string): Promise<'rfc4733' | 'info'> {
    const leg = this.legs.get(id);
    if (!leg || leg.session.state !== SessionState.Established) throw new MediaError(softphoneError('callFailed', 'No call to send digits to.'));
    if (!isDtmfDigit(digit)) throw new MediaError(softphoneError('callFailed', `${digit} is not a DTMF digit.`));
    const d = digit.toUpperCase();
    const mode = this.settings?.dtmf ?? 'auto';
    const sdh = leg.session.sessionDescriptionHandler as Web.SessionDescriptionHandler | undefined;
    const sender = sdh?.peerConnection?.getSenders().find((x) => x.track?.kind === 'audio' || x.dtmf);
    const canRtp = sender?.dtmf?.canInsertDTMF === true;
    if (mode !== 'info' && canRtp && sdh?.sendDtmf(d, { duration: 120, interToneGap: 70 })) {
      this.callEvent({ type: 'dtmf', id, digit: d });
      return 'rfc4733';
    }
    if (mode === 'rfc4733') throw new MediaError(softphoneError('callFailed', 'This call did not negotiate RFC 4733 telephone events.'));
    await leg.session.info({
      requestOptions: { body: { contentDisposition: 'render', contentType: 'application/dtmf-relay', content: `Signal=${d}\r\nDuration=160` } },
    });
    this.callEvent({ type: 'dtmf', id, digit: d });
    return 'info';
  }

  private onInfo(id: string, info: Info): void {
    const body = info.request.body ?? '';
    const type = String(info.request.getHeader('Content-Type') ?? '').toLowerCase();
    let digit: string | undefined;
    if (type.includes('application/dtmf-relay')) digit = /Signal\s*=\s*([0-9A-Da-d*#])/.exec(body)?.[1];
    else if (type.includes('application/dtmf')) digit = /^\s*([0-9A-Da-d*#])/.exec(body)?.[1];
    void info.accept().catch(() => undefined);
    if (digit) this.callEvent({ type: 'dtmfIn', id, digit: digit.toUpperCase() });
  }

  /** The other side transfers me (REFER): accept, call the target, and leave the old call once the new one is up. */
  private onRefer(id: string, referral: Referral): void {
    const ua = this.ua;
    if (!ua) {
      void referral.reject().catch(() => undefined);
      return;
    }
    void referral
      .accept()
      .then(async () => {
        const inviter = referral.makeInviter();
        const newId = this.newId();
        const leg: Leg = { id: newId, session: inviter, audio: this.deps.audio === false ? undefined : new RemoteAudio() };
        this.track(leg);
        this.callEvent({
          type: 'outgoing',
          id: newId,
          remoteUri: referral.referTo.uri.toString(),
          ...(referral.referTo.uri.user ? { remoteUser: referral.referTo.uri.user } : {}),
          sipCallId: inviter.request.callId,
          now: this.now(),
        });
        const old = this.legs.get(id);
        if (old) old.endedBy = 'transferred';
        await inviter.invite();
        if (old && old.session.state === SessionState.Established) await old.session.bye().catch(() => undefined);
      })
      .catch((error: unknown) => this.log('warn', 'transfer request failed', { error: String(error) }));
  }

  /** Blind transfer (REFER): the other side is sent to `target`; my call ends once the PBX or peer accepts. */
  async transfer(id: string, target: string): Promise<void> {
    const s = this.settings;
    const leg = this.legs.get(id);
    if (!s || !leg || leg.session.state !== SessionState.Established) return;
    const uriText = targetUri(target, s.sipUri);
    const uri = uriText ? UserAgent.makeURI(uriText) : undefined;
    if (!uri) {
      this.setActionError(softphoneError('callFailed', `${target} is not a number or SIP address.`));
      return;
    }
    this.clearActionError();
    this.callEvent({ type: 'transfer', id, transfer: { kind: 'blind', target, state: 'requested' } });
    await this.refer(leg, uri, { kind: 'blind', target });
  }

  private refer(leg: Leg, referTo: Parameters<Session['refer']>[0], t: { readonly kind: 'blind' | 'attended'; readonly target: string; readonly consultId?: string }): Promise<void> {
    return new Promise<void>((resolve) => {
      leg.session
        .refer(referTo, {
          requestDelegate: {
            onAccept: () => {
              this.callEvent({ type: 'transfer', id: leg.id, transfer: { ...t, state: 'accepted' } });
              leg.endedBy = 'transferred';
              void leg.session.bye().catch(() => undefined);
              resolve();
            },
            onReject: (response) => {
              const detail = `${response.message.statusCode} ${response.message.reasonPhrase}`;
              this.callEvent({ type: 'transfer', id: leg.id, transfer: { ...t, state: 'failed', detail } });
              this.setActionError(softphoneError('callFailed', `The transfer was refused (${detail}).`));
              resolve();
            },
          },
        })
        .catch((error: unknown) => {
          this.callEvent({ type: 'transfer', id: leg.id, transfer: { ...t, state: 'failed', detail: String(error).slice(0, 200) } });
          resolve();
        });
    });
  }

  /** Attended transfer, step 1: the caller waits on hold while I call `target`. Resolves with the consultation call's id. */
  async startAttendedTransfer(id: string, target: string): Promise<string | undefined> {
    const call = this.calls.find((c) => c.id === id);
    if (!call || call.state !== 'connected') return undefined;
    if (!call.held) await this.hold(id, true);
    const consultId = await this.call(target, { consultFor: id });
    this.callEvent({ type: 'transfer', id, transfer: { kind: 'attended', target, state: 'requested', consultId } });
    return consultId;
  }

  /** Attended transfer, step 2: connects the caller with the consulted party (REFER with Replaces) and leaves both calls. */
  async completeAttendedTransfer(id: string): Promise<void> {
    const call = this.calls.find((c) => c.id === id);
    const consultId = call?.transfer?.kind === 'attended' ? call.transfer.consultId : undefined;
    const leg = this.legs.get(id);
    const consult = consultId ? this.legs.get(consultId) : undefined;
    if (!call?.transfer || !leg || !consult || consult.session.state !== SessionState.Established) {
      this.setActionError(softphoneError('callFailed', 'The transfer target has not answered yet.'));
      return;
    }
    consult.endedBy = 'transferred';
    await this.refer(leg, consult.session, { kind: 'attended', target: call.transfer.target, ...(consultId ? { consultId } : {}) });
    // The far end replaces my consultation call (its INVITE with Replaces); if it does not within a moment, I leave it.
    window.setTimeout(() => {
      if (consult.session.state === SessionState.Established) void consult.session.bye().catch(() => undefined);
    }, 5000);
  }

  /** Attended transfer abandoned: end the consultation call and resume the caller. */
  async cancelAttendedTransfer(id: string): Promise<void> {
    const call = this.calls.find((c) => c.id === id);
    const consultId = call?.transfer?.kind === 'attended' ? call.transfer.consultId : undefined;
    if (consultId) await this.hangup(consultId);
    this.callEvent({ type: 'transfer', id, transfer: undefined });
    if (call?.held) await this.hold(id, false);
  }

  /** The audio settings in use (devices may differ from Settings after a switch during a call). */
  audioSettings(): AudioSettings | undefined {
    return this.settings;
  }

  /** Plays calls on another speaker from now on (this session; Settings keep their own choice). */
  async switchSpeaker(deviceId: string): Promise<void> {
    if (!this.settings) return;
    this.settings = { ...this.settings, speakerId: deviceId };
    await Promise.all([...this.legs.values()].map((l) => l.audio?.setSpeaker(deviceId)));
    this.changed();
  }

  /** Moves live calls to another microphone (replaceTrack: no re-INVITE), and uses it for the next calls. */
  async switchMicrophone(deviceId: string): Promise<void> {
    if (!this.settings) return;
    this.settings = { ...this.settings, microphoneId: deviceId };
    for (const leg of this.legs.values()) {
      const sdh = leg.session.sessionDescriptionHandler as Web.SessionDescriptionHandler | undefined;
      const sender = sdh?.peerConnection?.getSenders().find((x) => x.track?.kind === 'audio');
      if (!sdh || !sender) continue;
      try {
        const stream = await openMicrophone(this.settings);
        const track = stream.getAudioTracks()[0];
        if (!track) continue;
        const call = this.calls.find((c) => c.id === leg.id);
        track.enabled = !(call?.muted || call?.held);
        const old = sender.track;
        await sender.replaceTrack(track);
        old?.stop();
        leg.meter?.dispose();
        leg.meter = this.deps.audio === false ? undefined : new LevelMeter(stream);
      } catch (error) {
        this.setActionError(error instanceof MediaError ? error.error : softphoneError('media', String(error).slice(0, 200)));
      }
    }
    this.changed();
  }
}
