/**
 * Report rows and still-failing rows on PostgreSQL. A run's data errors go into
 * still_failing in the same transaction as its report rows, so the end of a run only
 * applies the few changes planStillFailing decides (as in the SQLite file).
 */
import type { RunIssue } from '../../core/ports.js';
import type { ReportRows } from '../../core/state.js';
import { TRANSIENT_CODES } from '../../core/still-failing.js';
import type { TeamDb } from './db.js';
import { chunks } from './sync.js';

/** Report rows read at once when they are iterated. */
const PAGE_SIZE = 1000;
const TEAM = 'dept_code = $1 AND client_name = $2';

interface IssueRow {
  contact_id: string;
  code: string;
  severity: RunIssue['severity'];
  message: string;
  first_name: string;
  last_name: string;
  mobile: string;
  filter_ids: string[];
}

function toIssue(row: IssueRow): RunIssue {
  return {
    contactId: row.contact_id,
    firstName: row.first_name,
    lastName: row.last_name,
    mobileNumber: row.mobile,
    filterIds: row.filter_ids.map(Number),
    severity: row.severity,
    code: row.code,
    message: row.message,
  };
}

function union(a: readonly number[], b: readonly number[]): number[] {
  return [...new Set([...a, ...b])].sort((x, y) => x - y);
}

/**
 * Issues of one call folded by (contact, code), as the statements one by one would leave
 * them: a report row keeps its first text, a still-failing row takes the last; both merge filters.
 */
function fold(issues: readonly RunIssue[]): { rows: RunIssue[]; failing: RunIssue[] } {
  const rows = new Map<string, RunIssue>();
  const failing = new Map<string, RunIssue>();
  for (const issue of issues) {
    const key = `${issue.contactId}\0${issue.code}`;
    const row = rows.get(key);
    rows.set(key, row === undefined ? { ...issue, filterIds: union(issue.filterIds, []) } : { ...row, filterIds: union(row.filterIds, issue.filterIds) });
    if (issue.severity !== 'error' || TRANSIENT_CODES.includes(issue.code)) continue;
    const before = failing.get(key);
    failing.set(key, { ...issue, filterIds: union(before?.filterIds ?? [], issue.filterIds) });
  }
  return { rows: [...rows.values()], failing: [...failing.values()] };
}

/** unnest() parameters of a list of issues, from $4 on; filter ids as `{1,2}` text. */
function columns(issues: readonly RunIssue[]): unknown[] {
  return [
    issues.map((i) => i.contactId),
    issues.map((i) => i.code),
    issues.map((i) => i.severity),
    issues.map((i) => i.message),
    issues.map((i) => i.firstName),
    issues.map((i) => i.lastName),
    issues.map((i) => i.mobileNumber),
    issues.map((i) => `{${i.filterIds.join(',')}}`),
  ];
}

const UNNEST = `unnest($4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[], $10::text[], $11::text[])
  AS i (contact_id, code, severity, message, first_name, last_name, mobile, filter_ids)`;
const MERGED = (table: string) => `ARRAY(SELECT DISTINCT f FROM unnest(${table}.filter_ids || excluded.filter_ids) AS f ORDER BY f)`;

export function pgReportRows(db: TeamDb): ReportRows {
  async function* stillFailingRows(exceptRunId = ''): AsyncGenerator<RunIssue> {
    const rows = await db.query<IssueRow>(
      `SELECT contact_id, code, 'error' AS severity, message, first_name, last_name, mobile, filter_ids FROM still_failing
       WHERE ${TEAM} AND run_id <> $3 ORDER BY coalesce(substring(contact_id FROM '^[0-9]+')::numeric, 0), contact_id, code`,
      [exceptRunId],
    );
    yield* rows.map(toIssue);
  }

  return {
    async add(runId, issues) {
      db.writable('add');
      if (issues.length === 0) return;
      const { rows, failing } = fold(issues);
      await db.transaction(async (query) => {
        for (const chunk of chunks(failing)) {
          // The same run again merges the filters; a later run's finding replaces an earlier one's.
          await query(
            `INSERT INTO still_failing (dept_code, client_name, run_id, contact_id, code, message, first_name, last_name, mobile, filter_ids)
             SELECT $1, $2, $3, i.contact_id, i.code, i.message, i.first_name, i.last_name, i.mobile, i.filter_ids::bigint[] FROM ${UNNEST}
             ON CONFLICT (dept_code, client_name, contact_id, code) DO UPDATE SET message = excluded.message, first_name = excluded.first_name,
               last_name = excluded.last_name, mobile = excluded.mobile, run_id = excluded.run_id,
               filter_ids = CASE WHEN still_failing.run_id = excluded.run_id THEN ${MERGED('still_failing')} ELSE excluded.filter_ids END`,
            [runId, ...columns(chunk)],
          );
        }
        for (const chunk of chunks(rows)) {
          // Same (run, contact, code) again: keep the first row, merge the filter ids (sorted, distinct).
          await query(
            `INSERT INTO run_issues (dept_code, client_name, run_id, contact_id, code, severity, message, first_name, last_name, mobile, filter_ids)
             SELECT $1, $2, $3, i.contact_id, i.code, i.severity, i.message, i.first_name, i.last_name, i.mobile, i.filter_ids::bigint[] FROM ${UNNEST}
             ON CONFLICT (dept_code, client_name, run_id, contact_id, code) DO UPDATE SET filter_ids = ${MERGED('run_issues')}`,
            [runId, ...columns(chunk)],
          );
        }
      });
    },
    async *rows(runId) {
      // Paging by seq: no statement stays open while the caller awaits between pages.
      let after = '0';
      for (;;) {
        const rows = await db.query<IssueRow & { seq: string }>(
          `SELECT * FROM run_issues WHERE ${TEAM} AND run_id = $3 AND seq > $4 ORDER BY seq LIMIT $5`,
          [runId, after, PAGE_SIZE],
        );
        for (const row of rows) yield toIssue(row);
        if (rows.length < PAGE_SIZE) return;
        after = rows[rows.length - 1]!.seq;
      }
    },
    async listStillFailing() {
      const rows = await db.query<{ contact_id: string; code: string; run_id: string; filter_ids: string[] }>(
        `SELECT contact_id, code, run_id, filter_ids FROM still_failing WHERE ${TEAM}`,
      );
      return rows.map((row) => ({ contactId: row.contact_id, code: row.code, runId: row.run_id, filterIds: row.filter_ids.map(Number) }));
    },
    async applyStillFailing(runId, changes) {
      db.writable('applyStillFailing');
      await db.transaction(async (query) => {
        if (changes.removeContacts.length > 0) {
          await query(`DELETE FROM still_failing WHERE ${TEAM} AND contact_id = ANY($3::text[])`, [changes.removeContacts]);
        }
        if (changes.removeEarlierOf.length > 0) {
          await query(`DELETE FROM still_failing WHERE ${TEAM} AND contact_id = ANY($3::text[]) AND run_id <> $4`, [changes.removeEarlierOf, runId]);
        }
        for (const entry of changes.setFilters) {
          await query(`UPDATE still_failing SET filter_ids = $4::bigint[] WHERE ${TEAM} AND contact_id = $3`, [entry.contactId, entry.filterIds]);
        }
      });
    },
    async countStillFailing(exceptRunId = '') {
      const rows = await db.query<{ count: string }>(`SELECT count(DISTINCT contact_id) AS count FROM still_failing WHERE ${TEAM} AND run_id <> $3`, [exceptRunId]);
      return Number(rows[0]?.count ?? 0);
    },
    stillFailingRows,
  };
}
