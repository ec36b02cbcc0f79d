// Main's side of the softphone through the real core: the SIP password goes to
// the keychain and back only to the renderer's credentials request, the
// renderer's state report becomes the softphone.status event, and click-to-call
// goes to the softphone only while it is registered, configured and chosen.
import fs from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import type { EventChannel } from '../../../src-shared/ipc/contract';
import { createSoftphoneService, STATUS_STALE_MS } from '../../../src-main/core/softphone/softphone-service';
import { SettingsSchema } from '../../../src-shared/domain/settings';
import { createCoreFixture, type CoreFixture } from '../../support/core-fixture';
import { FakeClock } from '../../support/fake-clock';
import { MemorySecretStore } from '../../support/memory-secret-store';
import type { SecretStoreStatus } from '../../../src-main/ports';

let fx: CoreFixture | undefined;
afterEach(async () => {
  await fx?.cleanup();
  fx = undefined;
});

class NoKeychain extends MemorySecretStore {
  override status(): SecretStoreStatus {
    return { available: false, backend: 'none', reason: 'No Secret Service on this desktop.' };
  }
}

function events(f: CoreFixture, channel: EventChannel): unknown[] {
  const seen: unknown[] = [];
  f.core.subscribe((c, payload) => {
    if (c === channel) seen.push(payload);
  });
  return seen;
}

const SOFTPHONE = { enabled: true, wsUrl: 'wss://pbx.example.com:8089/ws', sipUri: 'sip:101@pbx.example.com', placeCalls: 'softphone' } as const;
const REGISTERED = { registration: 'registered', aor: 'sip:101@pbx.example.com', calls: { ringing: 0, active: 0 } } as const;

describe('SIP password', () => {
  it('is stored in the keychain (softphone/password), reported only as set, and handed to the credentials request', async () => {
    fx = await createCoreFixture();
    const saved = await fx.core.dispatch('settings.update', { patch: { softphone: SOFTPHONE }, sipPassword: 'sip-s3cret' });
    expect(saved.ok).toBe(true);
    expect(JSON.stringify(saved)).not.toContain('sip-s3cret');
    if (saved.ok) expect(saved.result).toMatchObject({ secrets: { sipPasswordSet: true }, settings: { softphone: { enabled: true, sipUri: 'sip:101@pbx.example.com' } } });
    expect(await fx.secrets.get('softphone/password')).toBe('sip-s3cret');
    expect(fs.readFileSync(fx.settingsFile, 'utf8')).not.toContain('sip-s3cret');
    expect(await fx.core.dispatch('softphone.credentials', {})).toEqual({ ok: true, result: { password: 'sip-s3cret', keychain: true } });
    // Saving other settings leaves it; null removes it.
    await fx.core.dispatch('settings.update', { patch: { softphone: { callWaiting: false } } });
    expect(await fx.secrets.get('softphone/password')).toBe('sip-s3cret');
    const removed = await fx.core.dispatch('settings.update', { patch: {}, sipPassword: null });
    if (removed.ok) expect(removed.result).toMatchObject({ secrets: { sipPasswordSet: false } });
    expect(await fx.core.dispatch('softphone.credentials', {})).toEqual({ ok: true, result: { password: null, keychain: true } });
  });

  it('without a keychain: refused with the reason and no setting changes; credentials say there is no keychain', async () => {
    fx = await createCoreFixture({ secrets: new NoKeychain() });
    const before = fs.existsSync(fx.settingsFile) ? fs.readFileSync(fx.settingsFile, 'utf8') : null;
    const r = await fx.core.dispatch('settings.update', { patch: { softphone: SOFTPHONE }, sipPassword: 'x' });
    expect(r).toMatchObject({ ok: false, error: { code: 'secrets.unavailable', message: 'No Secret Service on this desktop.' } });
    expect(fs.existsSync(fx.settingsFile) ? fs.readFileSync(fx.settingsFile, 'utf8') : null).toBe(before);
    expect(await fx.core.dispatch('softphone.credentials', {})).toEqual({ ok: true, result: { password: null, keychain: false } });
  });

  it('a password with a line break is refused', async () => {
    fx = await createCoreFixture();
    const r = await fx.core.dispatch('settings.update', { patch: {}, sipPassword: 'a\r\nb' });
    expect(r).toMatchObject({ ok: false, error: { code: 'ipc.invalidRequest', issues: [{ path: 'sipPassword' }] } });
  });
});

