/**
 * Runs and their report rows. A run's counts are rewritten as it goes, so progress
 * survives a kill; a run still marked `running` whose process is gone reads `interrupted`.
 */
import { emptyRunCounts, runIdAt } from '../../core/run-life.js';
import type BetterSqlite3 from 'better-sqlite3';
import type { LockHolder, RunCounts, RunIssue, RunKind, RunOutcome, RunRecord } from '../../core/ports.js';
import { readLockHolder, type IsProcessAlive } from './lock.js';
import { stillFailingUpsert } from './still-failing.js';

export { emptyRunCounts, runIdAt };

type Db = BetterSqlite3.Database;


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
  scheduled: number;
}

/**
 * A `running` run is live only while its process holds the lock it started under (same
 * pid, host and lock time) and is alive; anything else was killed before it could finish.
 * A run started without holding the lock is never the holder, so it reads `interrupted`.
 */
function effectiveOutcome(row: RunRow, holder: LockHolder | undefined, alive: IsProcessAlive): RunOutcome {
  if (row.outcome !== 'running') return row.outcome;
  if (holder === undefined || holder.pid !== row.pid || holder.host !== row.host || holder.since !== row.lock_since) return 'interrupted';
  return alive(holder.pid, holder.host, holder.since) ? 'running' : 'interrupted';
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
    ...(row.scheduled === 1 && { scheduled: true }),
  };
}

export type FinishResult = {
  outcome: Exclude<RunOutcome, 'running' | 'interrupted'>;
  counts: RunCounts;
  error?: string;
  reportPath?: string;
  notes?: string[];
};

/** The run statements, prepared once on one connection. */
function prepareRunStatements(db: Db) {
  const insert = db.prepare(
    `INSERT INTO runs (id, kind, pid, host, started_at, outcome, counts, notes, lock_since, scheduled)
     VALUES (@id, @kind, @pid, @host, @startedAt, 'running', @counts, '[]', @lockSince, @scheduled)`,
  );
  const select = db.prepare<[string], RunRow>('SELECT * FROM runs WHERE id = ?');
  const recent = db.prepare<[number], RunRow>('SELECT * FROM runs ORDER BY started_at DESC, rowid DESC LIMIT ?');
  const setCounts = db.prepare('UPDATE runs SET counts = ? WHERE id = ?');
  const finish = db.prepare(
    `UPDATE runs SET finished_at = @finishedAt, outcome = @outcome, counts = @counts, error = @error,
       report_path = @reportPath, notes = coalesce(@notes, notes)
     WHERE id = @id`,
  );
  const setMail = db.prepare('UPDATE runs SET mail = ? WHERE id = ?');
  const lastCompleted = db.prepare<[], RunRow>(
    `SELECT * FROM runs WHERE kind = 'import' AND outcome IN ('ok', 'contacts_failed') ORDER BY started_at DESC, rowid DESC LIMIT 1`,
  );
  const scheduledDone = db.prepare<[string], RunRow>(
    `SELECT * FROM runs WHERE kind = 'import' AND scheduled = 1 AND outcome IN ('ok', 'contacts_failed') AND started_at >= ?
     ORDER BY started_at DESC, rowid DESC LIMIT 1`,
  );
  return { insert, select, recent, setCounts, finish, setMail, lastCompleted, scheduledDone };
}

type RunStatements = ReturnType<typeof prepareRunStatements>;

/** Records a new running run; two runs in the same second share the stamp, so a clash of the random suffix too is retried. */
function insertRun(st: RunStatements, kind: RunKind, owner: { pid: number; host: string }, at: Date, lockSince: string | undefined, scheduled: boolean): RunRecord {
  const row = {
    kind,
    pid: owner.pid,
    host: owner.host,
    startedAt: at.toISOString(),
    counts: JSON.stringify(emptyRunCounts()),
    lockSince: lockSince ?? null,
    scheduled: scheduled ? 1 : 0,
  };
  for (;;) {
    const id = runIdAt(at);
    try {
      st.insert.run({ ...row, id });
    } catch (error) {
      if ((error as { code?: unknown }).code === 'SQLITE_CONSTRAINT_PRIMARYKEY') continue;
      throw error;
    }
    const inserted = st.select.get(id);
    if (inserted === undefined) throw new Error(`run ${id} vanished right after it was recorded`);
    return toRecord(inserted, 'running');
  }
}

