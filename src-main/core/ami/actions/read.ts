// Reading typed results out of AMI replies. Replies are validated with zod at
// this boundary: a field the caller relies on that is missing or malformed gives
// an AmiBadResponseError naming it, never a silently wrong value.
import type { z } from 'zod';
import type { AmiMessage } from '../codec';
import { getHeader } from '../codec';
import { AmiBadResponseError } from '../connection/errors';

/**
 * The named headers of a message as an object (first occurrence of each, matched
 * case-insensitively as Asterisk does; absent ones are left out), parsed by `schema`.
 */
export function readHeaders<S extends z.ZodType>(action: string, m: AmiMessage, names: readonly string[], schema: S): z.infer<S> {
  const raw: Record<string, string> = {};
  for (const name of names) {
    const v = getHeader(m, name);
    if (v !== undefined) raw[name] = v;
  }
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const field = issue === undefined ? 'reply' : issue.path.map(String).join('.') || 'reply';
    throw new AmiBadResponseError(action, `field ${field}: ${issue?.message ?? 'invalid'}`, m);
  }
  return parsed.data;
}

/** `Message:` of a reply, or '' (e.g. `Park successful`, `Originate successfully queued`). */
export function replyMessage(m: AmiMessage): string {
  return getHeader(m, 'Message') ?? '';
}
