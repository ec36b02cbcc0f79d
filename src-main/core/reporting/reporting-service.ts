// Call reporting: every call the tracker ends is checked against Settings ->
// Reporting, turned into a CallLog (with its recording link) and handed to the
// outbox, which writes it to disk before any request. A failed write (full
// disk) keeps the log in memory and tries again, so nothing is dropped while
// the app runs.
import type { Call } from '../../../src-shared/domain/call';
import type { CallLog } from '../../../src-shared/domain/call-log';
import type { Contact } from '../../../src-shared/domain/contact';
import type { OutboxStatusView, ReportMark } from '../../../src-shared/domain/crm-status';
import { CRM_SECRET_ACCOUNTS } from '../../../src-shared/domain/crm-settings';
import type { Settings } from '../../../src-shared/domain/settings';
import type { Clock, Logger, SecretStore, TimerHandle } from '../../ports';
import { messageOf } from '../crm/errors';
import { normalizeFor } from '../screen-pop/pop-policy';
import { buildCallLog, shouldReport } from './call-log';
import { recordingLink } from './recording-link';

export interface OutboxSink {
  enqueue(log: CallLog): Promise<'queued' | 'duplicate'>;
}

/** What the core needs of the durable outbox (./outbox). */
export interface OutboxPort extends OutboxSink {
  start(): Promise<void>;
  status(): OutboxStatusView;
  onChange(listener: (status: OutboxStatusView) => void): () => void;
  /** Where a call's report stands: undefined when it was never queued (or was discarded). */
  mark(id: string): ReportMark | undefined;
  retry(id?: string): void;
  discard(id: string): Promise<void>;
  /** Signed in again / CRM changed: send now. */
  resume(): void;
  dispose(): Promise<void>;
}

export interface ReportingServiceDeps {
  readonly outbox: OutboxSink;
  readonly settings: () => Settings;
  readonly secrets: SecretStore;
  readonly clock: Clock;
  readonly log: Logger;
  /** A CRM is chosen (calls that end while none is chosen are not queued). */
  readonly active: () => boolean;
  readonly retryMs?: number;
}

export interface ReportingService {
  /** The tracker ended a call (History filed it). */
  callEnded(call: Call, contact?: Contact): void;
  /** Logs waiting for the outbox to accept them (a write failed). */
  held(): number;
  dispose(): void;
}

export function createReportingService(deps: ReportingServiceDeps): ReportingService {
  const held = new Map<string, CallLog>();
  const retryMs = deps.retryMs ?? 30_000;
  let timer: TimerHandle | undefined;
  let disposed = false;

  async function linkFor(call: Call, settings: Settings): Promise<string | undefined> {
    const cfg = settings.reporting.recordingLink;
    // Recordings the operator's session saw; else, where the PBX records every answered call itself, one named by the call's ids.
    const file = call.recording.files[0] ?? (cfg.pbxRecordsAll && call.result === 'answered' ? '' : undefined);
    if (file === undefined || cfg.urlTemplate === '') return undefined;
    const input = { file, linkedid: call.linkedids[0] ?? call.id, uniqueid: call.legs[0]?.uniqueid ?? '', extension: call.extension, startedAt: call.startedAt };
    if (!cfg.signed) return recordingLink(cfg.urlTemplate, input);
    const secret = deps.secrets.status().available ? await deps.secrets.get(CRM_SECRET_ACCOUNTS.recordingLinkSecret) : null;
    if (!secret) {
      deps.log.warn('recording link not signed: no signing secret in the keychain (Settings -> Reporting)', { callId: call.id });
      return undefined;
    }
    const expiresAt = cfg.expiresHours > 0 ? Math.floor((call.endedAt ?? deps.clock.now()) / 1000) + cfg.expiresHours * 3600 : undefined;
    return recordingLink(cfg.urlTemplate, input, { secret, ...(expiresAt !== undefined ? { expiresAt } : {}) });
  }

  function schedule(): void {
    if (timer || disposed || held.size === 0) return;
    timer = deps.clock.setTimeout(() => {
      timer = undefined;
      for (const log of [...held.values()]) void hand(log);
    }, retryMs);
  }

  async function hand(log: CallLog): Promise<void> {
    try {
      await deps.outbox.enqueue(log);
      held.delete(log.id);
    } catch (error) {
      held.set(log.id, log);
      deps.log.error('could not queue a call report; kept in memory and retried', { callId: log.id, error: messageOf(error) });
      schedule();
    }
  }

  return {
    callEnded(call, contact) {
      if (!deps.active()) return;
      const settings = deps.settings();
      const n = normalizeFor(call.remoteNumber, settings.numbers);
      if (!shouldReport(call, settings.reporting, n)) return;
      void linkFor(call, settings)
        .catch(() => undefined)
        .then((url) => hand(buildCallLog(call, { settings, ...(contact ? { contactId: contact.id } : {}), ...(url ? { recordingUrl: url } : {}) })));
    },
    held: () => held.size,
    dispose() {
      disposed = true;
      if (timer) deps.clock.clearTimeout(timer);
    },
  };
}
