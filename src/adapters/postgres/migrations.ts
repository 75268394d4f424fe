/**
 * The PostgreSQL state's schema and its migrations. The version lives in the one-row
 * table connect_sync_schema; migrations run in one transaction under a transaction-level
 * advisory lock, so two teams starting at once on an empty database migrate it once and
 * a database is either fully at the new version or untouched. A database written by a
 * newer connect-sync is refused rather than guessed at.
 *
 * Every table but connect_sync_schema starts with (dept_code, client_name), part of its
 * primary key: one database serves many teams. Times are ISO 8601 UTC text, as in the
 * SQLite file, so that text order is time order; text that is compared or sorted uses
 * the "C" collation, so order never depends on the server's locale.
 */
import type pg from 'pg';
import { StateFileError } from '../../errors.js';
import { lockKey, whereOf, type Target } from './connection.js';

export interface Migration {
  version: number;
  description: string;
  sql: string;
}

const TEAM = `dept_code text COLLATE "C" NOT NULL, client_name text COLLATE "C" NOT NULL`;

/** Every migration, oldest first. Append only: never edit one that has shipped. */
export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    description: 'initial schema: the SQLite file at its version 4, keyed by team',
    sql: `
      CREATE TABLE runs (
        ${TEAM},
        id text COLLATE "C" NOT NULL,
        seq bigserial NOT NULL,
        kind text NOT NULL CHECK (kind IN ('import', 'optouts')),
        pid integer NOT NULL,
        host text NOT NULL,
        started_at text COLLATE "C" NOT NULL,
        finished_at text,
        outcome text NOT NULL CHECK (outcome IN ('running', 'ok', 'contacts_failed', 'failed', 'interrupted')),
        counts text NOT NULL,
        error text,
        report_path text,
        mail text,
        notes text NOT NULL DEFAULT '[]',
        lock_since text,
        scheduled boolean NOT NULL DEFAULT false,
        PRIMARY KEY (dept_code, client_name, id)
      );
      CREATE INDEX runs_by_start ON runs (dept_code, client_name, started_at, seq);

      CREATE TABLE run_lock (
        ${TEAM},
        pid integer NOT NULL,
        host text NOT NULL,
        since text NOT NULL,
        PRIMARY KEY (dept_code, client_name)
      );

      CREATE TABLE watermarks (
        ${TEAM},
        filter_id bigint NOT NULL,
        modified_at text NOT NULL,
        contact_id text NOT NULL,
        fingerprint text NOT NULL,
        updated_at text NOT NULL,
        PRIMARY KEY (dept_code, client_name, filter_id)
      );

      CREATE TABLE confirmed (
        ${TEAM},
        contact_id text COLLATE "C" NOT NULL,
        payload text NOT NULL,
        opted_out boolean,
        confirmed_at text NOT NULL,
        PRIMARY KEY (dept_code, client_name, contact_id)
      );

      CREATE TABLE retries (
        ${TEAM},
        contact_id text COLLATE "C" NOT NULL,
        seq bigserial NOT NULL,
        payload text NOT NULL,
        filter_ids bigint[] NOT NULL,
        reason text NOT NULL,
        attempts integer NOT NULL,
        first_failed_at text COLLATE "C" NOT NULL,
        last_failed_at text NOT NULL,
        PRIMARY KEY (dept_code, client_name, contact_id)
      );

      CREATE TABLE run_issues (
        ${TEAM},
        run_id text COLLATE "C" NOT NULL,
        contact_id text COLLATE "C" NOT NULL,
        code text COLLATE "C" NOT NULL,
        seq bigserial NOT NULL,
        severity text NOT NULL CHECK (severity IN ('error', 'warning')),
        message text NOT NULL,
        first_name text NOT NULL,
        last_name text NOT NULL,
        mobile text NOT NULL,
        filter_ids bigint[] NOT NULL,
        PRIMARY KEY (dept_code, client_name, run_id, contact_id, code),
        FOREIGN KEY (dept_code, client_name, run_id) REFERENCES runs ON DELETE CASCADE
      );
      CREATE INDEX run_issues_in_order ON run_issues (dept_code, client_name, run_id, seq);

      CREATE TABLE still_failing (
        ${TEAM},
        contact_id text COLLATE "C" NOT NULL,
        code text COLLATE "C" NOT NULL,
        message text NOT NULL,
        first_name text NOT NULL,
        last_name text NOT NULL,
        mobile text NOT NULL,
        filter_ids bigint[] NOT NULL,
        run_id text COLLATE "C" NOT NULL,
        PRIMARY KEY (dept_code, client_name, contact_id, code)
      );
      CREATE INDEX still_failing_by_run ON still_failing (dept_code, client_name, run_id);

      CREATE TABLE optout_position (
        ${TEAM},
        since text,
        cursor text,
        seen text NOT NULL,
        PRIMARY KEY (dept_code, client_name)
      );

      CREATE TABLE optout_journal (
        ${TEAM},
        id bigserial NOT NULL,
        contact_id text COLLATE "C" NOT NULL,
        opted_out boolean NOT NULL,
        changed_at text COLLATE "C" NOT NULL,
        source text NOT NULL,
        received_at text NOT NULL,
        decisive boolean NOT NULL,
        state text NOT NULL CHECK (state IN ('pending', 'done', 'failed', 'echo', 'history', 'superseded')),
        attempts integer NOT NULL DEFAULT 0,
        next_attempt_at text COLLATE "C",
        claimed_by text,
        claimed_until text COLLATE "C",
        error text,
        reported boolean NOT NULL DEFAULT false,
        PRIMARY KEY (dept_code, client_name, id),
        UNIQUE (dept_code, client_name, contact_id, changed_at, opted_out)
      );
      CREATE INDEX optout_journal_by_contact ON optout_journal (dept_code, client_name, contact_id, decisive, changed_at);
      CREATE INDEX optout_journal_by_state ON optout_journal (dept_code, client_name, state, changed_at);
    `,
  },
];

