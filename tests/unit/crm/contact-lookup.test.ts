import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createContactLookup } from '../../../src-main/core/crm/contact-lookup';
import type { CrmConnector, PhoneQuery } from '../../../src-main/core/crm/connector';
import { DemoCrm, DemoContactsSchema } from '../../../src-main/core/demo/crm/demo-crm';
import type { Contact } from '../../../src-shared/domain/contact';
import { FakeClock } from '../../support/fake-clock';

const contacts = DemoContactsSchema.parse(JSON.parse(fs.readFileSync(path.resolve(import.meta.dirname, '../../../resources/demo/contacts.json'), 'utf8')));
const q = (e164: string): PhoneQuery => ({ e164, digits: e164.replace(/\D/g, ''), raw: e164 });

/** A connector whose answers the test releases by hand. */
function manualCrm(): CrmConnector & { calls: string[]; release(contact: Contact | null | Error): void; aborted: number } {
  const waiting: Array<(v: Contact | null | Error) => void> = [];
  const crm = {
    id: 'manual',
    displayName: 'Manual CRM',
    capabilities: new Set(['findContact'] as const),
    calls: [] as string[],
    aborted: 0,
    findContact(query: PhoneQuery, { signal }: { signal: AbortSignal }) {
      crm.calls.push(query.e164 ?? query.digits);
      signal.addEventListener('abort', () => (crm.aborted += 1));
      return new Promise<Contact | null>((resolve, reject) => waiting.push((v) => (v instanceof Error ? reject(v) : resolve(v))));
    },
    release(v: Contact | null | Error) {
      waiting.shift()?.(v);
    },
  };
  return crm;
}

describe('contact lookup', () => {
  it('finds demo contacts by E.164 and says not found (with create) otherwise', async () => {
    const lookup = createContactLookup({ connector: new DemoCrm({ contacts }), clock: new FakeClock() });
    expect(await lookup.lookup(q('+79161234567'))).toMatchObject({ status: 'found', contact: { name: 'Иван Петров', responsible: { name: 'Анна Смирнова' } } });
    expect(await lookup.lookup(q('+79990000000'))).toEqual({ status: 'notFound', canCreate: true });
  });

  it('asks the CRM once for concurrent lookups of one number, then serves the cache', async () => {
    const crm = manualCrm();
    const lookup = createContactLookup({ connector: crm, clock: new FakeClock() });
    const a = lookup.lookup(q('+79161234567'));
    const b = lookup.lookup(q('+79161234567'));
    crm.release(contacts[0] ?? null);
    expect(await a).toMatchObject({ status: 'found' });
    expect(await b).toEqual(await a);
    expect(await lookup.lookup(q('+79161234567'))).toEqual(await a);
    expect(crm.calls).toEqual(['+79161234567']);
  });

  it('gives up after the timeout with a message naming the CRM, aborts the request, and does not cache it', async () => {
    const clock = new FakeClock();
    const crm = manualCrm();
    const lookup = createContactLookup({ connector: crm, clock, timeoutMs: 2000 });
    const pending = lookup.lookup(q('+79161234567'));
    clock.advance(1999);
    let settled = false;
    void pending.then(() => (settled = true));
    await Promise.resolve();
    expect(settled).toBe(false);
    clock.advance(1);
    expect(await pending).toEqual({ status: 'error', message: 'Manual CRM did not answer within 2 s.' });
    expect(crm.aborted).toBe(1);
    const again = lookup.lookup(q('+79161234567'));
    crm.release(null);
    crm.release(null);
    expect(await again).toEqual({ status: 'notFound', canCreate: false });
    expect(crm.calls).toHaveLength(2);
    expect(clock.pending).toBe(0);
  });

  it('reports a CRM error and retries next time; cache entries expire and the cache is bounded', async () => {
    const clock = new FakeClock();
    const crm = manualCrm();
    const lookup = createContactLookup({ connector: crm, clock, cacheTtlMs: 1000, cacheSize: 2 });
    const failing = lookup.lookup(q('+71'));
    crm.release(new Error('amoCRM answered 401: sign in again'));
    expect(await failing).toEqual({ status: 'error', message: 'amoCRM answered 401: sign in again' });
    for (const n of ['+71', '+72', '+73']) {
      const p = lookup.lookup(q(n));
      crm.release(null);
      await p;
    }
    expect(crm.calls).toEqual(['+71', '+71', '+72', '+73']);
    const p1 = lookup.lookup(q('+71')); // evicted (size 2)
    crm.release(null);
    await p1;
    expect(crm.calls).toHaveLength(5);
    clock.advance(1000);
    const p3 = lookup.lookup(q('+73')); // expired
    crm.release(null);
    await p3;
    expect(crm.calls).toHaveLength(6);
  });
});