/** Prepares the run statements of one connection. */
export function runTable(db: Db, alive: IsProcessAlive) {
  const st = prepareRunStatements(db);

  function changedOne(result: BetterSqlite3.RunResult, runId: string): void {
    if (result.changes === 0) throw new Error(`no run ${runId} in the state file`);
  }

  return {
    start(kind: RunKind, owner: { pid: number; host: string }, at: Date, lockSince: string | undefined, scheduled = false): RunRecord {
      return insertRun(st, kind, owner, at, lockSince, scheduled);
    },
    updateCounts(runId: string, counts: RunCounts): void {
      changedOne(st.setCounts.run(JSON.stringify(counts), runId), runId);
    },
    finish(runId: string, result: FinishResult, at: Date): void {
      changedOne(
        st.finish.run({
          id: runId,
          finishedAt: at.toISOString(),
          outcome: result.outcome,
          counts: JSON.stringify(result.counts),
          error: result.error ?? null,
          reportPath: result.reportPath ?? null,
          notes: result.notes === undefined ? null : JSON.stringify(result.notes),
        }),
        runId,
      );
    },
    recordMail(runId: string, mail: { sent: boolean; error?: string }, at: Date): void {
      const value = { sent: mail.sent, at: at.toISOString(), ...(mail.error !== undefined && { error: mail.error }) };
      changedOne(st.setMail.run(JSON.stringify(value), runId), runId);
    },
    get(runId: string): RunRecord | undefined {
      const row = st.select.get(runId);
      return row === undefined ? undefined : toRecord(row, effectiveOutcome(row, readLockHolder(db), alive));
    },
    /** The newest scheduled import started at or after `since` that completed (exit 0 or 1). */
    scheduledCompletedSince(since: Date): RunRecord | undefined {
      const row = st.scheduledDone.get(since.toISOString());
      return row === undefined ? undefined : toRecord(row, row.outcome);
    },
    /** The newest import that completed (exit 0 or 1). */
    lastCompleted(): RunRecord | undefined {
      const row = st.lastCompleted.get();
      return row === undefined ? undefined : toRecord(row, row.outcome);
    },
    recent(limit: number): RunRecord[] {
      const rows = st.recent.all(Math.max(0, Math.floor(limit)));
      const holder = readLockHolder(db);
      return rows.map((row) => toRecord(row, effectiveOutcome(row, holder, alive)));
    },
  };
}

interface IssueRow {
  contact_id: string;
  code: string;
  severity: RunIssue['severity'];
  message: string;
  first_name: string;
  last_name: string;
  mobile: string;
  filter_ids: string;
}

/** Prepares the report-row statements of one connection. */
export function issueTable(db: Db) {
  // Same (run, contact, code) again: keep the first row, merge the filter ids (sorted, distinct).
  const upsert = db.prepare(
    `INSERT INTO run_issues (run_id, contact_id, code, severity, message, first_name, last_name, mobile, filter_ids)
     VALUES (@runId, @contactId, @code, @severity, @message, @firstName, @lastName, @mobileNumber, @filterIds)
     ON CONFLICT (run_id, contact_id, code) DO UPDATE SET filter_ids = (
       SELECT json_group_array(id) FROM (
         SELECT value AS id FROM json_each(run_issues.filter_ids)
         UNION SELECT value FROM json_each(excluded.filter_ids)
         ORDER BY 1))`,
  );
  const list = db.prepare<[string], IssueRow>('SELECT * FROM run_issues WHERE run_id = ? ORDER BY rowid');
  // Paging by rowid: the run's rows are the newest, so the scan starts at its first row (found
  // through the primary key) and walks the table in order; NOT INDEXED keeps SQLite from
  // sorting the whole run through the (run_id, contact_id, code) index for every page.
  const firstRowid = db.prepare<[string], number>('SELECT min(rowid) FROM run_issues WHERE run_id = ?').pluck(true);
  const page = db.prepare<[number, string, number], IssueRow & { rowid: number }>(
    'SELECT rowid, * FROM run_issues NOT INDEXED WHERE rowid >= ? AND run_id = ? ORDER BY rowid LIMIT ?',
  );
  const stillFailing = stillFailingUpsert(db);
  const add = db.transaction((runId: string, issues: readonly RunIssue[]) => {
    for (const issue of issues) {
      const filterIds = JSON.stringify([...new Set(issue.filterIds)].sort((a, b) => a - b));
      stillFailing(runId, issue, filterIds);
      upsert.run({
        runId,
        contactId: issue.contactId,
        code: issue.code,
        severity: issue.severity,
        message: issue.message,
        firstName: issue.firstName,
        lastName: issue.lastName,
        mobileNumber: issue.mobileNumber,
        filterIds,
      });
    }
  });

  return {
    add(runId: string, issues: readonly RunIssue[]): void {
      add(runId, issues);
    },
    list(runId: string): RunIssue[] {
      return list.all(runId).map(toIssue);
    },
    /**
     * The run's rows in the order they were added, read `pageSize` at a time, so a report of
     * a hundred thousand rows never sits in memory at once. No statement stays open between
     * pages: the caller may await (write the CSV) and use the connection meanwhile.
     */
    *iterate(runId: string, pageSize: number): Generator<RunIssue> {
      let from = firstRowid.get(runId);
      while (from !== null && from !== undefined) {
        const rows = page.all(from, runId, pageSize);
        for (const row of rows) yield toIssue(row);
        from = rows.length < pageSize ? undefined : rows[rows.length - 1]!.rowid + 1;
      }
    },
  };
}

function toIssue(row: IssueRow): RunIssue {
  return {
    contactId: row.contact_id,
    firstName: row.first_name,
    lastName: row.last_name,
    mobileNumber: row.mobile,
    filterIds: JSON.parse(row.filter_ids) as number[],
    severity: row.severity,
    code: row.code,
    message: row.message,
  };
}
