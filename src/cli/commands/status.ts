/**
 * `connect-sync status`: recent runs with counts and outcome, each filter's watermark,
 * contacts waiting for retry, and who holds the lock. Reads the state file only.
 */
import type { Command } from 'commander';
import { openStateStore } from '../../adapters/sqlite/store.js';
import { ExitCode, UsageError } from '../../errors.js';
import { commandAction, println, type CliContext } from '../context.js';
import { formatStatus, statusJson } from '../status-format.js';
import { loadConfigFor } from './validate-config.js';

export interface StatusOptions {
  json: boolean;
  runs: number;
}

/** Prints the status of the config's state file. */
export async function statusCommand(options: StatusOptions, context: CliContext, now = new Date()): Promise<number> {
  const config = await loadConfigFor(context);
  const store = openStateStore(config.state.path, { readonly: true });
  try {
    const input = {
      runs: store.recentRuns(options.runs),
      watermarks: store.listWatermarks(),
      retries: store.countRetries(),
      lockHolder: store.lockHolder(),
      timeZone: config.connect.timeZone,
      now,
    };
    println(context, options.json ? JSON.stringify(statusJson(input), null, 2) : formatStatus(input));
    return ExitCode.Ok;
  } finally {
    store.close();
  }
}

function runCount(value: string): number {
  const count = Number(value);
  if (!Number.isInteger(count) || count < 1 || count > 1000) throw new UsageError(`--runs ${value}: expected a whole number from 1 to 1000`);
  return count;
}

/** Registers `status` on the program. */
export function registerStatus(program: Command): void {
  program
    .command('status')
    .description('show recent runs, watermarks per filter, contacts waiting for retry, the lock holder')
    .option('--json', 'print the status as JSON (for monitoring)')
    .option('--runs <n>', 'how many recent runs to show', runCount, 10)
    .addHelpText(
      'after',
      `
Reads the state file named by the config (state.path) and changes nothing.

Examples:
  $ connect-sync status
  $ connect-sync status --runs 30
  $ connect-sync status --json | jq '.runs[0].outcome'`,
    )
    .action(commandAction((options: { json?: boolean; runs: number }, context) => statusCommand({ json: options.json === true, runs: options.runs }, context)));
}
