// Small helpers the CRM backends share.
import type { PhoneQuery } from '../connector';

/** A number no one has, for checking a credential with a lookup where the CRM has no "who am I". */
export const probeQuery: PhoneQuery = { e164: '+70000000000', digits: '70000000000', raw: '+70000000000' };
