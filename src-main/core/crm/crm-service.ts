// The operator's CRM connection: picks the backend of Settings -> CRM, opens a
// session with the credentials in the keychain, runs sign-in (OAuth in the
// system browser, or a stored token/API key checked against the CRM), and
// publishes one CrmStatus the UI, the tray and the outbox act on. Tokens never
// leave the session; the status carries names and states only.
import { CRM_SECRET_ACCOUNTS, type CrmKind } from '../../../src-shared/domain/crm-settings';
import type { CrmStatus } from '../../../src-shared/domain/crm-status';
import type { Settings } from '../../../src-shared/domain/settings';
import type { Clock, ExternalBrowser, Logger, SecretStore } from '../../ports';
import type { CrmConnector, CrmUser } from './connector';
import { isCrmError, messageOf } from './errors';

/** A sign-in in progress: the browser is open, or a code is awaited. */
export interface SignInFlow {
  readonly authorizeUrl?: string;
  readonly waitingFor: 'redirect' | 'paste';
  /** Resolves once the tokens are in the keychain and the session can use them. */
  readonly done: Promise<void>;
  /** The code (or the whole redirect URL) the operator pasted. */
  submitPastedCode(text: string): void;
  cancel(): void;
}

export type CrmAuthState = 'connected' | 'needsSignIn' | 'signedOut';

/** One CRM account opened with the current settings and keychain entries. */
export interface CrmSession {
  readonly connector: CrmConnector;
  authState(): CrmAuthState;
  onAuthState(listener: (state: CrmAuthState) => void): () => void;
  /** Checks the credential against the CRM; resolves with the account or user name to show. */
  verify(signal: AbortSignal): Promise<string | undefined>;
  /** OAuth CRMs: starts the authorization code flow. */
  startSignIn?(): Promise<SignInFlow>;
  /** Forgets the tokens (keychain). */
  signOut(): Promise<void>;
  dispose(): void;
}

export interface CrmMissing {
  readonly field: string;
  readonly message: string;
}

export interface CrmSecretsPresent {
  readonly clientSecret: boolean;
  readonly credential: boolean;
}

export interface CrmBackendContext {
  readonly settings: Settings;
  readonly secrets: SecretStore;
  readonly clock: Clock;
  readonly log: Logger;
  readonly browser: ExternalBrowser;
}

/** What Sidecall knows about one CRM product (see ./backends.ts). */
export interface CrmBackend {
  readonly kind: Exclude<CrmKind, 'none'>;
  /** "amoCRM". */
  readonly label: string;
  displayName(settings: Settings): string;
  signIn(settings: Settings): 'oauth' | 'credential';
  /** What must be filled in before connecting (the field's label key under `crm.field` and English words); undefined when complete. */
  missing(settings: Settings, secrets: CrmSecretsPresent): CrmMissing | undefined;
  open(ctx: CrmBackendContext): Promise<CrmSession>;
}

export interface CrmServiceDeps {
  readonly settings: () => Settings;
  readonly secrets: SecretStore;
  readonly clock: Clock;
  readonly log: Logger;
  readonly browser: ExternalBrowser;
  readonly backends: readonly CrmBackend[];
  readonly onStatus: (status: CrmStatus) => void;
}

export interface CrmService {
  status(): CrmStatus;
  /** The connector of the session (also while it needs sign-in: the outbox pauses on its auth errors). */
  connector(): CrmConnector | undefined;
  /** Only when signed in: screen-pop lookups. */
  connectedConnector(): CrmConnector | undefined;
  /** Settings or CRM secrets changed: reopen the session when what it depends on changed (`force`: always). */
  reconfigure(force?: boolean): Promise<void>;
  connect(): Promise<CrmStatus>;
  submitCode(code: string): Promise<CrmStatus>;
  cancelConnect(): CrmStatus;
  disconnect(): Promise<CrmStatus>;
  users(): Promise<readonly CrmUser[]>;
  /**
   * The outbox was refused the saved credential while the status says connected
   * (key-based connectors send their key themselves, past any token manager):
   * "sign in again" with the CRM's words (`message`).
   */
  reportingRefused(message: string | undefined): void;
  /** A report went through after reportingRefused: the credential is checked again (connected when the CRM takes it). */
  reportingAccepted(): void;
  dispose(): void;
}

