// Queue(): a ringall call queue on top of the Dial machinery, with the agent
// and caller events app_queue publishes (AMI docs, Asterisk 16-22:
// QueueCallerJoin/Leave/Abandon, AgentCalled, AgentRingNoAnswer,
// AgentConnect, AgentComplete, all "agent" class). Not recorded in the traces:
// built from the event documentation. Members ring for the queue's member
// timeout (queues.conf timeout, 15 s in the lab), then rest `retry` seconds,
// until the Queue() timeout; busy members are skipped (ringinuse=no).
import type { AppResult, Blocker, PbxThread } from './apps';
import type { Channel } from './channel';
import type { QueueConfig } from './config';
import { DialApp } from './dial';
import { splitArgs } from './dialplan';
import type { Location, Pbx } from './pbx';
import { EVENT_FLAG } from './permissions';
import type { Header } from './wire';

const waiting = new WeakMap<Pbx, Map<string, Channel[]>>();

function queueOf(pbx: Pbx, name: string): Channel[] {
  let byName = waiting.get(pbx);
  if (!byName) {
    byName = new Map();
    waiting.set(pbx, byName);
  }
  let list = byName.get(name);
  if (!list) {
    list = [];
    byName.set(name, list);
  }
  return list;
}

/** Lab queues.conf values the config does not carry. */
const MEMBER_TIMEOUT_MS = 15_000;
const RETRY_MS = 2_000;

export class QueueApp implements Blocker {
  readonly #pbx: Pbx;
  readonly #caller: Channel;
  readonly #name: string;
  readonly #timeoutMs: number;
  #queue: QueueConfig | undefined;
  #joinedAt = 0;
  #roundStarted = 0;
  #originalPosition = 0;
  #round: DialApp | undefined;
  #agent: Channel | undefined;
  #cancelRetry: (() => void) | undefined;
  #cancelTimeout: (() => void) | undefined;
  #done = false;
  #redirected = false;

  constructor(
    readonly thread: PbxThread,
    data: string,
  ) {
    this.#pbx = thread.pbx;
    this.#caller = thread.ch;
    const args = splitArgs(data);
    this.#name = (args[0] ?? '').trim();
    const secs = Number(args[4] ?? '');
    this.#timeoutMs = Number.isFinite(secs) && secs > 0 ? secs * 1000 : 0;
  }

