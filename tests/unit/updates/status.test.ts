// The update status and schedule: first check a while after start, then every
// few hours, sooner after a failure, none while off, busy or waiting for a
// restart; a downloaded update survives errors and settings changes that keep
// updates on; restart is refused during a call; texts in both languages.
import { describe, expect, it } from 'vitest';
import {
  CHECK_INTERVAL_MS,
  FIRST_CHECK_DELAY_MS,
  INITIAL_STATUS,
  RETRY_AFTER_ERROR_MS,
  becameReady,
  describeUpdates,
  nextCheckAt,
  readyNotice,
  reduceUpdate,
  restartDecision,
  restartNotice,
  updateMenuItem,
  type UpdateEvent,
  type UpdatePlan,
  type UpdateStatus,
} from '../../../src-main/core/updates';

const ON: UpdatePlan = { kind: 'on', feed: { provider: 'generic', url: 'https://u.example/', channel: 'latest' } };
const run = (events: readonly UpdateEvent[], from: UpdateStatus = INITIAL_STATUS): UpdateStatus => events.reduce(reduceUpdate, from);
const T0 = 1_700_000_000_000;

describe('reduceUpdate', () => {
  it('starts off and goes idle when the plan is on', () => {
    expect(INITIAL_STATUS).toEqual({ state: 'off', reason: 'no-url' });
    expect(run([{ type: 'plan', plan: ON }])).toEqual({ state: 'idle' });
  });

  it('follows a check through download to ready', () => {
    const s = run([{ type: 'plan', plan: ON }, { type: 'checking' }, { type: 'available', version: '1.2.0' }, { type: 'progress', percent: 41.7 }]);
    expect(s).toEqual({ state: 'downloading', version: '1.2.0', percent: 41 });
    expect(run([{ type: 'progress', percent: 180 }], s)).toMatchObject({ percent: 100 });
    expect(run([{ type: 'downloaded', version: '1.2.0' }], s)).toEqual({ state: 'ready', version: '1.2.0' });
  });

  it('records an up-to-date check and a failed one', () => {
    const idle = run([{ type: 'plan', plan: ON }, { type: 'checking' }, { type: 'not-available', at: T0 }]);
    expect(idle).toEqual({ state: 'idle', lastCheck: { at: T0, outcome: 'up-to-date' } });
    expect(run([{ type: 'checking' }], idle)).toEqual({ state: 'checking', lastCheck: { at: T0, outcome: 'up-to-date' } });
    const failed = run([{ type: 'checking' }, { type: 'error', at: T0 + 5, message: 'HttpError: 404' }], idle);
    expect(failed).toEqual({ state: 'idle', lastCheck: { at: T0 + 5, outcome: 'failed', error: 'HttpError: 404' } });
    // A download that fails (e.g. the signature check) goes back to idle, failed.
    const dl = run([{ type: 'plan', plan: ON }, { type: 'checking' }, { type: 'available', version: '2.0.0' }, { type: 'error', at: T0, message: 'not signed by the application owner' }]);
    expect(dl).toMatchObject({ state: 'idle', lastCheck: { outcome: 'failed' } });
  });

  it('keeps a downloaded update through errors, repeated plans and late events', () => {
    const ready: UpdateStatus = { state: 'ready', version: '1.2.0' };
    expect(run([{ type: 'error', at: T0, message: 'x' }, { type: 'plan', plan: ON }, { type: 'not-available', at: T0 }, { type: 'available', version: '1.3.0' }, { type: 'checking' }], ready)).toBe(ready);
    expect(run([{ type: 'downloaded', version: '1.3.0' }], ready)).toEqual({ state: 'ready', version: '1.3.0' });
  });

  it('goes off whenever the plan does, and ignores the updater while off', () => {
    const ready: UpdateStatus = { state: 'ready', version: '1.2.0' };
    expect(run([{ type: 'plan', plan: { kind: 'off', reason: 'disabled-by-policy' } }], ready)).toEqual({ state: 'off', reason: 'disabled-by-policy' });
    const off = INITIAL_STATUS;
    for (const e of [{ type: 'checking' }, { type: 'available', version: '1' }, { type: 'not-available', at: 1 }, { type: 'progress', percent: 3 }, { type: 'downloaded', version: '1' }, { type: 'error', at: 1, message: 'x' }] as UpdateEvent[]) {
      expect(reduceUpdate(off, e)).toBe(off);
    }
  });

  it('ignores events that do not fit the state', () => {
    const idle: UpdateStatus = { state: 'idle' };
    expect(reduceUpdate(idle, { type: 'progress', percent: 10 })).toBe(idle);
    const checking: UpdateStatus = { state: 'checking' };
    expect(reduceUpdate(checking, { type: 'checking' })).toBe(checking);
  });
});

