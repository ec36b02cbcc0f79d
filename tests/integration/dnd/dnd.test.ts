// Do not disturb through the core against the AMI test server: the feature
// code as an Originate of a Local channel (write=originate only), the astdb
// flag with DBPut/DBDel for a user allowed to write it, the refusal a
// least-privilege user gets in words IT can act on, and the state read back
// with DBGet after a login (set from the phone while Sidecall was away).
import { afterEach, describe, expect, it } from 'vitest';
import { getHeader, type AmiMessage } from '../../../src-main/core/ami/codec';
import { DndStatusSchema, type DndStatus } from '../../../src-shared/domain/dnd';
import { RawAmiClient, startAmiServer, type AmiServer } from '../../support/ami-server';
import { createCoreFixture, type CoreFixture } from '../../support/core-fixture';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

const USERS = {
  op101: { secret: 'op101secret', read: 'call,reporting', write: 'call,originate,reporting' },
  sys101: { secret: 'sys101secret', read: 'call,reporting', write: 'call,originate,reporting,system' },
  admin: { secret: 'adminsecret', read: 'all', write: 'all' },
};

async function server(): Promise<AmiServer> {
  const srv = await startAmiServer({ users: USERS, loginFailureDelayMs: 0 });
  cleanups.push(() => srv.close());
  return srv;
}

async function connectedCore(srv: AmiServer, user: 'op101' | 'sys101', dnd: Record<string, unknown> = {}): Promise<CoreFixture> {
  const f = await createCoreFixture();
  cleanups.push(() => f.cleanup());
  const r = await f.core.dispatch('settings.update', {
    patch: { pbx: { host: '127.0.0.1', port: srv.port, amiUser: user, extension: '101' }, shell: { dnd } },
    amiSecret: USERS[user].secret,
  });
  expect(r.ok, JSON.stringify(r)).toBe(true);
  await expect.poll(async () => {
    const s = await f.core.dispatch('connection.get', {});
    return s.ok ? (s.result as { state: string }).state : 'error';
  }).toBe('ready');
  return f;
}

const actions = (srv: AmiServer, name: string): AmiMessage[] => srv.connections.flatMap((c) => c.actions).filter((a) => getHeader(a, 'Action') === name);

async function set(f: CoreFixture, on: boolean) {
  return f.core.dispatch('dnd.set', { on });
}
async function status(f: CoreFixture): Promise<DndStatus> {
  const r = await f.core.dispatch('dnd.get', {});
  if (!r.ok) throw new Error(r.error.message);
  return DndStatusSchema.parse(r.result);
}

/** The astdb value as another AMI client reads it. */
async function astdb(srv: AmiServer, family: string, key: string): Promise<string | null> {
  const c = await RawAmiClient.connect(srv.port);
  try {
    await c.login('admin', 'adminsecret');
    c.action('DBGet', { Family: family, Key: key }, 'get-1');
    const reply = await c.response('get-1');
    if (getHeader(reply, 'Response') === 'Error') return null;
    const item = await c.waitFor((m) => getHeader(m, 'Event') === 'DBGetResponse' && getHeader(m, 'ActionID') === 'get-1');
    return getHeader(item, 'Val') ?? null;
  } finally {
    c.socket.destroy();
  }
}

describe('Do not disturb', () => {
  it('by feature code: an Originate of Local/<code>@<context> with my extension as caller ID, never ringing my phone', async () => {
    const srv = await server();
    const f = await connectedCore(srv, 'op101');
    const seen: DndStatus[] = [];
    f.core.subscribe((channel, payload) => {
      if (channel === 'dnd.changed') seen.push(DndStatusSchema.parse(payload));
    });
    expect(await set(f, true)).toMatchObject({ ok: true, result: { mode: 'featureCode', state: 'on' } });
    expect(await set(f, false)).toMatchObject({ ok: true, result: { state: 'off' } });
    const sent = actions(srv, 'Originate').map((a) => [getHeader(a, 'Channel'), getHeader(a, 'Application'), getHeader(a, 'CallerID'), getHeader(a, 'Exten')]);
    expect(sent).toEqual([
      ['Local/*78@from-internal', 'Wait', '<101>', undefined],
      ['Local/*79@from-internal', 'Wait', '<101>', undefined],
    ]);
    expect(seen.map((s) => s.state)).toEqual(['on', 'off']);
    expect(actions(srv, 'DBPut')).toEqual([]);
  });

  it('by astdb: DBPut family/extension = YES and DBDel, for a user allowed to write the database', async () => {
    const srv = await server();
    const f = await connectedCore(srv, 'sys101', { mode: 'astdb' });
    expect(await set(f, true)).toMatchObject({ ok: true, result: { mode: 'astdb', state: 'on' } });
    expect(await astdb(srv, 'DND', '101')).toBe('YES');
    expect(await set(f, false)).toMatchObject({ ok: true, result: { state: 'off' } });
    expect(await astdb(srv, 'DND', '101')).toBeNull();
    // Turning off what is already off is no error (DBDel answers "not found").
    expect(await set(f, false)).toMatchObject({ ok: true, result: { state: 'off' } });
  });

  it('by astdb with a custom family and key', async () => {
    const srv = await server();
    const f = await connectedCore(srv, 'sys101', { mode: 'astdb', family: 'CustomDND', key: 'agent7', value: 'busy' });
    expect((await set(f, true)).ok).toBe(true);
    expect(await astdb(srv, 'CustomDND', 'agent7')).toBe('busy');
  });

  it('a least-privilege AMI user cannot write the astdb: refused in words IT can act on, state unchanged', async () => {
    const srv = await server();
    const f = await connectedCore(srv, 'op101', { mode: 'astdb' });
    const r = await set(f, true);
    expect(r).toMatchObject({ ok: false, error: { code: 'control.failed' } });
    if (!r.ok) expect(r.error.message).toMatch(/DBPut needs write=system.*feature code/);
    expect((await status(f)).state).not.toBe('on');
  });

  it('reads the state back after login: DND set from the phone while Sidecall was away shows as on', async () => {
    const srv = await server();
    const c = await RawAmiClient.connect(srv.port);
    await c.login('admin', 'adminsecret');
    c.action('DBPut', { Family: 'DND', Key: '101', Val: 'YES' }, 'put-1');
    expect(getHeader(await c.response('put-1'), 'Response')).toBe('Success');
    c.socket.destroy();
    // op101 may read (DBGet: reporting) but not write.
    const f = await connectedCore(srv, 'op101');
    await expect.poll(async () => (await status(f)).state).toBe('on');
    expect(actions(srv, 'DBGet').map((a) => [getHeader(a, 'Family'), getHeader(a, 'Key')])).toContainEqual(['DND', '101']);
  });

  it('off: no menu item, and dnd.set says it is not set up', async () => {
    const srv = await server();
    const f = await connectedCore(srv, 'op101', { mode: 'off' });
    expect(await status(f)).toEqual({ mode: 'off', state: 'unknown' });
    const r = await set(f, true);
    expect(r).toMatchObject({ ok: false, error: { code: 'control.failed' } });
    if (!r.ok) expect(r.error.message).toMatch(/not set up/);
  });
});