  start(): AppResult {
    const pbx = this.#pbx;
    this.#queue = pbx.config.queues.find((q) => q.name === this.#name);
    if (!this.#queue) {
      pbx.setVar(this.#caller, 'QUEUESTATUS', 'UNKNOWN');
      return { kind: 'next' };
    }
    pbx.celApp(this.#caller, 'APP_START');
    const list = queueOf(pbx, this.#name);
    list.push(this.#caller);
    this.#joinedAt = pbx.now();
    this.#originalPosition = list.length;
    pbx.publish('QueueCallerJoin', EVENT_FLAG.agent, [...pbx.snapshot(this.#caller), ['Queue', this.#name], ['Position', String(list.length)], ['Count', String(list.length)]]);
    if (this.#timeoutMs > 0) this.#cancelTimeout = pbx.schedule(this.#timeoutMs, () => this.#giveUp('TIMEOUT'));
    this.#ring();
    return { kind: 'block', blocker: this };
  }

  #position(): number {
    return queueOf(this.#pbx, this.#name).indexOf(this.#caller) + 1;
  }

  #leave(): void {
    const pbx = this.#pbx;
    const list = queueOf(pbx, this.#name);
    const position = this.#position();
    if (position === 0) return;
    list.splice(position - 1, 1);
    pbx.publish('QueueCallerLeave', EVENT_FLAG.agent, [...pbx.snapshot(this.#caller), ['Queue', this.#name], ['Count', String(list.length)], ['Position', String(position)]]);
  }

  #member(callee: Channel): { name: string; iface: string } {
    const m = this.#queue?.members.find((x) => x.interface === `PJSIP/${callee.resource}`);
    return { name: m?.memberName ?? callee.resource, iface: m?.interface ?? `PJSIP/${callee.resource}` };
  }

  #agentEvent(name: string, callee: Channel, extra: readonly Header[]): void {
    const pbx = this.#pbx;
    const m = this.#member(callee);
    pbx.publish(name, EVENT_FLAG.agent, [...pbx.snapshot(this.#caller), ...pbx.snapshot(callee, 'Dest'), ['Queue', this.#name], ['MemberName', m.name], ['Interface', m.iface], ...extra]);
  }

  /** One round: every free member rings at once (strategy ringall). */
  #ring(): void {
    if (this.#done) return;
    const pbx = this.#pbx;
    const free = (this.#queue?.members ?? []).filter((m) => {
      const ep = m.interface.replace(/^PJSIP\//, '');
      return pbx.isRegistered(ep) && pbx.deviceState(m.stateInterface ?? m.interface) === 'NOT_INUSE';
    });
    if (free.length === 0) {
      this.#cancelRetry = pbx.schedule(RETRY_MS, () => this.#ring());
      return;
    }
    this.#roundStarted = pbx.now();
    const secs = String(MEMBER_TIMEOUT_MS / 1000);
    const round = new DialApp(this.thread, `${free.map((m) => m.interface).join('&')},${secs}`, {
      calleeAppl: 'AppQueue',
      dialVars: false,
      ownsApp: false,
      resume: (r) => this.#roundOver(round, r),
      hooks: {
        called: (callee) => this.#agentEvent('AgentCalled', callee, []),
        noAnswer: (callees) => {
          // AgentRingNoAnswer counts RingTime in milliseconds (AgentConnect in seconds).
          const ring = String(pbx.now() - this.#roundStarted);
          for (const c of callees) this.#agentEvent('AgentRingNoAnswer', c, [['RingTime', ring]]);
        },
        answered: (callee) => {
          this.#agent = callee;
          this.#cancelTimeout?.();
          this.#leave();
          this.#agentEvent('AgentConnect', callee, [
            ['RingTime', String(Math.floor((pbx.now() - this.#roundStarted) / 1000))],
            ['HoldTime', String(Math.floor((pbx.now() - this.#joinedAt) / 1000))],
          ]);
        },
        ended: (callee, by) => {
          const talk = Math.floor((pbx.now() - (callee.answeredAt ?? pbx.now())) / 1000);
          this.#agentEvent('AgentComplete', callee, [
            ['HoldTime', String(Math.floor(((callee.answeredAt ?? pbx.now()) - this.#joinedAt) / 1000))],
            ['TalkTime', String(talk)],
            ['Reason', by],
          ]);
        },
        abandoned: () => this.#abandon(),
      },
    });
    this.#round = round;
    const r = round.start();
    if (r.kind !== 'block') this.#cancelRetry = pbx.schedule(RETRY_MS, () => this.#ring());
  }

  #roundOver(round: DialApp, r: AppResult): void {
    if (this.#round === round) this.#round = undefined;
    if (this.#redirected) {
      // The bridged caller was redirected: Dial's after-bridge goto already placed it.
      this.#redirected = false;
      this.thread.resume(r);
      return;
    }
    if (this.#done) return;
    if (r.kind === 'goto') {
      // Redirected while waiting: out of the queue, on to the new place.
      this.#leave();
      this.#finish(r);
      return;
    }
    if (r.kind === 'hangup' || this.#agent) {
      this.#finish({ kind: 'hangup' });
      return;
    }
    // Nobody answered this round: wait `retry`, then ring again.
    this.#cancelRetry = this.#pbx.schedule(RETRY_MS, () => this.#ring());
  }

  #abandon(): void {
    if (this.#agent || this.#position() === 0) return;
    const pbx = this.#pbx;
    pbx.publish('QueueCallerAbandon', EVENT_FLAG.agent, [
      ...pbx.snapshot(this.#caller), ['Queue', this.#name], ['Position', String(this.#position())], ['OriginalPosition', String(this.#originalPosition)],
      ['HoldTime', String(Math.floor((pbx.now() - this.#joinedAt) / 1000))],
    ]);
    this.#leave();
  }

  #giveUp(status: string): void {
    if (this.#done || this.#agent) return;
    this.#round?.cancel();
    this.#round = undefined;
    this.#leave();
    this.#pbx.setVar(this.#caller, 'QUEUESTATUS', status);
    this.#finish({ kind: 'next' });
  }

  #finish(result: AppResult): void {
    if (this.#done) return;
    this.#done = true;
    this.#cancelRetry?.();
    this.#cancelTimeout?.();
    this.#pbx.celApp(this.#caller, 'APP_END');
    this.thread.resume(result);
  }

  /** Redirect of a caller already bridged to an agent: the Dial round handles it (trace e's rules). */
  redirect(to: Location): boolean {
    const round = this.#round;
    if (!round || !this.#agent) return false;
    this.#done = true;
    this.#redirected = true;
    this.#pbx.celApp(this.#caller, 'APP_END');
    return round.redirect(to);
  }

  interrupt(): void {
    if (this.#done) return;
    if (this.#round) {
      // The round (ringing or bridged) publishes the caller's side; it resumes through #roundOver.
      this.#round.interrupt();
      return;
    }
    this.#abandon();
    this.#finish({ kind: 'hangup' });
  }
}
