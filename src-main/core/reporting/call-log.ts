// Pure: a tracker call that ended becomes the CallLog reported to the CRM, and
// the rules of Settings -> Reporting say whether it is reported at all.
import type { Call } from '../../../src-shared/domain/call';
import type { CallLog, CallLogResult } from '../../../src-shared/domain/call-log';
import type { CrmKind, ReportingSettings } from '../../../src-shared/domain/crm-settings';
import type { Settings } from '../../../src-shared/domain/settings';
import type { NormalizedNumber } from '../../../src-shared/phone';
import { normalizeFor } from '../screen-pop/pop-policy';

export interface CallLogInput {
  readonly settings: Settings;
  /** CRM id of the contact the screen pop found. */
  readonly contactId?: string;
  readonly recordingUrl?: string;
}

/** Whether Settings -> Reporting wants this call in the CRM. */
export function shouldReport(call: Call, reporting: ReportingSettings, number: NormalizedNumber | undefined): boolean {
  if (!reporting.enabled || call.state !== 'ended') return false;
  if (reporting.which === 'all') return true;
  const external = call.direction !== 'internal' && number?.kind === 'external';
  if (!external) return false;
  return reporting.which === 'external' || call.result === 'answered';
}

/** The number in the form a CRM matches best (amoCRM compares the last 10 digits; retailCRM stores digits as typed). */
export function crmNumberForm(kind: CrmKind, n: NormalizedNumber | undefined, raw: string): string | undefined {
  if (!n) return undefined;
  if (n.kind !== 'external' || !n.e164) return n.digits || raw;
  return kind === 'retailcrm' ? n.e164.slice(1) : n.e164;
}

function seconds(fromMs: number, toMs: number): number {
  return Math.max(0, Math.round((toMs - fromMs) / 1000));
}

export function buildCallLog(call: Call, input: CallLogInput): CallLog {
  const { settings } = input;
  const raw = call.remoteNumber ?? '';
  const n = normalizeFor(call.remoteNumber, settings.numbers);
  const endedAt = call.endedAt ?? call.legs.reduce((t, l) => Math.max(t, l.endedAt ?? 0), call.startedAt);
  const answeredAt = call.result === 'answered' ? call.answeredAt : undefined;
  const crmForm = crmNumberForm(settings.crm.kind, n, raw);
  const result: CallLogResult = call.result ?? 'failed';
  const crmUserId = settings.crm.userMap[call.extension];
  return {
    id: call.id,
    linkedid: call.linkedids[0] ?? call.id,
    direction: call.direction,
    number: {
      raw,
      ...(n?.e164 ? { e164: n.e164 } : {}),
      digits: n?.digits ?? raw.replace(/\D/g, ''),
      ...(crmForm !== undefined && crmForm !== n?.e164 ? { crm: crmForm } : {}),
    },
    ...(call.remoteName ? { remoteName: call.remoteName } : {}),
    extension: call.extension,
    ...(crmUserId ? { crmUserId } : {}),
    startedAt: call.startedAt,
    ...(answeredAt !== undefined ? { answeredAt } : {}),
    endedAt,
    talkSeconds: answeredAt !== undefined ? seconds(answeredAt, endedAt) : 0,
    waitSeconds: seconds(call.startedAt, answeredAt ?? endedAt),
    result,
    ...(call.answeredBy ? { answeredBy: call.answeredBy } : {}),
    transfers: [...call.transfers],
    recording: {
      ...(input.recordingUrl ? { url: input.recordingUrl } : {}),
      files: [...call.recording.files],
    },
    ...(input.contactId ? { contactId: input.contactId } : {}),
    rules: { createUnknown: settings.reporting.createUnknown, missedCallTask: settings.reporting.missedCallTask },
  };
}