describe('nextCheckAt', () => {
  it('first checks a while after start, never in the past', () => {
    expect(nextCheckAt({ state: 'idle' }, T0, T0)).toBe(T0 + FIRST_CHECK_DELAY_MS);
    expect(nextCheckAt({ state: 'idle' }, T0, T0 + FIRST_CHECK_DELAY_MS * 3)).toBe(T0 + FIRST_CHECK_DELAY_MS * 3);
  });
  it('waits the interval after a good check and less after a failed one', () => {
    expect(nextCheckAt({ state: 'idle', lastCheck: { at: T0, outcome: 'up-to-date' } }, 0, T0)).toBe(T0 + CHECK_INTERVAL_MS);
    expect(nextCheckAt({ state: 'idle', lastCheck: { at: T0, outcome: 'failed' } }, 0, T0)).toBe(T0 + RETRY_AFTER_ERROR_MS);
    expect(RETRY_AFTER_ERROR_MS).toBeLessThan(CHECK_INTERVAL_MS);
  });
  it('has nothing to schedule when off, busy or ready', () => {
    for (const s of [INITIAL_STATUS, { state: 'checking' }, { state: 'downloading', version: '1', percent: 0 }, { state: 'ready', version: '1' }] as UpdateStatus[]) {
      expect(nextCheckAt(s, T0, T0)).toBeNull();
    }
  });
});

describe('restart and notices', () => {
  it('restarts only with an update ready and no live call', () => {
    const ready: UpdateStatus = { state: 'ready', version: '1.2.0' };
    expect(restartDecision(ready, 0)).toBe('restart');
    expect(restartDecision(ready, 1)).toBe('on-call');
    expect(restartDecision({ state: 'idle' }, 0)).toBe('nothing-to-install');
    expect(restartNotice('on-call', 'en')?.body).toMatch(/during a call/);
    expect(restartNotice('on-call', 'ru')?.body).toMatch(/во время звонка/);
    expect(restartNotice('restart', 'en')).toBeNull();
    expect(restartNotice('nothing-to-install', 'en')).toBeNull();
  });

  it('notifies once per downloaded version', () => {
    const ready: UpdateStatus = { state: 'ready', version: '1.2.0' };
    expect(becameReady({ state: 'downloading', version: '1.2.0', percent: 99 }, ready)).toBe(true);
    expect(becameReady(ready, ready)).toBe(false);
    expect(becameReady(ready, { state: 'ready', version: '1.3.0' })).toBe(true);
    expect(becameReady(ready, { state: 'idle' })).toBe(false);
    expect(readyNotice('1.2.0', 'en')).toEqual({ title: 'Sidecall update ready', body: expect.stringContaining('1.2.0') });
    expect(readyNotice('1.2.0', 'ru').title).toBe('Обновление Sidecall готово');
  });

  it('puts an entry in the tray only while downloading or ready', () => {
    expect(updateMenuItem({ state: 'ready', version: '1.2.0' }, 'en')).toEqual({ label: 'Restart to update (1.2.0)', enabled: true, action: 'restart' });
    expect(updateMenuItem({ state: 'ready', version: '1.2.0' }, 'ru')).toEqual({ label: 'Перезапустить для обновления (1.2.0)', enabled: true, action: 'restart' });
    expect(updateMenuItem({ state: 'downloading', version: '1.2.0', percent: 40 }, 'en')).toEqual({ label: 'Downloading update 1.2.0… 40%', enabled: false });
    for (const s of [INITIAL_STATUS, { state: 'idle' }, { state: 'checking' }] as UpdateStatus[]) expect(updateMenuItem(s, 'en')).toBeNull();
  });

  it('describes every state in both languages', () => {
    const time = (at: number): string => `T${at}`;
    const states: UpdateStatus[] = [
      ...(['disabled', 'disabled-by-policy', 'no-url', 'development', 'managed-install', 'unsigned', 'unsupported'] as const).map((reason) => ({ state: 'off', reason }) as const),
      { state: 'idle' },
      { state: 'idle', lastCheck: { at: 5, outcome: 'up-to-date' } },
      { state: 'idle', lastCheck: { at: 6, outcome: 'failed', error: 'x' } },
      { state: 'checking' },
      { state: 'downloading', version: '1.2.0', percent: 3 },
      { state: 'ready', version: '1.2.0' },
    ];
    for (const language of ['en', 'ru'] as const) {
      const lines = states.map((s) => describeUpdates(s, language, time));
      expect(new Set(lines).size).toBe(lines.length);
      for (const line of lines) expect(line.length).toBeGreaterThan(10);
    }
    expect(describeUpdates({ state: 'off', reason: 'disabled-by-policy' }, 'en', time)).toBe('Updates are turned off by your organization.');
    expect(describeUpdates({ state: 'idle', lastCheck: { at: 5, outcome: 'up-to-date' } }, 'en', time)).toBe('Up to date (checked T5).');
    // The failure's own text stays in the log, not in front of the operator.
    expect(describeUpdates({ state: 'idle', lastCheck: { at: 6, outcome: 'failed', error: 'ECONNREFUSED 10.0.0.5' } }, 'en', time)).not.toContain('ECONNREFUSED');
  });
});
