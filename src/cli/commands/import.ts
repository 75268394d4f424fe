/**
 * `connect-sync import`: one import run (write-back, fetch, map, push, record, report,
 * mail). `--dry-run` plans and prints instead (see import-dry-run.ts); `--scheduled`
 * does nothing outside the nightly window.
 */
import type { Config } from '../../config/schema.js';
import { importContacts, syncNotStarted, type SyncOutcome } from '../../core/sync/import-contacts.js';
import type { ProgressEvent } from '../../core/sync/loop.js';
import { selectFilters } from '../../core/sync/setup.js';
import { withRun, type RunHandle } from '../../core/run-life.js';
import { windowDecision, windowStart } from '../../core/schedule.js';
import type { RunCounts, RunRecord } from '../../core/ports.js';
import { metricsSnapshot, writeMetricsFile, type MetricsSnapshot } from '../../report/metrics.js';
import { createPinger, endPing } from '../../report/ping.js';
import { secretScrubber } from '../../report/mail.js';
import { runWriteBack } from '../../core/write-back.js';
import { ExitCode, exitCodeFor } from '../../errors.js';
import { sendRunMail, writeRunReport, type RunReport } from '../../report/notify.js';
import { formatCounts, oneLineSummary } from '../../report/summary.js';
import { println, type CliContext } from '../context.js';
import { createProgress } from '../progress.js';
import { onBeforeLogLine, type Logger } from '../../log.js';
import { interruptSignal, openServices, openState, type Services } from '../services.js';
import { runReportRows } from '../../report/csv.js';
import { loadConfigFor } from '../load-config.js';

export interface ImportCommandOptions {
  dryRun: boolean;
  full: boolean;
  filter?: number[];
  scheduled: boolean;
  email: boolean;
  json: boolean;
  limit?: number;
  /** Stop as if interrupted once the run has taken this long (product.md §8). */
  maxMinutes?: number;
  /** Prometheus textfile written after the run (product.md §12). */
  metricsFile?: string;
}

/** A finished run; `failure` is what ended it when it could not complete (outcome `failed`). */
export interface ImportResult {
  run: RunRecord;
  failure?: unknown;
}

/** Runs the command and answers with the exit code (0 ok, 1 contacts failed). */
export async function importCommand(options: ImportCommandOptions, context: CliContext, now = new Date()): Promise<number> {
  const config = await loadConfigFor(context);
  if (options.scheduled && !(await scheduledImportDue(config, context, now))) return ExitCode.Ok;
  if (options.dryRun) {
    // Loaded only here: the dry run's printing and planning are of no use to a real run.
    const { dryRunCommand } = await import('./import-dry-run.js');
    return dryRunCommand(config, options, context);
  }
  const pinger = createPinger(config.notification?.pingUrl, context.logger);
  const scrub = secretScrubber(config);
  await pinger.ping('start', 'Connect import started');
  let outcome: { result: ImportResult; metrics: MetricsSnapshot };
  try {
    outcome = await importOnce(config, options, context);
  } catch (error) {
    // Before a run was recorded (the lock is held, a --filter not configured, …).
    await pinger.ping(endPing(exitCodeFor(error)), scrub(`Connect import FAILED: ${error instanceof Error ? error.message : String(error)}`));
    throw error;
  }
  const { result, metrics } = outcome;
  const code = exitCodeOf(result);
  printResult(result, options, context);
  await pinger.ping(endPing(code), scrub(oneLineSummary(result.run)));
  if (options.metricsFile !== undefined) await writeMetrics(options.metricsFile, { ...metrics, exitCode: code }, context);
  if (result.failure !== undefined) throw result.failure;
  return code;
}

function exitCodeOf(result: ImportResult): number {
  if (result.failure !== undefined) return exitCodeFor(result.failure);
  return result.run.outcome === 'ok' ? ExitCode.Ok : ExitCode.ContactsFailed;
}

/**
 * Whether `import --scheduled` imports now (product.md §7): inside the enabled window, and
 * no scheduled import completed (exit 0 or 1) since tonight's window began. Otherwise it
 * logs why and does nothing else: no call, no mail, no ping, no metrics.
 */
async function scheduledImportDue(config: Config, context: CliContext, now: Date): Promise<boolean> {
  const decision = windowDecision(config.nightlyImport, now);
  if (!decision.run) {
    context.logger.info({ reason: decision.reason, localTime: decision.localTime }, 'scheduled import skipped');
    return false;
  }
  const since = windowStart(config.nightlyImport, now);
  const state = openState(config);
  let done: RunRecord | undefined;
  try {
    done = await state.runs.scheduledCompletedSince(since);
  } finally {
    await state.close();
  }
  if (done === undefined) return true;
  context.logger.info(
    { reason: "tonight's scheduled import already completed", runId: done.id, windowStart: since.toISOString(), localTime: decision.localTime },
    'scheduled import skipped',
  );
  return false;
}

/** Writes the metrics file; a failure is logged and changes nothing. */
async function writeMetrics(path: string, snapshot: MetricsSnapshot, context: CliContext): Promise<void> {
  try {
    await writeMetricsFile(path, snapshot);
  } catch (error) {
    context.logger.warn({ path, error: error instanceof Error ? error.message : String(error) }, 'metrics file not written');
  }
}

