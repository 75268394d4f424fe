/**
 * A run's counts as words: the lines the mail (and any other summary) is made of. Pure
 * functions; no I/O, no clock.
 */
import { DateTime } from 'luxon';
import type { FilterCounts, RunCounts, RunRecord } from '../core/ports.js';

/** `1 error`, `2 errors`. */
export function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}

/** How the imported contacts split: `3 created, 5 updated, 2 unchanged`. */
export function formatImportedSplit(counts: Pick<RunCounts, 'created' | 'updated' | 'unchanged'>): string {
  return `${counts.created} created, ${counts.updated} updated, ${counts.unchanged} unchanged`;
}

/**
 * One line for a whole run: `12 matched, 10 imported (3 created, 5 updated, 2 unchanged), 2 errors, 1 warning`;
 * a run that stopped early adds `, 4 not processed` after the errors.
 */
export function formatCounts(counts: RunCounts): string {
  return (
    `${counts.matched} matched, ${counts.imported} imported (${formatImportedSplit(counts)}), ` +
    `${plural(counts.errors, 'error')}${notProcessedText(counts)}, ${plural(counts.warnings, 'warning')}` +
    (counts.stillFailing ? `, ${counts.stillFailing} still failing from earlier runs` : '')
  );
}

/** `, 4 not processed` when a run stopped early with contacts read but not settled, else ''. */
export function notProcessedText(counts: Pick<RunCounts, 'notProcessed'>): string {
  return (counts.notProcessed ?? 0) > 0 ? `, ${counts.notProcessed} not processed` : '';
}

/**
 * The run in one line, for a monitor's ping body: `Connect import completed: 12 matched,
 * 10 imported, 2 errors, 3 still failing` or `Connect import FAILED: <reason>`.
 */
export function oneLineSummary(run: Pick<RunRecord, 'outcome' | 'counts' | 'error' | 'id'>): string {
  const { counts } = run;
  if (run.outcome === 'failed' || run.outcome === 'interrupted') return `Connect import FAILED: ${oneLine(run.error ?? 'interrupted', 200)} (run ${run.id})`;
  return `Connect import completed: ${counts.matched} matched, ${counts.imported} imported, ${counts.errors} errors, ${counts.stillFailing ?? 0} still failing (run ${run.id})`;
}

/** The write-back's share: `3 written, 1 failed`, plus the skipped ones when there are any. */
export function formatWriteBack(writeBack: RunCounts['writeBack']): string {
  const skipped = writeBack.skipped > 0 ? `, ${writeBack.skipped} skipped` : '';
  return `${writeBack.written} written, ${writeBack.failed} failed${skipped}`;
}

/** Whether the mail should mention the write-back: it did something, or it is configured. */
export function showWriteBack(writeBack: RunCounts['writeBack'], optOutConfigured: boolean): boolean {
  return optOutConfigured || writeBack.written > 0 || writeBack.failed > 0;
}

/** One row of the per-filter table. */
export interface FilterRow extends FilterCounts {
  /** `70542 Fall inquiries`, or the bare id when the name is not known. */
  filter: string;
}

/**
 * Each filter's share, in the config's order, then any other filter the counts name. Only
 * filters the run counted appear: a run limited with --filter does not list the others as
 * zeros, which would read as "found nothing".
 */
export function filterRows(counts: RunCounts, configuredIds: readonly number[], names?: ReadonlyMap<number, string>): FilterRow[] {
  const counted = Object.keys(counts.perFilter);
  const order = [
    ...configuredIds.map(String).filter((id) => counted.includes(id)),
    ...counted.filter((id) => !configuredIds.map(String).includes(id)).sort((a, b) => Number(a) - Number(b)),
  ];
  return order.flatMap((id) => {
    const share = counts.perFilter[id];
    if (!share) return [];
    const name = names?.get(Number(id));
    return [{ filter: name ? `${id} ${name}` : id, ...share }];
  });
}

/** `850 ms`, `42 s`, `3 min 12 s`, `1 h 05 min`. */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return 'unknown';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const seconds = Math.round(ms / 1000);
  if (seconds < 60) return `${seconds} s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes} min ${seconds % 60} s`;
  return `${Math.floor(minutes / 60)} h ${String(minutes % 60).padStart(2, '0')} min`;
}

/** The time between two ISO instants, or `still running` when the run has no end yet. */
export function runDuration(startedAt: string, finishedAt: string | undefined): string {
  if (finishedAt === undefined) return 'still running';
  return formatDuration(Date.parse(finishedAt) - Date.parse(startedAt));
}

/** An instant in a zone, with the zone named: `2026-11-24 01:00:03 EST (America/New_York)`. */
export function formatInstant(iso: string, timeZone: string): string {
  const local = DateTime.fromISO(iso, { zone: timeZone });
  if (!local.isValid) return iso;
  return `${local.toFormat('yyyy-LL-dd HH:mm:ss ZZZZ')} (${timeZone})`;
}

/** A text on one line, whitespace collapsed, cut at a word boundary with `…` past `max` characters. */
export function oneLine(text: string, max = 120): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  if (flat.length <= max) return flat;
  const cut = flat.slice(0, max - 1);
  const space = cut.lastIndexOf(' ');
  return `${(space > max / 2 ? cut.slice(0, space) : cut).trimEnd()}…`;
}
