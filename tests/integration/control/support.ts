// A call-control rig against the AMI test server: a real AmiConnection (on a
// FakeClock, over real sockets), the call tracker fed from its events and
// resyncs exactly as the app does, and the control with its notes applied to
// that tracker. Waits end on events (a tracker change, an outcome), never on
// a timer; vitest's timeout is the backstop.
import type { AmiMessage } from '../../../src-main/core/ami/codec';
import { getHeader } from '../../../src-main/core/ami/codec';
import { parseAmiEvent } from '../../../src-main/core/ami/events';
import type { ChannelListItem } from '../../../src-main/core/ami/events';
import type { CallTrackerState } from '../../../src-main/core/calls';
import { getEmptyState, reduce, resync } from '../../../src-main/core/calls';
import type { CallControl, ControlNote, ControlSettings, DialOutcome } from '../../../src-main/core/control';
import { applyControlNote, createCallControl, defaultControlSettings } from '../../../src-main/core/control';
import type { Call, CallState } from '../../../src-shared/domain/call';
import { startAmiServer, type AmiServer, type AmiServerOptions } from '../../support/ami-server';
import { FakeClock } from '../../support/fake-clock';
import { client, configFor, isState, type Client } from '../ami/support';

export interface Rig {
  readonly srv: AmiServer;
  /** The PBX's clock: calls progress only when a test advances it. */
  readonly pbxClock: FakeClock;
  readonly c: Client;
  readonly control: CallControl;
  readonly notes: ControlNote[];
  readonly outcomes: DialOutcome[];
  /** Every state each call went through, in order (consecutive repeats dropped). */
  readonly timeline: Map<string, CallState[]>;
  settings: ControlSettings;
  state(): CallTrackerState;
  call(id: string): Call | undefined;
  /** Resolves with the first call (now or after a later event) matching. */
  untilCall(pred: (call: Call) => boolean): Promise<Call>;
  untilOutcome(pred: (o: DialOutcome) => boolean): Promise<DialOutcome>;
  /** The actions this client sent, as the server parsed them off the wire, of one kind. */
  actions(action: string): AmiMessage[];
  close(): Promise<void>;
}

export interface RigOptions {
  readonly user?: string;
  readonly secret?: string;
  readonly settings?: (s: ControlSettings) => ControlSettings;
  /** Client-side channel pattern of the connection (the tracker keeps the default). */
  readonly channelPattern?: string;
  readonly server?: AmiServerOptions;
}

export async function rig(opts: RigOptions = {}): Promise<Rig> {
  const pbxClock = new FakeClock();
  const srv = await startAmiServer({ clock: pbxClock, loginFailureDelayMs: 0, config: { rtcpIntervalMs: 0 }, ...opts.server });
  const c = client();
  const user = opts.user ?? 'op101';
  const secret = opts.secret ?? 'op101secret';
  let state = getEmptyState({ extension: '101' });
  const timeline = new Map<string, CallState[]>();
  const waiters = new Set<() => void>();
  const changed = (): void => {
    for (const rec of state.records.values()) {
      const seen = timeline.get(rec.call.id) ?? [];
      if (seen.at(-1) !== rec.call.state) timeline.set(rec.call.id, [...seen, rec.call.state]);
    }
    for (const w of [...waiters]) w();
  };
  // The app's wiring: events and resyncs into the tracker, in delivery order.
  c.conn.onEvent((e) => {
    const ev = parseAmiEvent(e.message);
    if (ev === undefined) return;
    state = reduce(state, ev, e.receivedAt);
    changed();
  });
  c.conn.onResync((r) => {
    if (r.source === 'none') return;
    const items: ChannelListItem[] = [];
    for (const snap of r.related) {
      const parsed = parseAmiEvent(snap.message);
      if (parsed?.event === 'CoreShowChannel' || parsed?.event === 'Status') items.push(parsed);
    }
    state = resync(state, items, r.at);
    changed();
  });
  const notes: ControlNote[] = [];
  const outcomes: DialOutcome[] = [];
  const r: Rig = {
    srv,
    pbxClock,
    c,
    notes,
    outcomes,
    timeline,
    settings: (opts.settings ?? ((s) => s))(defaultControlSettings()),
    control: undefined as unknown as CallControl,
    state: () => state,
    call: (id) => state.records.get(id)?.call,
    untilCall(pred) {
      return new Promise((resolve) => {
        const check = (): void => {
          for (const rec of state.records.values()) {
            if (!pred(rec.call)) continue;
            waiters.delete(check);
            resolve(rec.call);
            return;
          }
        };
        waiters.add(check);
        check();
      });
    },
    untilOutcome(pred) {
      const seen = outcomes.find(pred);
      if (seen !== undefined) return Promise.resolve(seen);
      return new Promise((resolve) => {
        const off = r.control.onDialOutcome((o) => {
          if (!pred(o)) return;
          off();
          resolve(o);
        });
      });
    },
    actions(action) {
      const conn = [...srv.connections].reverse().find((x) => x.username === user);
      return (conn?.actions ?? []).filter((m) => getHeader(m, 'Action')?.toLowerCase() === action.toLowerCase());
    },
    async close() {
      r.control.dispose();
      await c.close();
      await srv.close();
    },
  };
  const control = createCallControl({
    ami: c.conn,
    events: c.conn,
    clock: c.clock,
    log: c.log,
    settings: () => r.settings,
    numbers: () => ({ defaultRegion: 'RU', rules: [] }),
    tracker: () => state,
    note: (n) => {
      notes.push(n);
      state = applyControlNote(state, n, c.clock.now());
      changed();
    },
  });
  Object.assign(r, { control });
  control.onDialOutcome((o) => outcomes.push(o));
  c.conn.configure(configFor(srv, user, secret, opts.channelPattern === undefined ? {} : { channelPattern: opts.channelPattern }));
  await c.until(isState('ready'));
  return r;
}

/** The headers of a parsed action, in order, without ActionID (it is the connection's). */
export function fieldsOf(m: AmiMessage | undefined): [string, string][] {
  return (m?.headers ?? []).filter(([k]) => k !== 'ActionID').map(([k, v]) => [k, v]);
}
