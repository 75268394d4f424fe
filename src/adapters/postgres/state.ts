/**
 * The state's role ports (core/state.ts) over PostgreSQL, for one team: the same tables
 * and rules as the SQLite file, keyed by `cadence.deptCode` + `connect.clientName`, with
 * the run lock a session-level advisory lock. Opening is lazy: the first call connects
 * and migrates, and a database that cannot be used fails that call with StateFileError
 * naming host and database (never the password).
 */
import os from 'node:os';
import type { State } from '../../core/state.js';
import { whereOf, type Team } from './connection.js';
import { TeamDb } from './db.js';
import { pgOptOutJournal } from './journal.js';
import { pgRunLock } from './lock.js';
import { pgReportRows } from './report.js';
import { pgRunLog } from './runs.js';
import { pgSyncState } from './sync.js';

export type { Team } from './connection.js';
export { SCHEMA_VERSION, TABLES } from './migrations.js';
export { stateUrlProblem } from './connection.js';

export interface PostgresStateOptions {
  /** For `--dry-run` and `status`: nothing is created or changed, every write rejects. */
  readonly?: boolean;
  /** The clock of every time stamp (UTC ISO 8601). */
  now?: () => Date;
  /** The process that runs record as theirs when no lock is held; this process by default. */
  owner?: { pid: number; host: string };
  /** Liveness of a journal claim's owner on this host (tests); see sqlite/lock.ts. */
  isProcessAlive?: (pid: number, host: string) => boolean;
}

/** Opens `team`'s state in the PostgreSQL database at `url` (connects on first use). */
export function openPostgresState(url: string, team: Team, options: PostgresStateOptions = {}): State {
  const db = new TeamDb(url, team, { readonly: options.readonly === true });
  const now = options.now ?? (() => new Date());
  const lock = pgRunLock(db, now);
  let closed = false;
  return {
    description: `PostgreSQL ${whereOf(db.target)} (team ${team.deptCode}/${team.clientName})`,
    readonly: db.readonly,
    lock,
    runs: pgRunLog(db, now, options.owner ?? { pid: process.pid, host: os.hostname() }, () => lock.mine),
    sync: pgSyncState(db, now),
    journal: pgOptOutJournal(db, { now, ...(options.isProcessAlive !== undefined && { alive: options.isProcessAlive }) }),
    report: pgReportRows(db),
    // Every write is committed before its promise resolves: nothing waits behind the caller.
    async close() {
      if (closed) return;
      closed = true;
      // A lock still held goes with its session, as it would with the process.
      await lock.drop();
      await db.close();
    },
  };
}
