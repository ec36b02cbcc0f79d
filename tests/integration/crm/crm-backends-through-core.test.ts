// retailCRM, Odoo and a generic REST CRM through the whole core, over real
// sockets: the AMI test server is the PBX, each CRM's test server is the CRM,
// the outbox is the real file journal in a temp folder, and the CRM is chosen
// and connected the way Settings does it (settings.update with the key in the
// keychain, crm.connect). What must hold per CRM: connected as a sensible
// account; a ringing call pops the CRM's contact (name, card link), retailCRM
// hears the `in` and `hangup` events; after hangup the call log reaches the CRM
// exactly once with its duration, result and recording link, and History says
// "sent"; a wrong key is "sign in again" in the CRM's words, the calls taken
// meanwhile wait, and the right key delivers each of them once.
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CrmStatus } from '../../../src-shared/domain/crm-status';
import { CRM_BACKENDS } from '../../../src-main/core/crm/backends';
import type { AmiServer } from '../../support/ami-server';
import {
  connectPbx,
  expectedRecordingLink,
  fileOutbox,
  missCall,
  placeCall,
  POLL,
  recordEvents,
  reportMarks,
  request,
  startPbx,
  takeCall,
  EXTENSION,
  type CoreEvents,
} from '../../support/core-calls';
import { createCoreFixture, tempDir, type CoreFixture } from '../../support/core-fixture';
import { startGenericCrmServer } from '../../support/crm-servers/generic-crm-server';
import { KINDS_UNDER_TEST, KNOWN_CALLER, startCrmUnderTest, type CrmUnderTest } from '../../support/crm-under-test';

/** Unknown to every CRM: the log still goes (Odoo creates the partner first). */
const STRANGER = '+74951112233';

