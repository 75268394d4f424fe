/**
 * Cadence's opt-out history export (cadence-api.md): from its parsed rows to journal
 * changes, pure. The header is compared trimmed and case-insensitively; a row of another
 * department is counted and skipped; a row that cannot be read is named by its line, and
 * then nothing of the file is taken (a consent file taken in part could hide a STOP).
 */
import type { JournalChange } from './optout-journal.js';
import { normaliseChangedAt } from './optout-journal.js';

export const HISTORY_COLUMNS = ['ContactId', 'DepartmentCode', 'MobileNumber', 'Status', 'StatusDate (UTC)'] as const;

/** One row as read, with the line it starts on in the file. */
export interface HistoryRow {
  line: number;
  cells: readonly string[];
}

export interface HistoryReading {
  changes: Omit<JournalChange, 'connectHolds'>[];
  /** Rows of another department, skipped. */
  otherDepartments: number;
  /** `line 7: StatusDate (UTC) "yesterday" is not a date-time`, one per unreadable row. */
  problems: string[];
}

/** The header's problem, or undefined when it is the export's (any order of case and spaces; same order of columns). */
export function headerProblem(header: readonly string[]): string | undefined {
  const got = header.map((cell) => cell.trim().toLowerCase());
  const want = HISTORY_COLUMNS.map((column) => column.toLowerCase());
  if (got.length === want.length && got.every((cell, index) => cell === want[index])) return undefined;
  return `line 1: expected the header ${HISTORY_COLUMNS.join(',')}, found ${header.map((cell) => cell.trim()).join(',')}`;
}

/** `Opted Out` / `opted-in` / `OPTED_OUT` …: true for out, false for in, undefined otherwise. */
export function parseStatus(text: string): boolean | undefined {
  const key = text.toLowerCase().replace(/[\s_-]/g, '');
  return key === 'optedout' ? true : key === 'optedin' ? false : undefined;
}

/** Reads the rows after the header. */
export function readHistoryRows(rows: readonly HistoryRow[], deptCode: string): HistoryReading {
  const reading: HistoryReading = { changes: [], otherDepartments: 0, problems: [] };
  for (const row of rows) {
    const problem = readRow(row, deptCode, reading);
    if (problem !== undefined) reading.problems.push(`line ${row.line}: ${problem}`);
  }
  return reading;
}

function readRow(row: HistoryRow, deptCode: string, reading: HistoryReading): string | undefined {
  if (row.cells.length !== HISTORY_COLUMNS.length) return `expected ${HISTORY_COLUMNS.length} columns, found ${row.cells.length}`;
  const [contactId = '', department = '', , status = '', date = ''] = row.cells.map((cell) => cell.trim());
  if (department !== deptCode) {
    reading.otherDepartments += 1;
    return undefined;
  }
  if (!/^[0-9]+$/.test(contactId) || /^0+$/.test(contactId)) return `ContactId ${shown(contactId)} is not a positive integer`;
  const optedOut = parseStatus(status);
  if (optedOut === undefined) return `Status ${shown(status)} is neither Opted Out nor Opted In`;
  const changedAt = normaliseChangedAt(date);
  if (changedAt === undefined) return `StatusDate (UTC) ${shown(date)} is not a date-time`;
  reading.changes.push({ contactId: contactId.replace(/^0+/, ''), optedOut, changedAt, source: 'csv' });
  return undefined;
}

/** A cell quoted for a message: JSON-escaped (no control characters reach a terminal) and cut short. */
function shown(cell: string): string {
  return JSON.stringify(cell.length > 40 ? `${cell.slice(0, 40)}…` : cell);
}
