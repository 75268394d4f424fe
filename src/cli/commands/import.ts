/**
 * `connect-sync import`: one import run (write-back, fetch, map, push, record, report,
 * mail). `--dry-run` plans and prints instead (see import-dry-run.ts); `--scheduled`
 * does nothing outside the nightly window.
 */
import type { Config } from '../../config/schema.js';
import { runImport, type ImportResult } from '../../core/import/run-import.js';
import { windowDecision, windowStart } from '../../core/schedule.js';
import type { RunRecord } from '../../core/ports.js';
import { openStateStore } from '../../adapters/sqlite/store.js';
import { metricsSnapshot, writeMetricsFile, type MetricsSnapshot } from '../../report/metrics.js';
import { createPinger, endPing } from '../../report/ping.js';
import { secretScrubber } from '../../report/mail.js';
import { runWriteBack } from '../../core/write-back.js';
import { ExitCode, exitCodeFor } from '../../errors.js';
import { sendRunMail, writeRunReport, type RunReport } from '../../report/notify.js';
import { formatCounts, oneLineSummary } from '../../report/summary.js';
import { println, type CliContext } from '../context.js';
import { createProgress } from '../progress.js';
import { onBeforeLogLine } from '../../log.js';
import { interruptSignal, openServices, sqliteStatePath, type Services } from '../services.js';
import type { ReportRow } from '../../report/csv.js';
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

/** Runs the command and answers with the exit code (0 ok, 1 contacts failed). */
export async function importCommand(options: ImportCommandOptions, context: CliContext, now = new Date()): Promise<number> {
  const config = await loadConfigFor(context);
  if (options.scheduled && !scheduledImportDue(config, context, now)) return ExitCode.Ok;
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
function scheduledImportDue(config: Config, context: CliContext, now: Date): boolean {
  const decision = windowDecision(config.nightlyImport, now);
  if (!decision.run) {
    context.logger.info({ reason: decision.reason, localTime: decision.localTime }, 'scheduled import skipped');
    return false;
  }
  const since = windowStart(config.nightlyImport, now);
  const store = openStateStore(sqliteStatePath(config, 'import --scheduled'));
  let done: RunRecord | undefined;
  try {
    done = store.scheduledCompletedSince(since);
  } finally {
    store.close();
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
  const services = openServices(config, logger);
  const interrupt = interruptSignal(logger, { maxMinutes: options.maxMinutes });
  const progress = createProgress({ stream: process.stderr, enabled: !context.options.quiet && !options.json });
  // A log line clears the progress line first; the progress is drawn again after it.
  const unhook = onBeforeLogLine(() => progress.clear());
  let report: RunReport = { rows: 0 };
  try {
    const result = await runImport(
      config,
      {
        ...services,
        logger,
        signal: interrupt.signal,
        onProgress: (event) => {
          if (event.type === 'filter') progress.filter(event.filterId, event.reason);
          else if (event.type === 'fetched') progress.fetched(event.filterId, event.contacts);
          else progress.batch(event.contacts);
        },
        writeBack: (runId) => runWriteBack(config, { ...services, logger, runId }),
        writeReport: async (run) => {
          report = await writeRunReport({ run, issues: () => reportRows(services.store, run.id), reportsDir: config.state.reportsDir, logger });
          return report.path;
        },
      },
      { full: options.full, filterIds: options.filter, scheduled: options.scheduled },
    );
    progress.stop();
    if (options.email) await sendRunMail({ run: result.run, report, config, store: services.store, logger });
    const run = services.store.getRun(result.run.id) ?? result.run;
    return { result: { ...result, run }, metrics: metricsSnapshot(services.store, run) };
  } finally {
    progress.stop();
    unhook();
    interrupt.dispose();
    await services.close();
  }
}

/** The run's own rows, then the contacts still failing from earlier runs (product.md §6). */
function* reportRows(store: Services['store'], runId: string): Generator<ReportRow> {
  yield* store.iterateIssues(runId);
  for (const row of store.iterateStillFailing(runId)) yield { ...row, earlierRun: true };
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
