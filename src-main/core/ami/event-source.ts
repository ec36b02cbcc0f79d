// The seam between "where AMI events come from" and what consumes them (the call
// tracker, call control). Today the source is one AmiConnection per operator
// (connection/connection.ts). Measured on Asterisk 22, every AMI session costs the
// PBX work for every event (~15 µs per session per event), so large sites will
// want one AMI consumer per PBX feeding operators through a broker: such a source
// implements this same interface and nothing downstream changes.
import type { ConnectionStatus } from '../../../src-shared/domain/connection';
import type { ActionFieldValue, AmiMessage } from './codec';

/** Which filtering keeps other operators' events away, for diagnostics. */
export type AmiFiltering = 'pbx-eventfilter+client' | 'filter-action+client' | 'client-only';

/** An AMI event that concerns this operator (it passed the client-side channel match). */
export interface AmiEvent {
  /** The `Event:` header, e.g. `Newchannel`. */
  readonly name: string;
  readonly message: AmiMessage;
  /** Clock time it was received (events carry no timestamp: timestampevents=no). */
  readonly receivedAt: number;
}

/** One channel as CoreShowChannels (or Status, as a fallback) lists it. */
export interface AmiChannelSnapshot {
  readonly channel: string;
  readonly uniqueid: string;
  readonly linkedid: string;
  /** Numeric channel state (6 = Up) and its text. */
  readonly channelState: number | undefined;
  readonly channelStateDesc: string;
  readonly callerIdNum: string;
  readonly callerIdName: string;
  readonly connectedLineNum: string;
  readonly connectedLineName: string;
  readonly context: string;
  readonly exten: string;
  readonly application: string;
  readonly applicationData: string;
  /** `hh:mm:ss` as Asterisk prints it; empty when not given. */
  readonly duration: string;
  /** Empty when the channel is in no bridge. */
  readonly bridgeId: string;
  /** The list item as received, for fields not lifted above. */
  readonly message: AmiMessage;
}

/**
 * Live channels right after a (re)login, before any event of that session is
 * delivered: what the call tracker rebuilds its state from, since Asterisk does
 * not replay events missed while disconnected.
 */
export interface AmiResync {
  readonly at: number;
  /** First login of this configuration, or a login after a drop. */
  readonly reason: 'login' | 'reconnect';
  /** Which action produced the list; `none` when the AMI user may run neither (then `channels` is empty). */
  readonly source: 'CoreShowChannels' | 'Status' | 'none';
  /** Every channel on the PBX, as listed. */
  readonly channels: readonly AmiChannelSnapshot[];
  /** The operator's own channels (channel pattern) and every channel sharing a Linkedid with one of them. */
  readonly related: readonly AmiChannelSnapshot[];
}

/** One AMI action to send. */
export interface AmiRequest {
  readonly action: string;
  /** Header fields after Action/ActionID, in order; undefined ones are left out, arrays repeat the header. */
  readonly fields?: Readonly<Record<string, ActionFieldValue>>;
  /**
   * An event-list action: resolve only after its `...Complete` event (named here,
   * or any event of this ActionID with `EventList: Complete`). A reply with
   * `EventList: start` is treated as a list even when this is not set.
   */
  readonly list?: boolean | { readonly completeEvent: string };
  /** Overrides the connection's default action timeout. */
  readonly timeoutMs?: number;
}

/** A successful reply (`Response: Success`, `Follows` or `Goodbye`). Errors reject with AmiActionError. */
export interface AmiResponse {
  readonly action: string;
  readonly actionId: string;
  /** The `Response:` header value. */
  readonly response: string;
  readonly message: AmiMessage;
  /** Event-list items in order (the `...Complete` event excluded). */
  readonly items: readonly AmiMessage[];
  /** The `...Complete` event of a list. */
  readonly complete: AmiMessage | undefined;
}

/** Sends actions; the typed functions in actions/ take this. */
export interface AmiActionSender {
  /**
   * Sends one action and waits for its reply. Rejects with AmiActionError
   * (Asterisk said Error), AmiTimeoutError, AmiDisconnectedError, AmiNotReadyError,
   * or AmiCodecError (a value with CR/LF: nothing was sent; the error names the field).
   */
  send(request: AmiRequest): Promise<AmiResponse>;
}

/** Where the operator's AMI events come from. */
export interface AmiEventSource extends AmiActionSender {
  /** Events of this operator, in order, after the resync of the session they belong to. */
  onEvent(listener: (event: AmiEvent) => void): () => void;
  /** Called on every (re)login with the live channels, before that session's first event. */
  onResync(listener: (resync: AmiResync) => void): () => void;
  status(): ConnectionStatus;
  onStatus(listener: (status: ConnectionStatus) => void): () => void;
}
