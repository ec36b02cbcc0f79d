// A key-based CRM (retailCRM: its connector sends the API key itself, not
// through a token manager) revokes the key in the middle of a session, over
// real sockets through the whole core: the outbox pauses on the refusal, and
// the CRM must say "sign in again" too (not stay "connected"); once the key
// works on the CRM's side again, "Send now" (outbox.retry) leaves the pause and
// delivers the waiting call once, and the CRM is connected again.
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CRM_BACKENDS } from '../../../src-main/core/crm/backends';
import type { AmiServer } from '../../support/ami-server';
import { connectPbx, fileOutbox, POLL, recordEvents, reportMarks, request, startPbx, takeCall, type CoreEvents } from '../../support/core-calls';
import { createCoreFixture, tempDir, type CoreFixture } from '../../support/core-fixture';
import { RETAIL_TEST_KEY, startRetailCrmServer, type RetailCrmServer } from '../../support/crm-servers/retailcrm-server';
import { KNOWN_CALLER } from '../../support/crm-under-test';

describe('retailCRM key revoked on the server mid-session, through the core', () => {
  let srv: RetailCrmServer;
  let pbx: AmiServer;
  let fx: CoreFixture;
  let events: CoreEvents;
  const cleanups: (() => Promise<void>)[] = [];

  beforeAll(async () => {
    srv = await startRetailCrmServer({ customers: [{ id: 17, firstName: 'Иван', lastName: 'Петров', phones: ['+7 916 123-45-67'] }], managers: [{ id: 9, firstName: 'Op', code: '101' }] });
    cleanups.push(() => srv.close());
    pbx = await startPbx();
    cleanups.push(() => pbx.close());
    const dir = tempDir('sidecall-key-revoked-');
    fx = await createCoreFixture({ dir, crmBackends: CRM_BACKENDS, outbox: fileOutbox(path.join(dir, 'outbox.journal')) });
    cleanups.push(() => fx.cleanup());
    events = recordEvents(fx);
    await connectPbx(fx, pbx);
  });
  afterAll(async () => {
    for (const f of cleanups.splice(0).reverse()) await f();
  });

  it('the refused key turns the CRM to needsSignIn with the outbox pause; key fixed + retry delivers once', async () => {
    await request(fx, 'settings.update', {
      patch: { crm: { kind: 'retailcrm', retailcrm: { accountUrl: srv.url, timeZone: 'Europe/Moscow', callEvents: false }, userMap: { '101': '9' } } },
      crmSecrets: { credential: RETAIL_TEST_KEY },
    });
    expect((await request(fx, 'crm.connect', {})).state).toBe('connected');

    // IT revokes the key in retailCRM: Sidecall's keychain still holds the old one.
    srv.set({ apiKey: 'a-new-key-sidecall-does-not-have' });
    const call = await takeCall(fx, pbx, KNOWN_CALLER, { talkMs: 200 });
    await expect.poll(async () => (await request(fx, 'outbox.status', {})).paused, POLL).toBe('needsSignIn');
    const paused = await request(fx, 'outbox.status', {});
    expect(paused.lastError).toMatch(/Wrong "apiKey" value/);
    await expect.poll(async () => (await request(fx, 'crm.status', {})).state, POLL).toBe('needsSignIn');
    const st = await request(fx, 'crm.status', {});
    expect(st.message).toBe(paused.lastError);
    // The shell's "sign in again" notification fires on this transition.
    expect(events.crm.some((e) => e.state === 'needsSignIn')).toBe(true);
    expect(await reportMarks(fx, [call.id])).toEqual(['waiting']);
    expect(srv.calls()).toHaveLength(0);

    // "Send now" while the CRM still refuses: one more try, paused again, nothing lost.
    const uploadsBefore = srv.requests().filter((r) => r.path === '/api/v5/telephony/calls/upload').length;
    await request(fx, 'outbox.retry', {});
    await expect.poll(() => srv.requests().filter((r) => r.path === '/api/v5/telephony/calls/upload').length, POLL).toBe(uploadsBefore + 1);
    await expect.poll(async () => (await request(fx, 'outbox.status', {})).paused, POLL).toBe('needsSignIn');
    expect(await reportMarks(fx, [call.id])).toEqual(['waiting']);

    // IT puts the key back; the operator presses "Send now".
    srv.set({ apiKey: RETAIL_TEST_KEY });
    await request(fx, 'outbox.retry', {});
    await expect.poll(async () => (await reportMarks(fx, [call.id]))[0], POLL).toBe('sent');
    expect(srv.calls().filter((c) => c.externalId === call.id)).toHaveLength(1);
    expect(await request(fx, 'outbox.status', {})).toMatchObject({ waiting: 0, failed: [] });
    expect((await request(fx, 'outbox.status', {})).paused).toBeUndefined();
    // The delivery proved the key again.
    await expect.poll(async () => (await request(fx, 'crm.status', {})).state, POLL).toBe('connected');
  });
});