describe.each(KINDS_UNDER_TEST)('%s through the core', (kind) => {
  let crm: CrmUnderTest;
  let pbx: AmiServer;
  let fx: CoreFixture;
  let events: CoreEvents;
  const cleanups: (() => Promise<void>)[] = [];
  const status = (): Promise<CrmStatus> => request(fx, 'crm.status', {});

  beforeAll(async () => {
    crm = await startCrmUnderTest(kind);
    cleanups.push(() => crm.close());
    pbx = await startPbx();
    cleanups.push(() => pbx.close());
    const dir = tempDir(`sidecall-${kind}-core-`);
    fx = await createCoreFixture({ dir, crmBackends: CRM_BACKENDS, outbox: fileOutbox(path.join(dir, 'outbox.journal')) });
    cleanups.push(() => fx.cleanup());
    events = recordEvents(fx);
    await connectPbx(fx, pbx);
  });
  afterAll(async () => {
    for (const f of cleanups.splice(0).reverse()) await f();
  });

  it('is chosen in Settings with its key in the keychain and connects as the account', async () => {
    const view = await request(fx, 'settings.update', { patch: { crm: crm.crm() }, crmSecrets: { credential: crm.credential } });
    expect(view.secrets.crmCredentialSet).toBe(true);
    expect(JSON.stringify(view.settings)).not.toContain(crm.credential);
    const connected = await request(fx, 'crm.connect', {});
    expect(connected).toMatchObject({ kind, state: 'connected', signIn: 'credential' });
    expect(connected.account).toMatch(crm.account);
    expect(connected.displayName).toContain(crm.kind === 'generic' ? 'Acme CRM' : crm.label);
    expect(connected.capabilities).toContain('logCall');
    expect(events.crm.at(-1)?.state).toBe('connected');
  });

  it("a call rings with the CRM's contact on the card; after hangup the log arrives once with duration, result and link; History says sent", async () => {
    const eventsBefore = crm.events().length;
    const call = await takeCall(fx, pbx, KNOWN_CALLER, {
      record: true,
      talkMs: 2_100,
      whileRinging: async (ringing) => {
        expect(ringing.lookup.status).toBe('found');
        if (ringing.lookup.status !== 'found') return;
        expect(ringing.lookup.contact.name).toBe(crm.contact.name);
        expect(ringing.lookup.contact.url).toBe(crm.contact.url);
        if (crm.contact.company) expect(ringing.lookup.contact.company).toBe(crm.contact.company);
        if (crm.contact.responsible) expect(ringing.lookup.contact.responsible?.name).toBe(crm.contact.responsible);
        if (kind === 'retailcrm') {
          // retailCRM's own pop-up hears of the call while it rings.
          await expect
            .poll(() => crm.events().slice(eventsBefore), POLL)
            .toEqual([expect.objectContaining({ type: 'in', phone: KNOWN_CALLER, codes: [EXTENSION], callExternalId: ringing.call.id })]);
        }
      },
    });
    expect(call.item.contact?.name).toBe(crm.contact.name);

    await expect.poll(async () => (await reportMarks(fx, [call.id]))[0], POLL).toBe('sent');
    expect(crm.logsPerCall().get(call.id)).toBe(1);
    expect(crm.sendsPerCall().get(call.id)).toBe(1);
    const held = crm.logOf(call.id);
    const c = call.item.call;
    expect(c.answeredAt).toBeDefined();
    const talk = Math.round(((c.endedAt ?? 0) - (c.answeredAt ?? 0)) / 1000);
    expect(talk).toBeGreaterThanOrEqual(2);
    expect(held?.talkSeconds, JSON.stringify(held?.raw)).toBe(talk);
    expect(held?.result).toBe('answered');
    expect(held?.direction).toBe('inbound');
    expect(c.recording.files[0]).toMatch(/\.wav$/);
    expect(held?.recordingUrl).toBe(expectedRecordingLink(call.item));
    if (kind === 'retailcrm') {
      await expect.poll(() => crm.events().slice(eventsBefore).map((e) => `${String(e['type'])}:${String(e['hangupStatus'] ?? '')}`), POLL).toEqual(['in:', 'hangup:answered']);
      expect(crm.events().at(-1)).toMatchObject({ callExternalId: call.id, codes: [EXTENSION] });
    }
    // Nothing else is waiting or failed.
    expect(await request(fx, 'outbox.status', {})).toMatchObject({ waiting: 0, failed: [] });
  });

  it('a missed call: the log says so in the CRM\'s words, with no talk time and no link (retailCRM: hangup "no answered")', async () => {
    const eventsBefore = crm.events().length;
    const call = await missCall(fx, pbx, KNOWN_CALLER);
    expect(call.ringing.lookup.status).toBe('found');
    expect(call.item.call.result).toBe('missed');
    await expect.poll(async () => (await reportMarks(fx, [call.id]))[0], POLL).toBe('sent');
    expect(crm.logsPerCall().get(call.id)).toBe(1);
    const held = crm.logOf(call.id);
    expect(held?.result, JSON.stringify(held?.raw)).toBe(crm.missedResult);
    expect(held?.talkSeconds).toBe(0);
    expect(held?.recordingUrl).toBeUndefined();
    if (kind === 'retailcrm') {
      await expect.poll(() => crm.events().slice(eventsBefore).map((e) => `${String(e['type'])}:${String(e['hangupStatus'] ?? '')}`), POLL).toEqual(['in:', 'hangup:no answered']);
    }
  });

  it('a call placed from Sidecall (click-to-call) is logged once as outbound (retailCRM: out and hangup events)', async () => {
    const eventsBefore = crm.events().length;
    const call = await placeCall(fx, pbx, KNOWN_CALLER, { talkMs: 1_100 });
    expect(call.item.call.direction).toBe('outbound');
    await expect.poll(async () => (await reportMarks(fx, [call.id]))[0], POLL).toBe('sent');
    expect(crm.logsPerCall().get(call.id)).toBe(1);
    const held = crm.logOf(call.id);
    expect(held?.direction, JSON.stringify(held?.raw)).toBe('outbound');
    expect(held?.result).toBe('answered');
    expect(held?.talkSeconds).toBeGreaterThanOrEqual(1);
    if (kind === 'retailcrm') {
      await expect.poll(() => crm.events().slice(eventsBefore).map((e) => `${String(e['type'])}:${String(e['hangupStatus'] ?? '')}`), POLL).toEqual(['out:', 'hangup:answered']);
      expect(crm.events().at(-1)).toMatchObject({ callExternalId: call.id, phone: KNOWN_CALLER, codes: [EXTENSION] });
    }
  });

  it("a wrong key is 'sign in again' in the CRM's words; calls wait and the right key delivers each once", async () => {
    await request(fx, 'settings.update', { patch: {}, crmSecrets: { credential: crm.wrongCredential } });
    await expect.poll(async () => (await status()).state, POLL).toBe('needsSignIn');
    expect((await status()).message).toMatch(crm.refusal);
    // Connecting again with the same wrong key says the same, and stays there.
    const again = await request(fx, 'crm.connect', {});
    expect(again.state).toBe('needsSignIn');
    expect(again.message).toMatch(crm.refusal);

    // Two calls while the CRM refuses the key: no contact (no lookup while not connected), reports kept.
    const first = await takeCall(fx, pbx, KNOWN_CALLER, { talkMs: 1_100 });
    expect(first.ringing.lookup.status).toBe('skipped');
    const second = await takeCall(fx, pbx, STRANGER, { talkMs: 1_100 });
    const ids = [first.id, second.id];
    // Queued (journaled) a moment after History files the call.
    await expect.poll(async () => reportMarks(fx, ids), POLL).toEqual(['waiting', 'waiting']);
    await expect.poll(async () => (await request(fx, 'outbox.status', {})).paused, POLL).toBe('needsSignIn');
    expect(ids.map((id) => crm.logsPerCall().get(id) ?? 0)).toEqual([0, 0]);

    // The operator fixes the key and connects again: both go, once each.
    await request(fx, 'settings.update', { patch: {}, crmSecrets: { credential: crm.credential } });
    const back = await request(fx, 'crm.connect', {});
    expect(back.state).toBe('connected');
    expect(back.account).toMatch(crm.account);
    await expect.poll(async () => reportMarks(fx, ids), POLL).toEqual(['sent', 'sent']);
    expect(ids.map((id) => crm.logsPerCall().get(id))).toEqual([1, 1]);
    expect(crm.logOf(second.id)?.result).toBe('answered');
    if (kind === 'odoo') expect(crm.createdPerNumber().get(STRANGER)).toBe(1);
    expect(await request(fx, 'outbox.status', {})).toMatchObject({ waiting: 0, failed: [] });
    expect((await request(fx, 'outbox.status', {})).paused).toBeUndefined();
  });
});

