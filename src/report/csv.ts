/**
 * The run's error report (product.md §6): one CSV row per contact that was not imported or
 * was imported with a warning. Streamed to disk row by row, because a bad night can report
 * every contact of a filter (100,000+ rows) and the report must not cost that much memory.
 */
import { createWriteStream } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { stringify } from 'csv-stringify';
import type { RunIssue } from '../core/ports.js';
import type { ReportRows } from '../core/state.js';

/** The report's columns, in order; the header row spells them exactly so. */
export const REPORT_COLUMNS = [
  'contact_id',
  'first_name',
  'last_name',
  'mobile_number',
  'filter_ids',
  'severity',
  'error_code',
  'error_message',
] as const;

/** Where a run's report goes: `<state.reportsDir>/<runId>-errors.csv`. */
export function reportPathFor(reportsDir: string, runId: string): string {
  // A run id is ours, but a separator in it must never move the file out of the reports folder.
  const safeId = runId.replace(/[/\\]/g, '_');
  return path.join(path.resolve(reportsDir), `${safeId}-errors.csv`);
}

/**
 * Prefixes `'` to a cell a spreadsheet would run as a formula: one starting with `=`, `+`,
 * `-`, `@`, a tab or a carriage return (product.md §6), and the full-width `＝＋－＠` that
 * Apple Numbers folds into them. A raw mobile such as `+1 404…` is guarded too.
 */
export function guardCell(cell: string): string {
  return /^[=+\-@\t\r\uFF1D\uFF0B\uFF0D\uFF20]/.test(cell) ? `'${cell}` : cell;
}

/** A report row: this run's issue, or a still-failing contact's error from an earlier run. */
export type ReportRow = RunIssue & { earlierRun?: boolean };

/** A run's report: its own rows, then the contacts still failing from earlier runs (product.md §6). */
export async function* runReportRows(report: Pick<ReportRows, 'rows' | 'stillFailingRows'>, runId: string): AsyncGenerator<ReportRow> {
  yield* report.rows(runId);
  for await (const row of report.stillFailingRows(runId)) yield { ...row, earlierRun: true };
}

/** One issue as the report's cells, in REPORT_COLUMNS order, formula-guarded. */
export function issueCells(issue: ReportRow): string[] {
  return [
    issue.contactId,
    issue.firstName,
    issue.lastName,
    issue.mobileNumber,
    issue.filterIds.join(';'),
    issue.earlierRun === true ? 'error (earlier run)' : issue.severity,
    issue.code,
    issue.message,
  ].map((cell) => guardCell(cell));
}

/**
 * Writes the report to `filePath` (creating its folder) and resolves with the number of
 * data rows. The file appears complete or not at all: rows go to a `.partial` file that is
 * renamed at the end, so a killed run never leaves a truncated report behind.
 *
 * Format: RFC 4180 with CRLF line endings, and UTF-8 with a byte order mark, because Excel
 * reads a CSV without a BOM in the machine's legacy code page and mangles accented names.
 */
export async function writeErrorReport(
  filePath: string,
  issues: Iterable<ReportRow> | AsyncIterable<ReportRow>,
): Promise<{ path: string; rows: number }> {
  await mkdir(path.dirname(filePath), { recursive: true });
  const partial = `${filePath}.partial`;
  let rows = 0;
  async function* records(): AsyncGenerator<string[]> {
    for await (const issue of issues) {
      rows += 1;
      yield issueCells(issue);
    }
  }
  const csv = stringify({
    bom: true,
    header: true,
    columns: [...REPORT_COLUMNS],
    record_delimiter: 'windows',
    // A custom record delimiter turns this off by default; a lone \n or \r in a message
    // must still be quoted or the row would split in two.
    quote_record_delimiter: true,
  });
  try {
    await pipeline(Readable.from(records()), csv, createWriteStream(partial));
    await rename(partial, filePath);
  } catch (error) {
    await rm(partial, { force: true });
    throw error;
  }
  return { path: filePath, rows };
}
