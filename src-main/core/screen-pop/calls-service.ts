// Live calls and the screen pop: feeds the operator's AMI events through the
// call tracker, looks each caller up in the CRM as soon as the number is known
// (the card shows the PBX's number and name at once and fills in the contact
// when the CRM answers), publishes what changed, and files ended calls in
// History exactly once.
import type { Call } from '../../../src-shared/domain/call';
import type { CallView, CallsView, HistoryItem } from '../../../src-shared/domain/calls-view';
import type { Contact, ContactLookup } from '../../../src-shared/domain/contact';
import type { HistoryFilter } from '../../../src-shared/domain/history';
import type { Settings } from '../../../src-shared/domain/settings';
import { AppError } from '../../../src-shared/errors';
import type { Clock, HistoryStore, Logger } from '../../ports';
import { parseAmiEvent, type ChannelListItem } from '../ami/events';
import type { AmiEventSource, AmiResync } from '../ami/event-source';
import { acknowledgeEnded, changedCalls, getEmptyState, reduce, resync, selectEndedCalls, selectLiveCalls, tick, type CallTrackerState } from '../calls';
import type { CrmConnector, PhoneQuery } from '../crm/connector';
import type { ContactLookupService } from '../crm/contact-lookup';
import { countMissedSince, queryHistory } from '../history/history-query';
import { displayNumber, normalizeFor, shouldPop } from './pop-policy';

export interface CallsServiceDeps {
  readonly ami: AmiEventSource;
  readonly clock: Clock;
  readonly log: Logger;
  readonly history: HistoryStore;
  readonly settings: () => Settings;
  /** The operator's extension: from Settings, or the demo PBX's. */
  readonly extension: () => string;
  /** The CRM to look callers up in; undefined: no lookups (cards show the PBX's data). */
  readonly crm: () => { readonly connector: CrmConnector; readonly lookup: ContactLookupService } | undefined;
  readonly demo: () => boolean;
  readonly publish: (view: CallsView) => void;
  readonly historyChanged: (callId: string) => void;
  /** A call ended and was filed in History (reporting takes it from here), with the contact the pop found. */
  readonly ended?: (call: Call, contact: Contact | undefined) => void;
}

export interface CallsService {
  view(): CallsView;
  history(filter: HistoryFilter): HistoryItem[];
  /** The operator opened History: the missed badge resets. */
  markSeen(): number;
  createContact(callId: string): Promise<Contact>;
  /** Settings changed: a new extension starts a fresh tracker. */
  reconfigure(): void;
  /** The tracker's state now (call control reads channels from it). */
  tracker(): CallTrackerState;
  /** Applies what call control tells the tracker (a request that raises no event of its own). */
  note(update: (state: CallTrackerState, now: number) => CallTrackerState): void;
  dispose(): void;
}

const TICK_MS = 5_000;

