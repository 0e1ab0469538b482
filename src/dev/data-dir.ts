/**
 * The embedded stack's data dir holds the Temporal SQLite file (every workflow's inputs), the
 * logs and the uploaded photos: owner-only. The dir is 0700, and the launcher sets umask 077 so
 * every file it or its children create (the dev server's SQLite file, logs, blobs) is 0600.
 */
import fs from 'node:fs';
import path from 'node:path';

export const DATA_DIR_MODE = 0o700;
export const DATA_FILE_MODE = 0o600;

/** Subdirs whose files an older launcher may have left world-readable. Blobs can be many: not walked. */
const TIGHTEN = ['logs', 'temporal'];

/**
 * Creates the data dir owner-only (or tightens one that exists), tightens the small subdirs
 * written before this existed, and sets this process's umask to 077 for everything after.
 */
export function secureDataDir(dataDir: string): void {
  process.umask(0o077);
  fs.mkdirSync(dataDir, { recursive: true, mode: DATA_DIR_MODE });
  fs.chmodSync(dataDir, DATA_DIR_MODE);
  for (const sub of TIGHTEN) {
    const dir = path.join(dataDir, sub);
    if (!fs.existsSync(dir)) continue;
    fs.chmodSync(dir, DATA_DIR_MODE);
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      if (entry.isFile()) fs.chmodSync(path.join(dir, entry.name), DATA_FILE_MODE);
    }
  }
}

/** Opens a log file for appending, owner-only whatever the umask. */
export function openLogFile(file: string): number {
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: DATA_DIR_MODE });
  return fs.openSync(file, 'a', DATA_FILE_MODE);
}
