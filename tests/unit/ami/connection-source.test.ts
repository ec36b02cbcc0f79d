// AmiConnectionSource: settings + secret -> what the UI shows. Unconfigured
// without a host, a precise message for what is missing (and no connection
// attempt), then the AMI connection's own states once everything is there.
import { afterEach, describe, expect, it } from 'vitest';
import type { ConnectionStatus } from '../../../src-shared/domain/connection';
import { PbxSettingsSchema, type PbxSettings } from '../../../src-shared/domain/settings';
import { createAmiConnectionSource, missingForLogin, type AmiConnectionSource } from '../../../src-main/core/ami/ami-connection-source';
import { FakeClock } from '../../support/fake-clock';
import { FakePbx, memoryLogger, settle } from './fake-pbx';

const pbx = (p: Partial<PbxSettings>): PbxSettings => PbxSettingsSchema.parse(p);
const sources: AmiConnectionSource[] = [];

afterEach(async () => {
  for (const s of sources.splice(0)) await s.dispose();
});

function source(fake = new FakePbx()): { src: AmiConnectionSource; seen: ConnectionStatus[]; fake: FakePbx } {
  const log = memoryLogger();
  const src = createAmiConnectionSource({ transport: fake, clock: new FakeClock(), log: () => log });
  sources.push(src);
  const seen: ConnectionStatus[] = [];
  src.onStatus((s) => seen.push(s));
  return { src, seen, fake };
}

describe('missingForLogin', () => {
  it('names exactly what is missing', () => {
    const full = pbx({ host: 'pbx', amiUser: 'op101', extension: '101' });
    expect(missingForLogin(full, 's')).toBeUndefined();
    expect(missingForLogin(full, null)).toBe('No AMI secret stored: enter it in Settings -> PBX');
    expect(missingForLogin(full, '')).toBe('No AMI secret stored: enter it in Settings -> PBX');
    expect(missingForLogin({ ...full, amiUser: '' }, 's')).toBe('No AMI user set: enter it in Settings -> PBX');
    expect(missingForLogin({ ...full, extension: '' }, 's')).toBe('No extension set: enter yours in Settings -> PBX');
    expect(missingForLogin(pbx({ host: 'pbx' }), null)).toBe('Enter the AMI user, the AMI secret and your extension in Settings -> PBX');
  });
});

describe('AmiConnectionSource', () => {
  it('is unconfigured without a host and opens no socket', async () => {
    const { src, fake } = source();
    expect(src.status()).toEqual({ state: 'unconfigured' });
    src.configure({ pbx: pbx({}), secret: 'x' });
    await settle();
    expect(src.status()).toEqual({ state: 'unconfigured' });
    expect(fake.sockets).toHaveLength(0);
  });

  it('reports a missing secret as an error without connecting, then connects once it is there', async () => {
    const { src, seen, fake } = source();
    const settings = pbx({ host: '10.0.0.5', amiUser: 'op101', extension: '101' });
    src.configure({ pbx: settings, secret: null });
    expect(src.status()).toEqual({ state: 'error', target: '10.0.0.5:5038 as op101', reason: 'No AMI secret stored: enter it in Settings -> PBX' });
    await settle();
    expect(fake.sockets).toHaveLength(0);
    src.configure({ pbx: settings, secret: 'op101secret' });
    await settle();
    expect(seen.map((s) => s.state)).toEqual(['error', 'connecting', 'loggingIn', 'ready']);
    expect(src.status()).toMatchObject({ state: 'ready', target: '10.0.0.5:5038 as op101', filtering: 'client-only' });
    // The event source is the live connection.
    expect(src.ami.status()).toBe(src.status());
  });

  it('takes the channel pattern and the declared PBX eventfilter from the settings', async () => {
    const { src, fake } = source();
    src.configure({ pbx: pbx({ host: '10.0.0.5', amiUser: 'op101', extension: '101', eventFilter: true }), secret: 'op101secret' });
    await settle();
    expect(src.status()).toMatchObject({ state: 'ready', filtering: 'pbx-eventfilter+client' });
    src.configure({ pbx: pbx({ host: '10.0.0.5', amiUser: 'op101', extension: '101', channelPattern: '^Local/<ext>@' }), secret: 'op101secret' });
    await settle();
    expect(src.status()).toMatchObject({ state: 'ready', filtering: 'client-only' });
    // A custom pattern cannot be turned into a PBX filter: the Filter action is not tried.
    expect(fake.last.actionNames()).not.toContain('Filter');
  });

  it('refuses a channel pattern without <ext> or that does not compile, in the settings schema', () => {
    expect(PbxSettingsSchema.safeParse({ channelPattern: '^PJSIP/101-' }).success).toBe(false);
    expect(PbxSettingsSchema.safeParse({ channelPattern: '^(PJSIP/<ext>-' }).success).toBe(false);
    expect(PbxSettingsSchema.safeParse({ channelPattern: '^(?:PJSIP|SCCP)/<ext>-' }).success).toBe(true);
    expect(PbxSettingsSchema.parse({})).not.toHaveProperty('channelPattern');
  });

  it('goes back to unconfigured (and closes the socket) when the host is cleared', async () => {
    const { src, fake } = source();
    src.configure({ pbx: pbx({ host: '10.0.0.5', amiUser: 'op101', extension: '101' }), secret: 'op101secret' });
    await settle();
    src.configure({ pbx: pbx({}), secret: 'op101secret' });
    await settle();
    expect(src.status()).toEqual({ state: 'unconfigured' });
    expect(fake.open).toHaveLength(0);
  });
});