export const CRM_LABELS: Readonly<Record<CrmKind, string>> = {
  none: 'No CRM',
  amocrm: 'amoCRM',
  bitrix24: 'Bitrix24',
  retailcrm: 'retailCRM',
  odoo: 'Odoo',
  generic: 'REST CRM',
};

export function createCrmService(deps: CrmServiceDeps): CrmService {
  const backends = new Map(deps.backends.map((b) => [b.kind, b] as const));
  let session: CrmSession | undefined;
  let sessionKey = '';
  let offAuth: (() => void) | undefined;
  let flow: SignInFlow | undefined;
  let verifying: AbortController | undefined;
  let status: CrmStatus = { kind: 'none', displayName: CRM_LABELS.none, state: 'none', signIn: 'none', capabilities: [] };
  let generation = 0;
  /** needsSignIn came from the outbox's refusal, not from the session: a later delivery may lift it. */
  let refusedByReporting = false;

  function set(next: Partial<CrmStatus> & Pick<CrmStatus, 'state'>): CrmStatus {
    const base: CrmStatus = { kind: status.kind, displayName: status.displayName, signIn: status.signIn, capabilities: status.capabilities, state: next.state, ...(next.state === status.state && status.account ? { account: status.account } : {}) };
    const merged: CrmStatus = { ...base, ...next };
    // Drop keys explicitly set to undefined so the status stays schema-clean.
    status = Object.fromEntries(Object.entries(merged).filter(([, v]) => v !== undefined)) as CrmStatus;
    refusedByReporting = false;
    deps.onStatus(status);
    return status;
  }

  function closeSession(): void {
    verifying?.abort();
    verifying = undefined;
    flow?.cancel();
    flow = undefined;
    offAuth?.();
    offAuth = undefined;
    session?.dispose();
    session = undefined;
  }

  async function secretsPresent(kind: CrmKind): Promise<CrmSecretsPresent> {
    if (!deps.secrets.status().available) return { clientSecret: false, credential: false };
    const [clientSecret, credential] = await Promise.all([deps.secrets.get(CRM_SECRET_ACCOUNTS.clientSecret(kind)), deps.secrets.get(CRM_SECRET_ACCOUNTS.credential(kind))]);
    return { clientSecret: clientSecret !== null && clientSecret !== '', credential: credential !== null && credential !== '' };
  }

  /** Asks the CRM who we are; turns the answer into connected / error / needsSignIn. */
  async function verify(s: CrmSession, gen: number): Promise<CrmStatus> {
    verifying?.abort();
    const controller = new AbortController();
    verifying = controller;
    try {
      const account = await s.verify(controller.signal);
      if (gen !== generation) return status;
      return set({ state: 'connected', account, message: undefined, waitingFor: undefined });
    } catch (error) {
      if (gen !== generation) return status;
      if (isCrmError(error) && error.kind === 'auth') return set({ state: 'needsSignIn', message: error.message, waitingFor: undefined });
      deps.log.warn('CRM check failed', { kind: status.kind, error: messageOf(error) });
      return set({ state: 'error', message: messageOf(error), waitingFor: undefined });
    } finally {
      if (verifying === controller) verifying = undefined;
    }
  }

  async function reconfigure(force = false): Promise<void> {
    const settings = deps.settings();
    const kind = settings.crm.kind;
    const present = kind === 'none' ? { clientSecret: false, credential: false } : await secretsPresent(kind);
    const key = JSON.stringify([kind, kind === 'none' ? null : settings.crm[kind as keyof Settings['crm']], settings.crm.userMap, present]);
    if (!force && key === sessionKey && (session || status.state === 'none' || status.state === 'incomplete')) return;
    sessionKey = key;
    generation += 1;
    const gen = generation;
    closeSession();
    refusedByReporting = false;
    if (kind === 'none') {
      status = { kind, displayName: CRM_LABELS.none, state: 'none', signIn: 'none', capabilities: [] };
      deps.onStatus(status);
      return;
    }
    const backend = backends.get(kind);
    if (!backend) {
      status = { kind, displayName: CRM_LABELS[kind], state: 'incomplete', signIn: 'none', capabilities: [], message: `${CRM_LABELS[kind]} is not supported by this version of Sidecall.` };
      deps.onStatus(status);
      return;
    }
    const signIn = backend.signIn(settings);
    status = { kind, displayName: backend.displayName(settings), state: 'signedOut', signIn, capabilities: [] };
    const missing = backend.missing(settings, present);
    if (missing) {
      set({ state: 'incomplete', message: missing.message, missing: missing.field });
      return;
    }
    if (!deps.secrets.status().available) {
      set({ state: 'error', message: deps.secrets.status().reason ?? 'The OS keychain is unavailable: CRM sign-in needs it to keep the tokens.' });
      return;
    }
    let opened: CrmSession;
    try {
      opened = await backend.open({ settings, secrets: deps.secrets, clock: deps.clock, log: deps.log, browser: deps.browser });
    } catch (error) {
      if (gen === generation) set({ state: 'error', message: messageOf(error) });
      return;
    }
    if (gen !== generation) {
      opened.dispose();
      return;
    }
    session = opened;
    offAuth = opened.onAuthState((a) => {
      if (gen !== generation) return;
      if (a === 'needsSignIn') set({ state: 'needsSignIn', message: `Sign in to ${backend.label} again: the CRM no longer accepts the saved sign-in. Calls are kept and sent after you sign in.` });
      else if (a === 'signedOut') set({ state: 'signedOut', account: undefined });
      else if (status.state !== 'connected' && status.state !== 'signingIn') void verify(opened, gen);
    });
    set({ state: 'signedOut', capabilities: [...opened.connector.capabilities] });
    const auth = opened.authState();
    if (auth === 'connected') {
      set({ state: 'signingIn' });
      await verify(opened, gen);
    } else if (auth === 'needsSignIn') set({ state: 'needsSignIn', message: `Sign in to ${backend.label} again.` });
  }

  function requireSession(): CrmSession {
    if (!session) throw new Error(status.message ?? 'Choose and set up a CRM in Settings -> CRM first.');
    return session;
  }

  return {
    status: () => status,
    connector: () => session?.connector,
    connectedConnector: () => (status.state === 'connected' ? session?.connector : undefined),
    reconfigure,
    async connect() {
      const s = requireSession();
      const gen = generation;
      if (!s.startSignIn) {
        set({ state: 'signingIn', message: undefined });
        return verify(s, gen);
      }
      flow?.cancel();
      const f = await s.startSignIn();
      if (gen !== generation) {
        f.cancel();
        return status;
      }
      flow = f;
      f.done.then(
        () => {
          if (gen !== generation || flow !== f) return;
          flow = undefined;
          void verify(s, gen);
        },
        (error: unknown) => {
          if (gen !== generation || flow !== f) return;
          flow = undefined;
          set({ state: 'error', message: messageOf(error), waitingFor: undefined });
        },
      );
      return set({ state: 'signingIn', waitingFor: f.waitingFor, message: undefined });
    },
    async submitCode(code) {
      if (!flow) throw new Error('No sign-in is waiting for a code: press Connect in Settings -> CRM first.');
      const f = flow;
      f.submitPastedCode(code);
      await f.done.catch(() => undefined);
      // Let the done handlers run (verify) before answering.
      await new Promise((r) => setImmediate(r));
      return status;
    },
    cancelConnect() {
      if (!flow) return status;
      flow.cancel();
      flow = undefined;
      return set({ state: session?.authState() === 'connected' ? 'connected' : 'signedOut', waitingFor: undefined, message: undefined });
    },
    async disconnect() {
      if (!session) return status;
      flow?.cancel();
      flow = undefined;
      await session.signOut();
      return set({ state: 'signedOut', account: undefined, waitingFor: undefined, message: undefined });
    },
    async users() {
      const c = requireSession().connector;
      if (!c.listUsers) throw new Error(`${status.displayName} does not list its users: enter CRM user ids by hand.`);
      const controller = new AbortController();
      return c.listUsers({ signal: controller.signal });
    },
    reportingRefused(message) {
      if (status.state !== 'connected' || !session) return;
      deps.log.warn('the CRM refused the saved sign-in while reporting a call; sign-in needed', { kind: status.kind });
      set({ state: 'needsSignIn', message: message ?? `Sign in to ${status.displayName} again: the CRM no longer accepts the saved sign-in. Calls are kept and sent after you sign in.` });
      refusedByReporting = true;
    },
    reportingAccepted() {
      if (!refusedByReporting || status.state !== 'needsSignIn' || !session) return;
      refusedByReporting = false;
      void verify(session, generation);
    },
    dispose() {
      generation += 1;
      closeSession();
    },
  };
}
