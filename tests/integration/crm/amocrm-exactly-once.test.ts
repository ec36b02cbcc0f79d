// amoCRM's /api/v4/calls has no duplicate check of its own: a delivery that may
// have reached amoCRM before the app died (or before its answer was lost) must
// find its call note by uniq instead of logging the call twice.
import { afterEach, describe, expect, it } from 'vitest';
import { AmoCrmSettingsSchema } from '../../../src-shared/domain/crm-settings';
import { systemClock } from '../../../src-main/core/clock';
import { AMOCRM_STEPS, createAmoCrmConnector } from '../../../src-main/core/crm/amocrm/amocrm-connector';
import { amoCrmHttpOptions } from '../../../src-main/core/crm/amocrm/http-options';
import type { DeliveryContext } from '../../../src-main/core/crm/connector';
import { createCrmHttp } from '../../../src-main/core/crm/http/crm-http';
import { createLoggerFactory, memorySink } from '../../../src-main/core/log/logger';
import { startAmoCrmServer, type AmoCrmServer } from '../../support/crm-servers/amocrm-server';
import { makeCallLog } from '../../support/outbox-call-logs';

const TOKEN = 'llt-exactly-once';
const log = createLoggerFactory(memorySink(500));
let server: AmoCrmServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

class Crash extends Error {}

/** The outbox's context: steps persist across attempts; `crashAt` makes saving that step fail like a kill -9 right there. */
function outboxLike(crashAt?: string) {
  const steps: Record<string, unknown> = {};
  let crash = crashAt;
  const ctx = (): DeliveryContext => ({
    signal: new AbortController().signal,
    steps: { ...steps },
    saveStep(name, result) {
      if (name === crash) {
        crash = undefined;
        return Promise.reject(new Crash(`killed before step ${name} was saved`));
      }
      steps[name] = result;
      return Promise.resolve();
    },
  });
  return { ctx, steps };
}

async function rig() {
  const callLog = makeCallLog(7);
  server = await startAmoCrmServer({ longLivedToken: TOKEN, rateLimit: false, contacts: [{ name: 'Ivan Petrov', phones: [callLog.number.e164 ?? ''] }] });
  const settings = AmoCrmSettingsSchema.parse({ accountUrl: server.url, auth: 'longLivedToken' });
  const http = createCrmHttp({ ...amoCrmHttpOptions(settings, { kind: 'header', name: 'Authorization', value: `Bearer ${TOKEN}` }), rateLimit: undefined, clock: systemClock, log: log('http') });
  return { s: server, crm: createAmoCrmConnector({ settings, http, users: {}, clock: systemClock, log: log('amocrm') }), callLog };
}

describe('amoCRM call logs exactly once', () => {
  it('a crash after amoCRM took the call and before the step was saved: the retry finds the note and posts nothing', async () => {
    const { s, crm, callLog } = await rig();
    const o = outboxLike(AMOCRM_STEPS.call);
    await expect(crm.logCall(callLog, o.ctx())).rejects.toBeInstanceOf(Crash);
    expect(s.calls).toHaveLength(1);
    await crm.logCall(callLog, o.ctx());
    expect(s.calls).toHaveLength(1);
    expect(s.requestsTo('/api/v4/contacts/notes', 'GET')).toHaveLength(1);
    expect(o.steps[AMOCRM_STEPS.call]).toMatchObject({ placed: true, id: s.calls[0]?.id });
  });

  it('an attempt amoCRM did not take (503): the retry looks, finds nothing and posts once', async () => {
    const { s, crm, callLog } = await rig();
    const o = outboxLike();
    s.failNext(1, { status: 503, body: { title: 'Service Unavailable', status: 503 } }, '/api/v4/calls');
    await expect(crm.logCall(callLog, o.ctx())).rejects.toMatchObject({ kind: 'unavailable' });
    expect(o.steps[AMOCRM_STEPS.callPosting]).toBeDefined();
    expect(s.calls).toHaveLength(0);
    await crm.logCall(callLog, o.ctx());
    expect(s.calls).toHaveLength(1);
    expect(String(s.calls[0]?.body['uniq'])).toBe(callLog.id);
  });

  it('a first attempt does not look (no extra request on the normal path)', async () => {
    const { s, crm, callLog } = await rig();
    await crm.logCall(callLog, outboxLike().ctx());
    expect(s.calls).toHaveLength(1);
    expect(s.requestsTo('/api/v4/contacts/notes', 'GET')).toHaveLength(0);
  });
});
