// A finished call as the reporting layer hands it to a CRM connector, with
// overrides, the phone query a screen pop sends, and in-memory DeliveryContexts
// that record saved steps: the common inputs of the connector tests against the
// CRM test servers and of the mapping tests.
import { CallLogSchema, type CallLog } from '../../../src-shared/domain/call-log';
import type { DeliveryContext, PhoneQuery } from '../../../src-main/core/crm/connector';

type Mutable<T> = { -readonly [K in keyof T]: T[K] };
export type CallLogOverrides = Partial<Mutable<CallLog>>;

/** What differs between the answered inbound calls the CRM tests start from. */
export interface AnsweredCall {
  readonly id: string;
  /** Defaults to `id`. */
  readonly linkedid?: string;
  readonly startedAt: number;
  readonly waitSeconds: number;
  readonly talkSeconds: number;
  readonly recording: CallLog['recording'];
  readonly createUnknown: boolean;
  readonly crmUserId?: string;
}

/** An inbound call from +7 916 123-45-67 to ext 101, answered after `waitSeconds`, `talkSeconds` of talk; `overrides` win. */
export function answeredCallLog(call: AnsweredCall, overrides: CallLogOverrides = {}): CallLog {
  const answeredAt = call.startedAt + call.waitSeconds * 1000;
  return CallLogSchema.parse({
    id: call.id,
    linkedid: call.linkedid ?? call.id,
    direction: 'inbound',
    number: { raw: '89161234567', e164: '+79161234567', digits: '79161234567' },
    extension: '101',
    ...(call.crmUserId === undefined ? {} : { crmUserId: call.crmUserId }),
    startedAt: call.startedAt,
    answeredAt,
    endedAt: answeredAt + call.talkSeconds * 1000,
    talkSeconds: call.talkSeconds,
    waitSeconds: call.waitSeconds,
    result: 'answered',
    transfers: [],
    recording: call.recording,
    rules: { createUnknown: call.createUnknown, missedCallTask: false },
    ...overrides,
  });
}

const SAMPLE_CALL: AnsweredCall = {
  id: '1714987815.42',
  startedAt: Date.UTC(2024, 4, 6, 9, 30, 15),
  waitSeconds: 12,
  talkSeconds: 125,
  recording: { url: 'https://pbx.example.com/rec/2024/05/06/1714987815.42.mp3', files: ['1714987815.42.wav'] },
  createUnknown: false,
};

/** 2024-05-06 09:30:15 UTC: an inbound call from +7 916 123-45-67 to ext 101, answered after 12 s, 125 s of talk, recorded. */
export function sampleCallLog(overrides: CallLogOverrides = {}): CallLog {
  return answeredCallLog(SAMPLE_CALL, overrides);
}

/** The screen pop's query for a number typed in E.164. */
export function phoneQuery(e164: string): PhoneQuery {
  return { e164, digits: e164.replace(/\D/g, ''), raw: e164 };
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

/** A crash of the process right at one step's save; `persist`: the step reached the disk first. */
export interface SaveCrash {
  readonly at: string;
  readonly persist: boolean;
}

export interface JournalDelivery {
  readonly ctx: DeliveryContext;
  /** What a resumed delivery would find on disk. */
  readonly saved: Record<string, unknown>;
  /** Names saved without a crash, in order. */
  readonly order: string[];
}

/**
 * A DeliveryContext like the outbox's: the steps it starts from stay as given
 * (a copy), saved steps go through JSON as on disk, and `crash` throws at one save.
 */
export function journalDelivery(steps: Record<string, unknown> = {}, crash?: SaveCrash): JournalDelivery {
  const saved: Record<string, unknown> = { ...steps };
  const order: string[] = [];
  const ctx: DeliveryContext = {
    signal: new AbortController().signal,
    steps: { ...steps },
    saveStep(name, result) {
      if (crash?.at === name) {
        if (crash.persist) saved[name] = JSON.parse(JSON.stringify(result)) as unknown;
        return Promise.reject(new Error(`crash while saving ${name}`));
      }
      saved[name] = JSON.parse(JSON.stringify(result)) as unknown;
      order.push(name);
      return Promise.resolve();
    },
  };
  return { ctx, saved, order };
}
