// The Asterisk database (astdb): DBGet, DBPut, DBDel (main/db.c). Used for the
// operator's Do not disturb flag (FreePBX keeps it at DND/<extension> = YES).
// Write classes (main/db.c registrations): DBGet system or reporting; DBPut
// and DBDel system only, which is close to shell access.
import { z } from 'zod';
import type { AmiActionSender } from '../event-source';
import { AmiActionError } from '../connection/errors';
import { replyTimeout, required, type AmiAck, type ReplyOptions } from './params';
import { readHeaders, replyMessage } from './read';

export interface DbKeyParams extends ReplyOptions {
  readonly family: string;
  readonly key: string;
}

export interface DbPutParams extends DbKeyParams {
  readonly value: string;
}

const DbGetItem = z.object({ Val: z.string().default('') });

/** Asterisk's words for a key that is not there (DBGet and DBDel). */
function notFound(error: unknown): boolean {
  return error instanceof AmiActionError && /entry not found|not found/i.test(error.asteriskMessage);
}

/** The value stored at family/key, or null when there is none. */
export async function dbGet(ami: AmiActionSender, p: DbKeyParams): Promise<string | null> {
  const action = 'DBGet';
  try {
    const r = await ami.send({
      action,
      fields: { Family: required(action, 'Family', p.family), Key: required(action, 'Key', p.key) },
      // Asterisk 12+ answers with a list: DBGetResponse items, then DBGetComplete.
      list: { completeEvent: 'DBGetComplete' },
      ...replyTimeout(p),
    });
    const item = r.items[0];
    return item ? readHeaders(action, item, ['Val'], DbGetItem).Val : null;
  } catch (error) {
    if (notFound(error)) return null;
    throw error;
  }
}

/** Stores value at family/key. */
export async function dbPut(ami: AmiActionSender, p: DbPutParams): Promise<AmiAck> {
  const action = 'DBPut';
  const r = await ami.send({
    action,
    fields: { Family: required(action, 'Family', p.family), Key: required(action, 'Key', p.key), Val: p.value },
    ...replyTimeout(p),
  });
  return { actionId: r.actionId, message: replyMessage(r.message) };
}

/** Removes family/key; true when it was there. */
export async function dbDel(ami: AmiActionSender, p: DbKeyParams): Promise<boolean> {
  const action = 'DBDel';
  try {
    await ami.send({ action, fields: { Family: required(action, 'Family', p.family), Key: required(action, 'Key', p.key) }, ...replyTimeout(p) });
    return true;
  } catch (error) {
    if (notFound(error)) return false;
    throw error;
  }
}
