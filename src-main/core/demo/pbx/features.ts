// Call features built on the call model: blind and attended transfer and
// call parking (res_parking), as the AMI actions BlindTransfer, Atxfer and
// Park drive them. None of these is in the recorded traces: the event names
// and headers follow the AMI event documentation and res/parking's
// parking_manager.c; the orders are the plausible ones.
import { bridgeHeaders, type Channel } from './channel';
import type { Pbx } from './pbx';
import { EVENT_FLAG } from './permissions';
import type { Header } from './wire';

/**
 * BlindTransfer (ast_bridge_transfer_blind, is_external): Unhold and
 * BlindTransfer for the transferee, which leaves through the after-bridge goto
 * to exten@context like a Redirect; the transferer is hung up.
 */
export function blindTransfer(pbx: Pbx, transferer: Channel, context: string, exten: string): boolean {
  const b = transferer.bridge;
  const transferee = b?.channels.find((c) => c !== transferer);
  if (!b || !transferee) return false;
  pbx.channelEvent('Unhold', transferee);
  pbx.publish('BlindTransfer', EVENT_FLAG.call, [
    ['Result', 'Success'], ...pbx.snapshot(transferer, 'Transferer'), ...pbx.snapshot(transferee, 'Transferee'), ...bridgeHeaders(b),
    ['IsExternal', 'Yes'], ['Context', context], ['Extension', exten],
  ]);
  pbx.cel(transferer, 'BLINDTRANSFER', '', `{"extension":"${exten}","context":"${context}","bridge_id":"${b.uniqueid}","transferee_channel_name":"${transferee.name}","transferee_channel_uniqueid":"${transferee.uniqueid}"}`);
  const to = { context, exten, priority: 1 };
  const driver = pbx.driverOf(transferee);
  if (!driver?.redirect || !driver.redirect(transferee, to, 'blind-transfer')) pbx.softHangup(transferee);
  if (!transferer.destroyed) pbx.softHangup(transferer);
  return true;
}

/**
 * Attended transfer (features atxfer): the transferee hears hold music, the
 * transferer consults the target through a Local channel in a second bridge;
 * when the transferer hangs up (atxferdropcall=no) the target is joined to the
 * transferee and AttendedTransfer is published. A simplified model: no Local
 * optimisation, the Local pair stays until the call ends.
 */
export function attendedTransfer(pbx: Pbx, transferer: Channel, context: string, exten: string): void {
  const b1 = transferer.bridge;
  const transferee = b1?.channels.find((c) => c !== transferer);
  if (!b1 || !transferee) return;
  pbx.channelEvent('MusicOnHoldStart', transferee, [['Class', 'default']]);
  const { one, two } = pbx.newLocalPair(exten, context, { linkedid: transferer.linkedid, cdrOne: false });
  pbx.setConnected(one, { ...transferer.caller });
  pbx.setCaller(two, transferer.caller, transferer.caller.ani);
  pbx.publish('LocalBridge', EVENT_FLAG.call, [...pbx.snapshot(one, 'LocalOne'), ...pbx.snapshot(two, 'LocalTwo'), ['Context', context], ['Exten', exten], ['LocalOptimization', 'Yes']]);
  pbx.publish('DialBegin', EVENT_FLAG.call, [...pbx.snapshot(transferer), ...pbx.snapshot(one, 'Dest'), ['DialString', `${exten}@${context}`]]);
  let b2: ReturnType<Pbx['createBridge']> | undefined;
  const complete = (): void => {
    if (!b2 || one.destroyed || transferee.destroyed) return;
    pbx.channelEvent('MusicOnHoldStop', transferee);
    pbx.publish('AttendedTransfer', EVENT_FLAG.call, [
      ['Result', 'Success'], ...pbx.snapshot(transferer, 'OrigTransferer'), ...bridgeHeaders(b1, 'Orig'), ...pbx.snapshot(transferer, 'SecondTransferer'),
      ...bridgeHeaders(b2, 'Second'), ...pbx.snapshot(transferee, 'Transferee'), ...pbx.snapshot(one, 'TransferTarget'), ['IsExternal', 'No'], ['DestType', 'Bridge'], ['DestBridgeUniqueid', b1.uniqueid],
    ]);
    pbx.leaveBridge(one);
    pbx.destroyBridge(b2);
    pbx.joinBridge(b1, one);
  };
  pbx.setDriver(one, {
    ringing: () => pbx.publish('DialState', EVENT_FLAG.call, [...pbx.snapshot(transferer), ...pbx.snapshot(one, 'Dest'), ['DialStatus', 'RINGING']]),
    answered: () => {
      pbx.publish('DialEnd', EVENT_FLAG.call, [...pbx.snapshot(transferer), ...pbx.snapshot(one, 'Dest'), ['DialStatus', 'ANSWER']]);
      if (transferer.destroyed) return;
      const previous = pbx.driverOf(transferer);
      pbx.leaveBridge(transferer);
      b2 = pbx.createBridge();
      pbx.joinBridge(b2, one);
      pbx.joinBridge(b2, transferer);
      pbx.setDriver(transferer, {
        hangup: () => {
          // atxferdropcall=no: the transferer hanging up completes the transfer.
          if (b2 && transferer.bridge === b2) pbx.leaveBridge(transferer);
          complete();
          if (previous) previous.hangup(transferer);
          else pbx.destroyChannel(transferer);
        },
      });
    },
    hangup: () => {
      if (one.bridge) pbx.leaveBridge(one);
      if (b2 && b2.channels.length === 0) pbx.destroyBridge(b2);
      pbx.destroyChannel(one);
    },
  });
  pbx.startThread(pbx, two, { context, exten, priority: 1 });
}

