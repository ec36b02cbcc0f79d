// How the softphone's registration reads at a glance, in the app's status
// tones (the dot colours of styles.css): registered is ok, failed is bad,
// anything on its way is busy.
import type { SoftphoneRegistration } from '../../src-shared/softphone/status';

export function registrationTone(reg: SoftphoneRegistration): 'ok' | 'busy' | 'bad' {
  return reg === 'registered' ? 'ok' : reg === 'failed' ? 'bad' : 'busy';
}
