// Channel listings: CoreShowChannels (needs write=system or reporting) and Status
// (system, call or reporting), both event-list actions. Their items are turned
// into AmiChannelSnapshot, the shape the resync hands the call tracker.
// Field names differ between the two (CoreShowChannel `ApplicationData`,
// `Duration`, `BridgeId`; Status `Data`, `Seconds`, `BridgeID`), see
// ami-traces/h-coreshowchannels-live-call.
import { z } from 'zod';
import type { AmiMessage } from '../codec';
import { getHeader } from '../codec';
import type { AmiActionSender, AmiChannelSnapshot } from '../event-source';
import { readHeaders } from './read';

const SNAPSHOT_HEADERS = ['Channel', 'Uniqueid', 'Linkedid', 'ChannelState'] as const;

const SnapshotCore = z.object({
  Channel: z.string().min(1, { message: 'empty channel name' }),
  Uniqueid: z.string().default(''),
  Linkedid: z.string().default(''),
  ChannelState: z
    .string()
    .regex(/^\d+$/, { message: 'not a number' })
    .transform(Number)
    .optional(),
});

function text(m: AmiMessage, ...names: readonly string[]): string {
  for (const name of names) {
    const v = getHeader(m, name);
    if (v !== undefined) return v;
  }
  return '';
}

/** One CoreShowChannel or Status list item -> snapshot. Throws AmiBadResponseError without a channel name. */
export function channelSnapshot(action: string, m: AmiMessage): AmiChannelSnapshot {
  const core = readHeaders(action, m, SNAPSHOT_HEADERS, SnapshotCore);
  const seconds = getHeader(m, 'Seconds');
  return {
    channel: core.Channel,
    uniqueid: core.Uniqueid,
    linkedid: core.Linkedid,
    channelState: core.ChannelState,
    channelStateDesc: text(m, 'ChannelStateDesc'),
    callerIdNum: text(m, 'CallerIDNum'),
    callerIdName: text(m, 'CallerIDName'),
    connectedLineNum: text(m, 'ConnectedLineNum'),
    connectedLineName: text(m, 'ConnectedLineName'),
    context: text(m, 'Context'),
    exten: text(m, 'Exten'),
    application: text(m, 'Application'),
    applicationData: text(m, 'ApplicationData', 'Data'),
    duration: getHeader(m, 'Duration') ?? (seconds === undefined ? '' : secondsToDuration(seconds)),
    bridgeId: text(m, 'BridgeId'),
    message: m,
  };
}

function secondsToDuration(seconds: string): string {
  const n = Number(seconds);
  if (!Number.isInteger(n) || n < 0) return '';
  const two = (x: number): string => String(x).padStart(2, '0');
  return `${two(Math.floor(n / 3600))}:${two(Math.floor(n / 60) % 60)}:${two(n % 60)}`;
}

/** Every live channel (`CoreShowChannels`); needs write=system or reporting. */
export async function coreShowChannels(ami: AmiActionSender, opts: { readonly timeoutMs?: number } = {}): Promise<AmiChannelSnapshot[]> {
  const r = await ami.send({ action: 'CoreShowChannels', list: { completeEvent: 'CoreShowChannelsComplete' }, ...timeout(opts) });
  return r.items.filter((m) => getHeader(m, 'Event') === 'CoreShowChannel').map((m) => channelSnapshot('CoreShowChannels', m));
}

/** Channel status (`Status`), all channels or one; needs write=system, call or reporting. */
export async function status(
  ami: AmiActionSender,
  opts: { readonly channel?: string; readonly variables?: readonly string[]; readonly timeoutMs?: number } = {},
): Promise<AmiChannelSnapshot[]> {
  const r = await ami.send({
    action: 'Status',
    fields: { Channel: opts.channel, Variables: opts.variables === undefined ? undefined : opts.variables.join(',') },
    list: { completeEvent: 'StatusComplete' },
    ...timeout(opts),
  });
  return r.items.filter((m) => getHeader(m, 'Event') === 'Status').map((m) => channelSnapshot('Status', m));
}

function timeout(opts: { readonly timeoutMs?: number }): { readonly timeoutMs?: number } {
  return opts.timeoutMs === undefined ? {} : { timeoutMs: opts.timeoutMs };
}
