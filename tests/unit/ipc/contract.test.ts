import fs from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { eventChannels, requestChannels } from '../../../src-shared/ipc/contract';
import { createCoreFixture, type CoreFixture } from '../../support/core-fixture';

let fx: CoreFixture | undefined;
afterEach(async () => {
  await fx?.cleanup();
  fx = undefined;
});

const validRequests: { readonly [C in keyof typeof requestChannels]: unknown } = {
  'app.info': {},
  'settings.get': {},
  'settings.update': { patch: { pbx: { host: 'pbx.example.com', port: 5039 } } },
  'connection.get': {},
  'calls.get': {},
  'history.list': { result: 'missed', text: 'Иван' },
  'history.markSeen': {},
  'contacts.create': { callId: 'unknown-call' },
  'demo.simulateIncoming': { number: '+7 916 123-45-67' },
  'demo.phone': { action: 'hangup' },
  'calls.dial': { number: '102', source: 'pad' },
  'calls.hangup': { callId: 'no-such-call' },
  'calls.transfer': { callId: 'no-such-call', target: '102', mode: 'blind' },
  'calls.transferFinish': { callId: 'no-such-call', action: 'cancel' },
  'calls.record': { callId: 'no-such-call', action: 'start' },
  'calls.park': { callId: 'no-such-call' },
  'links.open': { uri: 'tel:+7-916-123-45-67' },
  'links.answer': { id: 'expired', accept: false },
  'crm.status': {},
  'crm.connect': {},
  'crm.submitCode': { code: 'abc' },
  'crm.cancelConnect': {},
  'crm.disconnect': {},
  'crm.users': {},
  'outbox.status': {},
  'outbox.retry': {},
  'outbox.discard': { id: 'no-such-call' },
  'diagnostics.ping': { nonce: 'abc' },
  'diagnostics.collect': {},
  'dnd.get': {},
  'dnd.set': { on: true },
  'softphone.credentials': {},
  'softphone.state': { registration: 'registered', aor: 'sip:101@pbx.example.com', calls: { ringing: 0, active: 0 } },
  'softphone.probe': {},
};
// Valid requests that fail for a reason of state, not shape: they must still answer with a typed error.
const stateErrors: Partial<Record<keyof typeof requestChannels, string>> = {
  'contacts.create': 'crm.unsupported',
  'calls.hangup': 'control.failed',
  'calls.transfer': 'control.failed',
  'calls.transferFinish': 'control.failed',
  'calls.record': 'control.failed',
  'calls.park': 'control.failed',
  'links.answer': 'ipc.invalidRequest',
  'crm.connect': 'crm.failed',
  'crm.submitCode': 'crm.failed',
  'crm.users': 'crm.failed',
  'outbox.retry': 'crm.unsupported',
  'outbox.discard': 'crm.unsupported',
};

