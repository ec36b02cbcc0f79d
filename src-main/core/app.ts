// Composition root of the core: builds the services from the ports a host hands
// in and exposes one request dispatcher and one event stream. Both hosts
// (Electron, browser mode) run exactly this.
import type { ConnectionStatus } from '../../src-shared/domain/connection';
import type { AppInfo, EventChannel, EventOf, Reply, SettingsView } from '../../src-shared/ipc/contract';
import type { Settings, SettingsPatch } from '../../src-shared/domain/settings';
import type { Clock, ExternalBrowser, HistoryStore, LoggerFactory, SecretStore, SettingsStore } from '../ports';
import type { HistoryItem } from '../../src-shared/domain/calls-view';
import type { OutboxStatusView } from '../../src-shared/domain/crm-status';
import { CRM_SECRET_ACCOUNTS, CrmKindSchema } from '../../src-shared/domain/crm-settings';
import { SIP_PASSWORD_ACCOUNT } from '../../src-shared/domain/softphone-settings';
import { createCrmService, type CrmBackend, type CrmService } from './crm/crm-service';
import { messageOf } from './crm/errors';
import { createReportingService, type OutboxPort } from './reporting/reporting-service';
import { createOutbox, MemoryOutboxJournal } from './reporting/outbox';
import { createCallEvents } from './reporting/call-events';
import type { ConnectionSource } from './connection/connection-source';
import type { AmiEventSource } from './ami/event-source';
import { createCallsService, type CallsService } from './screen-pop/calls-service';
import { createContactLookup, type ContactLookupService } from './crm/contact-lookup';
import type { CrmConnector } from './crm/connector';
import { DEMO_EXTENSION, type DemoMode } from './demo/demo-mode';
import { applyControlNote, createCallControl, CallControlError, type CallControl } from './control';
import { createLinkService, type LinkService } from './links/link-service';
import { createSoftphoneService } from './softphone/softphone-service';
import { createRouter, type Router } from './ipc/router';
import { AppError } from '../../src-shared/errors';
import { patchPaths, refuseLockedPaths } from './settings/layered-settings';
import { createDndService, DndError, type DndService } from './dnd/dnd-service';
import { diagnosticsReport, secretValues } from './diagnostics/report';
import type { LogRecord } from './log/logger';

/** Keychain account of the operator's AMI secret. */
export const AMI_SECRET_ACCOUNT = 'pbx/ami-secret';

export interface CoreDeps {
  readonly settings: SettingsStore;
  readonly secrets: SecretStore;
  readonly clock: Clock;
  readonly log: LoggerFactory;
  readonly info: Omit<AppInfo, 'settingsLocation'>;
  /** The PBX connection; an AMI-backed one also hands out its event source (`ami`). */
  readonly connection: () => ConnectionSource & { readonly ami?: AmiEventSource };
  readonly history: HistoryStore;
  /** The embedded demo PBX and CRM, used while no PBX host is set. */
  readonly demo?: DemoMode;
  /** Overrides the CRM of Settings -> CRM (benches hand in a connector to a test server). */
  readonly crm?: () => CrmConnector | undefined;
  /** The CRMs this build supports (src-main/core/crm/backends.ts); none: Settings -> CRM offers nothing. */
  readonly crmBackends?: readonly CrmBackend[];
  /** The system browser for OAuth sign-in. */
  readonly browser?: ExternalBrowser;
  /** The durable outbox of call reports (hosts: a file journal in the data folder); undefined: calls are not reported. */
  readonly outbox?: (connector: () => CrmConnector | undefined) => OutboxPort;
  /** What "Copy diagnostics" adds from the host: the newest log records, host details (OS, Electron, log folder). */
  readonly diagnostics?: {
    readonly recentLog?: () => readonly LogRecord[];
    readonly host?: () => Readonly<Record<string, unknown>>;
  };
}

export type CoreEventListener = <C extends EventChannel>(channel: C, payload: EventOf<C>) => void;

export interface SidecallCore {
  dispatch: Router['dispatch'];
  /** Subscribes to every event channel; returns the unsubscribe. */
  subscribe(listener: CoreEventListener): () => void;
  /** A tel:/callto:/sip: link from the OS; refusals are logged and rejected with the reason. */
  openLink(uri: string): Promise<void>;
  /** Origins the pages may open connections to beyond their own (the softphone's WebSocket): for the CSP and Electron's request filter. */
  connectOrigins(): readonly string[];
  start(): Promise<void>;
  dispose(): Promise<void>;
}

