// Scripted calls for tests and the demo: an outside caller reaching an
// operator (through a Local channel like the recorded lab's inbound-sim, or
// through the SIP trunk like trace m), answered or missed, hung up by either
// side after a talk time; and bulk traffic over many extensions.
import { STATE, type Channel } from './channel';
import { originate } from './dial';
import type { CallOverride, Pbx } from './pbx';

export interface InboundCallOptions {
  /** The outside number (caller id). */
  readonly from: string;
  /** Caller name; the trunk sends the number as name when absent. */
  readonly fromName?: string;
  /** The operator's extension. */
  readonly to: string;
  /** Trunk calls: the dialled number (DID) the carrier sends; defaults to `to` (the lab routes 3-digit DIDs straight to that extension). */
  readonly did?: string;
  /** "local": Local/<to>@inbound-sim as in traces a-k; "trunk": PJSIP/trunk into from-external as in trace m. */
  readonly via?: 'local' | 'trunk';
  /** Whether the operator answers (false: a missed call, the Dial times out after RING_TIMEOUT); default: as the phone is set. */
  readonly answer?: boolean;
  readonly answerAfterMs?: number;
  /** Talk time after answer before `hangupBy` hangs up (default 5 s). */
  readonly talkMs?: number;
  readonly hangupBy?: 'caller' | 'operator';
}

/** A started call. */
export interface SimulatedCall {
  /** Linkedid shared by every channel of the call. */
  readonly linkedid: string;
  /** The outside party's channel (Local ;1 or PJSIP/trunk-...). */
  readonly caller: Channel;
  /** Hangs up the outside party now. */
  hangupCaller(): void;
  /** The operator's phone hangs up now. */
  hangupOperator(): void;
}

/** Starts an inbound call to an operator; the events follow on the PBX clock. */
export function simulateInbound(pbx: Pbx, opts: InboundCallOptions): SimulatedCall {
  const talkMs = opts.talkMs ?? 5000;
  const hangupBy = opts.hangupBy ?? 'caller';
  // Only an explicit answer: true/false overrides what the operator's phone is set to do.
  const answerMode = opts.answer === undefined ? undefined : opts.answer ? ('auto' as const) : ('manual' as const);
  const override = (onAnswered: (ch: Channel) => void): CallOverride => ({
    endpoint: opts.to,
    ...(answerMode ? { answer: answerMode } : {}),
    ...(opts.answerAfterMs !== undefined ? { answerAfterMs: opts.answerAfterMs } : {}),
    onAnswered,
  });
  return pbx.run(() => {
    let caller: Channel | undefined;
    const operatorHangupAfter = (ch: Channel): void => {
      if (hangupBy === 'operator') pbx.schedule(talkMs, () => pbx.farEndHangup(ch));
      else if (opts.via === 'trunk' && caller) {
        const c = caller;
        pbx.schedule(talkMs, () => pbx.farEndHangup(c));
      }
    };
    if (opts.via === 'trunk') {
      const did = opts.did ?? opts.to;
      const ch = pbx.newPjsipChannel('trunk', { cdr: true, state: STATE.ring, exten: did, caller: { num: opts.from, name: opts.fromName ?? opts.from, ani: '' } });
      // chan_pjsip fills ANI and DNID from the INVITE after the channel exists (trace m: CHAN_START has neither).
      ch.caller.ani = opts.from;
      ch.dnid = did;
      caller = ch;
      pbx.setCallOverride(ch.linkedid, override(operatorHangupAfter));
      pbx.setVar(ch, 'SIPDOMAIN', '127.0.0.1');
      pbx.startThread(pbx, ch, { context: ch.context, exten: did, priority: 1 });
    } else {
      // The lab's way: Originate Local/<ext>@inbound-sim into sim-caller, which
      // waits SIM_HOLD seconds and hangs up (traces a, b, d, e, h, k).
      const holdSecs = hangupBy === 'caller' ? talkMs / 1000 : 3600;
      const ch = originate(
        pbx,
        {
          channel: `Local/${opts.to}@inbound-sim`,
          context: 'sim-caller',
          exten: 's',
          priority: 1,
          timeoutMs: 30_000,
          callerId: { num: opts.from, name: opts.fromName ?? '' },
          variables: [['SIM_HOLD', String(holdSecs)]],
        },
        () => undefined,
      );
      if (!ch) throw new Error(`cannot call Local/${opts.to}@inbound-sim`);
      caller = ch;
      pbx.setCallOverride(ch.linkedid, override(operatorHangupAfter));
    }
    const outside = caller;
    return {
      linkedid: outside.linkedid,
      caller: outside,
      hangupCaller: () => pbx.run(() => (outside.tech === 'PJSIP' ? pbx.farEndHangup(outside) : pbx.softHangup(outside))),
      hangupOperator: () => {
        const op = pbx.channelsOf(opts.to).find((c) => c.linkedid === outside.linkedid);
        if (op) pbx.run(() => pbx.farEndHangup(op));
      },
    };
  });
}

export interface TrafficOptions {
  readonly extensions: readonly string[];
  /** Calls per extension (default 1). */
  readonly callsPerExtension?: number;
  readonly via?: 'local' | 'trunk';
  readonly talkMs?: number;
  /** Spacing between call starts on the clock (default 0: all at once). */
  readonly gapMs?: number;
  /** Caller number for the n-th call. */
  readonly from?: (n: number, ext: string) => string;
}

/** Starts calls to many extensions (e.g. 300 operators) to load filters and clients. */
export function simulateTraffic(pbx: Pbx, opts: TrafficOptions): void {
  const per = opts.callsPerExtension ?? 1;
  let n = 0;
  for (let round = 0; round < per; round++) {
    for (const ext of opts.extensions) {
      const i = n++;
      const start = (): void => {
        simulateInbound(pbx, { from: opts.from ? opts.from(i, ext) : `7916${String(1_000_000 + i).padStart(7, '0')}`, to: ext, via: opts.via ?? 'local', talkMs: opts.talkMs ?? 5000 });
      };
      const at = (opts.gapMs ?? 0) * i;
      if (at <= 0) start();
      else pbx.schedule(at, start);
    }
  }
}
