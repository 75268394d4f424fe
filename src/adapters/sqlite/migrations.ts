/**
 * The state file's schema and its migrations. The schema version lives in
 * `PRAGMA user_version`; migrations run in order, all in one IMMEDIATE transaction, so a
 * file is either fully at the new version or untouched. A file written by a newer
 * connect-sync (a higher version than we know) is refused rather than guessed at.
 */
import type BetterSqlite3 from 'better-sqlite3';
import { StateFileError } from './state-file-error.js';

type Db = BetterSqlite3.Database;

export interface Migration {
  version: number;
  description: string;
  sql: string;
}

/** Every migration, oldest first. Append only: never edit one that has shipped. */
export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    description: 'initial schema',
    // STRICT tables: a value of the wrong type is an error, not a silent conversion.
    sql: `
      CREATE TABLE runs (
        id TEXT PRIMARY KEY,
        kind TEXT NOT NULL CHECK (kind IN ('import', 'optouts')),
        pid INTEGER NOT NULL,
        host TEXT NOT NULL,
        started_at TEXT NOT NULL,
        finished_at TEXT,
        outcome TEXT NOT NULL CHECK (outcome IN ('running', 'ok', 'contacts_failed', 'failed', 'interrupted')),
        counts TEXT NOT NULL,
        error TEXT,
        report_path TEXT,
        mail TEXT,
        notes TEXT NOT NULL DEFAULT '[]',
        lock_since TEXT
      ) STRICT;
      CREATE INDEX runs_by_start ON runs (started_at);

      CREATE TABLE watermarks (
        filter_id INTEGER PRIMARY KEY,
        modified_at TEXT NOT NULL,
        contact_id TEXT NOT NULL,
        fingerprint TEXT NOT NULL,
        updated_at TEXT NOT NULL
      ) STRICT;

      CREATE TABLE confirmed (
        contact_id TEXT PRIMARY KEY,
        payload TEXT NOT NULL,
        confirmed_at TEXT NOT NULL
      ) STRICT;

      CREATE TABLE retries (
        contact_id TEXT PRIMARY KEY,
        payload TEXT NOT NULL,
        filter_ids TEXT NOT NULL,
        reason TEXT NOT NULL,
        attempts INTEGER NOT NULL,
        first_failed_at TEXT NOT NULL,
        last_failed_at TEXT NOT NULL
      ) STRICT;

      CREATE TABLE run_issues (
        run_id TEXT NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
        contact_id TEXT NOT NULL,
        code TEXT NOT NULL,
        severity TEXT NOT NULL CHECK (severity IN ('error', 'warning')),
        message TEXT NOT NULL,
        first_name TEXT NOT NULL,
        last_name TEXT NOT NULL,
        mobile TEXT NOT NULL,
        filter_ids TEXT NOT NULL,
        PRIMARY KEY (run_id, contact_id, code)
      ) STRICT;

      CREATE TABLE lock (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        pid INTEGER NOT NULL,
        host TEXT NOT NULL,
        since TEXT NOT NULL
      ) STRICT;

      CREATE TABLE optout_position (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        since TEXT,
        cursor TEXT,
        seen TEXT NOT NULL
      ) STRICT;

      CREATE TABLE consent (
        contact_id TEXT PRIMARY KEY,
        opted_out INTEGER NOT NULL CHECK (opted_out IN (0, 1)),
        changed_at TEXT NOT NULL,
        source TEXT NOT NULL
      ) STRICT;
    `,
  },
  {
    version: 2,
    description: 'still failing: data errors of earlier runs not yet fixed in Connect',
    // One row per contact and error code; run_id is the run that last found the error.
    sql: `
      CREATE TABLE still_failing (
        contact_id TEXT NOT NULL,
        code TEXT NOT NULL,
        message TEXT NOT NULL,
        first_name TEXT NOT NULL,
        last_name TEXT NOT NULL,
        mobile TEXT NOT NULL,
        filter_ids TEXT NOT NULL,
        run_id TEXT NOT NULL,
        PRIMARY KEY (contact_id, code)
      ) STRICT;
      CREATE INDEX still_failing_by_run ON still_failing (run_id);
    `,
  },
  {
    version: 3,
    description: 'runs: whether import --scheduled started it',
    sql: `ALTER TABLE runs ADD COLUMN scheduled INTEGER NOT NULL DEFAULT 0 CHECK (scheduled IN (0, 1));`,
  },
  {
    version: 4,
    description: 'opt-out journal (replaces consent)',
    // Times are stored as toISOString() text so that text order is time order. What the
    // consent table held was already written back (or refused) by the feed's write-back.
    sql: `
      CREATE TABLE optout_journal (
        id INTEGER PRIMARY KEY,
        contact_id TEXT NOT NULL,
        opted_out INTEGER NOT NULL CHECK (opted_out IN (0, 1)),
        changed_at TEXT NOT NULL,
        source TEXT NOT NULL,
        received_at TEXT NOT NULL,
        decisive INTEGER NOT NULL CHECK (decisive IN (0, 1)),
        state TEXT NOT NULL CHECK (state IN ('pending', 'done', 'failed', 'echo', 'history', 'superseded')),
        attempts INTEGER NOT NULL DEFAULT 0,
        next_attempt_at TEXT,
        claimed_by TEXT,
        claimed_until TEXT,
        error TEXT,
        reported INTEGER NOT NULL DEFAULT 0,
        UNIQUE (contact_id, changed_at, opted_out)
      ) STRICT;
      CREATE INDEX optout_journal_by_contact ON optout_journal (contact_id, decisive, changed_at);
      CREATE INDEX optout_journal_by_state ON optout_journal (state, changed_at);
      INSERT INTO optout_journal (contact_id, opted_out, changed_at, source, received_at, decisive, state)
        SELECT contact_id, opted_out, coalesce(strftime('%Y-%m-%dT%H:%M:%fZ', changed_at), changed_at), source,
               coalesce(strftime('%Y-%m-%dT%H:%M:%fZ', changed_at), changed_at), 1, 'done'
        FROM consent;
      DROP TABLE consent;
    `,
  },
];