export function createCore(deps: CoreDeps): SidecallCore {
  const log = deps.log('app');
  const listeners = new Set<CoreEventListener>();
  const emit = <C extends EventChannel>(channel: C, payload: EventOf<C>): void => {
    for (const l of listeners) {
      try {
        l(channel, payload);
      } catch (error) {
        log.error('event listener failed', { channel, error });
      }
    }
  };

  const settingsNow = (): Settings => deps.settings.load().settings;

  const crmService: CrmService = createCrmService({
    settings: settingsNow,
    secrets: deps.secrets,
    clock: deps.clock,
    log: deps.log('crm'),
    // Browser mode: the operator's browser is the page itself, asked to open a tab.
    browser: deps.browser ?? {
      open: (url) => {
        if (listeners.size === 0) return Promise.reject(new Error('Open Sidecall’s window first: sign-in continues in a browser tab it opens.'));
        emit('ui.openExternal', { url });
        return Promise.resolve();
      },
    },
    backends: deps.crmBackends ?? [],
    onStatus: (st) => {
      emit('crm.status', st);
      if (st.state === 'connected') outbox?.resume();
    },
  });
  /** The operator's CRM, where the real outbox sends (also while it needs sign-in: the outbox waits). Never the demo CRM. */
  const realConnector = (): CrmConnector | undefined => deps.crm?.() ?? crmService.connector();
  const outbox: OutboxPort | undefined = deps.outbox?.(realConnector);
  // Demo mode reports to the demo CRM through an outbox of its own, in memory: calls waiting for the
  // real CRM are never handed to the demo CRM, and demo calls never land in the real journal.
  const demoOutbox: OutboxPort | undefined =
    outbox && deps.demo ? createOutbox({ journal: new MemoryOutboxJournal(), connector: () => deps.demo?.crm, clock: deps.clock, log: deps.log('demo-outbox') }) : undefined;
  /** The outbox of the mode in force: what reporting queues to and the UI shows and acts on. */
  const activeOutbox = (): OutboxPort | undefined => (demoActive && demoOutbox ? demoOutbox : outbox);
  const offOutbox = outbox?.onChange((st) => {
    if (activeOutbox() === outbox) emit('outbox.changed', st);
    // Key-based connectors (retailCRM, Odoo, Bitrix24 webhook, REST CRM key) are refused past any
    // token manager: the outbox's pause is the only sign, so the CRM says "sign in again" from it.
    const crmState = crmService.status().state;
    if (st.paused === 'needsSignIn' && crmState === 'connected') crmService.reportingRefused(st.lastError);
    else if (st.paused === undefined && st.lastError === undefined && crmState === 'needsSignIn') crmService.reportingAccepted();
  });
  const offDemoOutbox = demoOutbox?.onChange((st) => {
    if (activeOutbox() === demoOutbox) emit('outbox.changed', st);
  });
  const reporting = outbox
    ? createReportingService({
        outbox: { enqueue: (callLog) => (activeOutbox() ?? outbox).enqueue(callLog) },
        settings: settingsNow,
        secrets: deps.secrets,
        clock: deps.clock,
        log: deps.log('reporting'),
        active: () => (demoActive ? deps.demo?.crm : realConnector())?.logCall !== undefined,
      })
    : undefined;

  // CRMs with pop-ups of their own hear of calls as they ring (not in demo mode).
  const callEvents = createCallEvents({ connector: () => (demoActive ? undefined : crmService.connectedConnector()), settings: settingsNow, log: deps.log('crm-events') });

  const connection = deps.connection();
  const offStatus = connection.onStatus((s: ConnectionStatus) => {
    emit('connection.status', s);
    // After every login: Do not disturb may have been changed from the phone meanwhile.
    if (s.state === 'ready') void dnd.refresh();
  });
  let demoActive = false;
  let demoLookup: { readonly connector: CrmConnector; readonly lookup: ContactLookupService } | undefined;
  let crmLookup: { readonly connector: CrmConnector; readonly lookup: ContactLookupService } | undefined;
  /** The lookup service of the CRM in use, rebuilt when the connector changes. */
  function currentCrm(): { readonly connector: CrmConnector; readonly lookup: ContactLookupService } | undefined {
    if (demoActive) return demoLookup;
    const connector = deps.crm?.() ?? crmService.connectedConnector();
    if (!connector) return undefined;
    if (crmLookup?.connector !== connector) crmLookup = { connector, lookup: createContactLookup({ connector, clock: deps.clock }) };
    return crmLookup;
  }

  const calls: CallsService | undefined = connection.ami
    ? createCallsService({
        ami: connection.ami,
        clock: deps.clock,
        log: deps.log('calls'),
        history: deps.history,
        settings: settingsNow,
        extension: () => (demoActive ? DEMO_EXTENSION : settingsNow().pbx.extension),
        crm: currentCrm,
        demo: () => demoActive,
        publish: (v) => {
          emit('calls.changed', v);
          callEvents.seen(v);
        },
        historyChanged: (callId) => emit('history.changed', { callId }),
        ended: (call, contact) => {
          callEvents.ended(call);
          reporting?.callEnded(call, contact);
        },
      })
    : undefined;

  const dnd: DndService = createDndService({
    ami: () => connection.ami,
    context: () => {
      const s = settingsNow();
      // The demo PBX has no feature codes; it keeps DND in its astdb (its AMI user may write it).
      if (demoActive) return { dnd: { ...s.shell.dnd, mode: s.shell.dnd.mode === 'off' ? 'off' : 'astdb', key: '' }, extension: DEMO_EXTENSION, context: s.dial.context };
      return { dnd: s.shell.dnd, extension: s.pbx.extension, context: s.dial.context };
    },
    log: deps.log('dnd'),
  });
  const offDnd = dnd.onChange((st) => emit('dnd.changed', st));

  /** Every secret value in the keychain this core knows of: removed from diagnostics wherever it appears. */
  async function knownSecrets(): Promise<string[]> {
    if (!deps.secrets.status().available) return [];
    const accounts = [
      AMI_SECRET_ACCOUNT,
      SIP_PASSWORD_ACCOUNT,
      CRM_SECRET_ACCOUNTS.recordingLinkSecret,
      ...CrmKindSchema.options.flatMap((k) => [CRM_SECRET_ACCOUNTS.tokens(k), CRM_SECRET_ACCOUNTS.clientSecret(k), CRM_SECRET_ACCOUNTS.credential(k)]),
    ];
    const values = await Promise.all(accounts.map((a) => deps.secrets.get(a).catch(() => null)));
    return values.flatMap((v) => (v === null ? [] : secretValues(v)));
  }

  async function collectDiagnostics(): Promise<{ text: string; generatedAt: number }> {
    const loaded = deps.settings.load();
    const at = deps.clock.now();
    const callsView = calls?.view();
    const text = diagnosticsReport({
      generatedAt: at,
      app: { ...deps.info, settingsLocation: deps.settings.location, ...deps.diagnostics?.host?.() },
      settings: loaded.settings,
      locked: loaded.lockedPaths,
      problems: loaded.problems,
      states: {
        connection: connection.status(),
        demo: demoActive,
        dnd: dnd.status(),
        calls: { live: callsView?.live.length ?? 0, missed: callsView?.missed ?? 0 },
        keychain: deps.secrets.status(),
        crm: crmService.status(),
        outbox: outboxStatus(),
        softphone: softphone.status(),
      },
      log: deps.diagnostics?.recentLog?.() ?? [],
      secrets: await knownSecrets(),
    });
    return { text, generatedAt: at };
  }
  const softphone = createSoftphoneService({
    secrets: deps.secrets,
    settings: settingsNow,
    clock: deps.clock,
    log: deps.log('softphone'),
    onStatus: (st) => emit('softphone.status', st),
    onDial: (d) => emit('softphone.dial', { exten: d.exten, number: d.number, source: d.source }),
  });
  const control: CallControl | undefined =
    connection.ami && calls
      ? createCallControl({
          ami: connection.ami,
          events: connection.ami,
          clock: deps.clock,
          log: deps.log('control'),
          settings: () => {
            const s = settingsNow();
            return { dial: s.dial, transfer: s.transfer, recording: s.recording };
          },
          // Lookup rewrite rules are for numbers coming in; a dialled number keeps what the operator typed.
          numbers: () => ({ defaultRegion: settingsNow().numbers.defaultRegion, rules: [] }),
          tracker: () => calls.tracker(),
          note: (n) => calls.note((state, now) => applyControlNote(state, n, now)),
        })
      : undefined;
  const offOutcome = control?.onDialOutcome((o) => emit('calls.outcome', { callId: o.callId, ok: o.ok, code: o.code, message: o.message }));

  function requireControl(): CallControl {
    if (!control) throw new AppError('control.unavailable', 'Calls cannot be placed or controlled: no PBX connection is configured.');
    return control;
  }

  /** Runs a call-control request, turning its refusals into IPC errors with the operator's message. */
  async function controlled<T>(fn: (c: CallControl) => Promise<T>): Promise<T> {
    try {
      return await fn(requireControl());
    } catch (error) {
      if (error instanceof CallControlError) throw new AppError('control.failed', error.message, { cause: error });
      throw error;
    }
  }

  async function dial(number: string, source: 'pad' | 'history' | 'contact' | 'link' | 'clipboard') {
    const viaSoftphone = softphone.dial(number, source);
    if (viaSoftphone) return viaSoftphone;
    const started = await controlled((c) => c.dial(number, { source }));
    const t = started.target;
    return { number: { display: t.display, ...(t.e164 ? { e164: t.e164 } : {}), kind: t.kind } };
  }

  const links: LinkService = createLinkService({
    clock: deps.clock,
    log: deps.log('links'),
    numbers: () => ({ defaultRegion: settingsNow().numbers.defaultRegion, rules: [] }),
    confirm: () => settingsNow().dial.confirmLinks,
    dial: (number) => dial(number, 'link'),
    pending: (link) => emit('links.pending', { id: link.id, number: link.number, scheme: link.scheme }),
  });

  function requireDemo(): DemoMode {
    if (!deps.demo || !demoActive) {
      throw new AppError('demo.unavailable', 'Simulated calls work in demo mode only: clear the PBX address in Settings to use the demo PBX.');
    }
    return deps.demo;
  }

  async function view(): Promise<SettingsView> {
    const loaded = deps.settings.load();
    const keychain = deps.secrets.status();
    const has = async (account: string): Promise<boolean> => (keychain.available ? (await deps.secrets.get(account)) !== null : false);
    const kind = loaded.settings.crm.kind;
    const [amiSecretSet, crmClientSecretSet, crmCredentialSet, recordingLinkSecretSet] = await Promise.all([
      has(AMI_SECRET_ACCOUNT),
      kind === 'none' ? false : has(CRM_SECRET_ACCOUNTS.clientSecret(kind)),
      kind === 'none' ? false : has(CRM_SECRET_ACCOUNTS.credential(kind)),
      has(CRM_SECRET_ACCOUNTS.recordingLinkSecret),
    ]);
    return {
      settings: loaded.settings,
      locked: [...loaded.lockedPaths],
      problems: loaded.problems.map((p) => ({ ...p })),
      secrets: { sipPasswordSet: await softphone.passwordSet(), amiSecretSet, crmClientSecretSet, crmCredentialSet, recordingLinkSecretSet },
      keychain: { ...keychain },
    };
  }

  /** Into or out of demo mode: the UI shows the other outbox now. */
  function outboxSwitched(before: OutboxPort | undefined): void {
    if (activeOutbox() !== before) emit('outbox.changed', outboxStatus());
  }

  async function reconfigure(): Promise<void> {
    const { settings } = deps.settings.load();
    const outboxBefore = activeOutbox();
    if (settings.pbx.host === '' && deps.demo) {
      const target = await deps.demo.start();
      demoLookup ??= { connector: deps.demo.crm, lookup: createContactLookup({ connector: deps.demo.crm, clock: deps.clock }) };
      await demoOutbox?.start();
      demoActive = true;
      outboxSwitched(outboxBefore);
      calls?.reconfigure();
      connection.configure(target);
      return;
    }
    if (demoActive && deps.demo) {
      demoActive = false;
      outboxSwitched(outboxBefore);
      await deps.demo.stop();
    }
    const secret = deps.secrets.status().available ? await deps.secrets.get(AMI_SECRET_ACCOUNT) : null;
    calls?.reconfigure();
    connection.configure({ pbx: settings.pbx, secret });
  }

  const noCalls = { live: [], missed: 0, demo: false } as const;

  /** CRM requests fail with the CRM's or the service's own words. */
  async function crmRequest<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (error) {
      if (error instanceof AppError) throw error;
      throw new AppError('crm.failed', messageOf(error), { cause: error });
    }
  }

  /** The settings store's lock rule, checked before any keychain write. */
  function refuseLocked(patch: SettingsPatch): void {
    refuseLockedPaths(patch, deps.settings.load().lockedPaths);
  }


  function requireOutbox(): OutboxPort {
    const o = activeOutbox();
    if (!o) throw new AppError('crm.unsupported', 'Call reporting is not available in this host.');
    return o;
  }

  function outboxStatus(): OutboxStatusView {
    return activeOutbox()?.status() ?? { sending: false, waiting: 0, failed: [] };
  }

  function withReportMark(item: HistoryItem): HistoryItem {
    // A call is in one of the two outboxes: the one of the mode it was taken in.
    const mark = outbox?.mark(item.call.id) ?? demoOutbox?.mark(item.call.id);
    return mark ? { ...item, report: mark } : item;
  }

  const router = createRouter(
    {
      'app.info': () => ({ ...deps.info, settingsLocation: deps.settings.location }),
      'settings.get': () => view(),
      'settings.update': async ({ patch, amiSecret, crmSecrets, sipPassword }) => {
        // A refused patch must leave the keychain as it was: check the locks before any secret is written.
        refuseLocked(patch);
        await softphone.storePassword(sipPassword);
        // Secrets go first: if the keychain refuses one, no setting changes either.
        const kind = patch.crm?.kind ?? settingsNow().crm.kind;
        const writes: [account: string, value: string | null | undefined][] = [
          [AMI_SECRET_ACCOUNT, amiSecret],
          ...(kind === 'none'
            ? []
            : ([
                [CRM_SECRET_ACCOUNTS.clientSecret(kind), crmSecrets?.clientSecret],
                [CRM_SECRET_ACCOUNTS.credential(kind), crmSecrets?.credential],
              ] as [string, string | null | undefined][])),
          [CRM_SECRET_ACCOUNTS.recordingLinkSecret, crmSecrets?.recordingLinkSecret],
        ];
        const changed = writes.filter(([, v]) => v !== undefined);
        if (changed.some(([, v]) => typeof v === 'string') && !deps.secrets.status().available) {
          throw new AppError('secrets.unavailable', deps.secrets.status().reason ?? 'The OS keychain is unavailable.');
        }
        for (const [account, value] of changed) {
          if (typeof value === 'string') await deps.secrets.set(account, value);
          else await deps.secrets.delete(account);
        }
        deps.settings.update(patch);
        log.info('settings saved', { fields: patchPaths(patch), keychainEntries: changed.map(([account, v]) => `${account}: ${v === null ? 'removed' : 'replaced'}`) });
        const next = await view();
        emit('settings.changed', next);
        await reconfigure();
        // The extension or the DND setup may have changed on the same connection.
        if (connection.status().state === 'ready') void dnd.refresh();
        await crmService.reconfigure(changed.some(([account]) => account.startsWith('crm/')));
        return next;
      },
      'connection.get': () => connection.status(),
      'calls.get': () => calls?.view() ?? noCalls,
      'history.list': (filter) => ({ items: (calls?.history(filter) ?? []).map(withReportMark) }),
      'history.markSeen': () => ({ missed: calls?.markSeen() ?? 0 }),
      'contacts.create': ({ callId }) => {
        if (!calls) throw new AppError('crm.unsupported', 'No CRM is connected: connect one in Settings -> CRM.');
        return calls.createContact(callId);
      },
      'demo.simulateIncoming': ({ number }) => ({ number: requireDemo().simulateIncoming(number) }),
      'demo.phone': ({ action }) => ({ done: requireDemo().phone(action) }),
      'calls.dial': ({ number, source }) => dial(number, source),
      'calls.hangup': async ({ callId }) => {
        await controlled((c) => c.hangup(callId));
        return {};
      },
      'calls.transfer': async ({ callId, target, mode }) => {
        await controlled((c) => (mode === 'attended' ? c.attendedTransfer(callId, target) : c.blindTransfer(callId, target)));
        return {};
      },
      'calls.transferFinish': async ({ callId, action }) => {
        await controlled((c) => (action === 'complete' ? c.completeTransfer(callId) : c.cancelTransfer(callId)));
        return {};
      },
      'calls.record': async ({ callId, action }) => {
        if (action === 'start') {
          const info = await controlled((c) => c.startRecording(callId));
          return info.file ? { file: info.file } : {};
        }
        await controlled((c) => (action === 'stop' ? c.stopRecording(callId) : action === 'pause' ? c.pauseRecording(callId) : c.resumeRecording(callId)));
        return {};
      },
      'calls.park': async ({ callId }) => {
        const r = await controlled((c) => c.park(callId));
        return r.slot === undefined ? {} : { slot: r.slot };
      },
      'links.open': ({ uri }) => links.open(uri).then((r) => ({ status: r.status })),
      'links.answer': async ({ id, accept }) => {
        await links.answer(id, accept);
        return {};
      },
      'crm.status': () => crmService.status(),
      'crm.connect': () => crmRequest(() => crmService.connect()),
      'crm.submitCode': ({ code }) => crmRequest(() => crmService.submitCode(code)),
      'crm.cancelConnect': () => crmService.cancelConnect(),
      'crm.disconnect': () => crmRequest(() => crmService.disconnect()),
      'crm.users': () => crmRequest(async () => ({ users: (await crmService.users()).map((u) => ({ id: u.id, name: u.name, ...(u.email ? { email: u.email } : {}), ...(u.extension ? { extension: u.extension } : {}) })) })),
      'outbox.status': () => outboxStatus(),
      'outbox.retry': ({ id }) => {
        const o = requireOutbox();
        o.retry(id);
        // "Send now" while paused for sign-in tries again (the key may be fixed on the CRM's side); a refusal pauses again.
        if (o.status().paused === 'needsSignIn') o.resume();
        return outboxStatus();
      },
      'outbox.discard': async ({ id }) => {
        await requireOutbox().discard(id);
        return outboxStatus();
      },
      'softphone.credentials': () => softphone.credentials(),
      'softphone.state': (st) => {
        softphone.report(st);
        return {};
      },
      'softphone.probe': () => softphone.probe(),
      'diagnostics.ping': ({ nonce }) => ({ nonce, receivedAt: deps.clock.now() }),
      'diagnostics.collect': () => collectDiagnostics(),
      'dnd.get': () => dnd.status(),
      'dnd.set': async ({ on }) => {
        try {
          return await dnd.set(on);
        } catch (error) {
          if (error instanceof DndError) throw new AppError(connection.ami ? 'control.failed' : 'control.unavailable', error.message, { cause: error });
          throw error;
        }
      },
    },
    deps.log('ipc'),
  );

  return {
    dispatch: (channel, payload): Promise<Reply> => router.dispatch(channel, payload),
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    async start() {
      // A journal that cannot be opened (another Sidecall holds it, unreadable folder) must not stop
      // the app: reports are then kept in memory by reporting and retried.
      await outbox?.start().catch((error: unknown) => log.error('call report outbox could not start', { error: messageOf(error) }));
      await crmService.reconfigure();
      log.info('starting', { version: deps.info.version, host: deps.info.host, settings: deps.settings.location, keychain: deps.secrets.status().backend });
      const loaded = deps.settings.load();
      for (const p of loaded.problems) log.warn('settings problem', { path: p.path, problem: p.message, source: p.source });
      await reconfigure();
    },
    /** A link the host received from the OS (argv, open-url): same path as browser mode's `links.open`. */
    openLink: (uri: string) => links.open(uri).then(() => undefined),
    connectOrigins: () => softphone.connectOrigins(),
    async dispose() {
      offStatus();
      offDnd();
      offOutcome?.();
      offOutbox?.();
      offDemoOutbox?.();
      reporting?.dispose();
      crmService.dispose();
      await outbox?.dispose();
      await demoOutbox?.dispose();
      control?.dispose();
      links.dispose();
      calls?.dispose();
      listeners.clear();
      await connection.dispose();
      await deps.demo?.stop();
    },
  };
}
