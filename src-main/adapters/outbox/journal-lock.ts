// One writer per outbox journal: a lock file beside it holding the owner's pid.
// Created with O_EXCL, so two processes cannot both create it; a lock left by a
// process that no longer runs (kill -9, a crash, a power cut) is taken over.
// Hosts also keep a single-instance lock; this one protects the journal from a
// second instance started with the same data folder in any other way.
import fs from 'node:fs';
import os from 'node:os';
import type { Logger } from '../../ports';

interface LockOwner {
  readonly pid: number;
  readonly host: string;
  readonly since: number;
  readonly token: string;
}

export class JournalLockedError extends Error {
  readonly owner: number;
  constructor(message: string, owner: number) {
    super(message);
    this.name = 'JournalLockedError';
    this.owner = owner;
  }
}

export interface JournalLock {
  readonly path: string;
  /** Removes the lock file if it is still ours. */
  release(): void;
}

/** Whether a process with this pid runs (EPERM: it runs, as another user). */
function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function readOwner(lockPath: string): LockOwner | 'missing' | 'unreadable' {
  let text: string;
  try {
    text = fs.readFileSync(lockPath, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 'missing';
    throw error;
  }
  try {
    const v = JSON.parse(text) as Partial<LockOwner>;
    if (typeof v.pid === 'number' && Number.isInteger(v.pid) && v.pid > 0 && typeof v.token === 'string') {
      return { pid: v.pid, host: typeof v.host === 'string' ? v.host : '', since: typeof v.since === 'number' ? v.since : 0, token: v.token };
    }
  } catch {
    // fall through
  }
  return 'unreadable';
}

/** An empty or half-written lock younger than this may be another process still writing it. */
const YOUNG_UNREADABLE_MS = 5_000;

/** Takes the lock or throws JournalLockedError naming the process that holds it. */
export function acquireJournalLock(lockPath: string, log: Logger): JournalLock {
  const me: LockOwner = { pid: process.pid, host: os.hostname(), since: Date.now(), token: `${process.pid}-${Date.now()}-${Math.random().toString(36).slice(2)}` };
  for (let tries = 0; tries < 5; tries++) {
    let fd: number;
    try {
      fd = fs.openSync(lockPath, 'wx', 0o600);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const owner = readOwner(lockPath);
      if (owner === 'missing') continue;
      if (owner === 'unreadable') {
        const age = Date.now() - fs.statSync(lockPath).mtimeMs;
        if (age < YOUNG_UNREADABLE_MS) {
          throw new JournalLockedError(`The CRM outbox at ${lockPath} is being opened by another process; try again in a few seconds.`, 0);
        }
        log.warn('removing an unreadable outbox lock', { lockPath });
      } else if (owner.pid === process.pid && owner.host === me.host) {
        throw new JournalLockedError(`The CRM outbox journal is already open in this process (${lockPath}).`, owner.pid);
      } else if (owner.host === me.host && isAlive(owner.pid)) {
        throw new JournalLockedError(
          `Another Sidecall process (pid ${owner.pid}) is using the CRM outbox. Close it; if none is running, delete ${lockPath}.`,
          owner.pid,
        );
      } else {
        // Its owner is gone (or ran on another machine sharing this folder, which we cannot ask).
        log.warn('taking over a stale outbox lock', { lockPath, pid: owner.pid, host: owner.host });
      }
      try {
        fs.unlinkSync(lockPath);
      } catch (unlinkError) {
        if ((unlinkError as NodeJS.ErrnoException).code !== 'ENOENT') throw unlinkError;
      }
      continue;
    }
    try {
      fs.writeSync(fd, JSON.stringify(me));
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    // Read back: catches most races of two processes taking over the same stale lock at once (not all:
    // one may remove the other's fresh lock between its write and its read). The host's single-instance
    // lock is the first line of defence; this one is for a second instance started some other way.
    const now = readOwner(lockPath);
    if (typeof now === 'object' && now.token === me.token) {
      return {
        path: lockPath,
        release() {
          const current = readOwner(lockPath);
          if (typeof current === 'object' && current.token === me.token) fs.rmSync(lockPath, { force: true });
        },
      };
    }
  }
  throw new JournalLockedError(`Could not lock the CRM outbox at ${lockPath}: another process keeps taking it.`, 0);
}
