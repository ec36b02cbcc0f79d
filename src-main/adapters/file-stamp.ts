// A cheap "did this file change?" token: settings and policy files are
// re-read only when it differs (a stat per settings load instead of a parse).
import fs from 'node:fs';

/** Size, mtime and inode of a file ("missing" when absent): changes whenever the file is rewritten or replaced. */
export function fileStamp(file: string): string {
  try {
    const st = fs.statSync(file, { bigint: true });
    return `${st.ino}:${st.size}:${st.mtimeNs}`;
  } catch {
    return 'missing';
  }
}