// For each channel, requests that must be refused without side effects.
const malformed: { readonly [C in keyof typeof requestChannels]: readonly unknown[] } = {
  'app.info': [{ extra: 1 }, 'text', 42],
  'settings.get': [{ x: true }, []],
  'settings.update': [
    {},
    { patch: { pbx: { port: 70000 } } },
    { patch: { pbx: { port: '5038' } } },
    { patch: { pbx: { host: 'bad host!' } } },
    { patch: { pbx: { extension: '10a' } } },
    { patch: { language: 'de' } },
    { patch: { unknownKey: 1 } },
    { patch: {}, amiSecret: 'a\r\nAction: Originate' },
    { patch: { pbx: { amiUser: 'op 101' } } },
    null,
  ],
  'connection.get': [{ a: 1 }],
  'calls.get': [{ all: true }],
  'history.list': [{ limit: 0 }, { limit: 5000 }, { result: 'lost' }, { text: 'x'.repeat(101) }, { direction: 'up' }],
  'history.markSeen': [{ when: 1 }],
  'contacts.create': [{}, { callId: '' }, { callId: 'x'.repeat(201) }, { callId: 5 }],
  'demo.simulateIncoming': [{ number: '' }, { number: 'abc' }, { number: '123\r\nAction: Originate' }, { number: '+7916;ext=1' }, { extra: 1 }],
  'demo.phone': [{}, { action: 'dial' }],
  'calls.dial': [{ number: 5, source: 'pad' }, { number: '102', source: 'web' }, { number: '1'.repeat(201), source: 'pad' }, { number: '102' }],
  'calls.hangup': [{}, { callId: '' }, { callId: 'x'.repeat(201) }],
  'calls.transfer': [{ callId: 'a', target: '102', mode: 'warm' }, { callId: 'a', target: '1'.repeat(65), mode: 'blind' }, { callId: 'a', mode: 'blind' }],
  'calls.transferFinish': [{ callId: 'a', action: 'maybe' }],
  'calls.record': [{ callId: 'a', action: 'delete' }, { callId: 'a' }],
  'calls.park': [{}, { callId: 7 }],
  'links.open': [{}, { uri: 5 }, { uri: 'x'.repeat(4097) }],
  'links.answer': [{ id: 'a' }, { id: 'a', accept: 'yes' }],
  'crm.status': [{ kind: 'amocrm' }],
  'crm.connect': [{ kind: 'amocrm' }, 'now'],
  'crm.submitCode': [{}, { code: '' }, { code: '   ' }, { code: 'x'.repeat(4097) }, { code: 5 }],
  'crm.cancelConnect': [{ id: 1 }],
  'crm.disconnect': [{ forget: true }],
  'crm.users': [{ page: 2 }],
  'outbox.status': [{ all: true }],
  'outbox.retry': [{ id: '' }, { id: 5 }, { id: 'x'.repeat(201) }, { all: true }],
  'outbox.discard': [{}, { id: '' }, { id: 'x'.repeat(201) }],
  'diagnostics.ping': [{}, { nonce: '' }, { nonce: 'x'.repeat(65) }, { nonce: 5 }],
  'diagnostics.collect': [{ lines: 10 }],
  'dnd.get': [{ refresh: true }],
  'dnd.set': [{}, { on: 'yes' }, { on: true, family: 'X' }],
  // No way to name another keychain account.
  'softphone.credentials': [{ account: 'pbx/ami-secret' }],
  'softphone.state': [{}, { registration: 'flying', calls: { ringing: 0, active: 0 } }, { registration: 'off', calls: { ringing: -1, active: 0 } }, { registration: 'off', calls: { ringing: 0, active: 0 }, extra: 1 }],
  'softphone.probe': [{ url: 'ws://203.0.113.9/' }],
};

/** Waits until the core is connected (to the demo PBX): placing a call needs a live AMI session. */
async function untilReady(f: CoreFixture): Promise<void> {
  await expect.poll(async () => {
    const r = await f.core.dispatch('connection.get', {});
    return r.ok ? (r.result as { state: string }).state : 'error';
  }).toBe('ready');
}