/** The schema version this build of connect-sync writes. */
export const SCHEMA_VERSION: number = MIGRATIONS[MIGRATIONS.length - 1]?.version ?? 0;

/** Tables of the schema, for the operator (README) and the tests. */
export const TABLES = ['connect_sync_schema', 'runs', 'run_lock', 'watermarks', 'confirmed', 'retries', 'run_issues', 'still_failing', 'optout_position', 'optout_journal'] as const;

/** The database's schema version (0 when connect-sync never wrote to it); refuses a newer one. */
export async function readSchemaVersion(client: pg.ClientBase, target: Target): Promise<number> {
  const table = await client.query<{ found: string | null }>(`SELECT to_regclass('connect_sync_schema')::text AS found`);
  if (table.rows[0]?.found == null) return 0;
  const row = await client.query<{ version: number }>('SELECT version FROM connect_sync_schema');
  const version = row.rows[0]?.version ?? 0;
  if (version > SCHEMA_VERSION) {
    throw new StateFileError(
      `PostgreSQL state ${whereOf(target)} was written by a newer connect-sync (schema version ${version}; this version knows up to ${SCHEMA_VERSION}): upgrade connect-sync`,
    );
  }
  return version;
}

/** Brings the database to SCHEMA_VERSION. Safe against other processes migrating at the same time. */
export async function migrate(client: pg.ClientBase, target: Target): Promise<void> {
  if ((await readSchemaVersion(client, target)) === SCHEMA_VERSION) return;
  await client.query('BEGIN');
  try {
    // Read again under the lock: another process may have migrated meanwhile.
    await client.query('SELECT pg_advisory_xact_lock($1::bigint)', [lockKey('connect-sync migrations')]);
    await client.query('CREATE TABLE IF NOT EXISTS connect_sync_schema (version integer NOT NULL)');
    const from = await readSchemaVersion(client, target);
    for (const migration of MIGRATIONS) {
      if (migration.version <= from) continue;
      await client.query(migration.sql);
    }
    await client.query('DELETE FROM connect_sync_schema');
    await client.query('INSERT INTO connect_sync_schema (version) VALUES ($1)', [SCHEMA_VERSION]);
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  }
}
