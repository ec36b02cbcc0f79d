// Demo mode: with no PBX configured, Sidecall runs an embedded demo PBX (the
// same engine as the AMI test server, listening on 127.0.0.1 only) and the demo
// CRM, and connects to them through the ordinary AMI path — so a fresh install
// shows a real screen pop within a minute, through production code.
import { randomBytes } from 'node:crypto';
import type { Contact } from '../../../src-shared/domain/contact';
import type { PbxSettings } from '../../../src-shared/domain/settings';
import type { Clock, Logger } from '../../ports';
import { DemoCrm } from './crm/demo-crm';
import { simulateInbound, type SimulatedCall } from './pbx/calls';
import { startAmiServer, type AmiServer } from './pbx/server';

/** The operator's extension on the demo PBX. */
export const DEMO_EXTENSION = '101';
const DEMO_USER = 'sidecall-demo';

export interface DemoTarget {
  readonly pbx: PbxSettings;
  readonly secret: string;
}

export interface DemoModeDeps {
  readonly contacts: readonly Contact[];
  readonly clock: Clock;
  readonly log: Logger;
  readonly random?: () => number;
  /** Demo CRM answer time, so the card is seen filling in (default 400 ms). */
  readonly crmLatencyMs?: number;
}

/** The demo operator's phone answers or hangs up; or the simulated caller gives up (a missed call, without waiting for the ring timeout). */
export type DemoPhoneAction = 'answer' | 'hangup' | 'callerHangup';

export interface DemoMode {
  readonly crm: DemoCrm;
  readonly running: boolean;
  /** Starts the demo PBX once; later calls return the same target. */
  start(): Promise<DemoTarget>;
  /** Rings the demo operator from `number`, or from a random demo contact. Returns the caller's number. */
  simulateIncoming(number?: string): string;
  /** The demo operator's phone: answer the ringing call, or hang up. */
  phone(action: DemoPhoneAction): boolean;
  stop(): Promise<void>;
}

export function createDemoMode(deps: DemoModeDeps): DemoMode {
  const crm = new DemoCrm({ contacts: deps.contacts, latencyMs: deps.crmLatencyMs ?? 400 });
  const random = deps.random ?? Math.random;
  let server: AmiServer | undefined;
  let lastCall: SimulatedCall | undefined;
  let starting: Promise<DemoTarget> | undefined;
  // A per-launch secret: the demo PBX listens on loopback, but no other local program should drive it.
  const secret = randomBytes(16).toString('hex');

  function requireServer(): AmiServer {
    if (!server) throw new Error('The demo PBX is not running.');
    return server;
  }

  return {
    crm,
    get running() {
      return server !== undefined;
    },
    start() {
      starting ??= (async () => {
        server = await startAmiServer({
          host: '127.0.0.1',
          port: 0,
          clock: deps.clock,
          // Reads like a least-privilege operator user; writes `system` too so the demo can show direct
          // recording (MixMonitor needs it). Harmless here: this PBX is our own, on loopback, with a per-launch secret.
          users: { [DEMO_USER]: { secret, read: 'call,cdr,reporting,agent,dialplan', write: 'call,originate,reporting,system' } },
          config: { rtcpIntervalMs: 0 },
        });
        // The demo operator answers from Sidecall ("Answer" on the card), not automatically.
        server.pbx.setPhone(DEMO_EXTENSION, { answer: 'manual' });
        deps.log.info('demo PBX started', { port: server.port });
        return { pbx: { host: '127.0.0.1', port: server.port, tls: false, amiUser: DEMO_USER, extension: DEMO_EXTENSION }, secret };
      })();
      return starting;
    },
    simulateIncoming(number) {
      const pbx = requireServer().pbx;
      const pick = crm.list()[Math.floor(random() * crm.list().length)];
      // Trunks send caller ids without "+" (trace m: 79161234567).
      const from = (number ?? pick?.phones[0] ?? '+79161234567').replace(/[^\d]/g, '');
      // Answered from the card; the caller hangs up after a minute unless the operator does first.
      lastCall = simulateInbound(pbx, { from, to: DEMO_EXTENSION, via: 'trunk', answer: false, talkMs: 60_000 });
      return from;
    },
    phone(action) {
      const pbx = requireServer().pbx;
      if (action === 'callerHangup') {
        const call = lastCall;
        lastCall = undefined;
        if (!call || call.caller.destroyed || call.caller.hangupRequested) return false;
        call.hangupCaller();
        return true;
      }
      return action === 'answer' ? pbx.answerPhone(DEMO_EXTENSION) : pbx.hangupPhone(DEMO_EXTENSION);
    },
    async stop() {
      const s = server;
      server = undefined;
      starting = undefined;
      if (s) await s.close();
    },
  };
}