describe('IPC contract', () => {
  it('has a schema for every channel and every event', () => {
    for (const [name, spec] of Object.entries(requestChannels)) {
      expect(spec.request, name).toBeDefined();
      expect(spec.response, name).toBeDefined();
    }
    expect(Object.keys(eventChannels)).toEqual(expect.arrayContaining(['connection.status']));
  });

  it.each(Object.keys(requestChannels) as (keyof typeof requestChannels)[])('%s accepts a valid request and answers per its response schema', async (channel) => {
    fx = await createCoreFixture({ demo: true });
    if (channel === 'calls.dial' || channel === 'dnd.set') await untilReady(fx);
    const reply = await fx.core.dispatch(channel, validRequests[channel]);
    const expectedError = stateErrors[channel];
    if (expectedError) {
      expect(reply).toMatchObject({ ok: false, error: { code: expectedError } });
      return;
    }
    expect(reply.ok, JSON.stringify(reply)).toBe(true);
    if (reply.ok) expect(requestChannels[channel].response.safeParse(reply.result).success).toBe(true);
  });

  it.each(Object.keys(requestChannels) as (keyof typeof requestChannels)[])('%s refuses malformed requests with a typed error and changes nothing', async (channel) => {
    fx = await createCoreFixture({ demo: true });
    const before = fs.existsSync(fx.settingsFile) ? fs.readFileSync(fx.settingsFile, 'utf8') : null;
    for (const payload of malformed[channel]) {
      const reply = await fx.core.dispatch(channel, payload);
      expect(reply.ok, `${channel} ${JSON.stringify(payload)}`).toBe(false);
      if (!reply.ok) {
        expect(reply.error.code).toBe('ipc.invalidRequest');
        expect(reply.error.message).toContain(channel);
        expect(reply.error.issues?.length ?? 0).toBeGreaterThan(0);
      }
    }
    const after = fs.existsSync(fx.settingsFile) ? fs.readFileSync(fx.settingsFile, 'utf8') : null;
    expect(after).toBe(before);
    expect(await fx.secrets.get('pbx/ami-secret')).toBeNull();
  });

  it('names the invalid field in the error', async () => {
    fx = await createCoreFixture();
    const reply = await fx.core.dispatch('settings.update', { patch: { pbx: { port: 0 } } });
    expect(reply).toMatchObject({ ok: false, error: { code: 'ipc.invalidRequest', issues: [{ path: 'patch.pbx.port' }] } });
  });

  it('refuses unknown channels and prototype names', async () => {
    fx = await createCoreFixture();
    for (const channel of ['nope', '__proto__', 'constructor', 'toString', 42, null]) {
      const reply = await fx.core.dispatch(channel, {});
      expect(reply).toMatchObject({ ok: false, error: { code: 'ipc.unknownChannel' } });
    }
  });

  it('stores the AMI secret in the secret store and reports only that it is set', async () => {
    fx = await createCoreFixture();
    const reply = await fx.core.dispatch('settings.update', { patch: { pbx: { amiUser: 'op101' } }, amiSecret: 's3cr3t' });
    expect(reply.ok).toBe(true);
    expect(JSON.stringify(reply)).not.toContain('s3cr3t');
    expect(await fx.secrets.get('pbx/ami-secret')).toBe('s3cr3t');
    expect(fs.readFileSync(fx.settingsFile, 'utf8')).not.toContain('s3cr3t');
    if (reply.ok) expect(reply.result).toMatchObject({ secrets: { amiSecretSet: true }, settings: { pbx: { amiUser: 'op101' } } });
  });

  it('emits settings.changed and connection.status after an update', async () => {
    fx = await createCoreFixture();
    const seen: string[] = [];
    fx.core.subscribe((channel, payload) => seen.push(`${channel}:${JSON.stringify(payload)}`));
    await fx.core.dispatch('settings.update', { patch: { pbx: { host: '10.0.0.5' } } });
    expect(seen.some((s) => s.startsWith('settings.changed:'))).toBe(true);
    // No AMI user, secret or extension yet: the connection says what to enter instead of trying.
    expect(seen).toContain('connection.status:{"state":"error","target":"10.0.0.5:5038","reason":"Enter the AMI user, the AMI secret and your extension in Settings -> PBX"}');
  });
});

describe('call control through IPC', () => {
  it('refuses a hostile number with the operator-facing reason and sends nothing', async () => {
    fx = await createCoreFixture({ demo: true });
    for (const number of ['123\r\nAction: Originate', '${SHELL(id)}', 'PJSIP/102', '101&102', '']) {
      const reply = await fx.core.dispatch('calls.dial', { number, source: 'pad' });
      expect(reply, number).toMatchObject({ ok: false, error: { code: 'control.failed' } });
    }
  });

  it('a tel: link becomes a pending confirmation, not a call', async () => {
    fx = await createCoreFixture({ demo: true });
    const seen: unknown[] = [];
    fx.core.subscribe((channel, payload) => {
      if (channel === 'links.pending') seen.push(payload);
    });
    expect(await fx.core.dispatch('links.open', { uri: 'tel:+7-916-123-45-67' })).toEqual({ ok: true, result: { status: 'pending' } });
    expect(seen).toEqual([expect.objectContaining({ scheme: 'tel', number: expect.objectContaining({ e164: '+79161234567' }) })]);
    const hostile = await fx.core.dispatch('links.open', { uri: 'tel:123%0d%0aChannel: Local/666@evil' });
    expect(hostile).toMatchObject({ ok: false, error: { code: 'ipc.invalidRequest' } });
    expect(seen).toHaveLength(1);
  });
});
