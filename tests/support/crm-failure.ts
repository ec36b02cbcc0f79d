// The CrmError a CRM call rejects with, for tests that assert what a refusal
// tells the user; anything else (a resolve, another error) fails the test.
import { CrmError } from '../../src-main/core/crm/errors';

export async function crmFailure(p: Promise<unknown>): Promise<CrmError> {
  const e = await p.then(
    () => undefined,
    (x: unknown) => x,
  );
  if (!(e instanceof CrmError)) throw new Error(`expected a CrmError, got ${e === undefined ? 'success' : String(e)}`);
  return e;
}
