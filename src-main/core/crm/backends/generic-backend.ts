// An in-house REST CRM (docs/crm-generic.md): a token, API key or password
// from the keychain, OAuth client credentials, or OAuth sign-in in the browser.
import { CRM_SECRET_ACCOUNTS } from '../../../../src-shared/domain/crm-settings';
import type { CrmBackend, CrmBackendContext } from '../crm-service';
import { createGenericCrmConnector, genericSettingsProblems } from '../generic/generic-connector';
import { genericCrmHttpOptions, genericCrmName, type GenericCrmCredential } from '../generic/http-options';
import { createCrmHttp } from '../http/crm-http';
import { createClientCredentialsManager } from '../oauth/client-credentials';
import { createTokenClient } from '../oauth/token-client';
import { openCredentialSession, openOAuthSession, sessionOf, type SessionConnector } from '../session';
import { hostOf } from '../url';
import { probeQuery } from './backend-util';

function connectorFor(ctx: CrmBackendContext, credential: GenericCrmCredential): SessionConnector {
  const g = ctx.settings.crm.generic;
  const http = createCrmHttp({ ...genericCrmHttpOptions(g, credential), clock: ctx.clock, log: ctx.log });
  const connector = createGenericCrmConnector({ settings: g, http, log: ctx.log });
  return {
    connector,
    // No standard "who am I": a lookup proves the address, the mapping and the credential.
    verify: async (signal) => {
      await connector.findContact(probeQuery, { signal });
      return hostOf(g.baseUrl);
    },
  };
}

export const genericBackend: CrmBackend = {
  kind: 'generic',
  label: 'REST CRM',
  displayName: (s) => `${genericCrmName(s.crm.generic)}${s.crm.generic.baseUrl ? ` (${hostOf(s.crm.generic.baseUrl)})` : ''}`,
  signIn: (s) => (s.crm.generic.auth === 'oauthAuthorizationCode' ? 'oauth' : 'credential'),
  missing(s, secrets) {
    const g = s.crm.generic;
    if (g.baseUrl === '') return { field: 'baseUrl', message: 'Enter the CRM API address in Settings -> CRM.' };
    const problem = genericSettingsProblems(g)[0];
    if (problem) return { field: 'lookupUrl', message: problem };
    if (g.auth === 'oauthClientCredentials' || g.auth === 'oauthAuthorizationCode') {
      if (g.oauth.tokenUrl === '') return { field: 'tokenUrl', message: 'Enter the CRM token endpoint in Settings -> CRM.' };
      if (g.oauth.clientId === '') return { field: 'clientId', message: 'Enter the OAuth client id in Settings -> CRM.' };
      if (g.auth === 'oauthAuthorizationCode' && g.oauth.authorizeUrl === '') return { field: 'authorizeUrl', message: 'Enter the CRM authorization page in Settings -> CRM.' };
      if (g.auth === 'oauthClientCredentials' && !secrets.clientSecret) return { field: 'clientSecret', message: 'Enter the OAuth client secret in Settings -> CRM.' };
      return undefined;
    }
    if (g.auth === 'basic' && g.basicUsername === '') return { field: 'basicUsername', message: 'Enter the CRM user name in Settings -> CRM.' };
    if (!secrets.credential) return { field: 'genericCredential', message: 'Enter the CRM token, API key or password in Settings -> CRM.' };
    return undefined;
  },
  async open(ctx) {
    const g = ctx.settings.crm.generic;
    const name = genericCrmName(g);
    const clientSecret = (await ctx.secrets.get(CRM_SECRET_ACCOUNTS.clientSecret('generic'))) ?? undefined;
    const token = { crmName: name, style: 'form' as const, tokenUrl: g.oauth.tokenUrl, clientId: g.oauth.clientId, ...(clientSecret ? { clientSecret } : {}) };
    if (g.auth === 'oauthClientCredentials') {
      const tokens = createClientCredentialsManager({ crmName: name, client: createTokenClient(token, { clock: ctx.clock, log: ctx.log }), scope: g.oauth.scope, clock: ctx.clock, log: ctx.log });
      return sessionOf(tokens, connectorFor(ctx, { kind: 'tokens', tokens }));
    }
    if (g.auth === 'oauthAuthorizationCode') {
      return openOAuthSession(ctx, {
        kind: 'generic',
        crmName: name,
        // PKCE always: an in-house authorization server should take it (RFC 9700), and a public client needs it.
        authorization: { crmName: name, authorizeUrl: g.oauth.authorizeUrl, clientId: g.oauth.clientId, redirectPort: g.oauth.redirectPort, redirectPath: '/crm/callback', pkce: true, ...(g.oauth.scope ? { scope: g.oauth.scope } : {}) },
        token,
        connector: (tokens) => connectorFor(ctx, { kind: 'tokens', tokens }),
      });
    }
    const secret = (await ctx.secrets.get(CRM_SECRET_ACCOUNTS.credential('generic'))) ?? '';
    return openCredentialSession(ctx, {
      kind: 'generic',
      crmName: name,
      account: hostOf(g.baseUrl),
      // A bearer token goes through the token source so a refused one turns into "sign in again".
      connector: (tokens) => connectorFor(ctx, g.auth === 'bearer' ? { kind: 'tokens', tokens } : { kind: 'secret', secret }),
    });
  },
};