export function createCallsService(deps: CallsServiceDeps): CallsService {
  let extension = deps.extension();
  let state: CallTrackerState = getEmptyState({ extension });
  const lookups = new Map<string, ContactLookup>();
  const queries = new Map<string, PhoneQuery>();
  let seenAt = deps.clock.now();
  let ticker = deps.clock.setTimeout(onTick, TICK_MS);

  function onTick(): void {
    apply(tick(state, deps.clock.now()));
    ticker = deps.clock.setTimeout(onTick, TICK_MS);
  }

  const offEvent = deps.ami.onEvent((ev) => {
    const parsed = parseAmiEvent(ev.message);
    if (parsed) apply(reduce(state, parsed, ev.receivedAt));
  });
  const offResync = deps.ami.onResync((r: AmiResync) => {
    // No list (the AMI user may run neither CoreShowChannels nor Status): an empty
    // list would mean "no call is up" and end every live call, so keep them as they are.
    if (r.source === 'none') {
      deps.log.warn('cannot resync live calls: the AMI user may run neither CoreShowChannels nor Status');
      return;
    }
    const items: ChannelListItem[] = [];
    for (const snap of r.related) {
      const parsed = parseAmiEvent(snap.message);
      if (parsed?.event === 'CoreShowChannel' || parsed?.event === 'Status') items.push(parsed);
    }
    apply(resync(state, items, r.at));
  });

  function apply(next: CallTrackerState): void {
    if (next === state) return;
    const diff = changedCalls(state, next);
    state = next;
    for (const call of diff.changed) startLookup(call);
    fileEnded();
    if (diff.changed.length > 0 || diff.removed.length > 0) deps.publish(view());
  }

  function startLookup(call: Call): void {
    if (lookups.has(call.id) || call.remoteNumber === undefined) return;
    const settings = deps.settings();
    const n = normalizeFor(call.remoteNumber, settings.numbers);
    const crm = deps.crm();
    if (!n || n.kind === 'invalid') return void lookups.set(call.id, { status: 'skipped', reason: 'noNumber' });
    if (call.direction === 'internal' || n.kind !== 'external') return void lookups.set(call.id, { status: 'skipped', reason: 'internal' });
    if (!crm) return void lookups.set(call.id, { status: 'skipped', reason: 'noCrm' });
    const query: PhoneQuery = { ...(n.e164 ? { e164: n.e164 } : {}), digits: n.digits, raw: call.remoteNumber };
    queries.set(call.id, query);
    lookups.set(call.id, { status: 'pending' });
    // The request itself starts after this turn's publish: the card with the number goes out first
    // (an HTTP connector spends about a millisecond building and writing its request synchronously).
    queueMicrotask(() => void crm.lookup.lookup(query).then((result) => {
      if (!lookups.has(call.id)) return;
      lookups.set(call.id, result);
      if (result.status === 'error') deps.log.warn('contact lookup failed', { callId: call.id, message: result.message });
      deps.publish(view());
      // A call that ended before the CRM answered is refiled with its contact.
      const ended = state.records.get(call.id)?.call;
      if (ended?.state === 'ended' && result.status === 'found') {
        deps.history.append({ call: ended, contact: result.contact });
        deps.historyChanged(call.id);
      }
    }));
  }

  function fileEnded(): void {
    const ended = selectEndedCalls(state);
    if (ended.length === 0) return;
    for (const call of ended) {
      const l = lookups.get(call.id);
      deps.history.append(l?.status === 'found' ? { call, contact: l.contact } : { call });
      deps.historyChanged(call.id);
      deps.ended?.(call, l?.status === 'found' ? l.contact : undefined);
    }
    state = acknowledgeEnded(state, ended.map((c) => c.id));
    const kept = new Set(state.order);
    for (const id of lookups.keys()) if (!kept.has(id)) lookups.delete(id);
  }

  function toView(call: Call, settings: Settings): CallView {
    const n = normalizeFor(call.remoteNumber, settings.numbers);
    return {
      call,
      ...(n && call.remoteNumber ? { number: displayNumber(n, call.remoteNumber, settings.numbers.defaultRegion) } : {}),
      lookup: lookups.get(call.id) ?? { status: 'pending' },
      pop: shouldPop(call, settings.screenPop),
    };
  }

  function view(): CallsView {
    const settings = deps.settings();
    return {
      live: selectLiveCalls(state).map((c) => toView(c, settings)),
      missed: countMissedSince(deps.history.all(), seenAt),
      demo: deps.demo(),
    };
  }

  return {
    view,
    history(filter) {
      const settings = deps.settings();
      return queryHistory(deps.history.all(), filter).map((e) => {
        const n = normalizeFor(e.call.remoteNumber, settings.numbers);
        return {
          call: e.call,
          ...(n && e.call.remoteNumber ? { number: displayNumber(n, e.call.remoteNumber, settings.numbers.defaultRegion) } : {}),
          ...(e.contact ? { contact: e.contact } : {}),
        };
      });
    },
    markSeen() {
      seenAt = deps.clock.now();
      deps.publish(view());
      return 0;
    },
    async createContact(callId) {
      const crm = deps.crm();
      const query = queries.get(callId);
      if (!crm?.connector.createContact || !query) {
        throw new AppError('crm.unsupported', crm ? `${crm.connector.displayName} cannot create contacts from Sidecall.` : 'No CRM is connected: connect one in Settings -> CRM.');
      }
      const contact = await crm.connector.createContact(query, { signal: AbortSignal.timeout(10_000) });
      crm.lookup.clear();
      lookups.set(callId, { status: 'found', contact });
      deps.publish(view());
      return contact;
    },
    reconfigure() {
      const next = deps.extension();
      if (next !== extension) {
        extension = next;
        state = getEmptyState({ extension });
        lookups.clear();
        queries.clear();
      }
      deps.publish(view());
    },
    tracker: () => state,
    note(update) {
      apply(update(state, deps.clock.now()));
    },
    dispose() {
      offEvent();
      offResync();
      deps.clock.clearTimeout(ticker);
    },
  };
}
