// The token manager's rules on the fake clock with an in-memory keychain and a
// scripted token endpoint (the real endpoint is in the oidc-provider test):
// refresh only when due, single flight, nothing used that was not saved,
// sign-out wins over a refresh in progress, and the static-token variant.
import { describe, expect, it } from 'vitest';
import { CrmError } from '../../../src-main/core/crm/errors';
import { createStaticTokenManager, createTokenManager } from '../../../src-main/core/crm/oauth/token-manager';
import { createTokenVault } from '../../../src-main/core/crm/oauth/token-vault';
import type { TokenSet } from '../../../src-main/core/crm/oauth/token-set';
import { createLoggerFactory, memorySink } from '../../../src-main/core/log/logger';
import { CRM_SECRET_ACCOUNTS } from '../../../src-shared/domain/crm-settings';
import { FakeClock } from '../../support/fake-clock';
import { MemorySecretStore } from '../../support/memory-secret-store';

const HOUR = 3_600_000;

class FlakySecretStore extends MemorySecretStore {
  failWrites = false;
  override async set(account: string, secret: string): Promise<void> {
    if (this.failWrites) throw new Error('keychain locked');
    await super.set(account, secret);
  }
}

/** A scripted token endpoint: each refresh waits until the test releases it. */
function endpoint(clock: FakeClock) {
  const calls: string[] = [];
  let n = 1;
  const waiting: Array<() => void> = [];
  let failWith: Error | undefined;
  const refresh = async (rt: string): Promise<TokenSet> => {
    calls.push(rt);
    await new Promise<void>((r) => waiting.push(r));
    if (failWith) throw failWith;
    n++;
    return { accessToken: `at-${n}`, refreshToken: `rt-${n}`, expiresAt: clock.now() + HOUR, extra: { server: 'x' } };
  };
  return {
    calls,
    refresh,
    fail(e: Error | undefined) {
      failWith = e;
    },
    /** Lets every pending refresh answer. */
    async release() {
      for (let i = 0; i < 20 && waiting.length === 0; i++) await Promise.resolve();
      for (const r of waiting.splice(0)) r();
    },
  };
}

function setup(skewMs?: number) {
  const clock = new FakeClock(0);
  const secrets = new MemorySecretStore();
  const sink = memorySink();
  const log = createLoggerFactory(sink, 'debug')('t');
  const ep = endpoint(clock);
  const manager = createTokenManager({ crmName: 'amoCRM', vault: createTokenVault(secrets, 'amocrm', log), refresh: ep.refresh, clock, log, ...(skewMs !== undefined ? { skewMs } : {}) });
  return { clock, secrets, sink, ep, manager };
}

const first: TokenSet = { accessToken: 'at-1', refreshToken: 'rt-1', expiresAt: HOUR, extra: { domain: 'example.amocrm.ru' } };

