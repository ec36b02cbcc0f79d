// "Copy diagnostics" through the core both hosts build: version, host,
// settings, locks and policy problems, connection states and the last log
// lines are in the report; secrets are not, wherever they were put: the
// keychain (AMI secret, SIP password, a CRM token set), a careless log line,
// a URL with credentials or a token in its query.
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { bootstrapCore } from '../../../src-main/adapters/bootstrap';
import { parseHostOptions } from '../../../src-main/adapters/host-options';
import { DiagnosticsReportSchema } from '../../../src-shared/domain/diagnostics';
import { tempDir } from '../../support/core-fixture';
import { MemorySecretStore } from '../../support/memory-secret-store';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

const AMI_SECRET = 'Ami-S3cret-value-9041';
const SIP_PASSWORD = 'sip-pass-77331';
const ACCESS_TOKEN = 'eyJhbGciOiJSUzI1NiJ9.access.payload';
const REFRESH_TOKEN = 'def50200refresh0token0value';
const URL_PASSWORD = 'urlpass-4455';
const QUERY_TOKEN = 'qtok-998877665544';

describe('diagnostics.collect', () => {
  it('has what support needs and none of the secrets', async () => {
    const dir = tempDir('sidecall-diag-');
    cleanups.push(() => fs.rmSync(dir, { recursive: true, force: true }));
    const policy = path.join(dir, 'policy.json');
    fs.writeFileSync(policy, JSON.stringify({ values: { 'pbx.port': 'five', theme: 'dark' }, locked: ['theme'] }));
    const secrets = new MemorySecretStore();
    await secrets.set('softphone/password', SIP_PASSWORD);
    await secrets.set('crm/amocrm/tokens', JSON.stringify({ access_token: ACCESS_TOKEN, refresh_token: REFRESH_TOKEN, token_type: 'Bearer', expires_at: 1 }));
    const { core, log } = bootstrapCore({
      host: 'web',
      dataDir: path.join(dir, 'data'),
      options: parseHostOptions([], { SIDECALL_POLICY_FILE: policy }),
      secrets,
      systemLanguage: 'en',
      hostInfo: () => ({ electron: '45.5.0' }),
    });
    cleanups.push(() => core.dispose());
    await core.start();
    const saved = await core.dispatch('settings.update', { patch: { pbx: { host: '127.0.0.1', port: 1, amiUser: 'op101', extension: '101' } }, amiSecret: AMI_SECRET });
    expect(saved.ok).toBe(true);
    // What a careless module might write: the logger redacts fields named like secrets, not text.
    log('careless').warn(`login failed with secret ${AMI_SECRET} via https://op101:${URL_PASSWORD}@crm.example.com/api?access_token=${QUERY_TOKEN}&x=1`, {
      token: ACCESS_TOKEN,
      note: `refresh=${REFRESH_TOKEN}`,
    });

    const r = await core.dispatch('diagnostics.collect', {});
    expect(r.ok).toBe(true);
    const { text } = DiagnosticsReportSchema.parse(r.ok ? r.result : undefined);

    for (const secret of [AMI_SECRET, SIP_PASSWORD, ACCESS_TOKEN, REFRESH_TOKEN, URL_PASSWORD, QUERY_TOKEN]) expect(text, secret).not.toContain(secret);
    // The whole user:password part goes, not just the password.
    expect(text).toContain('https://[redacted]@crm.example.com/api');
    expect(text).toContain('access_token=[redacted]');

    // What support needs.
    expect(text).toMatch(/^Sidecall diagnostics, \d{4}-\d\d-\d\dT/);
    expect(text).toContain('"version": "0.1.0"');
    expect(text).toContain('"electron": "45.5.0"');
    expect(text).toMatch(/"os": ".+"/);
    expect(text).toContain('"host": "127.0.0.1"');
    expect(text).toContain('"amiUser": "op101"');
    expect(text).toMatch(/"connection": \{\s+"state": "\w+"/);
    expect(text).toContain('"dnd": {');
    expect(text).toContain('## Managed by the organization (1)\ntheme');
    expect(text).toContain(`${policy}: pbx.port:`);
    expect(text).toContain('"msg":"settings saved"');
    expect(text).toContain('"scope":"careless"');
    // The keychain says what is stored where, never the value.
    expect(text).toContain('"backend": "memory"');
  });
});
