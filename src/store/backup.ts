// Online backup and restore of the embedded SQLite store. The backup is SQLite's online backup API
// (better-sqlite3's db.backup): a consistent snapshot while iamd keeps serving, the WAL included.
// It holds secrets sealed under the master key, never the key itself (master.key is kept apart).
import { chmodSync, closeSync, existsSync, fsyncSync, openSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { ensureDataFolder } from './sqlite.ts';

const DB_FILE = 'iamd.sqlite';

/** Copies the data folder's database to `file` (a new file) while other processes may use it. */
export async function backupSqlite(dataDir: string, file: string): Promise<void> {
  const source = join(dataDir, DB_FILE);
  if (!existsSync(source)) throw new Error(`no iamd data in ${dataDir}`);
  if (existsSync(file)) throw new Error(`${file} exists: a backup is written to a new file`);
  const db = new BetterSqlite3(source, { readonly: true, fileMustExist: true });
  const tmp = `${file}.partial`;
  try {
    await db.backup(tmp);
  } finally {
    db.close();
  }
  chmodSync(tmp, 0o600);
  checkDatabase(tmp);
  syncFile(tmp);
  renameSync(tmp, file); // a crash leaves a .partial file, never a truncated backup under the name asked for
}

/** Throws unless `file` is an intact SQLite database holding iamd tables. */
export function checkDatabase(file: string): void {
  const db = new BetterSqlite3(file, { readonly: true, fileMustExist: true });
  try {
    const ok = db.pragma('integrity_check', { simple: true });
    if (ok !== 'ok') throw new Error(`${file} is damaged: ${String(ok)}`);
    const tables = db.prepare("select name from sqlite_master where type = 'table' and name in ('accounts', 'access_keys', 'meta')").all();
    if (tables.length !== 3) throw new Error(`${file} is not an iamd backup`);
  } finally {
    db.close();
  }
}

function syncFile(file: string): void {
  const fd = openSync(file, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/**
 * Whether a process has the database open: iamd keeps it open in WAL mode, and while it does, an
 * exclusive lock cannot be taken.
 */
export function sqliteInUse(file: string): boolean {
  if (!existsSync(file)) return false;
  const db = new BetterSqlite3(file, { fileMustExist: true, timeout: 0 });
  try {
    db.pragma('locking_mode = EXCLUSIVE');
    db.exec('BEGIN EXCLUSIVE');
    db.exec('COMMIT');
    return false;
  } catch {
    return true;
  } finally {
    db.close();
  }
}

/**
 * Restores a backup into a data folder: an empty (or new) one, or with `force` one whose database
 * it replaces — refused while a process has that database open. The master key is not touched.
 */
export function restoreSqlite(file: string, dataDir: string, force = false): void {
  if (!existsSync(file)) throw new Error(`${file} does not exist`);
  checkDatabase(file);
  ensureDataFolder(dataDir);
  const target = join(dataDir, DB_FILE);
  const present = readdirSync(dataDir).filter((f) => f !== 'master.key' && f !== 'master.key.new');
  if (present.length > 0 && !force)
    throw new Error(`${dataDir} is not empty (${present.join(', ')}): restore into an empty folder, or give --force to replace its data`);
  if (sqliteInUse(target)) throw new Error(`${target} is in use: stop iamd before restoring into its data folder`);
  const tmp = `${target}.restore`;
  const src = new BetterSqlite3(file, { readonly: true, fileMustExist: true });
  try {
    // VACUUM INTO writes a fresh, compact copy in the rollback journal format iamd switches to WAL on open.
    rmSync(tmp, { force: true });
    src.prepare('VACUUM INTO ?').run(tmp);
  } finally {
    src.close();
  }
  chmodSync(tmp, 0o600); // secrets, sealed or not, are the owner's only
  syncFile(tmp);
  for (const f of ['iamd.sqlite-wal', 'iamd.sqlite-shm', 'iamd.sqlite-journal']) rmSync(join(dataDir, f), { force: true });
  renameSync(tmp, target);
}
