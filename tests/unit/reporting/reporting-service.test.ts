// Reporting: which ended calls reach the outbox and with what recording link,
// including PBXs that record every answered call in their own dialplan.
import { describe, expect, it } from 'vitest';
import type { Call } from '../../../src-shared/domain/call';
import type { CallLog } from '../../../src-shared/domain/call-log';
import { SettingsSchema, type Settings } from '../../../src-shared/domain/settings';
import { createLoggerFactory, memorySink } from '../../../src-main/core/log/logger';
import { createReportingService } from '../../../src-main/core/reporting/reporting-service';
import { MemorySecretStore } from '../../support/memory-secret-store';
import { FakeClock } from '../../support/fake-clock';
import { replay, traceEvents } from '../calls/replay';

function endedCall(trace: string): Call {
  const [call] = [...replay(traceEvents(trace, '101'), '101').calls.values()].filter((c) => c.state === 'ended');
  if (!call) throw new Error(`no ended call in ${trace}`);
  return call;
}

async function report(call: Call, settings: Settings, outbox: { enqueue(l: CallLog): Promise<'queued'> } = { enqueue: () => Promise.resolve('queued') }) {
  const got: CallLog[] = [];
  const service = createReportingService({
    outbox: { enqueue: (l) => (got.push(l), outbox.enqueue(l)) },
    settings: () => settings,
    secrets: new MemorySecretStore(),
    clock: new FakeClock(),
    log: createLoggerFactory(memorySink(100))('reporting'),
    active: () => true,
  });
  service.callEnded(call);
  await new Promise((r) => setTimeout(r, 10));
  return { got, service };
}

const withTemplate = (urlTemplate: string, pbxRecordsAll = false) => SettingsSchema.parse({ reporting: { recordingLink: { urlTemplate, pbxRecordsAll } } });

describe('reporting service', () => {
  it('links a recording the operator session saw', async () => {
    const call = endedCall('d-mixmonitor-start-stop');
    const { got } = await report(call, withTemplate('https://pbx.example.com/rec/{file}'));
    expect(got).toHaveLength(1);
    expect(got[0]?.recording.url).toMatch(/^https:\/\/pbx\.example\.com\/rec\/[^/]+\.wav$/);
  });

  it('an answered call without a seen recording: no link, unless the PBX records every call (then by linkedid)', async () => {
    const call = endedCall('a-inbound-answered-caller-hangup');
    expect(call.recording.files).toHaveLength(0);
    expect((await report(call, withTemplate('https://pbx.example.com/rec/{linkedid}.wav'))).got[0]?.recording.url).toBeUndefined();
    const all = (await report(call, withTemplate('https://pbx.example.com/rec/{linkedid}.wav', true))).got[0];
    expect(all?.recording.url).toBe(`https://pbx.example.com/rec/${call.linkedids[0]}.wav`);
  });

  it('a missed call has no recording even when the PBX records every answered call', async () => {
    const { got } = await report(endedCall('b-inbound-noanswer-timeout'), withTemplate('https://pbx.example.com/rec/{linkedid}.wav', true));
    expect(got[0]?.recording.url).toBeUndefined();
  });

  it('keeps a log the outbox could not write and hands it over again', async () => {
    let fail = true;
    const clock = new FakeClock();
    const got: CallLog[] = [];
    const service = createReportingService({
      outbox: {
        enqueue: (l) => {
          if (fail) return Promise.reject(new Error('ENOSPC: no space left on device'));
          got.push(l);
          return Promise.resolve('queued');
        },
      },
      settings: () => SettingsSchema.parse({}),
      secrets: new MemorySecretStore(),
      clock,
      log: createLoggerFactory(memorySink(100))('reporting'),
      active: () => true,
      retryMs: 1000,
    });
    service.callEnded(endedCall('a-inbound-answered-caller-hangup'));
    await new Promise((r) => setTimeout(r, 10));
    expect(service.held()).toBe(1);
    fail = false;
    clock.advance(1000);
    await new Promise((r) => setTimeout(r, 10));
    expect(got).toHaveLength(1);
    expect(service.held()).toBe(0);
  });
});