describe('token manager', () => {
  it('uses the access token until it is due, refreshes then (never on a timer), and keeps the extra facts', async () => {
    const { clock, ep, manager, secrets } = setup();
    await manager.signIn(first);
    expect(manager.status()).toBe('connected');
    expect(manager.account()).toBe('example.amocrm.ru');
    clock.advance(HOUR - 60_001);
    expect(await manager.current()).toBe('at-1');
    expect(clock.pending).toBe(0); // no refresh timer anywhere
    clock.advance(1);
    const p = manager.current();
    await ep.release();
    expect(await p).toBe('at-2');
    expect(ep.calls).toEqual(['rt-1']);
    const kept = JSON.parse((await secrets.get(CRM_SECRET_ACCOUNTS.tokens('amocrm'))) ?? '{}') as { tokens: TokenSet };
    expect(kept.tokens).toEqual({ accessToken: 'at-2', refreshToken: 'rt-2', expiresAt: clock.now() + HOUR, extra: { domain: 'example.amocrm.ru', server: 'x' } });
  });

  it('single flight: many callers, expired or rejected, share one refresh', async () => {
    const { clock, ep, manager } = setup();
    await manager.signIn(first);
    clock.advance(HOUR);
    const waiters = [...Array.from({ length: 10 }, () => manager.current()), ...Array.from({ length: 10 }, () => manager.refreshAfterRejection('at-1'))];
    await ep.release();
    expect(await Promise.all(waiters)).toEqual(Array(20).fill('at-2'));
    expect(ep.calls).toEqual(['rt-1']);
    // A late request that still carried the old token gets the new one without another refresh.
    expect(await manager.refreshAfterRejection('at-1')).toBe('at-2');
    expect(ep.calls).toHaveLength(1);
  });

  it('keeps the skew below half of a short lifetime', async () => {
    const { clock, ep, manager } = setup(60_000);
    await manager.signIn({ accessToken: 'short', refreshToken: 'rt-1', expiresAt: 30_000, extra: {} });
    clock.advance(14_999);
    expect(await manager.current()).toBe('short');
    expect(ep.calls).toHaveLength(0);
  });

  it('a CRM that is down during the refresh: the error passes through, still connected, the next call tries again', async () => {
    const { clock, ep, manager } = setup();
    await manager.signIn(first);
    clock.advance(HOUR);
    ep.fail(new CrmError('unavailable', 'amoCRM is not reachable'));
    const p = manager.current();
    await ep.release();
    await expect(p).rejects.toMatchObject({ kind: 'unavailable' });
    expect(manager.status()).toBe('connected');
    ep.fail(undefined);
    const q = manager.current();
    await ep.release();
    expect(await q).toBe('at-2');
    expect(ep.calls).toEqual(['rt-1', 'rt-1']);
  });

  it('a refused refresh token: needs sign-in, "Sign in to amoCRM again", and no further refresh attempts', async () => {
    const { clock, ep, manager } = setup();
    const statuses: string[] = [];
    manager.onStatus((s) => statuses.push(s));
    manager.onStatus(() => {
      throw new Error('a broken listener');
    });
    await manager.signIn(first);
    clock.advance(HOUR);
    ep.fail(new CrmError('auth', 'amoCRM refused: invalid_grant', { status: 400 }));
    const waiters = Array.from({ length: 5 }, () => manager.current());
    await ep.release();
    for (const w of waiters) await expect(w).rejects.toThrow(/^Sign in to amoCRM again: /);
    expect(manager.status()).toBe('needsSignIn');
    await expect(manager.refreshAfterRejection('at-1')).rejects.toMatchObject({ kind: 'auth' });
    expect(ep.calls).toEqual(['rt-1']);
    expect(statuses).toEqual(['connected', 'needsSignIn']);
    await manager.signIn({ accessToken: 'new', refreshToken: 'rt-new', expiresAt: clock.now() + HOUR, extra: {} }, 'example');
    expect(manager.status()).toBe('connected');
    expect(await manager.current()).toBe('new');
  });

  it('a keychain write that fails after a refresh without rotation: not used, still connected, retried later', async () => {
    const clock = new FakeClock(0);
    const secrets = new FlakySecretStore();
    const ep = endpoint(clock);
    const log = createLoggerFactory(memorySink())('t');
    // This endpoint does not rotate: the old refresh token stays good.
    const manager = createTokenManager({
      crmName: 'amoCRM',
      vault: createTokenVault(secrets, 'amocrm', log),
      refresh: async (rt) => ({ ...(await ep.refresh(rt)), refreshToken: undefined }),
      clock,
      log,
    });
    await manager.signIn(first);
    clock.advance(HOUR);
    secrets.failWrites = true;
    const p = manager.current();
    await ep.release();
    await expect(p).rejects.toMatchObject({ kind: 'unavailable', message: expect.stringContaining('keychain locked') as unknown });
    expect(manager.status()).toBe('connected');
    secrets.failWrites = false;
    const q = manager.current();
    await ep.release();
    expect(await q).toBe('at-3');
    expect(ep.calls).toEqual(['rt-1', 'rt-1']);
  });

  it('sign-out during a refresh wins: the refreshed tokens are dropped, the keychain stays empty', async () => {
    const { clock, ep, manager, secrets } = setup();
    await manager.signIn(first);
    clock.advance(HOUR);
    const p = manager.current();
    await manager.signOut();
    await ep.release();
    await expect(p).rejects.toMatchObject({ kind: 'auth' });
    expect(manager.status()).toBe('signedOut');
    expect(await secrets.get(CRM_SECRET_ACCOUNTS.tokens('amocrm'))).toBeNull();
    await expect(manager.current()).rejects.toThrow(/Not signed in to amoCRM/);
  });

  it('an unreadable keychain record counts as signed out and is logged without its content', async () => {
    const { secrets, sink, manager } = setup();
    await secrets.set(CRM_SECRET_ACCOUNTS.tokens('amocrm'), JSON.stringify({ version: 1, tokens: { accessToken: 'LEAKME' }, savedAt: 'yesterday' }));
    await manager.load();
    expect(manager.status()).toBe('signedOut');
    expect(sink.records.some((r) => r.level === 'warn')).toBe(true);
    expect(JSON.stringify(sink.records)).not.toContain('LEAKME');

    const again = setup();
    await again.secrets.set(CRM_SECRET_ACCOUNTS.tokens('amocrm'), '{not json LEAKME');
    await again.manager.load();
    expect(again.manager.status()).toBe('signedOut');
    expect(JSON.stringify(again.sink.records)).not.toContain('LEAKME');
  });

  it('a token without refresh token that expires: needs sign-in', async () => {
    const { clock, manager, ep } = setup();
    await manager.signIn({ accessToken: 'only', expiresAt: HOUR, extra: {} });
    clock.advance(HOUR);
    await expect(manager.current()).rejects.toThrow(/^Sign in to amoCRM again: /);
    expect(manager.status()).toBe('needsSignIn');
    expect(ep.calls).toHaveLength(0);
  });
});

describe('static token manager', () => {
  it('serves the saved long-lived token; a rejection means needs sign-in until a new one is saved', async () => {
    const secrets = new MemorySecretStore();
    const account = CRM_SECRET_ACCOUNTS.credential('amocrm');
    const log = createLoggerFactory(memorySink())('t');
    const m = createStaticTokenManager({ crmName: 'amoCRM', secrets, secretAccount: account, account: 'example.amocrm.ru', log });
    await m.load();
    expect(m.status()).toBe('signedOut');
    await expect(m.current()).rejects.toMatchObject({ kind: 'auth' });

    await secrets.set(account, 'long-lived-1');
    const m2 = createStaticTokenManager({ crmName: 'amoCRM', secrets, secretAccount: account, account: 'example.amocrm.ru', log });
    expect(await m2.current()).toBe('long-lived-1');
    expect(m2.status()).toBe('connected');
    expect(m2.account()).toBe('example.amocrm.ru');

    await expect(m2.refreshAfterRejection('long-lived-1')).rejects.toThrow(/^Sign in to amoCRM again/);
    expect(m2.status()).toBe('needsSignIn');
    await expect(m2.current()).rejects.toMatchObject({ kind: 'auth' });

    await m2.signIn({ accessToken: 'long-lived-2', extra: {} });
    expect(m2.status()).toBe('connected');
    expect(await secrets.get(account)).toBe('long-lived-2');
    // A request that still carried the old token gets the new one.
    expect(await m2.refreshAfterRejection('long-lived-1')).toBe('long-lived-2');
    await m2.signOut();
    expect(m2.status()).toBe('signedOut');
    expect(await secrets.get(account)).toBeNull();
  });
});
