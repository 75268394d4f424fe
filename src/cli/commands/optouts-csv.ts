/**
 * Reading Cadence's opt-out history export for `optouts --from-csv` (csv-parse), and
 * journalling it. A wrong header or any unreadable row refuses the whole file (exit 2,
 * every bad row named by its line): running the fixed file again is always safe.
 */
import { readFile } from 'node:fs/promises';
import { parse } from 'csv-parse/sync';
import { countVerdicts, emptyJournalCounts, journalChanges, type JournalCounts } from '../../core/journal-changes.js';
import { headerProblem, readHistoryRows, type HistoryReading, type HistoryRow } from '../../core/optout-history.js';
import type { State } from '../../core/state.js';
import { UsageError } from '../../errors.js';
import type { Logger } from '../../log.js';

export interface HistoryCsv extends HistoryReading {
  rows: number;
}

export interface HistoryCsvCounts {
  rows: number;
  otherDepartments: number;
  journalled: JournalCounts;
}

/** Problems listed in the error at most; the count says how many more. */
const MAX_LISTED = 20;
/** Changes journalled per transaction. */
const JOURNAL_CHUNK = 200;

/** Reads and checks the file; throws UsageError (exit 2) naming the file and each bad line. */
export async function readHistoryCsv(file: string, deptCode: string): Promise<HistoryCsv> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new UsageError(`--from-csv ${file}: cannot read the file (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  let records: { record: string[]; info: { lines: number } }[];
  try {
    records = parse(text, { bom: true, info: true, relax_column_count: true, skip_empty_lines: true }) as unknown as typeof records;
  } catch (error) {
    throw new UsageError(`--from-csv ${file}: not a readable CSV file: ${(error as Error).message}`);
  }
  const [header, ...body] = records;
  const problem = header === undefined ? 'line 1: the file is empty (expected a header)' : headerProblem(header.record);
  if (problem !== undefined) throw new UsageError(`--from-csv ${file}: ${problem}; nothing was journalled`);
  const rows: HistoryRow[] = body.map(({ record, info }) => ({ line: info.lines, cells: record }));
  const reading = readHistoryRows(rows, deptCode);
  if (reading.problems.length > 0) {
    const listed = reading.problems.slice(0, MAX_LISTED).join('; ');
    const more = reading.problems.length > MAX_LISTED ? ` (and ${reading.problems.length - MAX_LISTED} more)` : '';
    throw new UsageError(`--from-csv ${file}: ${reading.problems.length} rows cannot be read, so nothing was journalled: ${listed}${more}`);
  }
  return { ...reading, rows: rows.length };
}

/** Journals the file's changes of this team in one go. */
export async function journalHistoryCsv(state: Pick<State, 'journal' | 'sync'>, csv: HistoryCsv, logger: Logger): Promise<HistoryCsvCounts> {
  const journalled = emptyJournalCounts();
  // Short transactions: serve keeps answering webhooks on the same state meanwhile.
  for (let start = 0; start < csv.changes.length; start += JOURNAL_CHUNK) {
    countVerdicts(journalled, await journalChanges(state, csv.changes.slice(start, start + JOURNAL_CHUNK)));
  }
  const counts = { rows: csv.rows, otherDepartments: csv.otherDepartments, journalled };
  logger.info(counts, 'opt-out history journalled');
  return counts;
}