/** One real run with its report and mail; also what the metrics say after it. */
async function importOnce(config: Config, options: ImportCommandOptions, context: CliContext): Promise<{ result: ImportResult; metrics: MetricsSnapshot }> {
  const { logger } = context;
  const filterIds = selectFilters(config, options.filter);
  const services = openServices(config, logger);
  const interrupt = interruptSignal(logger, { maxMinutes: options.maxMinutes });
  const progress = createProgress({ stream: process.stderr, enabled: !context.options.quiet && !options.json });
  // A log line clears the progress line first; the progress is drawn again after it.
  const unhook = onBeforeLogLine(() => progress.clear());
  try {
    const onProgress = (event: ProgressEvent) => {
      if (event.type === 'filter') progress.filter(event.filterId, event.reason);
      else if (event.type === 'fetched') progress.fetched(event.filterId, event.contacts);
      else progress.batch(event.contacts);
    };
    const done = await withRun(services.state, 'import', { logger, scheduled: options.scheduled }, (handle) =>
      importRun(config, services, handle, { filterIds, full: options.full, logger, signal: interrupt.signal, onProgress }),
    );
    progress.stop();
    if (options.email) await mail(config, services, done, logger);
    const run = (await services.state.runs.get(done.run.id)) ?? done.run;
    return { result: { run, failure: done.failure }, metrics: await metricsSnapshot(services.state, run) };
  } finally {
    progress.stop();
    unhook();
    interrupt.dispose();
    await services.close();
  }
}

interface RunSteps {
  filterIds: readonly number[];
  full: boolean;
  logger: Logger;
  signal: AbortSignal;
  onProgress: (event: ProgressEvent) => void;
}

/** A finished run, its report, and what stopped it when it could not complete. */
interface RunDone extends ImportResult {
  report: RunReport;
}

/** The run's steps, in order: opt-out write-back, sync, report, finish. */
async function importRun(config: Config, services: Services, handle: RunHandle, steps: RunSteps): Promise<RunDone> {
  const { run } = handle;
  const log = steps.logger.child({ runId: run.id });
  log.info({ filters: steps.filterIds, full: steps.full }, 'import started');
  const deps = { ...services, logger: log, signal: steps.signal, onProgress: steps.onProgress };
  let writeBack: RunCounts['writeBack'] | undefined;
  let synced: SyncOutcome;
  try {
    writeBack = await writeBackStep(config, services, log, run.id);
    synced = await importContacts(config, deps, { run, filterIds: steps.filterIds, full: steps.full, writeBack });
  } catch (error) {
    synced = await syncNotStarted(config, services.state, run.id, steps.signal.aborted ? steps.signal.reason : error);
  }
  const { failure, notes } = synced;
  const counts = { ...synced.counts, writeBack: writeBack ?? synced.counts.writeBack };
  const report = await writeRunReport({ run: { ...run, counts, notes }, issues: () => runReportRows(services.state.report, run.id), reportsDir: config.state.reportsDir, logger: steps.logger });
  const stillFailing = counts.stillFailing ?? 0;
  if (failure === undefined) {
    const finished = await handle.finish({ outcome: counts.errors + stillFailing > 0 ? 'contacts_failed' : 'ok', counts, notes, reportPath: report.path });
    log.info({ matched: counts.matched, imported: counts.imported, errors: counts.errors, warnings: counts.warnings, stillFailing }, 'import finished');
    return { run: finished, report };
  }
  const reason = failure instanceof Error ? failure.message : String(failure);
  const finished = await handle.finish({ outcome: 'failed', counts, error: reason, notes, reportPath: report.path });
  log.error({ reason }, 'import could not complete');
  return { run: finished, failure, report };
}

/** The opt-out write-back's step of the run. */
async function writeBackStep(config: Config, services: Services, logger: Logger, runId: string): Promise<RunCounts['writeBack']> {
  return runWriteBack(config, { connect: services.connect, cadence: services.cadence, state: services.state, logger, runId });
}

/** The run's mail. */
async function mail(config: Config, services: Services, done: RunDone, logger: Logger): Promise<void> {
  await sendRunMail({ run: done.run, report: done.report, config, runs: services.state.runs, logger });
}

function printResult(result: ImportResult, options: ImportCommandOptions, context: CliContext): void {
  const { run } = result;
  if (options.json) {
    println(context, JSON.stringify(importSummary(result)));
    return;
  }
  if (context.options.quiet) return;
  println(context, `${run.outcome === 'failed' ? 'Import could not complete' : 'Import finished'}: ${formatCounts(run.counts)}`);
  const writeBack = run.counts.writeBack;
  if (writeBack.written + writeBack.failed > 0) println(context, `Opt-out write-back: ${writeBack.written} written, ${writeBack.failed} failed`);
  for (const note of run.notes) println(context, `  ${note}`);
  if (run.reportPath) println(context, `Report: ${run.reportPath}`);
  if (run.mail) println(context, run.mail.sent ? 'Mail sent.' : `Mail NOT sent: ${run.mail.error ?? 'unknown error'}`);
  println(context, `Run ${run.id}`);
}

/** The `--json` summary: one object, stable keys, no secrets. */
export function importSummary(result: ImportResult): Record<string, unknown> {
  const { run } = result;
  return {
    runId: run.id,
    outcome: run.outcome,
    startedAt: run.startedAt,
    finishedAt: run.finishedAt,
    matched: run.counts.matched,
    imported: run.counts.imported,
    created: run.counts.created,
    updated: run.counts.updated,
    unchanged: run.counts.unchanged,
    errors: run.counts.errors,
    stillFailing: run.counts.stillFailing ?? 0,
    notProcessed: run.counts.notProcessed ?? 0,
    warnings: run.counts.warnings,
    perFilter: run.counts.perFilter,
    writeBack: run.counts.writeBack,
    notes: run.notes,
    reportPath: run.reportPath ?? null,
    mail: run.mail ?? null,
    error: run.error ?? null,
  };
}
