/**
 * The Prometheus metrics of product.md §12, defined once: `import --metrics-file` writes
 * them for node_exporter's textfile collector, and `serve` can offer the same registry at
 * /metrics. Built with prom-client's registry and text output; no sample timestamps (the
 * textfile collector rejects them), no secrets (labels are filter ids and outcomes only).
 */
import { rename, rm, writeFile } from 'node:fs/promises';
import { Gauge, Registry } from 'prom-client';
import type { RunRecord, Watermark } from '../core/ports.js';
import type { State } from '../core/state.js';

/** What the metrics describe: the last import run and the state it left. */
export interface MetricsSnapshot {
  /** The last import run (absent before the first). */
  lastRun?: RunRecord;
  /** Its exit code (0 ok, 1 contacts failed, 3 could not complete, …). */
  exitCode?: number;
  /** Start of the newest import that completed with exit 0 or 1. */
  lastCompletedAt?: string;
  /** Contacts still failing from runs before the last one. */
  stillFailing: number;
  watermarks: readonly Watermark[];
  now: Date;
}

const OUTCOMES = ['ok', 'contacts_failed', 'failed', 'interrupted', 'running'] as const;
const COUNTS = ['matched', 'imported', 'created', 'updated', 'unchanged', 'errors', 'warnings'] as const;

/** A registry holding the run metrics, set from `snapshot`. */
export function runMetricsRegistry(snapshot: MetricsSnapshot, registry = new Registry()): Registry {
  const gauge = <L extends string>(name: string, help: string, labelNames: readonly L[] = []) =>
    new Gauge<L>({ name: `connect_sync_${name}`, help, labelNames, registers: [registry] });
  const seconds = (iso: string | undefined) => (iso === undefined ? undefined : Date.parse(iso) / 1000);

  const run = snapshot.lastRun;
  if (run !== undefined) {
    gauge('last_run_start_timestamp_seconds', 'Start of the last import run (Unix time).').set(seconds(run.startedAt)!);
    const end = seconds(run.finishedAt);
    if (end !== undefined) gauge('last_run_end_timestamp_seconds', 'End of the last import run (Unix time).').set(end);
    const outcome = gauge('last_run_outcome', 'Outcome of the last import run: 1 for its outcome, 0 for the others.', ['outcome']);
    for (const each of OUTCOMES) outcome.set({ outcome: each }, each === run.outcome ? 1 : 0);
    if (snapshot.exitCode !== undefined) gauge('last_run_exit_code', 'Exit code of the last import run.').set(snapshot.exitCode);
    const contacts = gauge('last_run_contacts', 'Contacts of the last import run, by count (product.md §6).', ['count']);
    for (const each of COUNTS) contacts.set({ count: each }, run.counts[each]);
  }
  gauge('still_failing_contacts', 'Contacts whose data errors from runs before the last one are not yet fixed in Connect.').set(snapshot.stillFailing);
  const completed = seconds(snapshot.lastCompletedAt);
  if (completed !== undefined) {
    gauge('last_completed_run_timestamp_seconds', 'Start of the newest import that completed with exit 0 or 1 (Unix time).').set(completed);
  }
  const age = gauge('watermark_age_seconds', 'Seconds since each filter\'s watermark was last stored by a finished import.', ['filter_id']);
  const modified = gauge('watermark_modified_timestamp_seconds', 'Modified date of the newest contact behind each filter\'s watermark (Unix time).', ['filter_id']);
  for (const mark of snapshot.watermarks) {
    const filterId = String(mark.filterId);
    age.set({ filter_id: filterId }, Math.max(0, (snapshot.now.getTime() - Date.parse(mark.updatedAt)) / 1000));
    modified.set({ filter_id: filterId }, Date.parse(mark.modifiedAt) / 1000);
  }
  return registry;
}

/**
 * The metrics as the state holds them now, after `lastRun` (default: the newest import on
 * record). Its still-failing count is the run's own (its errors are its errors), as the
 * mail and the ping say it.
 */
export async function metricsSnapshot(state: Pick<State, 'runs' | 'sync'>, lastRun?: RunRecord, now = new Date()): Promise<MetricsSnapshot> {
  const run = lastRun ?? (await state.runs.recent(RUNS_SEARCHED)).find((each) => each.kind === 'import');
  return {
    lastRun: run,
    exitCode: run === undefined ? undefined : EXIT_CODES[run.outcome],
    lastCompletedAt: (await state.runs.lastCompletedImport())?.startedAt,
    stillFailing: run?.counts.stillFailing ?? 0,
    watermarks: await state.sync.listWatermarks(),
    now,
  };
}

/** How far back the newest import is looked for among the runs (opt-out runs come between). */
const RUNS_SEARCHED = 50;

/** The exit code each recorded outcome ended with (product.md §2); a running one has none yet. */
const EXIT_CODES: Record<RunRecord['outcome'], number | undefined> = { ok: 0, contacts_failed: 1, failed: 3, interrupted: 3, running: undefined };

/**
 * Writes the metrics to `path` atomically: a temp file beside it, renamed over it, so the
 * collector never reads half a file.
 */
export async function writeMetricsFile(path: string, snapshot: MetricsSnapshot): Promise<void> {
  const text = await runMetricsRegistry(snapshot).metrics();
  const temp = `${path}.${process.pid}.tmp`;
  try {
    await writeFile(temp, text, 'utf8');
    await rename(temp, path);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
}
