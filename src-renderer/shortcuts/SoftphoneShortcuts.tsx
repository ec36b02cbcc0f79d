// Answer, hang up, mute and hold through the softphone while it has a call
// (softphone-commands.ts): registered after the defaults, so they win; with no
// softphone call the key passes on to the AMI defaults. Rendered inside
// SoftphoneProvider; draws nothing.
import { useTranslation } from 'react-i18next';
import { useSoftphone } from '../softphone/use-softphone';
import type { ShortcutAction } from './keymap';
import { softphoneCommand } from './softphone-commands';
import { useShortcut, useShortcuts } from './ShortcutsProvider';

export function SoftphoneShortcuts() {
  const { t } = useTranslation();
  const { phone, snapshot } = useSoftphone();
  const { announce } = useShortcuts();
  const handle = (action: ShortcutAction) => (): boolean => {
    const command = phone ? softphoneCommand(action, snapshot?.calls ?? []) : undefined;
    if (!phone || !command) return false;
    const done = (key: string): void => announce(t(key));
    const failed = (error: unknown): void => announce(error instanceof Error ? error.message : String(error));
    switch (command.kind) {
      case 'answer':
        phone.answer(command.id).then(() => done('shortcuts.done.demo.phone'), failed);
        break;
      case 'hangup':
        phone.hangup(command.id).then(() => done('shortcuts.done.calls.hangup'), failed);
        break;
      case 'mute':
        phone.mute(command.id, command.on);
        done(command.on ? 'shortcuts.done.muted' : 'shortcuts.done.unmuted');
        break;
      case 'hold':
        phone.hold(command.id, command.on).then(() => done(command.on ? 'shortcuts.done.calls.park' : 'shortcuts.done.resumed'), failed);
        break;
    }
    return true;
  };
  useShortcut('answer', handle('answer'));
  useShortcut('hangUp', handle('hangUp'));
  useShortcut('mute', handle('mute'));
  useShortcut('hold', handle('hold'));
  return null;
}
