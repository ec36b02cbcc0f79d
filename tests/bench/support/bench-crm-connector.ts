// A bench-local CrmConnector (not product code) for the CRM test server in
// crm-test-server.ts: `findContact` asks `GET /contacts?phone=<e164>` with axios,
// honours the lookup's AbortSignal, validates the answer with the domain schema,
// and maps 404 to "not found". It stands where a real connector (amoCRM, ...)
// will, so the screen-pop benchmark measures a real HTTP lookup.
import axios from 'axios';
import { ContactSchema, type Contact } from '../../../src-shared/domain/contact';
import type { CrmCallOptions, CrmCapability, CrmConnector, PhoneQuery } from '../../../src-main/core/crm/connector';

export interface BenchCrmConnectorOptions {
  /** Called as `findContact` is entered (the benchmark stamps when the core started the lookup). */
  readonly onFind?: (query: PhoneQuery) => void;
}

export function createBenchCrmConnector(baseUrl: string, opts: BenchCrmConnectorOptions = {}): CrmConnector {
  const http = axios.create({ baseURL: baseUrl, timeout: 10_000, validateStatus: (s) => s === 200 || s === 404 });
  return {
    id: 'bench',
    displayName: `Bench CRM (${baseUrl})`,
    capabilities: new Set<CrmCapability>(['findContact']),
    async findContact(query: PhoneQuery, options: CrmCallOptions): Promise<Contact | null> {
      opts.onFind?.(query);
      const res = await http.get<unknown>('/contacts', { params: { phone: query.e164 ?? `+${query.digits}` }, signal: options.signal });
      if (res.status === 404) return null;
      const parsed = ContactSchema.safeParse(res.data);
      if (!parsed.success) throw new Error(`Bench CRM sent an invalid contact: ${parsed.error.message}`);
      return parsed.data;
    },
  };
}
