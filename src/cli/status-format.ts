/**
 * What `connect-sync status` prints (product.md §2): recent runs, each filter's watermark,
 * contacts waiting for retry, contacts still failing, and who holds the lock. `formatStatus` is for people (aligned
 * columns, times in Connect's zone); `statusJson` is for monitoring (stable keys, ISO
 * times, `null` rather than missing keys). Both are pure: the caller reads the state.
 */
import { DateTime } from 'luxon';
import type { LockHolder, RunRecord, Watermark } from '../core/ports.js';

export interface StatusInput {
  /** Newest first, as `RunLog.recent` gives them. */
  runs: readonly RunRecord[];
  watermarks: readonly Watermark[];
  /** Contacts waiting in the retry table. */
  retries: number;
  /** Contacts whose data errors are not yet fixed in Connect (still failing, product.md §6). */
  stillFailing: number;
  lockHolder?: LockHolder;
  /** Opt-out journal entries waiting to be written to Connect, and refused by it for good. */
  optOuts?: { pending: number; failed: number };
  /** `connect.timeZone`: the zone people read times in. */
  timeZone: string;
  now: Date;
}

const count = new Intl.NumberFormat('en-US');

/** `2026-11-01 01:30:00 -04:00`: the offset tells the two 01:30s of the autumn change apart. */
function localTime(iso: string, timeZone: string): string {
  const at = DateTime.fromISO(iso, { zone: timeZone });
  return at.isValid ? at.toFormat('yyyy-LL-dd HH:mm:ss ZZ') : iso;
}

function utcTime(iso: string): string {
  const at = DateTime.fromISO(iso, { zone: 'utc' });
  return at.isValid ? at.toFormat("yyyy-LL-dd HH:mm:ss 'UTC'") : iso;
}

/** Local ISO 8601 with the zone's offset, for JSON. */
function localIso(iso: string, timeZone: string): string | null {
  const at = DateTime.fromISO(iso, { zone: timeZone });
  return at.isValid ? at.toISO({ suppressMilliseconds: true }) : null;
}

function secondsBetween(from: string, to: string | Date): number | null {
  const ms = (to instanceof Date ? to.getTime() : Date.parse(to)) - Date.parse(from);
  return Number.isFinite(ms) ? Math.max(0, Math.round(ms / 1000)) : null;
}

