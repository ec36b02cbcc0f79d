// Demo mode has an outbox of its own: call logs waiting for the operator's real
// CRM (in the file journal) are never "delivered" to the demo CRM, whatever
// happens while demo mode is on ("Send now", demo calls being reported), and
// they are still waiting after switching into demo mode and back. History's
// marks ask both outboxes.
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createLoggerFactory, memorySink } from '../../../src-main/core/log/logger';
import type { OutboxPort } from '../../../src-main/core/reporting/reporting-service';
import { fileOutbox, history, POLL, reportMarks, request } from '../../support/core-calls';
import { createCoreFixture, tempDir, type CoreFixture } from '../../support/core-fixture';
import { makeCallLog } from '../../support/outbox-call-logs';

const REAL_IDS = [makeCallLog(1).id, makeCallLog(2).id];

describe('demo mode and the real outbox', () => {
  let fx: CoreFixture | undefined;
  afterEach(async () => {
    await fx?.cleanup();
    fx = undefined;
  });

  it('real queued logs stay queued across a switch into demo mode and back; demo calls go to the demo CRM', async () => {
    const dir = tempDir('sidecall-demo-outbox-');
    const journal = path.join(dir, 'outbox.journal');
    // Two calls from an earlier session, waiting for the operator's CRM.
    const earlier = fileOutbox(journal)(() => undefined, createLoggerFactory(memorySink(), 'debug'));
    await earlier.start();
    for (const i of [1, 2]) await earlier.enqueue(makeCallLog(i));
    await earlier.dispose();

    let real: OutboxPort | undefined;
    const core = await createCoreFixture({
      dir,
      demo: true,
      outbox: (connector, log) => {
        real = fileOutbox(journal)(connector, log);
        return real;
      },
    });
    fx = core;
    const realOutbox = (): OutboxPort => {
      if (!real) throw new Error('the core built no outbox');
      return real;
    };
    await request(core, 'settings.update', { patch: { reporting: { which: 'all' } } });
    await expect.poll(async () => (await request(core, 'connection.get', {})).state, POLL).toBe('ready');
    expect((await request(core, 'calls.get', {})).demo).toBe(true);
    expect(realOutbox().status().waiting).toBe(2);

    // In demo mode: "Send now", then a demo call that is reported to the demo CRM.
    await request(core, 'outbox.retry', {});
    const number = (await request(core, 'demo.simulateIncoming', {})).number;
    let callId = '';
    await expect
      .poll(async () => {
        callId = (await request(core, 'calls.get', {})).live.find((l) => l.call.state === 'ringing' && l.call.remoteNumber === number)?.call.id ?? '';
        return callId;
      }, POLL)
      .not.toBe('');
    await request(core, 'demo.phone', { action: 'callerHangup' });
    await expect.poll(async () => (await reportMarks(core, [callId]))[0], POLL).toBe('sent');
    // The demo outbox sent its call; the real ones were not offered to the demo CRM.
    expect(realOutbox().status().waiting).toBe(2);
    expect(REAL_IDS.map((id) => realOutbox().mark(id))).toEqual(['waiting', 'waiting']);
    expect((await request(core, 'outbox.status', {})).waiting).toBe(0);

    // Out of demo mode (a PBX address is set): the real queue shows, untouched; History still marks the demo call.
    await request(core, 'settings.update', { patch: { pbx: { host: '127.0.0.1', port: 1 } } });
    expect((await request(core, 'calls.get', {})).demo).toBe(false);
    expect(await request(core, 'outbox.status', {})).toMatchObject({ waiting: 2, paused: 'noCrm' });
    expect((await history(core)).find((h) => h.call.id === callId)?.report).toBe('sent');

    // And back into demo mode: still waiting for the real CRM.
    await request(core, 'settings.update', { patch: { pbx: { host: '' } } });
    expect((await request(core, 'calls.get', {})).demo).toBe(true);
    await request(core, 'outbox.retry', {});
    expect(REAL_IDS.map((id) => realOutbox().mark(id))).toEqual(['waiting', 'waiting']);
    expect(realOutbox().status().waiting).toBe(2);
  });
});
