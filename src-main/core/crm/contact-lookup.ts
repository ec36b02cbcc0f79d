// Screen-pop lookups: one CRM request per number however many calls ask at
// once, a time limit so a slow CRM never holds the card back, and a small cache
// (found and not-found answers; errors are not cached, so the next call retries).
import type { ContactLookup } from '../../../src-shared/domain/contact';
import type { Clock } from '../../ports';
import type { CrmConnector, PhoneQuery } from './connector';
import { messageOf } from './errors';

export interface ContactLookupOptions {
  readonly connector: CrmConnector;
  readonly clock: Clock;
  readonly timeoutMs?: number;
  readonly cacheSize?: number;
  readonly cacheTtlMs?: number;
}

export interface ContactLookupService {
  lookup(query: PhoneQuery): Promise<ContactLookup>;
  /** Forgets cached answers (e.g. after "Create contact" or a CRM change). */
  clear(): void;
}

interface CacheEntry {
  readonly at: number;
  readonly value: ContactLookup;
}

export function createContactLookup(opts: ContactLookupOptions): ContactLookupService {
  const timeoutMs = opts.timeoutMs ?? 3000;
  const cacheSize = opts.cacheSize ?? 200;
  const ttlMs = opts.cacheTtlMs ?? 5 * 60_000;
  // Map keeps insertion order: re-inserting on hit makes it an LRU.
  const cache = new Map<string, CacheEntry>();
  const inflight = new Map<string, Promise<ContactLookup>>();
  const canCreate = opts.connector.capabilities.has('createContact');

  function keyOf(q: PhoneQuery): string {
    return q.e164 ?? q.digits;
  }

  async function ask(q: PhoneQuery): Promise<ContactLookup> {
    const controller = new AbortController();
    let timer: ReturnType<Clock['setTimeout']> | undefined;
    const timeout = new Promise<ContactLookup>((resolve) => {
      timer = opts.clock.setTimeout(() => {
        controller.abort();
        resolve({ status: 'error', message: `${opts.connector.displayName} did not answer within ${Math.round(timeoutMs / 100) / 10} s.` });
      }, timeoutMs);
    });
    const request = opts.connector.findContact(q, { signal: controller.signal }).then(
      (contact): ContactLookup => (contact ? { status: 'found', contact } : { status: 'notFound', canCreate }),
      (error: unknown): ContactLookup => ({ status: 'error', message: messageOf(error) }),
    );
    try {
      return await Promise.race([request, timeout]);
    } finally {
      if (timer) opts.clock.clearTimeout(timer);
    }
  }

  return {
    lookup(q) {
      const key = keyOf(q);
      const hit = cache.get(key);
      if (hit && opts.clock.now() - hit.at < ttlMs) {
        cache.delete(key);
        cache.set(key, hit);
        return Promise.resolve(hit.value);
      }
      const running = inflight.get(key);
      if (running) return running;
      const p = ask(q).then((value) => {
        inflight.delete(key);
        if (value.status === 'found' || value.status === 'notFound') {
          cache.set(key, { at: opts.clock.now(), value });
          while (cache.size > cacheSize) cache.delete(cache.keys().next().value as string);
        }
        return value;
      });
      inflight.set(key, p);
      return p;
    },
    clear() {
      cache.clear();
    },
  };
}
