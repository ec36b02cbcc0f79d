// The few parts of oidc-provider (v9, ships no types) that the OAuth tests use:
// a real authorization server on loopback, driven through its public API.
declare module 'oidc-provider' {
  import type { IncomingMessage, ServerResponse } from 'node:http';

  export interface InteractionDetails {
    readonly uid: string;
    readonly prompt: { readonly name: string; readonly details: Readonly<Record<string, unknown>> };
    readonly params: Readonly<Record<string, unknown>>;
  }
  export interface GrantInstance {
    addOIDCScope(scope: string): void;
    save(): Promise<string>;
  }
  export interface TokenInstance {
    readonly accountId: string;
    readonly clientId: string;
    readonly grantId: string;
    destroy(): Promise<void>;
  }
  export class Provider {
    constructor(issuer: string, configuration?: Readonly<Record<string, unknown>>);
    callback(): (req: IncomingMessage, res: ServerResponse) => void;
    interactionDetails(req: IncomingMessage, res: ServerResponse): Promise<InteractionDetails>;
    interactionFinished(req: IncomingMessage, res: ServerResponse, result: Readonly<Record<string, unknown>>, options?: { mergeWithLastSubmission?: boolean }): Promise<void>;
    readonly Grant: new (props: { accountId: string; clientId: string }) => GrantInstance;
    readonly AccessToken: { find(token: string): Promise<TokenInstance | undefined> };
    readonly RefreshToken: { find(token: string): Promise<TokenInstance | undefined> };
    on(event: string, listener: (...args: unknown[]) => void): this;
  }
}
