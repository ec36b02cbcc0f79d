// The pure parts of the demo PBX the server is built on: manager.conf users and
// eventfilter semantics, the dialplan (patterns, includes, expressions), and
// the server leaving no socket or timer behind when it closes.
import { afterEach, describe, expect, it } from 'vitest';
import { findExtension, parseDialplan, patternMatches, substitute, evaluateExpression } from '../../../src-main/core/demo/pbx/dialplan';
import { advancedFilter, legacyFilter, passesFilters } from '../../../src-main/core/demo/pbx/event-filter';
import { parseManagerConf } from '../../../src-main/core/demo/pbx/manager-config';
import { EVENT_FLAG, parseClasses, privilegeString } from '../../../src-main/core/demo/pbx/permissions';
import { LAB_DIALPLAN } from '../../../src-main/core/demo/pbx/config';
import { RawAmiClient, startAmiServer, startHarness, type Harness } from '../../support/ami-server';

const event = (name: string, headers: Readonly<Record<string, string>>): string =>
  `Event: ${name}\r\nPrivilege: call,all\r\n${Object.entries(headers).map(([k, v]) => `${k}: ${v}\r\n`).join('')}`;

describe('manager.conf', () => {
  it('reads users, classes and both eventfilter forms like the recorded lab file', () => {
    const conf = parseManagerConf(`
[general]
enabled = yes
channelvars = CRM_ID,QUEUE
[crm]
secret = crmsecret
read = all
write = all
[op101]
secret = op101secret
deny = 0.0.0.0/0.0.0.0
read = call,cdr,reporting,agent,dialplan
write = call,originate,reporting
eventfilter = Channel: PJSIP/101-
eventfilter = !Event: VarSet
eventfilter(action(exclude),name(Newexten)) =
`);
    expect(conf.channelVars).toEqual(['CRM_ID', 'QUEUE']);
    expect(conf.users.map((u) => u.username)).toEqual(['crm', 'op101']);
    const op = conf.users[1];
    expect(op?.read).toBe(parseClasses('call,cdr,reporting,agent,dialplan'));
    expect((op?.write ?? 0) & EVENT_FLAG.system).toBe(0);
    expect(op?.eventFilters.map((f) => [f.exclude, f.method])).toEqual([[false, 'regex'], [true, 'regex'], [true, 'none']]);
  });

  it('Privilege strings name the class then "all", as authority_to_str does', () => {
    expect(privilegeString(EVENT_FLAG.call)).toBe('call,all');
    expect(privilegeString(EVENT_FLAG.security)).toBe('security,all');
  });
});

describe('eventfilter semantics', () => {
  const newchannel101 = event('Newchannel', { Channel: 'PJSIP/101-00000001' });
  const dialTo101 = event('DialBegin', { Channel: 'Local/101@inbound-sim-00000001;2', DestChannel: 'PJSIP/101-00000001' });
  const other = event('Newchannel', { Channel: 'PJSIP/102-00000002' });
  const varset = event('VarSet', { Channel: 'PJSIP/101-00000001', Variable: 'X' });

  it('no filters: everything; includes only: any must match; excludes only: none may match', () => {
    expect(passesFilters([], 'Newchannel', other)).toBe(true);
    const inc = [legacyFilter('Channel: PJSIP/101-')];
    expect(passesFilters(inc, 'Newchannel', newchannel101)).toBe(true);
    // A regex over the whole payload: "DestChannel: PJSIP/101-" contains the text too.
    expect(passesFilters(inc, 'DialBegin', dialTo101)).toBe(true);
    expect(passesFilters(inc, 'Newchannel', other)).toBe(false);
    const exc = [legacyFilter('!Event: VarSet')];
    expect(passesFilters(exc, 'VarSet', varset)).toBe(false);
    expect(passesFilters(exc, 'Newchannel', other)).toBe(true);
  });

  it('both: includes first, then excludes on what is left', () => {
    const both = [legacyFilter('Channel: PJSIP/101-'), legacyFilter('!Event: VarSet')];
    expect(passesFilters(both, 'Newchannel', newchannel101)).toBe(true);
    expect(passesFilters(both, 'VarSet', varset)).toBe(false);
    expect(passesFilters(both, 'Newchannel', other)).toBe(false);
  });

  it('advanced filters: name, header with a method, exclusion', () => {
    expect(passesFilters([advancedFilter('name(Newchannel)', '')], 'Newchannel', other)).toBe(true);
    expect(passesFilters([advancedFilter('name(Newchannel)', '')], 'VarSet', varset)).toBe(false);
    const starts = [advancedFilter('action(include),header(Channel),method(starts_with)', 'PJSIP/101-')];
    expect(passesFilters(starts, 'DialBegin', dialTo101)).toBe(false);
    expect(passesFilters(starts, 'Newchannel', newchannel101)).toBe(true);
    const noLocal = [advancedFilter('action(exclude),header(Channel),method(starts_with)', 'Local/')];
    expect(passesFilters(noLocal, 'DialBegin', dialTo101)).toBe(false);
    expect(() => advancedFilter('action(maybe)', '')).toThrow(/bad action/);
    expect(() => legacyFilter('(')).toThrow(/did not compile/);
  });
});

