/**
 * The run's report rows as the real run's sink writes them (product.md §6). Rows are
 * written several pages at a time: one transaction per contact, or per page, would cost
 * more than everything else the contact needs. The sink writes what is left before the
 * run ends, also when it fails.
 */
import type { RunIssue } from '../ports.js';
import type { ReportRows } from '../state.js';
import type { ContactIssue } from '../types.js';
import type { RunTally } from './tally.js';
import type { UnreadableRecord } from './unreadable.js';

/** Report rows written in one transaction, at most, while pages are read. */
export const ISSUE_ROWS_PER_WRITE = 500;

export class IssueRecorder {
  private rows: RunIssue[] = [];
  private unreadable: (UnreadableRecord & { key: string })[] = [];

  constructor(
    private readonly report: Pick<ReportRows, 'add'>,
    private readonly runId: string,
    private readonly tally: RunTally,
  ) {}

  /** Queues a contact's issues (its filters as the run knows them now), and counts its warnings. */
  add(contactId: string, report: { firstName: string; lastName: string; mobileNumber: string }, issues: readonly ContactIssue[]): void {
    const filterIds = this.tally.filtersOf(contactId);
    if (issues.some((issue) => issue.severity === 'warning')) this.tally.warned(contactId);
    for (const issue of issues) {
      this.rows.push({ contactId, ...report, filterIds, severity: issue.severity, code: issue.code, message: issue.message });
    }
  }

  /**
   * An unreadable record's row, kept until the run ends: a readable version of the contact
   * read later in the run (another filter, a change) replaces it, and then the row goes.
   */
  addUnreadable(unreadable: UnreadableRecord & { key: string }): void {
    this.unreadable.push(unreadable);
  }

  /** Writes every row left, the unreadable records still counted as errors among them (one row each). */
  async flushAll(): Promise<void> {
    for (const { contactId, report, issue, key } of this.unreadable) {
      if (!this.tally.isFailed(key)) continue;
      this.rows.push({ contactId, ...report, filterIds: this.tally.filtersOf(key), severity: issue.severity, code: issue.code, message: issue.message });
    }
    this.unreadable = [];
    await this.flush();
  }

  /** Writes the rows added since the last flush, in one transaction (when there are at least `atLeast`). */
  async flush(atLeast = 1): Promise<void> {
    if (this.rows.length < atLeast) return;
    const rows = this.rows;
    this.rows = [];
    await this.report.add(this.runId, rows);
  }
}
