// The safeStorage fallback: refuses what is no protection, round-trips through
// encryption, writes a private file atomically, never loses a damaged file.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Logger, SecretStore } from '../../../src-main/ports';
import { SafeStorageSecretStore, safeStorageRefusal, type SafeStorageLike } from '../../../src-main/hosts/electron/safe-storage-secret-store';
import { chooseSecretStore } from '../../../src-main/hosts/electron/secrets';
import { UnavailableSecretStore } from '../../../src-main/adapters/secrets/keytar-secret-store';
import { withTmpfs } from '../../support/tmpfs';

/** Reversible stand-in for the OS key: good enough to see that nothing is stored in clear. */
function fakeSafeStorage(overrides: Partial<SafeStorageLike> = {}): SafeStorageLike {
  const key = 0x5a;
  return {
    isEncryptionAvailable: () => true,
    getSelectedStorageBackend: () => 'gnome_libsecret',
    encryptString: (s) => Buffer.from(Buffer.from(`v10${s}`, 'utf8').map((b) => b ^ key)),
    decryptString: (b) => {
      const plain = Buffer.from(b.map((x) => x ^ key)).toString('utf8');
      if (!plain.startsWith('v10')) throw new Error('Error while decrypting the ciphertext provided to safeStorage.decryptString.');
      return plain.slice(3);
    },
    ...overrides,
  };
}

function recordingLog(): Logger & { lines: string[] } {
  const lines: string[] = [];
  const rec = (level: string) => (m: string) => void lines.push(`${level} ${m}`);
  return { lines, debug: rec('debug'), info: rec('info'), warn: rec('warn'), error: rec('error') };
}

let dir: string;
let file: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sidecall-safestorage-'));
  file = path.join(dir, 'userData', 'secrets.json');
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

function open(safeStorage = fakeSafeStorage(), platform: NodeJS.Platform = 'linux', log = recordingLog()): SecretStore {
  return SafeStorageSecretStore.open({ file, safeStorage, platform, log });
}

describe('refusals', () => {
  it("refuses Linux's basic_text backend, saying what to install", () => {
    const store = open(fakeSafeStorage({ getSelectedStorageBackend: () => 'basic_text' }));
    expect(store.status()).toMatchObject({ available: false, backend: 'safeStorage' });
    expect(store.status().reason).toMatch(/basic_text.*no protection.*gnome-keyring or KWallet/);
    expect(fs.existsSync(file)).toBe(false);
  });

  it('refuses when encryption is unavailable, and an unknown Linux backend', () => {
    expect(safeStorageRefusal(fakeSafeStorage({ isEncryptionAvailable: () => false }), 'win32')).toMatch(/cannot encrypt/);
    expect(safeStorageRefusal(fakeSafeStorage({ getSelectedStorageBackend: () => 'unknown' }), 'linux')).toMatch(/backend unknown/);
  });

  it('asks for the backend only on Linux (Electron has it nowhere else)', () => {
    const noBackend = fakeSafeStorage({ getSelectedStorageBackend: () => { throw new Error('not on this platform'); } });
    expect(safeStorageRefusal(noBackend, 'darwin')).toBeUndefined();
    expect(open(noBackend, 'win32').status()).toEqual({ available: true, backend: 'safeStorage' });
  });

  it('accepts a real keyring and names it', () => {
    expect(open().status()).toEqual({ available: true, backend: 'safeStorage (gnome_libsecret)' });
    expect(open(fakeSafeStorage({ getSelectedStorageBackend: () => 'kwallet6' })).status().backend).toBe('safeStorage (kwallet6)');
  });

  it('an unavailable store refuses to save', async () => {
    const store = open(fakeSafeStorage({ getSelectedStorageBackend: () => 'basic_text' }));
    await expect(store.set('pbx/ami-secret', 'x')).rejects.toMatchObject({ code: 'secrets.unavailable' });
    await expect(store.get('pbx/ami-secret')).resolves.toBeNull();
  });
});