describe('a REST CRM with a bearer token through the core', () => {
  it("a refused token is 'sign in again' in the CRM's words, also when Connect checks it again; a new token connects", async () => {
    const srv = await startGenericCrmServer({ auth: { kind: 'bearer', tokens: ['good-token'] } });
    const fx = await createCoreFixture({ crmBackends: CRM_BACKENDS });
    try {
      await request(fx, 'settings.update', { patch: { crm: { kind: 'generic', generic: { name: 'Acme CRM', baseUrl: `${srv.url}/api`, auth: 'bearer' } } }, crmSecrets: { credential: 'old-token' } });
      await expect.poll(async () => (await request(fx, 'crm.status', {})).state, POLL).toBe('needsSignIn');
      expect((await request(fx, 'crm.status', {})).message).toMatch(/Invalid or expired token/);
      const again = await request(fx, 'crm.connect', {});
      expect(again.state).toBe('needsSignIn');
      expect(again.message).toMatch(/^Sign in to Acme CRM again: .*\(Acme CRM said: Invalid or expired token\)/);
      await request(fx, 'settings.update', { patch: {}, crmSecrets: { credential: 'good-token' } });
      await expect.poll(async () => (await request(fx, 'crm.status', {})).state, POLL).toBe('connected');
    } finally {
      await fx.cleanup();
      await srv.close();
    }
  });
});

