// The manager.conf generator and its CLI: extension lists, least-privilege
// stanzas, eventfilters that admit exactly one operator's events (checked here
// with Asterisk's legacy filter rule; against the AMI test server in
// tests/integration/ami/filter.test.ts), and clear errors.
import { describe, expect, it } from 'vitest';
import {
  generateManagerConf,
  ManagerConfError,
  operatorEventFilters,
  parseExtensionList,
} from '../../../src-main/core/ami/manager-conf';
import { runAmiConfig } from '../../../src-main/cli/ami-config';

/** Asterisk's legacy eventfilter rule (main/manager.c, match_filter): any include matches, no exclude does. */
function passes(filters: readonly string[], payload: string): boolean {
  const includes = filters.filter((f) => !f.startsWith('!')).map((f) => new RegExp(f));
  const excludes = filters.filter((f) => f.startsWith('!')).map((f) => new RegExp(f.slice(1)));
  if (includes.length > 0 && !includes.some((re) => re.test(payload))) return false;
  return !excludes.some((re) => re.test(payload));
}

const event = (...lines: string[]): string => `${lines.join('\r\n')}\r\n`;

describe('parseExtensionList', () => {
  it('expands ranges and lists in order without repeats', () => {
    expect(parseExtensionList('101-105')).toEqual(['101', '102', '103', '104', '105']);
    expect(parseExtensionList('101, 105,110-112,105')).toEqual(['101', '105', '110', '111', '112']);
    expect(parseExtensionList('0101-0103')).toEqual(['0101', '0102', '0103']);
    expect(parseExtensionList('99-101')).toEqual(['99', '100', '101']);
  });

  it('explains what is wrong with a bad list', () => {
    expect(() => parseExtensionList('150-101')).toThrow('The range 150-101 runs backwards: write the lower extension first, e.g. 101-150');
    expect(() => parseExtensionList('10a')).toThrow('"10a" is not an extension: use 2 to 10 digits, or a range like 101-150');
    expect(() => parseExtensionList('1-5')).toThrow('"1" in "1-5" is not an extension');
    expect(() => parseExtensionList('')).toThrow('No extensions given');
    expect(() => parseExtensionList('101,,102')).toThrow('Empty item');
    expect(() => parseExtensionList('10-99999')).toThrow(/more than 5000/);
    expect(() => parseExtensionList('101-')).toThrow(ManagerConfError);
  });
});

describe('operatorEventFilters', () => {
  const f = operatorEventFilters('101');

  it('admits the operator\'s channel events, as Channel or DestChannel, and the suffix-less device of a failed originate', () => {
    expect(passes(f, event('Event: Newchannel', 'Privilege: call,all', 'Channel: PJSIP/101-0000000d', 'Uniqueid: 1.1'))).toBe(true);
    expect(passes(f, event('Event: DialBegin', 'Channel: Local/101@inbound-sim-0000000a;2', 'DestChannel: PJSIP/101-0000000d'))).toBe(true);
    expect(passes(f, event('Event: OriginateResponse', 'Response: Failure', 'Channel: PJSIP/101', 'Reason: 0'))).toBe(true);
    expect(passes(f, event('Event: Hangup', 'Channel: SIP/101-00000001'))).toBe(true);
    expect(passes(f, event('Event: QueueMemberStatus', 'Interface: PJSIP/101', 'StateInterface: PJSIP/101', 'Paused: 1'))).toBe(true);
  });

  it('keeps out other extensions (including longer ones sharing the prefix) and CEL noise', () => {
    expect(passes(f, event('Event: Newchannel', 'Channel: PJSIP/1010-00000001'))).toBe(false);
    expect(passes(f, event('Event: Newchannel', 'Channel: PJSIP/102-00000001'))).toBe(false);
    expect(passes(f, event('Event: Newchannel', 'Channel: PJSIP/2101-00000001'))).toBe(false);
    expect(passes(f, event('Event: DialBegin', 'Channel: Local/102@x;2', 'DestChannel: PJSIP/102-1'))).toBe(false);
    expect(passes(f, event('Event: CEL', 'EventName: CHAN_START', 'Channel: PJSIP/101-0000000d'))).toBe(false);
    expect(passes(f, event('Event: PeerStatus', 'Peer: PJSIP/101', 'PeerStatus: Reachable'))).toBe(false);
  });

  it('uses the technologies given', () => {
    expect(operatorEventFilters('7', ['PJSIP'])).toContain('Channel: PJSIP/7[^0-9]');
  });
});

