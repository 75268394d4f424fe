/**
 * `connect-sync import`: one import run (write-back, fetch, map, push, record, report,
 * mail). `--dry-run` plans and prints instead (see import-dry-run.ts); `--scheduled`
 * does nothing outside the nightly window.
 */
import type { Config } from '../../config/schema.js';
import { runImport, type ImportResult } from '../../core/import/run-import.js';
import { windowDecision } from '../../core/schedule.js';
import { runWriteBack } from '../../core/write-back.js';
import { ExitCode } from '../../errors.js';
import { sendRunMail, writeRunReport, type RunReport } from '../../report/notify.js';
import { formatCounts } from '../../report/summary.js';
import { println, type CliContext } from '../context.js';
import { createProgress } from '../progress.js';
import { interruptSignal, openServices } from '../services.js';
import { loadConfigFor } from '../load-config.js';

export interface ImportCommandOptions {
  dryRun: boolean;
  full: boolean;
  filter?: number[];
  scheduled: boolean;
  email: boolean;
  json: boolean;
  limit?: number;
}

/** Runs the command and answers with the exit code (0 ok, 1 contacts failed). */
export async function importCommand(options: ImportCommandOptions, context: CliContext, now = new Date()): Promise<number> {
  const config = await loadConfigFor(context);
  if (options.scheduled) {
    const decision = windowDecision(config.nightlyImport, now);
    if (!decision.run) {
      context.logger.info({ reason: decision.reason, localTime: decision.localTime }, 'scheduled import skipped');
      return ExitCode.Ok;
    }
  }
  if (options.dryRun) {
    // Loaded only here: the dry run's printing and planning are of no use to a real run.
    const { dryRunCommand } = await import('./import-dry-run.js');
    return dryRunCommand(config, options, context);
  }
  const result = await importOnce(config, options, context);
  printResult(result, options, context);
  if (result.failure !== undefined) throw result.failure;
  return result.run.outcome === 'ok' ? ExitCode.Ok : ExitCode.ContactsFailed;
}

/** One real run with its report and mail. */
async function importOnce(config: Config, options: ImportCommandOptions, context: CliContext): Promise<ImportResult> {
  const { logger } = context;
  const services = openServices(config, logger);
  const interrupt = interruptSignal(logger);
  const progress = createProgress({ stream: process.stderr, enabled: !context.options.quiet && !options.json });
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
          report = await writeRunReport({ run, issues: () => services.store.iterateIssues(run.id), statePath: config.state.path, logger });
          return report.path;
        },
      },
      { full: options.full, filterIds: options.filter },
    );
    progress.stop();
    if (options.email) await sendRunMail({ run: result.run, report, config, store: services.store, logger });
    return { ...result, run: services.store.getRun(result.run.id) ?? result.run };
  } finally {
    progress.stop();
    interrupt.dispose();
    await services.close();
  }
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
