/**
 * `connect-sync import`: one import run (write-back, fetch, map, push, record, report,
 * mail). `--dry-run` plans and prints instead (see import-dry-run.ts); `--scheduled`
 * does nothing outside the nightly window.
 */
import { Option, type Command } from 'commander';
import type { Config } from '../../config/schema.js';
import { runImport, type ImportResult } from '../../core/import/run-import.js';
import { windowDecision } from '../../core/schedule.js';
import { runWriteBack } from '../../core/write-back.js';
import { ExitCode, UsageError } from '../../errors.js';
import { sendRunMail, writeRunReport, type RunReport } from '../../report/notify.js';
import { formatCounts } from '../../report/summary.js';
import { commandAction, println, type CliContext } from '../context.js';
import { createProgress } from '../progress.js';
import { interruptSignal, openServices } from '../services.js';
import { loadConfigFor } from './validate-config.js';
import { dryRunCommand } from './import-dry-run.js';

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
  if (options.dryRun) return dryRunCommand(config, options, context);
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
          report = await writeRunReport({ run, issues: () => services.store.listIssues(run.id), statePath: config.state.path, logger });
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
    warnings: run.counts.warnings,
    perFilter: run.counts.perFilter,
    writeBack: run.counts.writeBack,
    notes: run.notes,
    reportPath: run.reportPath ?? null,
    mail: run.mail ?? null,
    error: run.error ?? null,
  };
}

function parseFilterId(value: string, previous: number[] = []): number[] {
  const id = Number(value);
  if (!Number.isInteger(id) || id <= 0) throw new UsageError(`--filter ${value}: expected a positive integer filter id`);
  return [...previous, id];
}

function parseLimit(value: string): number {
  const limit = Number(value);
  if (!Number.isInteger(limit) || limit < 0) throw new UsageError(`--limit ${value}: expected a whole number`);
  return limit;
}

/** Registers `import` on the program. */
export function registerImport(program: Command): void {
  program
    .command('import')
    .description('import contacts from Connect into Cadence (opt-out write-back first)')
    .option('--dry-run', 'fetch and plan, print what would change; write nothing anywhere')
    .option('--full', 'ignore the watermarks: read every filter in full')
    .option('--filter <id...>', 'only these configured filter ids', parseFilterId)
    .option('--scheduled', 'for cron: do nothing unless inside nightlyImport.window (and enabled)')
    .option('--no-email', 'do not send the notification mail')
    .option('--json', 'print one JSON summary on stdout (with --dry-run: NDJSON, one line per contact)')
    .addOption(new Option('--limit <n>', 'with --dry-run: list at most n contacts of each kind (default 50 on a terminal; 0 = counts only)').argParser(parseLimit))
    .addHelpText(
      'after',
      `
Exit codes: 0 done, no contact failed · 1 done, some contacts failed (see the report)
· 2 config or usage error · 3 could not complete · 4 another import holds the lock

Examples:
  $ connect-sync import                         the nightly job, by hand
  $ connect-sync import --dry-run               what would change, without changing anything
  $ connect-sync import --dry-run --json > plan.ndjson
  $ connect-sync import --full --filter 70542   re-read one filter in full
  $ connect-sync import --scheduled -q          what cron runs (see examples/crontab)
  $ connect-sync import --json --no-email | jq .errors`,
    )
    .action(
      commandAction((options: Partial<ImportCommandOptions> & { email?: boolean }, context) =>
        importCommand(
          {
            dryRun: options.dryRun === true,
            full: options.full === true,
            filter: options.filter,
            scheduled: options.scheduled === true,
            email: options.email !== false,
            json: options.json === true,
            limit: options.limit,
          },
          context,
        ),
      ),
    );
}
