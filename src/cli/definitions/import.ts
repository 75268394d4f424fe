/**
 * The `import` command as the program knows it: options, help and the action. Its
 * implementation (commands/import.ts, and through it the clients, the state file and the
 * core) is loaded only when the command runs, so `--help` and other commands stay cheap.
 */
import { Option, type Command } from 'commander';
import { UsageError } from '../../errors.js';
import type { ImportCommandOptions } from '../commands/import.js';
import { commandAction } from '../context.js';

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

function parseMaxMinutes(value: string): number {
  const minutes = /^\s*(\d+(\.\d*)?|\.\d+)\s*$/.test(value) ? Number(value) : Number.NaN;
  if (!Number.isFinite(minutes) || minutes <= 0) throw new UsageError(`--max-minutes ${value}: expected a positive number of minutes (decimals allowed)`);
  return minutes;
}

/** Registers `import` on the program. */
export function registerImport(program: Command): void {
  program
    .command('import')
    .description('import contacts from Connect into Cadence (opt-out write-back first)')
    .option('--dry-run', 'fetch and plan, print what would change; write nothing anywhere')
    .option('--full', 'ignore the watermarks: read every filter in full')
    .option('--filter <id...>', 'only these configured filter ids', parseFilterId)
    .option('--scheduled', "for cron: do nothing unless inside nightlyImport.window (and enabled), or when tonight's scheduled import already completed")
    .option('--no-email', 'do not send the notification mail')
    .option('--json', 'print one JSON summary on stdout (with --dry-run: NDJSON, one line per contact)')
    .addOption(new Option('--max-minutes <n>', 'stop as if interrupted (exit 3, nothing lost) once the run has taken n minutes (decimals allowed)').argParser(parseMaxMinutes))
    .option('--metrics-file <path>', 'write Prometheus metrics (node_exporter textfile) to this file after the run')
    .addOption(new Option('--limit <n>', 'with --dry-run: list at most n contacts of each kind (default 50 on a terminal; 0 = counts only)').argParser(parseLimit))
    .addHelpText(
      'after',
      `
Exit codes: 0 done, no contact failed · 1 done, some contacts failed, in this run or still
from an earlier one (see the report) · 2 config or usage error · 3 could not complete
(also: interrupted, past --max-minutes; contacts read but not settled are counted as
"not processed" and the next run takes them up) · 4 another import holds the lock

Examples:
  $ connect-sync import                         the nightly job, by hand
  $ connect-sync import --dry-run               what would change, without changing anything
  $ connect-sync import --dry-run --json > plan.ndjson
  $ connect-sync import --full --filter 70542   re-read one filter in full
  $ connect-sync import --scheduled -q          what cron runs (see examples/crontab): one import a night
  $ connect-sync import --max-minutes 90 --metrics-file /var/lib/node_exporter/textfile/connect_sync.prom
  $ connect-sync import --json --no-email | jq .errors`,
    )
    .action(
      commandAction(async (options: Partial<ImportCommandOptions> & { email?: boolean }, context) => {
        const { importCommand } = await import('../commands/import.js');
        return importCommand(
          {
            dryRun: options.dryRun === true,
            full: options.full === true,
            filter: options.filter,
            scheduled: options.scheduled === true,
            email: options.email !== false,
            json: options.json === true,
            limit: options.limit,
            maxMinutes: options.maxMinutes,
            metricsFile: options.metricsFile,
          },
          context,
        );
      }),
    );
}
