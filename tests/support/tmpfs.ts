// A real small filesystem to fill up: ENOSPC tests run on a tmpfs mounted for
// the test. Needs root (CI runs as root); elsewhere it fails with the reason.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

export async function withTmpfs<T>(parent: string, sizeKb: number, fn: (mountPoint: string) => Promise<T> | T): Promise<T> {
  const mnt = path.join(parent, `tmpfs-${sizeKb}k`);
  fs.mkdirSync(mnt, { recursive: true });
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${sizeKb}k`, 'tmpfs', mnt], { stdio: 'pipe' });
  } catch (error) {
    throw new Error(`Cannot mount a tmpfs for the disk-full test (needs root or CAP_SYS_ADMIN; CI runs as root): ${(error as Error).message}`, { cause: error });
  }
  try {
    return await fn(mnt);
  } finally {
    execFileSync('umount', [mnt]);
  }
}
