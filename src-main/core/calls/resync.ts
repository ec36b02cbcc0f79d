// Resynchronisation after a (re)connect. AMI does not replay events missed while
// disconnected (shared/reference/asterisk-ami.md), so after every login the app
// runs CoreShowChannels (or Status) and hands the list here:
// - a call whose channels of mine are all gone ended while we were away: it is
//   ended now (flagged `endedWhileDisconnected`) and so still reported, once;
// - a channel of mine we do not know is a call we missed the start of: it is
//   rebuilt (flagged `restored`, times approximate from the channel's Duration);
// - a channel we know is refreshed (it may have been answered meanwhile).
// Calls are matched by Uniqueid and Linkedid, so nothing is duplicated.
//
// What a CoreShowChannel says (trace h): ChannelStateDesc, CallerIDNum,
// ConnectedLineNum, Linkedid, Application (`AppDial` on a dialled channel, `Dial`
// on the dialling one), Duration, and BridgeId (empty when not bridged).
import type { ChannelListItem } from '../ami/events';
import { ChannelState } from '../ami/events';
import { isLocalChannel, isMyChannel } from './config';
import { addLeg, connect, endCall, legAnswered, setRemote, upsertChannel } from './reducer';
import type { CallTrackerState } from './state';
import { newRecord, Tx } from './state';

// Applications a dialled channel shows while it is the callee of Dial or Queue.
const DIALLED_APPS = new Set(['appdial', 'appdial2', 'appqueue']);

function keyOf(item: ChannelListItem): string {
  return item.channel.uniqueid ?? item.channel.channel;
}

/**
 * Rebuilds live calls from a complete list of the PBX's channels: the
 * CoreShowChannel items of CoreShowChannels, or the Status items of Status.
 * The list must be complete (every channel the user may see): an empty list
 * means no call is up, so do not call this when the list could not be fetched.
 */
export function resync(state: CallTrackerState, list: readonly ChannelListItem[], now: number): CallTrackerState {
  const tx = new Tx(state, now);
  const present = new Map<string, ChannelListItem>();
  const linkedids = new Set<string>();
  for (const item of list) {
    present.set(keyOf(item), item);
    if (item.channel.linkedid !== undefined) linkedids.add(item.channel.linkedid);
  }

  // Known calls: drop what is gone, refresh what is still there.
  for (const id of [...tx.order]) {
    const rec = tx.live(id);
    if (rec === undefined) continue;
    for (const ch of tx.channelsOf(id)) {
      const item = present.get(ch.uniqueid);
      if (item === undefined) {
        if (ch.mine) tx.upsertLeg(id, ch.uniqueid, () => ({ channel: ch.name, uniqueid: ch.uniqueid, startedAt: ch.startedAt }), (leg) => ({ ...leg, endedAt: now }));
        tx.dropChannel(ch.uniqueid, ch.mine);
        continue;
      }
      upsertChannel(tx, item.channel, ch.mine, id);
      const current = tx.live(id);
      if (ch.mine && current !== undefined && item.channel.state === ChannelState.Up) {
        legAnswered(tx, id, ch.uniqueid);
        const answered = current.base === 'inbound' ? current.origin !== 'originate' : item.bridgeId !== undefined;
        if (answered && !current.talking) connect(tx, id, current.base === 'inbound' ? tx.config.extension : current.call.remoteNumber, ch.uniqueid);
      }
    }
    const after = tx.live(id);
    if (after === undefined || tx.liveLegs(id).length > 0) continue;
    if (after.parked && after.call.linkedids.some((l) => linkedids.has(l))) continue;
    tx.put({ ...after, talking: false, call: { ...after.call, endedWhileDisconnected: true } });
    endCall(tx, id);
  }

  // My channels announced by Newchannel but never part of a call, now gone.
  for (const ch of [...tx.channels.values()]) {
    if (ch.callId === undefined && !present.has(ch.uniqueid)) tx.dropChannel(ch.uniqueid, ch.mine);
  }

  // My channels we did not know: calls that started while we were away.
  for (const item of list) {
    const snap = item.channel;
    if (!isMyChannel(tx.config, snap.channel) || tx.isRetired(keyOf(item))) continue;
    const known = tx.channel(keyOf(item));
    if (known?.callId !== undefined && tx.live(known.callId) !== undefined) continue;
    const startedAt = now - (item.durationSeconds ?? 0) * 1000;
    const dialled = item.application !== undefined && DIALLED_APPS.has(item.application.toLowerCase());
    let base: 'inbound' | 'outbound';
    let talking: boolean;
    if (snap.state === ChannelState.Ringing) [base, talking] = ['inbound', false];
    else if (snap.state === ChannelState.Ring) [base, talking] = ['outbound', false];
    else if (snap.state === ChannelState.Up) [base, talking] = dialled ? ['inbound', true] : ['outbound', item.bridgeId !== undefined];
    else [base, talking] = [dialled ? 'inbound' : 'outbound', false];

    const ch = { ...upsertChannel(tx, snap, true), startedAt };
    tx.setChannel(ch);
    const lid = snap.linkedid ?? ch.uniqueid;
    const existing = tx.live(tx.byLinkedid.get(lid));
    let id: string;
    if (existing !== undefined) {
      id = existing.call.id;
      addLeg(tx, id, ch);
    } else {
      id = tx.callIdFor(lid);
      const rec = newRecord({ id, linkedids: [lid], extension: tx.config.extension, base, origin: 'restored', now: startedAt });
      tx.put({ ...rec, call: { ...rec.call, restored: true } });
      addLeg(tx, id, ch);
      tx.upsertLeg(id, ch.uniqueid, () => ({ channel: ch.name, uniqueid: ch.uniqueid, startedAt }), (leg) => ({ ...leg, startedAt }));
      // The other side: my connected line, else the caller ID of another channel of
      // the call (README item 8: for a Local-channel inbound it is the `;2` leg;
      // `;1` shows the operator's own number after answer).
      const siblings = list.filter((o) => o !== item && o.channel.linkedid === lid && !isMyChannel(tx.config, o.channel.channel));
      const byCid = (local: boolean): ChannelListItem | undefined =>
        siblings.find((o) => isLocalChannel(o.channel.channel) === local && o.channel.callerIdNum !== undefined && o.channel.callerIdNum !== tx.config.extension);
      const other = byCid(false) ?? byCid(true);
      const myView = snap.connectedLineNum !== undefined && snap.connectedLineNum !== tx.config.extension;
      setRemote(tx, id, myView ? snap.connectedLineNum : other?.channel.callerIdNum, myView ? snap.connectedLineName : other?.channel.callerIdName);
    }
    if (snap.state === ChannelState.Up) legAnswered(tx, id, ch.uniqueid);
    if (talking) {
      connect(tx, id, base === 'inbound' ? tx.config.extension : tx.live(id)?.call.remoteNumber, ch.uniqueid);
      // Answered before we looked: the best estimate of when is when the channel started.
      tx.update(id, (r) => (r.call.answeredAt === now ? { ...r, call: { ...r.call, answeredAt: startedAt } } : r));
    }
  }

  // The other side's channels of tracked calls, so later events about them are understood.
  for (const item of list) {
    if (isMyChannel(tx.config, item.channel.channel) || tx.channel(keyOf(item)) !== undefined) continue;
    const lid = item.channel.linkedid;
    const rec = tx.live(lid === undefined ? undefined : tx.byLinkedid.get(lid));
    if (rec !== undefined) upsertChannel(tx, item.channel, false, rec.call.id);
  }
  return tx.commit();
}