describe('generateManagerConf', () => {
  it('prints one least-privilege user per extension, secrets and permit left for IT', () => {
    const text = generateManagerConf({ extensions: ['101', '102'], pbxHost: 'pbx.example.com' });
    const stanza = text.slice(text.indexOf('[op101]'), text.indexOf('[op102]')).trim();
    expect(stanza.split('\n')).toEqual([
      '[op101]',
      '; Sidecall operator 101: PBX address pbx.example.com, AMI user op101, extension 101',
      ';secret=',
      'deny=0.0.0.0/0.0.0.0',
      ';permit=10.0.0.0/255.255.255.0',
      'read=call,agent',
      'write=originate,call,reporting',
      'writetimeout=1000',
      'eventfilter=!Event: CEL',
      'eventfilter=Channel: (PJSIP|SIP|IAX2)/101[^0-9]',
      'eventfilter=Interface: (PJSIP|SIP|IAX2)/101[^0-9]',
    ]);
    expect(text).toContain('[op102]');
    expect(text).toContain('extensions 101 to 102 (2 users)');
    // No active secret line anywhere: an empty secret would admit an empty password.
    expect(text).not.toMatch(/^secret=/m);
    expect(text).not.toMatch(/system/);
    expect(text).toContain('CVE-2024-42365');
  });

  it('writes real permit lines, a prefix, and system only when asked for MixMonitor', () => {
    const text = generateManagerConf({ extensions: ['201'], prefix: 'agent_', permit: ['10.20.0.0/255.255.0.0', '192.168.1.0/24'], allowMixMonitor: true });
    expect(text).toContain('[agent_201]');
    expect(text).toMatch(/^permit=10\.20\.0\.0\/255\.255\.0\.0$/m);
    expect(text).toMatch(/^permit=192\.168\.1\.0\/24$/m);
    expect(text).not.toContain(';permit=');
    expect(text).toMatch(/^write=system,originate,call,reporting$/m);
    expect(text).toContain('WARNING');
  });

  it('refuses bad input with errors that say what to do', () => {
    expect(() => generateManagerConf({ extensions: [] })).toThrow('No extensions given');
    expect(() => generateManagerConf({ extensions: ['101'], prefix: 'op 1' })).toThrow(/--prefix "op 1"/);
    expect(() => generateManagerConf({ extensions: ['101'], permit: ['everyone'] })).toThrow(/--permit "everyone" is not a network/);
    expect(() => generateManagerConf({ extensions: ['101'], technologies: ['PJ SIP'] })).toThrow(/not a channel technology/);
    expect(() => generateManagerConf({ extensions: ['101'], pbxHost: 'a b' })).toThrow(/--pbx-host/);
  });
});

describe('sidecall ami-config CLI', () => {
  const run = (...argv: string[]): { code: number; out: string; err: string } => {
    let out = '';
    let err = '';
    const code = runAmiConfig(argv, { stdout: (t) => (out += t), stderr: (t) => (err += t) });
    return { code, out, err };
  };

  it('prints the stanzas for --ext 101-150', () => {
    const r = run('--ext', '101-150', '--pbx-host', 'pbx.example.com');
    expect(r.code).toBe(0);
    expect(r.err).toBe('');
    expect(r.out.match(/^\[op\d+\]$/gm)).toHaveLength(50);
    expect(r.out).toContain('[op150]');
  });

  it('passes --prefix, --permit (repeatable), --tech', () => {
    const r = run('--ext', '7001', '--prefix', 'sc', '--permit', '10.0.0.0/8', '--permit', '10.1.0.0/16', '--tech', 'PJSIP');
    expect(r.code).toBe(0);
    expect(r.out).toContain('[sc7001]');
    expect(r.out.match(/^permit=/gm)).toHaveLength(2);
    expect(r.out).toContain('eventfilter=Channel: PJSIP/7001[^0-9]');
  });

  it('exits 2 with a clear message on bad usage', () => {
    expect(run('--ext', '150-101')).toMatchObject({ code: 2, out: '', err: 'sidecall ami-config: The range 150-101 runs backwards: write the lower extension first, e.g. 101-150\n' });
    expect(run()).toMatchObject({ code: 2, err: expect.stringContaining('--ext is required') });
    expect(run('--nope')).toMatchObject({ code: 2, err: expect.stringContaining("Unknown option '--nope'") });
    expect(run('--help')).toMatchObject({ code: 0, out: expect.stringContaining('Usage: sidecall ami-config') });
  });
});
