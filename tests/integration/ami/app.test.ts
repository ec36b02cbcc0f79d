// Through the app: a core built with the AMI connection source (as bootstrap
// builds it) logs in to the AMI test server once Settings name a PBX, and
// reports each state on `connection.status` / `connection.get`; missing pieces
// are reported in the operator's words without any connection attempt.
import { afterEach, describe, expect, it } from 'vitest';
import type { ConnectionStatus } from '../../../src-shared/domain/connection';
import { startAmiServer, type AmiServer } from '../../support/ami-server';
import { createCoreFixture, type CoreFixture } from '../../support/core-fixture';

const cleanups: (() => Promise<void>)[] = [];

afterEach(async () => {
  for (const f of cleanups.splice(0).reverse()) await f();
});

async function fixture(): Promise<{ fx: CoreFixture; statuses: ConnectionStatus[]; until: (state: ConnectionStatus['state']) => Promise<ConnectionStatus> }> {
  const fx = await createCoreFixture();
  cleanups.push(() => fx.cleanup());
  const statuses: ConnectionStatus[] = [];
  const waiters: { state: string; resolve: (s: ConnectionStatus) => void }[] = [];
  fx.core.subscribe((channel, payload) => {
    if (channel !== 'connection.status') return;
    const s = payload as ConnectionStatus;
    statuses.push(s);
    for (const w of waiters.filter((x) => x.state === s.state)) {
      waiters.splice(waiters.indexOf(w), 1);
      w.resolve(s);
    }
  });
  const until = (state: ConnectionStatus['state']): Promise<ConnectionStatus> => {
    const seen = statuses.find((s) => s.state === state);
    return seen ? Promise.resolve(seen) : new Promise((resolve) => waiters.push({ state, resolve }));
  };
  return { fx, statuses, until };
}

async function server(): Promise<AmiServer> {
  const srv = await startAmiServer({ loginFailureDelayMs: 0 });
  cleanups.push(() => srv.close());
  return srv;
}

describe('the app with the AMI connection source', () => {
  it('is unconfigured without a PBX host, then reaches ready against the AMI server and reports it', async () => {
    const srv = await server();
    const { fx, statuses, until } = await fixture();
    expect(await fx.core.dispatch('connection.get', {})).toEqual({ ok: true, result: { state: 'unconfigured' } });

    const saved = await fx.core.dispatch('settings.update', {
      patch: { pbx: { host: '127.0.0.1', port: srv.port, amiUser: 'op101', extension: '101' } },
      amiSecret: 'op101secret',
    });
    expect(saved.ok).toBe(true);
    const ready = await until('ready');
    expect(ready).toMatchObject({ state: 'ready', target: `127.0.0.1:${srv.port} as op101`, filtering: 'client-only' });
    expect(statuses.map((s) => s.state)).toEqual(['connecting', 'loggingIn', 'ready']);
    expect(await fx.core.dispatch('connection.get', {})).toMatchObject({ ok: true, result: { state: 'ready', filtering: 'client-only' } });
    expect(srv.connections.filter((c) => !c.closed).map((c) => c.username)).toEqual(['op101']);

    // Saving unrelated settings does not reconnect.
    await fx.core.dispatch('settings.update', { patch: { theme: 'dark' } });
    expect(srv.connections).toHaveLength(1);

    // The secret lives in the keychain only; the log never shows it.
    expect(JSON.stringify(fx.logs.records)).not.toContain('op101secret');

    // Disposing the core logs off and closes the socket.
    await fx.core.dispose();
    await srv.connections[0]?.done;
    expect(srv.connections[0]?.actions.map((a) => a.headers.find(([n]) => n === 'Action')?.[1]).at(-1)).toBe('Logoff');
  });

  it('reports a refused login with what to fix, and what is missing before trying at all', async () => {
    const srv = await server();
    const { fx, until } = await fixture();
    await fx.core.dispatch('settings.update', { patch: { pbx: { host: '127.0.0.1', port: srv.port, amiUser: 'op101', extension: '101' } } });
    expect(await until('error')).toEqual({ state: 'error', target: `127.0.0.1:${srv.port} as op101`, reason: 'No AMI secret stored: enter it in Settings -> PBX' });
    expect(srv.connections).toHaveLength(0);

    await fx.core.dispatch('settings.update', { patch: {}, amiSecret: 'not-the-secret' });
    expect(await until('loginRefused')).toMatchObject({ reason: 'AMI login refused for user op101: check the secret in Settings -> PBX (Asterisk said: Authentication failed)' });
  });
});
