// Keyboard shortcuts without a browser: key -> action on both platforms and
// layouts, their labels, what each does with the live calls, and who handles
// a key when several parts of the UI registered for it.
import { describe, expect, it } from 'vitest';
import type { Call } from '../../../src-shared/domain/call';
import type { CallsView, CallView } from '../../../src-shared/domain/calls-view';
import { SHORTCUTS, SHORTCUT_ACTIONS, ariaKeyShortcuts, isMacPlatform, matchShortcut, shortcutLabel, type KeyInput } from '../../../src-renderer/shortcuts/keymap';
import { callCommand } from '../../../src-renderer/shortcuts/call-commands';
import { createShortcutRegistry } from '../../../src-renderer/shortcuts/shortcut-registry';
import { softphoneCommand } from '../../../src-renderer/shortcuts/softphone-commands';
import type { PhoneCall } from '../../../src-shared/softphone/calls';

const key = (code: string, mods: Partial<KeyInput> = {}): KeyInput => ({ code, ctrlKey: false, metaKey: false, shiftKey: false, altKey: false, ...mods });

describe('matchShortcut', () => {
  it('takes Ctrl+Shift on Windows and Linux, Cmd+Shift on macOS, by key position (a Russian layout types other letters)', () => {
    expect(matchShortcut(key('KeyH', { ctrlKey: true, shiftKey: true }), false)).toBe('hangUp');
    expect(matchShortcut(key('KeyH', { metaKey: true, shiftKey: true }), true)).toBe('hangUp');
    expect(matchShortcut(key('KeyH', { metaKey: true, shiftKey: true }), false)).toBeUndefined();
    expect(matchShortcut(key('KeyH', { ctrlKey: true, shiftKey: true }), true)).toBeUndefined();
    expect(matchShortcut(key('F1'), false)).toBe('help');
  });

  it('ignores plain typing, extra modifiers (AltGr is Ctrl+Alt) and auto-repeat', () => {
    expect(matchShortcut(key('KeyH'), false)).toBeUndefined();
    expect(matchShortcut(key('KeyH', { shiftKey: true }), false)).toBeUndefined();
    expect(matchShortcut(key('KeyH', { ctrlKey: true }), false)).toBeUndefined();
    expect(matchShortcut(key('KeyH', { ctrlKey: true, shiftKey: true, altKey: true }), false)).toBeUndefined();
    expect(matchShortcut(key('KeyH', { ctrlKey: true, shiftKey: true, repeat: true }), false)).toBeUndefined();
    expect(matchShortcut(key('F1', { shiftKey: true }), false)).toBeUndefined();
  });

  it('gives every action its own key, each with Ctrl/Cmd+Shift except Help', () => {
    const combos = SHORTCUT_ACTIONS.map((a) => JSON.stringify(SHORTCUTS[a]));
    expect(new Set(combos).size).toBe(SHORTCUT_ACTIONS.length);
    for (const a of SHORTCUT_ACTIONS) if (a !== 'help') expect(SHORTCUTS[a]).toMatchObject({ mod: true, shift: true });
    for (const a of SHORTCUT_ACTIONS) expect(matchShortcut(key(SHORTCUTS[a].code, { ctrlKey: SHORTCUTS[a].mod, shiftKey: SHORTCUTS[a].shift }), false)).toBe(a);
  });

  it('writes them as each platform does', () => {
    expect(shortcutLabel('answer', false)).toBe('Ctrl+Shift+A');
    expect(shortcutLabel('answer', true)).toBe('⇧⌘A');
    expect(shortcutLabel('help', false)).toBe('F1');
    expect(ariaKeyShortcuts('record', false)).toBe('Control+Shift+R');
    expect(ariaKeyShortcuts('record', true)).toBe('Meta+Shift+R');
    expect(isMacPlatform('darwin')).toBe(true);
    expect(isMacPlatform('MacIntel')).toBe(true);
    expect(isMacPlatform('win32')).toBe(false);
  });
});

function view(id: string, state: Call['state'], recording: Call['recording']['state'] = 'off'): CallView {
  const call: Call = {
    id,
    linkedids: [id],
    extension: '101',
    direction: 'inbound',
    state,
    remoteNumber: '89161234567',
    startedAt: 1,
    transfers: [],
    legs: [],
    recording: { state: recording, files: [] },
  };
  return { call, number: { display: '8 (916) 123-45-67', kind: 'external' }, lookup: { status: 'pending' }, pop: true };
}
const calls = (live: CallView[], demo = false): CallsView => ({ live, missed: 0, demo });