/** Occupied parking spaces per PBX. */
const parked = new WeakMap<Pbx, Map<number, Channel>>();

/** The first free space of the lot (res_parking.conf parkpos), or undefined when full. */
export function nextParkingSpace(pbx: Pbx): number | undefined {
  const lot = pbx.config.parking;
  let used = parked.get(pbx);
  if (!used) {
    used = new Map();
    parked.set(pbx, used);
  }
  for (let n = lot.start; n <= lot.stop; n++) {
    const c = used.get(n);
    if (!c || c.destroyed) return n;
  }
  return undefined;
}

/** Moves a channel into the parking lot's holding bridge and publishes ParkedCall. */
export function park(pbx: Pbx, ch: Channel, space: number, timeoutSec: number, parkerDialString: string): void {
  const lot = pbx.config.parking;
  parked.get(pbx)?.set(space, ch);
  const from = ch.bridge;
  const previous = pbx.driverOf(ch);
  if (from) {
    pbx.leaveBridge(ch);
    // The party left behind is alone: the Dial that owned the bridge ends its side.
    if (!previous?.detach?.(ch)) for (const other of [...from.channels]) pbx.softHangup(other);
    if (from.channels.length === 0) pbx.destroyBridge(from);
  }
  const holding = pbx.createBridge();
  holding.technology = 'holding_bridge';
  pbx.joinBridge(holding, ch);
  const parkedAt = pbx.now();
  const info = (): Header[] => [
    ...pbx.snapshot(ch, 'Parkee'), ['ParkerDialString', parkerDialString], ['Parkinglot', lot.lot], ['ParkingSpace', String(space)],
    ['ParkingTimeout', String(Math.max(0, timeoutSec - Math.floor((pbx.now() - parkedAt) / 1000)))], ['ParkingDuration', String(Math.floor((pbx.now() - parkedAt) / 1000))],
  ];
  pbx.publish('ParkedCall', EVENT_FLAG.call, info());
  pbx.channelEvent('MusicOnHoldStart', ch, [['Class', 'default']]);
  pbx.cel(ch, 'PARK_START', '', `{"parker_dial_string":"${parkerDialString}","parking_lot":"${lot.lot}"}`);
  let done = false;
  const leave = (event: string): void => {
    if (done) return;
    done = true;
    cancel();
    pbx.publish(event, EVENT_FLAG.call, info());
    pbx.channelEvent('MusicOnHoldStop', ch);
    pbx.cel(ch, 'PARK_END', '', `{"reason":"${event === 'ParkedCallTimeOut' ? 'ParkedCallTimeOut' : 'ParkedCallGiveUp'}"}`);
    pbx.leaveBridge(ch);
    pbx.destroyBridge(holding);
    parked.get(pbx)?.delete(space);
  };
  // comebacktoorigin is modelled as the end of the call: the parked party is hung up on timeout.
  const cancel = pbx.schedule(timeoutSec * 1000, () => {
    leave('ParkedCallTimeOut');
    pbx.softHangup(ch);
  });
  pbx.setDriver(ch, {
    hangup: () => {
      leave('ParkedCallGiveUp');
      if (previous) previous.hangup(ch);
      else pbx.destroyChannel(ch);
    },
  });
}