describe('state and click-to-call', () => {
  it('re-emits the renderer report as softphone.status, once per change', async () => {
    fx = await createCoreFixture();
    const seen = events(fx, 'softphone.status');
    await fx.core.dispatch('softphone.state', REGISTERED);
    await fx.core.dispatch('softphone.state', REGISTERED);
    await fx.core.dispatch('softphone.state', { ...REGISTERED, calls: { ringing: 1, active: 0 } });
    expect(seen).toEqual([REGISTERED, { ...REGISTERED, calls: { ringing: 1, active: 0 } }]);
  });

  it('dials through the softphone while it is registered and chosen; otherwise the PBX path (Originate)', async () => {
    fx = await createCoreFixture();
    const dials = events(fx, 'softphone.dial');
    await fx.core.dispatch('settings.update', { patch: { softphone: SOFTPHONE, numbers: { defaultRegion: 'RU' } } });
    // Not registered yet: the Originate path, which has no PBX here.
    expect(await fx.core.dispatch('calls.dial', { number: '+7 916 123-45-67', source: 'pad' })).toMatchObject({ ok: false });
    await fx.core.dispatch('softphone.state', REGISTERED);
    const r = await fx.core.dispatch('calls.dial', { number: '+7 916 123-45-67', source: 'link' });
    expect(r).toMatchObject({ ok: true, result: { number: { e164: '+79161234567', kind: 'external' } } });
    expect(dials).toEqual([{ exten: '89161234567', number: expect.objectContaining({ e164: '+79161234567' }), source: 'link' }]);
    // The same validation as Originate: a hostile number never reaches the softphone.
    expect(await fx.core.dispatch('calls.dial', { number: '123\r\nAction: Originate', source: 'pad' })).toMatchObject({ ok: false, error: { code: 'control.failed' } });
    // Settings say the PBX places calls: Originate again.
    await fx.core.dispatch('settings.update', { patch: { softphone: { placeCalls: 'pbx' } } });
    expect(await fx.core.dispatch('calls.dial', { number: '102', source: 'pad' })).toMatchObject({ ok: false });
    expect(dials).toHaveLength(1);
  });

  it('a report older than a minute no longer counts as registered (the page is gone)', () => {
    const clock = new FakeClock();
    const settings = SettingsSchema.parse({ softphone: SOFTPHONE });
    const dials: unknown[] = [];
    const sp = createSoftphoneService({
      secrets: new MemorySecretStore(),
      settings: () => settings,
      clock,
      log: { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined },
      onStatus: () => undefined,
      onDial: (d) => dials.push(d),
    });
    sp.report(REGISTERED);
    expect(sp.dial('102', 'pad')).toBeDefined();
    clock.advance(STATUS_STALE_MS + 1);
    expect(sp.dial('102', 'pad')).toBeUndefined();
    expect(sp.status().registration).toBe('off');
    sp.report(REGISTERED);
    expect(sp.dial('102', 'pad')).toBeDefined();
    expect(dials).toHaveLength(2);
  });

  it('the pages may connect to the softphone WebSocket origin (CSP connect-src, Electron request filter)', async () => {
    fx = await createCoreFixture();
    expect(fx.core.connectOrigins()).toEqual([]);
    await fx.core.dispatch('settings.update', { patch: { softphone: { wsUrl: 'wss://PBX.example.com:8089/ws' } } });
    expect(fx.core.connectOrigins()).toEqual(['wss://pbx.example.com:8089']);
  });

  it('probe without a WebSocket URL says so', async () => {
    fx = await createCoreFixture();
    expect(await fx.core.dispatch('softphone.probe', {})).toMatchObject({ ok: true, result: { result: 'notConfigured' } });
  });
});