describe('callCommand', () => {
  it('hangs up the call being talked on before one that rings, else the ringing one', () => {
    expect(callCommand('hangUp', calls([view('r', 'ringing'), view('c', 'connected')]))).toEqual({ kind: 'request', channel: 'calls.hangup', payload: { callId: 'c' } });
    expect(callCommand('hangUp', calls([view('r', 'ringing')]))).toEqual({ kind: 'request', channel: 'calls.hangup', payload: { callId: 'r' } });
    expect(callCommand('hangUp', calls([view('e', 'ended')]))).toEqual({ kind: 'unavailable', reason: 'noCall' });
  });

  it('answers only where it can: the demo phone; a desk phone is answered on the phone', () => {
    expect(callCommand('answer', calls([view('r', 'ringing')], true))).toEqual({ kind: 'request', channel: 'demo.phone', payload: { action: 'answer' } });
    expect(callCommand('answer', calls([view('r', 'ringing')]))).toEqual({ kind: 'unavailable', reason: 'answerOnPhone' });
    expect(callCommand('answer', calls([view('c', 'connected')], true))).toEqual({ kind: 'unavailable', reason: 'noRinging' });
    expect(callCommand('mute', calls([view('c', 'connected')]))).toEqual({ kind: 'unavailable', reason: 'muteNeedsSoftphone' });
  });

  it('holds (parks) a connected call; records start, stop or resume by the recording state', () => {
    expect(callCommand('hold', calls([view('c', 'connected')]))).toEqual({ kind: 'request', channel: 'calls.park', payload: { callId: 'c' } });
    expect(callCommand('hold', calls([view('r', 'ringing')]))).toEqual({ kind: 'unavailable', reason: 'noCall' });
    expect(callCommand('record', calls([view('c', 'connected')]))).toMatchObject({ payload: { callId: 'c', action: 'start' } });
    expect(callCommand('record', calls([view('c', 'connected', 'recording')]))).toMatchObject({ payload: { action: 'stop' } });
    expect(callCommand('record', calls([view('c', 'onHold', 'paused')]))).toMatchObject({ payload: { action: 'resume' } });
  });

  it('focuses the transfer field only during a call, the dial pad always; F1 opens Help', () => {
    expect(callCommand('transfer', calls([view('c', 'dialing')]))).toEqual({ kind: 'focus', target: 'transfer' });
    expect(callCommand('transfer', calls([]))).toEqual({ kind: 'unavailable', reason: 'noCall' });
    expect(callCommand('dialPad', calls([]))).toEqual({ kind: 'focus', target: 'dialPad' });
    expect(callCommand('help', calls([]))).toEqual({ kind: 'navigate', page: 'help' });
  });
});

describe('shortcut registry', () => {
  it('runs the newest handler; false passes the key on; unregistering restores the one before', () => {
    const r = createShortcutRegistry();
    const ran: string[] = [];
    r.register('answer', () => ran.push('default'));
    const offSoftphone = r.register('answer', () => {
      ran.push('softphone');
      return false;
    });
    expect(r.run('answer')).toBe(true);
    expect(ran).toEqual(['softphone', 'default']);
    const offTop = r.register('answer', () => ran.push('top'));
    r.run('answer');
    expect(ran.slice(2)).toEqual(['top']);
    offTop();
    offSoftphone();
    r.run('answer');
    expect(ran.slice(3)).toEqual(['default']);
    expect(r.run('mute')).toBe(false);
  });
});

describe('softphoneCommand', () => {
  const phoneCall = (id: string, state: PhoneCall['state'], over: Partial<PhoneCall> = {}): PhoneCall => ({
    id,
    direction: 'inbound',
    remoteUri: 'sip:100@pbx',
    state,
    startedAt: 1,
    held: false,
    muted: false,
    waiting: false,
    sipCallId: id,
    dtmf: '',
    dtmfReceived: '',
    ...over,
  });

  it('answers the ringing inbound call; hangs up the one talked on before a waiting one', () => {
    expect(softphoneCommand('answer', [phoneCall('r', 'ringing')])).toEqual({ kind: 'answer', id: 'r' });
    expect(softphoneCommand('answer', [phoneCall('o', 'ringing', { direction: 'outbound' })])).toBeUndefined();
    expect(softphoneCommand('hangUp', [phoneCall('w', 'ringing', { waiting: true }), phoneCall('c', 'connected')])).toEqual({ kind: 'hangup', id: 'c' });
    expect(softphoneCommand('hangUp', [phoneCall('r', 'ringing')])).toEqual({ kind: 'hangup', id: 'r' });
  });

  it('toggles mute and hold of the call not on hold; nothing without a softphone call (the AMI defaults run)', () => {
    expect(softphoneCommand('mute', [phoneCall('h', 'connected', { held: true }), phoneCall('c', 'connected', { muted: true })])).toEqual({ kind: 'mute', id: 'c', on: false });
    expect(softphoneCommand('hold', [phoneCall('c', 'connected')])).toEqual({ kind: 'hold', id: 'c', on: true });
    expect(softphoneCommand('hold', [phoneCall('c', 'connected', { held: true })])).toEqual({ kind: 'hold', id: 'c', on: false });
    for (const a of ['answer', 'hangUp', 'mute', 'hold', 'record', 'transfer'] as const) expect(softphoneCommand(a, [])).toBeUndefined();
    expect(softphoneCommand('mute', [phoneCall('d', 'dialing', { direction: 'outbound' })])).toBeUndefined();
  });
});
