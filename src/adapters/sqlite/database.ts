/**
 * Opening and closing the state file's SQLite connection: pragmas, migrations, and the
 * read-only mode of `--dry-run` and `status`, which must leave the file exactly as it was.
 *
 * Journal: WAL while a writer has the file open (readers never block the import, and a
 * killed process loses nothing committed). `synchronous = NORMAL` is safe with WAL: a
 * commit is appended to the WAL before it returns, so killing the process (our threat
 * model, `kill -9` included) never loses a committed batch; only an OS crash or power
 * loss can drop the last transactions, and even that never corrupts the file (fsync at
 * each checkpoint keeps the WAL and the database consistent). It spares one fsync per
 * confirmed batch.
 *
 * A writer switches the file back to `journal_mode = DELETE` when it closes, if it is the
 * last connection. The file at rest is then one file with no `-wal`/`-shm` beside it, and
 * a read-only open creates none: SQLite in WAL mode would create both even for a
 * read-only connection and could not remove them. While a writer is open the file is in
 * WAL mode and readers follow it.
 */
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { assertUsable, migrate, SCHEMA_VERSION } from './migrations.js';
import { StateFileError } from './state-file-error.js';

type Db = Database.Database;

export interface OpenedDatabase {
  db: Db;
  /** Opened read-only: every write must be refused. */
  readonly: boolean;
}

/** How long a statement waits for another process's write transaction before SQLITE_BUSY. */
const BUSY_TIMEOUT_MS = 5000;

/**
 * Opens (and in write mode creates and migrates) the state file at `file`.
 * Read-only on a missing or empty file gives an empty in-memory database, so a dry run
 * before the first import plans everything as new and creates nothing.
 */
export function openDatabase(file: string, options: { readonly: boolean }): OpenedDatabase {
  if (options.readonly) return openReadonly(file);
  if (file !== ':memory:') {
    try {
      fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
    } catch (error) {
      throw new StateFileError(`cannot create the folder of state file ${file}: ${(error as Error).message}`, { cause: error });
    }
  }
  const db = guarded(file, () => new Database(file, { timeout: BUSY_TIMEOUT_MS }));
  try {
    guarded(file, () => assertUsable(db, file));
    guarded(file, () => db.pragma('journal_mode = WAL'));
    writerPragmas(db);
    guarded(file, () => migrate(db, file));
  } catch (error) {
    db.close();
    throw error;
  }
  return { db, readonly: false };
}

/**
 * A second writing connection to a state file that openDatabase opened and migrated, for
 * the writer thread (write-behind.ts): the same settings, no migration. The file is in WAL
 * mode while the first connection is open, so the two never block each other's readers.
 */
export function openSecondWriter(file: string): Db {
  const db = guarded(file, () => new Database(file, { fileMustExist: true, timeout: BUSY_TIMEOUT_MS }));
  writerPragmas(db);
  return db;
}

/** The settings of a connection that writes (they belong to the connection, not the file). */
function writerPragmas(db: Db): void {
  db.pragma('synchronous = NORMAL');
  // Checkpoint every ~40 MB of WAL instead of SQLite's 4 MB: a first import writes a
  // confirmed payload per contact, and each checkpoint copies pages and syncs the file;
  // fewer, larger checkpoints copy each hot index page once instead of many times.
  // Durability is the WAL's either way; close() still checkpoints everything.
  db.pragma('wal_autocheckpoint = 10000');
  db.pragma('foreign_keys = ON');
}

function openReadonly(file: string): OpenedDatabase {
  if (file === ':memory:' || !fs.existsSync(file)) return emptyReadonly();
  const db = guarded(file, () => new Database(file, { readonly: true, fileMustExist: true, timeout: BUSY_TIMEOUT_MS }));
  try {
    const version = guarded(file, () => assertUsable(db, file));
    if (version === 0) {
      db.close();
      return emptyReadonly();
    }
    if (version < SCHEMA_VERSION) {
      throw new StateFileError(
        `state file ${file} has schema version ${version} and needs an upgrade to ${SCHEMA_VERSION}, which a read-only command cannot do: run an import (or optouts) once with this version first`,
      );
    }
  } catch (error) {
    if (db.open) db.close();
    throw error;
  }
  return { db, readonly: true };
}

/** An in-memory database with the current schema that refuses writes. */
function emptyReadonly(): OpenedDatabase {
  const db = new Database(':memory:');
  migrate(db, ':memory:');
  db.pragma('query_only = ON');
  return { db, readonly: true };
}

/**
 * Closes the connection. A writer that is the last connection checkpoints the WAL and
 * switches the file back to rollback mode (see the module comment); when another
 * connection is open the switch fails at once and the file simply stays in WAL mode.
 */
export function closeDatabase(opened: OpenedDatabase): void {
  const { db } = opened;
  if (!db.open) return;
  if (!opened.readonly && !db.memory) {
    try {
      db.pragma('optimize');
      db.pragma('busy_timeout = 0');
      db.pragma('journal_mode = DELETE');
    } catch {
      // Another process has the file open: it stays in WAL mode, which is just as safe.
    }
  }
  db.close();
}

/** Runs an SQLite call and turns "this is not a usable file" failures into StateFileError. */
function guarded<T>(file: string, action: () => T): T {
  try {
    return action();
  } catch (error) {
    if (error instanceof StateFileError) throw error;
    const code = (error as { code?: unknown }).code;
    if (typeof code === 'string' && code.startsWith('SQLITE_')) {
      throw new StateFileError(`cannot use state file ${file}: ${(error as Error).message} (${code})`, { cause: error });
    }
    throw error;
  }
}
