// The main window's last size and position, kept in window-state.json in the
// data folder (not in settings: it is not a preference anyone sets, and IT has
// no reason to lock it). Read once when the window is created, written when
// the window is moved or resized (debounced) and when it is hidden or closed.
// A missing or broken file means "first start": the window opens centred.
import fs from 'node:fs';
import path from 'node:path';
import { WindowStateSchema, type WindowState } from './window-placement';

export interface WindowStateStore {
  read(): WindowState | undefined;
  write(state: WindowState): void;
}

export function fileWindowStateStore(dataDir: string): WindowStateStore {
  const file = path.join(dataDir, 'window-state.json');
  return {
    read() {
      try {
        const parsed = WindowStateSchema.safeParse(JSON.parse(fs.readFileSync(file, 'utf8')) as unknown);
        return parsed.success ? parsed.data : undefined;
      } catch {
        return undefined;
      }
    },
    write(state) {
      try {
        // Small and rewritten often: temp file and rename, so a crash mid-write leaves the old one.
        const tmp = `${file}.tmp`;
        fs.writeFileSync(tmp, JSON.stringify(state));
        fs.renameSync(tmp, file);
      } catch {
        // Losing the window position is not worth an error: next start opens centred.
      }
    },
  };
}