describe('storage', () => {
  it('round-trips, deletes, and keeps only ciphertext on disk', async () => {
    const store = open();
    await expect(store.get('pbx/ami-secret')).resolves.toBeNull();
    await store.set('pbx/ami-secret', 's3cr3t-ü');
    await store.set('crm/amocrm/refresh', 'tok');
    await expect(store.get('pbx/ami-secret')).resolves.toBe('s3cr3t-ü');
    const raw = fs.readFileSync(file, 'utf8');
    expect(raw).not.toContain('s3cr3t');
    expect(JSON.parse(raw)).toMatchObject({ version: 1, entries: { 'pbx/ami-secret': expect.any(String) } });

    expect(await open().get('crm/amocrm/refresh')).toBe('tok'); // a new instance reads the same file
    await expect(store.delete('pbx/ami-secret')).resolves.toBe(true);
    await expect(store.delete('pbx/ami-secret')).resolves.toBe(false);
    await expect(store.get('pbx/ami-secret')).resolves.toBeNull();
    await expect(store.get('crm/amocrm/refresh')).resolves.toBe('tok');
  });

  it.skipIf(process.platform === 'win32')('writes the file 0600, replacing a looser one, and leaves no temp file', async () => {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, JSON.stringify({ version: 1, entries: {} }), { mode: 0o644 });
    await open().set('a', 'b');
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    expect(fs.readdirSync(path.dirname(file))).toEqual(['secrets.json']);
  });

  it('sets a damaged file aside (kept, never deleted) and starts empty', async () => {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, '{"version":1,"entr');
    const log = recordingLog();
    const store = open(fakeSafeStorage(), 'linux', log);
    await expect(store.get('a')).resolves.toBeNull();
    await store.set('a', 'b');
    await expect(store.get('a')).resolves.toBe('b');
    const kept = fs.readdirSync(path.dirname(file)).filter((f) => f.startsWith('secrets.json.corrupt-'));
    expect(kept).toHaveLength(1);
    expect(fs.readFileSync(path.join(path.dirname(file), kept[0] ?? ''), 'utf8')).toBe('{"version":1,"entr');
    expect(log.lines.some((l) => l.startsWith('warn secrets file is damaged'))).toBe(true);
  });

  it('treats a value the OS key can no longer decrypt as not set, and logs it', async () => {
    await open().set('pbx/ami-secret', 'old');
    const log = recordingLog();
    const rotated = open(fakeSafeStorage({ decryptString: () => { throw new Error('Error while decrypting'); } }), 'linux', log);
    await expect(rotated.get('pbx/ami-secret')).resolves.toBeNull();
    expect(log.lines).toContain('warn stored secret cannot be decrypted; treating it as not set');
  });

  it('reports a failed encryption as secrets.failed and changes nothing', async () => {
    await open().set('a', 'b');
    const before = fs.readFileSync(file, 'utf8');
    const failing = open(fakeSafeStorage({ encryptString: () => { throw new Error('Encryption is not available.'); } }));
    await expect(failing.set('a', 'c')).rejects.toMatchObject({ code: 'secrets.failed', message: expect.stringContaining('Encryption is not available.') });
    expect(fs.readFileSync(file, 'utf8')).toBe(before);
  });

  it('reports a folder it cannot create as secrets.failed (also when running as root)', async () => {
    fs.writeFileSync(path.join(dir, 'userData'), 'a file where the folder should be');
    await expect(open().set('a', 'b')).rejects.toMatchObject({ code: 'secrets.failed', message: expect.stringContaining(file) });
  });

  it('reports a read-only disk as secrets.failed, keeping the old file (a real read-only tmpfs, so root cannot write either)', async () => {
    await withTmpfs(dir, 256, async (mnt) => {
      const onDisk = (): SecretStore => SafeStorageSecretStore.open({ file: path.join(mnt, 'secrets.json'), safeStorage: fakeSafeStorage(), platform: 'linux', log: recordingLog() });
      const store = onDisk();
      await store.set('a', 'b');
      execFileSync('mount', ['-o', 'remount,ro', mnt]);
      try {
        await expect(store.set('a', 'c')).rejects.toMatchObject({ code: 'secrets.failed' });
      } finally {
        execFileSync('mount', ['-o', 'remount,rw', mnt]);
      }
      await expect(onDisk().get('a')).resolves.toBe('b');
    });
  });
});

describe('chooseSecretStore', () => {
  const working = (backend: string): SecretStore => ({
    status: () => ({ available: true, backend }),
    get: async () => null,
    set: async () => undefined,
    delete: async () => false,
  });

  it('prefers the OS keychain through keytar', async () => {
    const store = await chooseSecretStore({ keychain: async () => working('keytar'), safeStorage: () => working('safeStorage'), log: recordingLog() });
    expect(store.status().backend).toBe('keytar');
  });

  it('falls back to safeStorage when keytar is unavailable', async () => {
    const log = recordingLog();
    const store = await chooseSecretStore({ keychain: async () => new UnavailableSecretStore('keytar', 'keytar did not build.'), safeStorage: () => working('safeStorage (kwallet5)'), log });
    expect(store.status()).toEqual({ available: true, backend: 'safeStorage (kwallet5)' });
    expect(log.lines).toContain('info OS keychain unavailable; secrets use Electron safeStorage');
  });

  it('names both reasons when neither works', async () => {
    const store = await chooseSecretStore({
      keychain: async () => new UnavailableSecretStore('keytar', 'No Secret Service answers on D-Bus.'),
      safeStorage: () => new UnavailableSecretStore('safeStorage', 'basic_text is no protection.'),
      log: recordingLog(),
    });
    expect(store.status()).toEqual({ available: false, backend: 'keytar+safeStorage', reason: 'No Secret Service answers on D-Bus. basic_text is no protection.' });
  });
});