/** The schema version this build of connect-sync writes. */
export const SCHEMA_VERSION: number = MIGRATIONS[MIGRATIONS.length - 1]?.version ?? 0;

/** The file's schema version (0 for a new, empty file). */
export function schemaVersion(db: Db): number {
  return db.pragma('user_version', { simple: true }) as number;
}

/** Whether the file holds any table: a version-0 file with tables is not ours. */
function hasTables(db: Db): boolean {
  return db.prepare(`SELECT 1 FROM sqlite_schema WHERE type = 'table' LIMIT 1`).get() !== undefined;
}

/**
 * Throws StateFileError when the file cannot be used by this version: written by a newer
 * connect-sync, or an SQLite file that is not a connect-sync state file.
 */
export function assertUsable(db: Db, path: string): number {
  const version = schemaVersion(db);
  if (version > SCHEMA_VERSION) {
    throw new StateFileError(
      `state file ${path} was written by a newer connect-sync (schema version ${version}; this version knows up to ${SCHEMA_VERSION}): upgrade connect-sync`,
    );
  }
  if (version === 0 && hasTables(db)) {
    throw new StateFileError(`${path} is an SQLite file but not a connect-sync state file (it has tables but no schema version)`);
  }
  return version;
}

/** Brings the file to SCHEMA_VERSION. Safe against a second process migrating at the same time. */
export function migrate(db: Db, path: string): void {
  db.transaction(() => {
    // Read again inside the write lock: another process may have migrated meanwhile.
    const from = assertUsable(db, path);
    for (const migration of MIGRATIONS) {
      if (migration.version <= from) continue;
      db.exec(migration.sql);
      db.pragma(`user_version = ${migration.version}`);
    }
  }).immediate();
}
