// Child-process probe for the keychain tests: opens the real KeytarSecretStore
// in whatever D-Bus session it was started in and prints one JSON line.
import { KeytarSecretStore } from '../../src-main/adapters/secrets/keytar-secret-store';

const service = process.argv[2] ?? 'Sidecall-test';
const store = await KeytarSecretStore.open(service);
const out: Record<string, unknown> = { status: store.status() };
try {
  await store.set('pbx/ami-secret', 'päss wörd:1');
  out['got'] = await store.get('pbx/ami-secret');
  await store.set('pbx/ami-secret', 'rotated');
  out['rotated'] = await store.get('pbx/ami-secret');
  out['deleted'] = await store.delete('pbx/ami-secret');
  out['afterDelete'] = await store.get('pbx/ami-secret');
} catch (error) {
  out['error'] = { code: (error as { code?: string }).code, message: (error as Error).message };
}
process.stdout.write(`${JSON.stringify(out)}\n`);
