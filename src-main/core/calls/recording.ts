// Recording file bookkeeping shared by the reducer (VarSet MIXMONITOR_FILENAME)
// and the request notes (the name Sidecall gave MixMonitor).
import type { Recording } from '../../../src-shared/domain/call';

/**
 * Adds a file to a call's recording. MixMonitor resolves a relative name against
 * the monitor directory, so a full path that ends with a name we already hold
 * (`/var/spool/asterisk/monitor/crm-1-101.wav` vs `crm-1-101.wav`) replaces it.
 */
export function addRecordingFile(recording: Recording, file: string): Recording {
  const files = recording.files.filter((f) => f !== file && !file.endsWith(`/${f}`));
  const known = recording.files.some((f) => f.endsWith(`/${file}`));
  if (known) return recording;
  return { ...recording, file, files: [...files, file] };
}
