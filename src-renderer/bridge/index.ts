// The renderer's one way to main: `window.sidecall` from the Electron preload,
// or the WebSocket bridge in browser mode. Replies are validated against the
// contract here, so the UI only ever sees well-typed data.
import type { z } from 'zod';
import { requestChannels, eventChannels, type SidecallApi } from '../../src-shared/ipc/contract';
import { createWebBridge } from './web-bridge';
import { toRequestError } from './request-error';

declare global {
  interface Window {
    sidecall?: SidecallApi;
  }
}

function validated(raw: SidecallApi): SidecallApi {
  return {
    async request(channel, payload) {
      let result: unknown;
      try {
        result = await raw.request(channel, payload);
      } catch (error) {
        throw toRequestError(error);
      }
      return (requestChannels[channel].response as z.ZodType).parse(result) as never;
    },
    on(channel, listener) {
      return raw.on(channel, (payload) => {
        const parsed = (eventChannels[channel] as z.ZodType).safeParse(payload);
        if (parsed.success) listener(parsed.data as never);
      });
    },
  };
}

let api: SidecallApi | undefined;

export function sidecall(): SidecallApi {
  api ??= validated(window.sidecall ?? createWebBridge());
  return api;
}
