// A CRM account's tokens in the keychain (SecretStore) as one JSON record under
// CRM_SECRET_ACCOUNTS.tokens(kind). Read back through zod: a record that does
// not parse is treated as "signed out" and logged without its content.
import { z } from 'zod';
import { CRM_SECRET_ACCOUNTS, type CrmKind } from '../../../../src-shared/domain/crm-settings';
import type { Logger, SecretStore } from '../../../ports';
import { TokenSetSchema } from './token-set';

export const StoredTokensSchema = z.object({
  version: z.literal(1),
  tokens: TokenSetSchema,
  /** Shown as "connected as ..." (amoCRM account domain, Bitrix24 portal). */
  account: z.string().max(300).optional(),
  /** The CRM refused the refresh token (or the long-lived token): the operator must sign in again. */
  needsSignIn: z.boolean().default(false),
  savedAt: z.number().int().nonnegative(),
});
export type StoredTokens = z.infer<typeof StoredTokensSchema>;

export interface TokenVault {
  /** The stored record, or null when there is none or it is unreadable. Rejects only when the keychain itself fails. */
  load(): Promise<StoredTokens | null>;
  /** Resolves once the keychain has it; rejects when it could not be written. */
  save(record: StoredTokens): Promise<void>;
  clear(): Promise<void>;
}

export function createTokenVault(secrets: SecretStore, kind: CrmKind, log: Logger): TokenVault {
  const account = CRM_SECRET_ACCOUNTS.tokens(kind);
  return {
    async load() {
      const raw = await secrets.get(account);
      if (raw === null || raw === '') return null;
      let json: unknown;
      try {
        json = JSON.parse(raw);
      } catch {
        log.warn('Stored CRM tokens are not JSON; treated as signed out', { crm: kind, chars: raw.length });
        return null;
      }
      const parsed = StoredTokensSchema.safeParse(json);
      if (!parsed.success) {
        // Only the paths of what failed: the values are tokens.
        log.warn('Stored CRM tokens do not match the schema; treated as signed out', { crm: kind, fields: parsed.error.issues.map((i) => i.path.join('.')) });
        return null;
      }
      return parsed.data;
    },
    async save(record) {
      await secrets.set(account, JSON.stringify(StoredTokensSchema.parse(record)));
    },
    async clear() {
      await secrets.delete(account);
    },
  };
}