/** `45s`, `4m 05s`, `2h 03m`. */
export function formatDuration(seconds: number): string {
  if (seconds < 60) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes}m ${String(seconds % 60).padStart(2, '0')}s`;
  return `${Math.floor(minutes / 60)}h ${String(minutes % 60).padStart(2, '0')}m`;
}

function runDuration(run: RunRecord, now: Date): string {
  if (run.finishedAt !== undefined) {
    const seconds = secondsBetween(run.startedAt, run.finishedAt);
    return seconds === null ? '-' : formatDuration(seconds);
  }
  if (run.outcome !== 'running') return '-';
  const seconds = secondsBetween(run.startedAt, now);
  return seconds === null ? '-' : `${formatDuration(seconds)} so far`;
}

type MailStatus = 'sent' | 'failed' | 'none';

function mailStatus(run: RunRecord): MailStatus {
  if (run.mail === undefined) return 'none';
  return run.mail.sent ? 'sent' : 'failed';
}

function writeBack(run: RunRecord): string {
  const { written, failed } = run.counts.writeBack;
  if (written === 0 && failed === 0) return '-';
  return failed === 0 ? `${count.format(written)} written` : `${count.format(written)} written, ${count.format(failed)} failed`;
}

interface Column {
  header: string;
  align: 'left' | 'right';
}

/** Columns padded to their widest cell, two spaces apart; no trailing blanks. */
export function alignColumns(columns: readonly Column[], rows: readonly (readonly string[])[]): string[] {
  const widths = columns.map((column, index) => Math.max(column.header.length, ...rows.map((row) => (row[index] ?? '').length)));
  const line = (cells: readonly string[]) =>
    columns
      .map((column, index) => {
        const cell = cells[index] ?? '';
        const width = widths[index] ?? 0;
        return column.align === 'right' ? cell.padStart(width) : cell.padEnd(width);
      })
      .join('  ')
      .trimEnd();
  return [line(columns.map((column) => column.header)), ...rows.map(line)];
}

function runsSection(input: StatusInput): string[] {
  if (input.runs.length === 0) return ['Recent runs: none yet'];
  const columns: Column[] = [
    { header: 'RUN', align: 'left' },
    { header: 'STARTED', align: 'left' },
    { header: 'DURATION', align: 'left' },
    { header: 'KIND', align: 'left' },
    { header: 'MATCHED', align: 'right' },
    { header: 'IMPORTED', align: 'right' },
    { header: 'ERRORS', align: 'right' },
    { header: 'WARNINGS', align: 'right' },
    { header: 'OUTCOME', align: 'left' },
    { header: 'OPT-OUTS', align: 'left' },
    { header: 'MAIL', align: 'left' },
  ];
  const rows = input.runs.map((run) => [
    run.id,
    localTime(run.startedAt, input.timeZone),
    runDuration(run, input.now),
    run.kind,
    count.format(run.counts.matched),
    count.format(run.counts.imported),
    count.format(run.counts.errors),
    count.format(run.counts.warnings),
    run.outcome.replace('_', ' '),
    writeBack(run),
    mailStatus(run),
  ]);
  const details = input.runs.flatMap((run) => [
    ...(run.error !== undefined ? [`  ${run.id}: ${run.error}`] : []),
    ...((run.counts.notProcessed ?? 0) > 0 ? [`  ${run.id}: ${run.counts.notProcessed} contacts read but not processed (the next run takes them up)`] : []),
    ...(run.mail?.error !== undefined ? [`  ${run.id}: mail not sent: ${run.mail.error}`] : []),
    ...(run.reportPath !== undefined ? [`  ${run.id}: report ${run.reportPath}`] : []),
    ...run.notes.map((note) => `  ${run.id}: ${note}`),
  ]);
  return [`Recent runs (newest first, times in ${input.timeZone}):`, ...alignColumns(columns, rows), ...(details.length > 0 ? ['', 'Details:', ...details] : [])];
}

function watermarksSection(input: StatusInput): string[] {
  if (input.watermarks.length === 0) return ['Watermarks: none yet (the first import of each filter reads it in full)'];
  const columns: Column[] = [
    { header: 'FILTER', align: 'right' },
    { header: `MODIFIED (${input.timeZone})`, align: 'left' },
    { header: 'MODIFIED (UTC)', align: 'left' },
    { header: 'CONTACT', align: 'right' },
    { header: 'MOVED', align: 'left' },
  ];
  const rows = [...input.watermarks]
    .sort((a, b) => a.filterId - b.filterId)
    .map((mark) => [
      String(mark.filterId),
      localTime(mark.modifiedAt, input.timeZone),
      utcTime(mark.modifiedAt),
      mark.contactId,
      localTime(mark.updatedAt, input.timeZone),
    ]);
  return ['Watermarks (newest contact whose outcome is final, per filter):', ...alignColumns(columns, rows)];
}

function lockLine(input: StatusInput): string {
  const holder = input.lockHolder;
  if (holder === undefined) return 'Lock: free';
  const held = secondsBetween(holder.since, input.now);
  const ago = held === null ? '' : ` (${formatDuration(held)} ago)`;
  return `Lock: held by pid ${holder.pid} on ${holder.host} since ${localTime(holder.since, input.timeZone)}${ago}`;
}

function optOutsLine(optOuts: { pending: number; failed: number }): string {
  if (optOuts.pending === 0 && optOuts.failed === 0) return 'Opt-out changes to write to Connect: none';
  return `Opt-out changes to write to Connect: ${count.format(optOuts.pending)} pending, ${count.format(optOuts.failed)} failed (unknown to Connect)`;
}

/** The status as aligned text, times in `timeZone` (with their offset) and watermarks in UTC too. */
export function formatStatus(input: StatusInput): string {
  const retries = input.retries === 0 ? 'none' : count.format(input.retries);
  return [
    ...runsSection(input),
    '',
    ...watermarksSection(input),
    '',
    `Contacts waiting for retry: ${retries}`,
    ...(input.optOuts === undefined ? [] : [optOutsLine(input.optOuts)]),
    `Contacts still failing (data errors not yet fixed in Connect): ${input.stillFailing === 0 ? 'none' : count.format(input.stillFailing)}`,
    lockLine(input),
  ].join('\n');
}

/**
 * The status for `--json`: stable keys for monitoring, times as ISO 8601 (UTC as recorded,
 * plus the watermark in `timeZone`), `null` for what is not there.
 */
export function statusJson(input: StatusInput): object {
  return {
    generatedAt: input.now.toISOString(),
    timeZone: input.timeZone,
    lock: input.lockHolder
      ? { held: true, pid: input.lockHolder.pid, host: input.lockHolder.host, since: input.lockHolder.since }
      : { held: false, pid: null, host: null, since: null },
    retriesWaiting: input.retries,
    optOuts: input.optOuts ?? null,
    stillFailing: input.stillFailing,
    runs: input.runs.map((run) => ({
      id: run.id,
      kind: run.kind,
      scheduled: run.scheduled === true,
      outcome: run.outcome,
      pid: run.pid,
      host: run.host,
      startedAt: run.startedAt,
      finishedAt: run.finishedAt ?? null,
      durationSeconds: run.finishedAt === undefined ? null : secondsBetween(run.startedAt, run.finishedAt),
      matched: run.counts.matched,
      imported: run.counts.imported,
      errors: run.counts.errors,
      stillFailing: run.counts.stillFailing ?? 0,
      notProcessed: run.counts.notProcessed ?? 0,
      warnings: run.counts.warnings,
      created: run.counts.created,
      updated: run.counts.updated,
      unchanged: run.counts.unchanged,
      perFilter: run.counts.perFilter,
      writeBack: run.counts.writeBack,
      mail: { status: mailStatus(run), at: run.mail?.at ?? null, error: run.mail?.error ?? null },
      error: run.error ?? null,
      reportPath: run.reportPath ?? null,
      notes: run.notes,
    })),
    watermarks: [...input.watermarks]
      .sort((a, b) => a.filterId - b.filterId)
      .map((mark) => ({
        filterId: mark.filterId,
        modifiedAt: mark.modifiedAt,
        modifiedLocal: localIso(mark.modifiedAt, input.timeZone),
        contactId: mark.contactId,
        updatedAt: mark.updatedAt,
      })),
  };
}
