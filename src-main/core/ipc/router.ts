// The main-side end of the IPC contract: every request, from Electron IPC or the
// browser-mode WebSocket, comes through `dispatch`, which checks the channel,
// parses the payload with the contract's schema and turns any failure into a
// typed `{ code, message }` reply. A handler only ever sees valid input.
import type { z } from 'zod';
import {
  requestChannels,
  isRequestChannel,
  type ParsedRequestOf,
  type Reply,
  type RequestChannel,
  type ResponseOf,
} from '../../../src-shared/ipc/contract';
import { AppError, issuesFromZod } from '../../../src-shared/errors';
import type { Logger } from '../../ports';

export type Handlers = {
  readonly [C in RequestChannel]: (payload: ParsedRequestOf<C>) => Promise<ResponseOf<C>> | ResponseOf<C>;
};

export interface Router {
  dispatch(channel: unknown, payload: unknown): Promise<Reply>;
}

export function createRouter(handlers: Handlers, log: Logger): Router {
  return {
    async dispatch(channel, payload) {
      if (!isRequestChannel(channel)) {
        const name = typeof channel === 'string' ? channel.slice(0, 64) : typeof channel;
        return fail(new AppError('ipc.unknownChannel', `Unknown request channel: ${name}`));
      }
      const spec = requestChannels[channel];
      const parsed = (spec.request as z.ZodType).safeParse(payload ?? {});
      if (!parsed.success) {
        return fail(new AppError('ipc.invalidRequest', `Invalid request for ${channel}.`, { issues: issuesFromZod(parsed.error) }));
      }
      try {
        const handler = handlers[channel] as (p: unknown) => Promise<unknown> | unknown;
        const result = await handler(parsed.data);
        return { ok: true, result: (spec.response as z.ZodType).parse(result) };
      } catch (error) {
        if (error instanceof AppError) return fail(error);
        log.error('request failed', { channel, error });
        return fail(new AppError('internal', `Sidecall could not complete ${channel}; details are in the log.`));
      }
    },
  };
}

function fail(error: AppError): Reply {
  return { ok: false, error: error.toData() };
}
