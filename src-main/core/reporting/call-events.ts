// Live call events for CRMs with pop-ups of their own (retailCRM: ringing,
// outgoing, hangup), so the CRM's own screen and manager routing follow the
// call too. Best effort and not queued: a lost event only means no pop-up in
// the CRM, while the call log itself goes through the outbox.
import type { Call } from '../../../src-shared/domain/call';
import type { CallsView } from '../../../src-shared/domain/calls-view';
import type { Settings } from '../../../src-shared/domain/settings';
import type { Logger } from '../../ports';
import type { CrmCallEvent, CrmConnector } from '../crm/connector';
import { messageOf } from '../crm/errors';
import { normalizeFor } from '../screen-pop/pop-policy';

export interface CallEventsDeps {
  readonly connector: () => CrmConnector | undefined;
  readonly settings: () => Settings;
  readonly log: Logger;
  readonly timeoutMs?: number;
}

export interface CallEvents {
  /** A calls view was published: announce calls that started ringing or dialling. */
  seen(view: CallsView): void;
  /** A call ended (filed in History). */
  ended(call: Call): void;
}

/** Which event a live call is worth now, if any (pure). */
export function startEventOf(call: Call): 'ringing' | 'outgoing' | undefined {
  if (call.direction === 'internal') return undefined;
  if (call.state === 'ringing' && call.direction === 'inbound') return 'ringing';
  if (call.state === 'dialing' && call.direction === 'outbound') return 'outgoing';
  return undefined;
}

export function createCallEvents(deps: CallEventsDeps): CallEvents {
  const announced = new Set<string>();
  const timeoutMs = deps.timeoutMs ?? 5000;

  /** Sends the event; false when there is no CRM to hear it or no outside number yet. */
  function send(call: Call, type: CrmCallEvent['type']): boolean {
    const connector = deps.connector();
    if (!connector?.callEvent || !connector.capabilities.has('callEvents')) return false;
    const n = normalizeFor(call.remoteNumber, deps.settings().numbers);
    if (!n || n.kind !== 'external') return false;
    const event: CrmCallEvent = {
      type,
      callId: call.id,
      number: { ...(n.e164 ? { e164: n.e164 } : {}), digits: n.digits, raw: call.remoteNumber ?? '' },
      extension: call.extension,
      ...(type === 'hangup' && call.result ? { hangupResult: call.result } : {}),
    };
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), timeoutMs);
    connector
      .callEvent(event, { signal: controller.signal })
      .catch((error: unknown) => deps.log.warn('CRM call event not delivered', { type, callId: call.id, error: messageOf(error) }))
      .finally(() => clearTimeout(timer));
    return true;
  }

  return {
    seen(view) {
      for (const v of view.live) {
        const type = startEventOf(v.call);
        if (!type || announced.has(v.call.id)) continue;
        // Announced only once sent: a call dialled from Sidecall is first published without its
        // number (the PBX rings the operator's phone first); the next view has it.
        if (send(v.call, type)) announced.add(v.call.id);
      }
    },
    ended(call) {
      // Only calls the CRM heard about get a hangup (a call that was never announced has no pop-up to close).
      if (!announced.delete(call.id)) return;
      send(call, 'hangup');
    },
  };
}
