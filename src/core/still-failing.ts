/**
 * Still failing (product.md §6): contacts whose data errors (a mapping error, Cadence
 * `rejected`) from earlier runs are not yet fixed in Connect. They are not sent again until
 * they change (§4), so without this list a second run would report "0 errors" while they
 * are still missing from Cadence. Pure rules: what a finished run does to the list.
 */

/** One remembered error of one contact (a contact may have several codes). */
export interface StillFailingRow {
  contactId: string;
  code: string;
  /** The run that last found this error. */
  runId: string;
  filterIds: readonly number[];
}

/** What a run did with a contact, as its tally says at the end. */
export type ContactOutcome = 'unseen' | 'pending' | 'imported' | 'failed';

/** Error codes that are not data errors: the retry table sends those contacts again. */
export const TRANSIENT_CODES: readonly string[] = ['CADENCE_UNAVAILABLE'];

/** Whether a report row's error is a data error, one that waits for a change in Connect. */
export function isDataError(severity: string, code: string): boolean {
  return severity === 'error' && !TRANSIENT_CODES.includes(code);
}

export interface StillFailingRun {
  runId: string;
  /** The run ended normally (not interrupted, not failed). */
  completed: boolean;
  /** criteria.filterIds as configured now (not narrowed by --filter). */
  configured: readonly number[];
  /** Filters this run read in full, to the end (--full, a first or re-import, whole mode). */
  readInFull: readonly number[];
  outcomeOf(contactId: string): ContactOutcome;
}

export interface StillFailingChanges {
  /** Contacts to forget entirely. */
  removeContacts: string[];
  /** Rows of earlier runs to drop because this run found the contact in error again. */
  removeEarlierOf: string[];
  /** Contacts whose remembered filters shrink (some no longer configured or read in full without it). */
  setFilters: { contactId: string; filterIds: number[] }[];
}

/**
 * Decides what happens to each remembered contact (rows of earlier runs, and this run's
 * data errors, already added as the run went). A contact stops being still failing when
 * this run imported it, when none of its filters is configured any more, or when every one
 * of its filters left was read in full by this run without returning it. One that this run
 * found in error again is this run's error: its earlier rows go.
 */
export function planStillFailing(rows: readonly StillFailingRow[], run: StillFailingRun): StillFailingChanges {
  const changes: StillFailingChanges = { removeContacts: [], removeEarlierOf: [], setFilters: [] };
  for (const [contactId, own] of groupByContact(rows)) {
    const outcome = run.outcomeOf(contactId);
    const current = own.filter((row) => row.runId === run.runId);
    const earlier = own.filter((row) => row.runId !== run.runId);
    if (outcome === 'imported') {
      changes.removeContacts.push(contactId);
    } else if (current.length > 0 && outcome === 'failed') {
      if (earlier.length > 0) changes.removeEarlierOf.push(contactId);
    } else if (current.length > 0) {
      // Found in error, then read again in a newer version that has no outcome yet.
      changes.removeContacts.push(contactId);
    } else if (outcome === 'failed') {
      // Read again without a data error, and not imported: the retry table has it now.
      if (run.completed) changes.removeContacts.push(contactId);
    } else if (outcome === 'unseen') {
      unseen(contactId, earlier, run, changes);
    }
  }
  return changes;
}

function unseen(contactId: string, rows: readonly StillFailingRow[], run: StillFailingRun, changes: StillFailingChanges): void {
  const before = [...new Set(rows.flatMap((row) => row.filterIds))].sort((a, b) => a - b);
  const left = before.filter((id) => run.configured.includes(id) && !run.readInFull.includes(id));
  if (left.length === 0) changes.removeContacts.push(contactId);
  else if (left.length !== before.length) changes.setFilters.push({ contactId, filterIds: left });
}

function groupByContact(rows: readonly StillFailingRow[]): Map<string, StillFailingRow[]> {
  const groups = new Map<string, StillFailingRow[]>();
  for (const row of rows) {
    const group = groups.get(row.contactId);
    if (group) group.push(row);
    else groups.set(row.contactId, [row]);
  }
  return groups;
}
