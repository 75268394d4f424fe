/**
 * The record of runs on PostgreSQL. A run's counts are rewritten as it goes, so progress
 * survives a kill; a run left `running` reads `interrupted` unless it was started under
 * the lock row that stands now and a session of the database still holds the team's
 * lock (pg_locks): what a dead holder leaves reads the same on every machine.
 */
import { emptyRunCounts, runIdAt } from '../../core/run-life.js';
import type { LockHolder, RunCounts, RunKind, RunOutcome, RunRecord } from '../../core/ports.js';
import type { RunLog } from '../../core/state.js';
import type { TeamDb } from './db.js';
import { teamLock } from './lock.js';

interface RunRow {
  id: string;
  kind: RunKind;
  pid: number;
  host: string;
  started_at: string;
  finished_at: string | null;
  outcome: RunOutcome;
  counts: string;
  error: string | null;
  report_path: string | null;
  mail: string | null;
  notes: string;
  lock_since: string | null;
  scheduled: boolean;
}

/** The lock as it stands: its row, and whether a session holds the advisory lock. */
interface LockNow {
  row: LockHolder | undefined;
  held: boolean;
}

function effectiveOutcome(row: RunRow, lock: LockNow): RunOutcome {
  if (row.outcome !== 'running') return row.outcome;
  const { row: holder } = lock;
  if (!lock.held || holder === undefined) return 'interrupted';
  return holder.pid === row.pid && holder.host === row.host && holder.since === row.lock_since ? 'running' : 'interrupted';
}

function toRecord(row: RunRow, outcome: RunOutcome): RunRecord {
  return {
    id: row.id,
    kind: row.kind,
    pid: row.pid,
    host: row.host,
    startedAt: row.started_at,
    ...(row.finished_at !== null && { finishedAt: row.finished_at }),
    outcome,
    counts: { ...emptyRunCounts(), ...(JSON.parse(row.counts) as Partial<RunCounts>) },
    ...(row.error !== null && { error: row.error }),
    ...(row.report_path !== null && { reportPath: row.report_path }),
    ...(row.mail !== null && { mail: JSON.parse(row.mail) as NonNullable<RunRecord['mail']> }),
    notes: JSON.parse(row.notes) as string[],
    ...(row.scheduled && { scheduled: true }),
  };
}

const TEAM = 'dept_code = $1 AND client_name = $2';
const COMPLETED = `kind = 'import' AND outcome IN ('ok', 'contacts_failed')`;

/**
 * The runs of `db`'s team. `owner` is the process a run records when no lock is held;
 * `held` the lock this State holds, if any.
 */
export function pgRunLog(db: TeamDb, now: () => Date, owner: { pid: number; host: string }, held: () => LockHolder | undefined): RunLog {
  const lock = teamLock(db);

  async function lockNow(): Promise<LockNow> {
    const rows = await db.query<{ pid: number; host: string; since: string }>(`SELECT pid, host, since FROM run_lock WHERE ${TEAM}`);
    const row = rows[0];
    if (row === undefined) return { row: undefined, held: false };
    return { row: { pid: row.pid, host: row.host, since: row.since }, held: await lock.isHeld() };
  }

  async function changedOne(sql: string, params: unknown[], runId: string): Promise<void> {
    const rows = await db.query(`${sql} RETURNING 1`, params);
    if (rows.length === 0) throw new Error(`no run ${runId} in the PostgreSQL state`);
  }

  async function newest(where: string, params: unknown[] = []): Promise<RunRecord | undefined> {
    const rows = await db.query<RunRow>(`SELECT * FROM runs WHERE ${TEAM} AND ${where} ORDER BY started_at DESC, seq DESC LIMIT 1`, params);
    return rows[0] === undefined ? undefined : toRecord(rows[0], rows[0].outcome);
  }

  return {
    async start(kind, options = {}) {
      db.writable('start');
      const at = now();
      const holder = held();
      const by = holder ?? owner;
      // Two runs in the same second share the stamp; a clash of the random suffix too is retried.
      for (;;) {
        const rows = await db.query<RunRow>(
          `INSERT INTO runs (dept_code, client_name, id, kind, pid, host, started_at, outcome, counts, notes, lock_since, scheduled)
           VALUES ($1, $2, $3, $4, $5, $6, $7, 'running', $8, '[]', $9, $10)
           ON CONFLICT DO NOTHING RETURNING *`,
          [runIdAt(at), kind, by.pid, by.host, at.toISOString(), JSON.stringify(emptyRunCounts()), holder?.since ?? null, options.scheduled === true],
        );
        if (rows[0] !== undefined) return toRecord(rows[0], 'running');
      }
    },
    async updateCounts(runId, counts) {
      db.writable('updateCounts');
      await changedOne(`UPDATE runs SET counts = $4 WHERE ${TEAM} AND id = $3`, [runId, JSON.stringify(counts)], runId);
    },
    async finish(runId, result) {
      db.writable('finish');
      await changedOne(
        `UPDATE runs SET finished_at = $4, outcome = $5, counts = $6, error = $7, report_path = $8, notes = coalesce($9, notes)
         WHERE ${TEAM} AND id = $3`,
        [
          runId,
          now().toISOString(),
          result.outcome,
          JSON.stringify(result.counts),
          result.error ?? null,
          result.reportPath ?? null,
          result.notes === undefined ? null : JSON.stringify(result.notes),
        ],
        runId,
      );
    },
    async recordMail(runId, mail) {
      db.writable('recordMail');
      const value = { sent: mail.sent, at: now().toISOString(), ...(mail.error !== undefined && { error: mail.error }) };
      await changedOne(`UPDATE runs SET mail = $4 WHERE ${TEAM} AND id = $3`, [runId, JSON.stringify(value)], runId);
    },
    async get(runId) {
      const rows = await db.query<RunRow>(`SELECT * FROM runs WHERE ${TEAM} AND id = $3`, [runId]);
      const row = rows[0];
      if (row === undefined) return undefined;
      return toRecord(row, row.outcome === 'running' ? effectiveOutcome(row, await lockNow()) : row.outcome);
    },
    async recent(limit) {
      const rows = await db.query<RunRow>(`SELECT * FROM runs WHERE ${TEAM} ORDER BY started_at DESC, seq DESC LIMIT $3`, [Math.max(0, Math.floor(limit))]);
      const lock = rows.some((row) => row.outcome === 'running') ? await lockNow() : { row: undefined, held: false };
      return rows.map((row) => toRecord(row, effectiveOutcome(row, lock)));
    },
    lastCompletedImport: () => newest(COMPLETED),
    scheduledCompletedSince: (since) => newest(`${COMPLETED} AND scheduled AND started_at >= $3`, [since.toISOString()]),
  };
}
