// A finished call as the reporting layer hands it to a CRM connector, with
// overrides, and an in-memory DeliveryContext that records saved steps: the
// common inputs of the connector tests against the CRM test servers.
import { CallLogSchema, type CallLog } from '../../../src-shared/domain/call-log';
import type { DeliveryContext } from '../../../src-main/core/crm/connector';

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/** 2024-05-06 09:30:15 UTC: an inbound call from +7 916 123-45-67 to ext 101, answered after 12 s, 125 s of talk, recorded. */
export function sampleCallLog(overrides: Partial<Mutable<CallLog>> = {}): CallLog {
  const startedAt = Date.UTC(2024, 4, 6, 9, 30, 15);
  return CallLogSchema.parse({
    id: '1714987815.42',
    linkedid: '1714987815.42',
    direction: 'inbound',
    number: { raw: '89161234567', e164: '+79161234567', digits: '79161234567' },
    extension: '101',
    startedAt,
    answeredAt: startedAt + 12_000,
    endedAt: startedAt + 137_000,
    talkSeconds: 125,
    waitSeconds: 12,
    result: 'answered',
    transfers: [],
    recording: { url: 'https://pbx.example.com/rec/2024/05/06/1714987815.42.mp3', files: ['1714987815.42.wav'] },
    rules: { createUnknown: false, missedCallTask: false },
    ...overrides,
  });
}

export interface MemoryDelivery extends DeliveryContext {
  readonly saved: Record<string, unknown>;
  /** Names in the order they were saved. */
  readonly order: string[];
}

/** A DeliveryContext whose steps live in memory; pass `steps` to resume one. */
export function memoryDelivery(steps: Record<string, unknown> = {}, signal: AbortSignal = new AbortController().signal): MemoryDelivery {
  const saved: Record<string, unknown> = { ...steps };
  const order: string[] = [];
  return {
    signal,
    steps: saved,
    saved,
    order,
    saveStep(name, result) {
      saved[name] = result;
      order.push(name);
      return Promise.resolve();
    },
  };
}
