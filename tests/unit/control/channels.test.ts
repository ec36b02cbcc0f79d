// Which channel an action names, on tracker states: the other party by bridge,
// by Dial relation or as the only one; ambiguity and unsafe names refused.
import { describe, expect, it } from 'vitest';
import type { CallTrackerState, TrackedChannel } from '../../../src-main/core/calls';
import { consultationLeg, myChannel, peerOf, recordingCandidates } from '../../../src-main/core/control/channels';
import { INBOUND, inboundTalking } from './support';

function withChannels(state: CallTrackerState, extra: readonly TrackedChannel[], drop: (c: TrackedChannel) => boolean = () => false): CallTrackerState {
  const channels = new Map([...state.channels].filter(([, c]) => !drop(c)));
  for (const c of extra) channels.set(c.uniqueid, c);
  return { ...state, channels };
}

const remote = (uniqueid: string, name: string, more: Partial<TrackedChannel> = {}): TrackedChannel => ({ uniqueid, name, mine: false, held: false, hangupRequested: false, startedAt: 0, callId: INBOUND.callId, ...more });

describe('peerOf', () => {
  it('prefers the channel in my bridge, then the one that dialled me', () => {
    const base = inboundTalking();
    const me = myChannel(base, INBOUND.callId);
    expect(peerOf(base, INBOUND.callId, me).name).toBe(INBOUND.peer);
    const bridged = withChannels(base, [remote('x.1', 'PJSIP/trunk-00000009', { bridgeId: me.bridgeId })]);
    expect(peerOf(bridged, INBOUND.callId, me).name).toBe('PJSIP/trunk-00000009');
  });

  it('refuses to guess between two unrelated channels, and refuses an unsafe name', () => {
    const base = inboundTalking();
    const me = { ...myChannel(base, INBOUND.callId), dialedBy: undefined, bridgeId: undefined };
    const two = withChannels(base, [remote('x.1', 'PJSIP/trunk-00000009')]);
    expect(() => peerOf(two, INBOUND.callId, me)).toThrow(expect.objectContaining({ code: 'noRemoteChannel' }));
    const unsafe = withChannels(base, [remote('x.2', 'PJSIP/102&PJSIP/103')], (c) => !c.mine);
    expect(() => peerOf(unsafe, INBOUND.callId, me)).toThrow(expect.objectContaining({ code: 'noRemoteChannel' }));
  });
});

describe('consultationLeg and recordingCandidates', () => {
  it('finds the Local leg that appeared after the Atxfer', () => {
    const base = inboundTalking();
    const before = new Set([...base.channels.values()].filter((c) => !c.mine).map((c) => c.uniqueid));
    expect(consultationLeg(base, INBOUND.callId, { exten: '102', context: 'from-internal', before })).toBeUndefined();
    const s = withChannels(base, [remote('x.3', 'Local/102@from-internal-0000000c;1'), remote('x.4', 'PJSIP/102-0000000d')]);
    expect(consultationLeg(s, INBOUND.callId, { exten: '102', context: 'from-internal', before })?.name).toBe('Local/102@from-internal-0000000c;1');
  });

  it('lists my channel, then the other party', () => {
    expect(recordingCandidates(inboundTalking(), INBOUND.callId)).toEqual([INBOUND.mine, INBOUND.peer]);
  });
});
