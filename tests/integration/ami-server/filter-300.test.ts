// Server-side filtering under load: 300 operators (101..400) each get an
// inbound call; an AMI user whose manager.conf eventfilter lets through only
// extension 101 receives only 101's events, and every one of them, while an
// unfiltered user on the same server sees the whole floor.
import { afterEach, describe, expect, it } from 'vitest';
import type { AmiMessage } from '../../../src-main/core/ami/codec';
import { getHeader } from '../../../src-main/core/ami/codec';
import { eventNames, flush, operatorEndpoints, simulateTraffic, startHarness, type Harness } from '../../support/ami-server';

const EXTENSIONS = Array.from({ length: 300 }, (_, i) => String(101 + i));
const MANAGER_CONF = `
[crm]
secret = crmsecret
read = all
write = all

; What sidecall ami-config prints for one operator: least privilege, only its own channels.
[op101]
secret = op101secret
read = call,cdr,reporting,agent,dialplan
write = call,originate,reporting
eventfilter = Channel: PJSIP/101-
`;

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

const FILTER = /Channel: PJSIP\/101-/;
const text = (m: AmiMessage): string => m.headers.map(([k, v]) => `${k}: ${v}`).join('\r\n');
const otherOperator = (m: AmiMessage): boolean => m.headers.some(([, v]) => /^PJSIP\/(?!101-)\d{3}-/.test(v));

async function floor(): Promise<Harness> {
  const t = await startHarness({ users: MANAGER_CONF, config: { endpoints: [...operatorEndpoints(101, 400), { id: 'trunk', trunk: true, context: 'from-external', busyAt: 0 }], rtcpIntervalMs: 0 } });
  h = t;
  return t;
}

async function runTraffic(t: Harness, expectHangups: number, ...clients: { readonly messages: readonly AmiMessage[] }[]): Promise<void> {
  simulateTraffic(t.server.pbx, { extensions: EXTENSIONS, talkMs: 5000, callsPerExtension: 2, gapMs: 7 });
  // Two rounds of 300 calls, 7 ms apart on the fake clock, 5 s each.
  for (let ms = 0; ms < 2 * 300 * 7 + 6000; ms += 500) await t.advance(500);
  const all = clients[0];
  if (!all) return;
  for (let i = 0; i < 200 && all.messages.filter((m) => getHeader(m, 'Event') === 'Hangup').length < expectHangups; i++) await flush(10);
}

describe('eventfilter with 300 extensions of traffic', () => {
  it('an operator user filtered to 101 gets exactly the events of 101\'s channels', async () => {
    const t = await floor();
    const all = await t.login('crm');
    const op = await t.login('op101');
    // 600 calls, 3 channels each.
    await runTraffic(t, 1800, all);

    const allEvents = all.messages.filter((m) => getHeader(m, 'Event') !== undefined);
    const opEvents = op.messages.filter((m) => getHeader(m, 'Event') !== undefined);
    expect(allEvents.filter((m) => getHeader(m, 'Event') === 'Hangup').length).toBe(1800);
    expect(new Set(allEvents.map((m) => getHeader(m, 'Channel') ?? '').filter((c) => c.startsWith('PJSIP/')).map((c) => c.slice(0, 9))).size).toBe(300);

    // Only 101's: each event names a channel of 101, none names another operator.
    expect(opEvents.length).toBeGreaterThan(40);
    for (const m of opEvents) {
      expect(FILTER.test(text(m))).toBe(true);
      expect(otherOperator(m)).toBe(false);
    }
    // And all of them: what the unfiltered session saw of 101, in its read classes, in the same order.
    const classes = /^(call|cdr|reporting|agent|dialplan),all$/;
    const expected = allEvents.filter((m) => FILTER.test(text(m)) && classes.test(getHeader(m, 'Privilege') ?? ''));
    expect(opEvents.map(text)).toEqual(expected.map(text));
    expect(eventNames(opEvents)).toEqual(expect.arrayContaining(['Newchannel', 'DialBegin', 'Newstate', 'BridgeEnter', 'Hangup', 'Cdr', 'CEL', 'VarSet']));
    expect(opEvents.filter((m) => getHeader(m, 'Event') === 'Hangup').length).toBe(2);
  });

  it('a system user gets the same cut with the Filter action instead of manager.conf', async () => {
    const t = await floor();
    const all = await t.login('crm');
    const filtered = await t.login('crm');
    filtered.action('Filter', { Operation: 'Add', Filter: 'Channel: PJSIP/101-' }, 'f');
    await filtered.response('f');
    const before = filtered.messages.length;
    await runTraffic(t, 1800, all);
    const got = filtered.messages.slice(before).filter((m) => getHeader(m, 'Event') !== undefined);
    const expected = all.messages.filter((m) => getHeader(m, 'Event') !== undefined && FILTER.test(text(m)));
    expect(got.length).toBeGreaterThan(40);
    expect(got.map(text)).toEqual(expected.map(text));
  });
});
