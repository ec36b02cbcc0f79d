// The SecretStore against a real keychain: gnome-keyring's Secret Service in a
// private D-Bus session started for this test, and the failure mode when no
// keychain answers at all.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const repo = path.resolve(import.meta.dirname, '../../..');
const probe = path.join(repo, 'tests/support/keychain-probe.ts');
const tsx = path.join(repo, 'node_modules/.bin/tsx');

function runProbe(cmd: string, args: readonly string[], env: NodeJS.ProcessEnv): Record<string, unknown> {
  const out = execFileSync(cmd, args, { env, cwd: repo, encoding: 'utf8', timeout: 60_000 });
  const line = out.trim().split('\n').pop() ?? '';
  return JSON.parse(line) as Record<string, unknown>;
}

describe('KeytarSecretStore', () => {
  it('round-trips a secret through gnome-keyring (real Secret Service over D-Bus)', () => {
    const script = `echo -n test-pw | gnome-keyring-daemon -r -d --unlock --components=secrets >/dev/null && sleep 1 && "${tsx}" "${probe}" Sidecall-test-${process.pid}`;
    const env = { ...process.env };
    delete env['DBUS_SESSION_BUS_ADDRESS'];
    // A keyring folder of its own: an existing login keyring with another password would make the daemon prompt.
    env['XDG_DATA_HOME'] = fs.mkdtempSync(path.join(os.tmpdir(), 'sidecall-keyring-'));
    const r = runProbe('dbus-run-session', ['--', 'sh', '-c', script], env);
    expect(r['status']).toEqual({ available: true, backend: 'keytar' });
    expect(r['got']).toBe('päss wörd:1');
    expect(r['rotated']).toBe('rotated');
    expect(r['deleted']).toBe(true);
    expect(r['afterDelete']).toBeNull();
    expect(r['error']).toBeUndefined();
  });

  it('says plainly that the keychain is unavailable when no Secret Service answers', () => {
    const env: NodeJS.ProcessEnv = { ...process.env, DBUS_SESSION_BUS_ADDRESS: 'unix:path=/nonexistent/sidecall-bus' };
    delete env['DISPLAY'];
    const r = runProbe(tsx, [probe, 'Sidecall-test'], env);
    const status = r['status'] as { available: boolean; reason: string };
    expect(status.available).toBe(false);
    expect(status.reason).toMatch(/OS keychain is unavailable.*(Secret Service|D-Bus)/);
    expect(r['error']).toMatchObject({ code: 'secrets.unavailable' });
    expect(r['got']).toBeUndefined();
  });
});
