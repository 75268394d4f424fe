/**
 * The still-failing table (product.md §6): data errors of earlier runs not yet fixed in
 * Connect. A run's data errors are added in the same transactions as its report rows
 * (runs.ts), so the end of a run only applies the few changes planStillFailing decides.
 */
import type BetterSqlite3 from 'better-sqlite3';
import type { RunIssue } from '../../core/ports.js';
import { TRANSIENT_CODES, type StillFailingChanges, type StillFailingRow } from '../../core/still-failing.js';

type Db = BetterSqlite3.Database;

interface Row {
  contact_id: string;
  code: string;
  message: string;
  first_name: string;
  last_name: string;
  mobile: string;
  filter_ids: string;
  run_id: string;
}

/** A report row's data error as a still-failing row (same transaction as the report row). */
export function stillFailingUpsert(db: Db): (runId: string, issue: RunIssue, filterIds: string) => void {
  // The same run again merges the filters; a later run's finding replaces an earlier one's.
  const upsert = db.prepare(
    `INSERT INTO still_failing (contact_id, code, message, first_name, last_name, mobile, filter_ids, run_id)
     VALUES (@contactId, @code, @message, @firstName, @lastName, @mobileNumber, @filterIds, @runId)
     ON CONFLICT (contact_id, code) DO UPDATE SET message = excluded.message, first_name = excluded.first_name,
       last_name = excluded.last_name, mobile = excluded.mobile, run_id = excluded.run_id,
       filter_ids = CASE WHEN still_failing.run_id = excluded.run_id THEN (
         SELECT json_group_array(id) FROM (
           SELECT value AS id FROM json_each(still_failing.filter_ids)
           UNION SELECT value FROM json_each(excluded.filter_ids)
           ORDER BY 1)) ELSE excluded.filter_ids END`,
  );
  return (runId, issue, filterIds) => {
    if (issue.severity !== 'error' || TRANSIENT_CODES.includes(issue.code)) return;
    upsert.run({
      runId,
      contactId: issue.contactId,
      code: issue.code,
      message: issue.message,
      firstName: issue.firstName,
      lastName: issue.lastName,
      mobileNumber: issue.mobileNumber,
      filterIds,
    });
  };
}

/** Prepares the still-failing statements of one connection. */
export function stillFailingTable(db: Db) {
  const all = db.prepare<[], Pick<Row, 'contact_id' | 'code' | 'run_id' | 'filter_ids'>>('SELECT contact_id, code, run_id, filter_ids FROM still_failing');
  const removeContact = db.prepare('DELETE FROM still_failing WHERE contact_id = ?');
  const removeEarlier = db.prepare('DELETE FROM still_failing WHERE contact_id = ? AND run_id <> ?');
  const setFilters = db.prepare('UPDATE still_failing SET filter_ids = ? WHERE contact_id = ?');
  const count = db.prepare<[string], number>('SELECT count(DISTINCT contact_id) FROM still_failing WHERE run_id <> ?').pluck(true);
  const earlier = db.prepare<[string], Row>('SELECT * FROM still_failing WHERE run_id <> ? ORDER BY contact_id + 0, contact_id, code');
  const apply = db.transaction((runId: string, changes: StillFailingChanges) => {
    for (const id of changes.removeContacts) removeContact.run(id);
    for (const id of changes.removeEarlierOf) removeEarlier.run(id, runId);
    for (const entry of changes.setFilters) setFilters.run(JSON.stringify(entry.filterIds), entry.contactId);
  });

  return {
    rows(): StillFailingRow[] {
      return all.all().map((row) => ({ contactId: row.contact_id, code: row.code, runId: row.run_id, filterIds: JSON.parse(row.filter_ids) as number[] }));
    },
    apply(runId: string, changes: StillFailingChanges): void {
      apply(runId, changes);
    },
    /** Distinct contacts still failing from runs other than `exceptRunId` ('' for all). */
    count(exceptRunId: string): number {
      return count.get(exceptRunId) ?? 0;
    },
    /** Their rows as report rows (severity filled in by the report). */
    *earlier(exceptRunId: string): Generator<RunIssue> {
      for (const row of earlier.all(exceptRunId)) {
        yield {
          contactId: row.contact_id,
          firstName: row.first_name,
          lastName: row.last_name,
          mobileNumber: row.mobile,
          filterIds: JSON.parse(row.filter_ids) as number[],
          severity: 'error',
          code: row.code,
          message: row.message,
        };
      }
    },
  };
}
