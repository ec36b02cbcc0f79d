// What a sign-in yields and what the keychain keeps for a CRM account: the
// access token, the refresh token when there is one, when the access token
// expires, and the CRM's extra facts (Bitrix24 client_endpoint, domain,
// member_id, user_id). Validated with zod wherever it is read back.
import { z } from 'zod';

export const TokenSetSchema = z.object({
  accessToken: z.string().min(1),
  refreshToken: z.string().min(1).optional(),
  /** Epoch ms after which the access token is no longer accepted; undefined: unknown (refresh only after a rejection). */
  expiresAt: z.number().int().nonnegative().optional(),
  scope: z.string().optional(),
  extra: z.record(z.string(), z.string()).default({}),
});
export type TokenSet = z.infer<typeof TokenSetSchema>;