describe('dialplan', () => {
  const plan = parseDialplan(LAB_DIALPLAN);

  it('matches patterns the way pbx.c does, literal before pattern, narrower pattern first', () => {
    expect(patternMatches('_XXX', '101')).toBe(true);
    expect(patternMatches('_XXX', '1010')).toBe(false);
    expect(patternMatches('_XXXX.', '84951234567')).toBe(true);
    expect(patternMatches('_X.', '7')).toBe(false);
    expect(patternMatches('_[1-4]XX', '499')).toBe(true);
    expect(patternMatches('_NXX', '101')).toBe(false);
    expect(findExtension(plan, 'from-external', '74950000002')?.extension.pattern).toBe('74950000002');
    expect(findExtension(plan, 'from-external', '101')?.extension.pattern).toBe('_XXX');
    expect(findExtension(plan, 'from-external', '74950000001')?.extension.pattern).toBe('_X.');
    expect(findExtension(plan, 'nowhere', '1')).toBeUndefined();
  });

  it('numbers "n" priorities and keeps labels, as the Newexten priorities in the traces show', () => {
    const ext = findExtension(plan, 'from-internal', '84951234567')?.extension;
    expect(ext?.priorities.map((p) => [p.priority, p.label ?? '', p.app])).toEqual([
      [1, '', 'NoOp'], [2, '', 'Gosub'], [3, '', 'GotoIf'], [4, '', 'Dial'], [5, '', 'Hangup'], [6, 'trunk', 'Dial'], [7, '', 'Hangup'],
    ]);
  });

  it('substitutes variables and functions innermost first, and evaluates $[ ]', () => {
    const vars: Readonly<Record<string, string>> = { SIM_HOLD: '6', RECORD_ALL: '0', EXTEN: '101' };
    const ctx = {
      variable: (n: string): string | undefined => vars[n],
      func: (n: string, a: string): string | undefined => {
        if (n !== 'IF') return undefined;
        const [cond = '', rest = ''] = a.split('?');
        const [yes = '', no = ''] = rest.split(':');
        return cond !== '' && cond !== '0' ? yes : no;
      },
    };
    expect(substitute('Wait(${IF($["${SIM_HOLD}" = ""]?3600:${SIM_HOLD})})', ctx)).toBe('Wait(6)');
    expect(substitute('GotoIf($["${RECORD}" = "1" | "${RECORD_ALL}" = "1"]?rec)', ctx)).toBe('GotoIf(0?rec)');
    expect(substitute('${EXTEN:1}-${EXTEN:0:2}', ctx)).toBe('01-10');
    expect(evaluateExpression('2 + 3 * 4')).toBe('14');
    expect(evaluateExpression('"a" = "a" & 5 > 3')).toBe('1');
  });
});

describe('resources', () => {
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  const handles = (): Map<string, number> => {
    const m = new Map<string, number>();
    for (const r of process.getActiveResourcesInfo()) if (/TCP|TLS|Timeout|Immediate/.test(r)) m.set(r, (m.get(r) ?? 0) + 1);
    return m;
  };

  it('closing the server leaves no listener, socket or timer behind, even with calls and stalled clients', async () => {
    await new Promise((r) => setTimeout(r, 20));
    const before = handles();
    const server = await startAmiServer({ loginFailureDelayMs: 0 });
    const clients = await Promise.all([RawAmiClient.connect(server.port), RawAmiClient.connect(server.port)]);
    for (const c of clients) await c.login('crm', 'crmsecret');
    server.simulateInbound({ from: '79161234567', to: '101', talkMs: 60_000 });
    server.stall(true);
    await server.close();
    await Promise.all(clients.map((c) => c.waitClosed()));
    // Handles go away asynchronously after 'close'; give a loaded machine up to a second.
    const same = (): boolean => JSON.stringify([...handles()].sort()) === JSON.stringify([...before].sort());
    for (let i = 0; i < 50 && !same(); i++) await new Promise((r) => setTimeout(r, 20));
    expect(handles()).toEqual(before);
  });

  it('a harness cleans up after a restart too', async () => {
    h = await startHarness();
    await h.login();
    await h.server.restart();
    await h.login();
    expect(h.server.connections.filter((c) => !c.closed).length).toBe(1);
  });
});
