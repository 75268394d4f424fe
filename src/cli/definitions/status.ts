/** The `status` command's options and help; its implementation loads when it runs. */
import type { Command } from 'commander';
import { UsageError } from '../../errors.js';
import { commandAction } from '../context.js';

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
Reads the state named by the config (state.path or state.url) and changes nothing. Shows recent
runs, watermarks, contacts waiting for retry and contacts still failing (data errors of
earlier runs not yet fixed in Connect).

Examples:
  $ connect-sync status
  $ connect-sync status --runs 30
  $ connect-sync status --json | jq '.runs[0].outcome'`,
    )
    .action(
      commandAction(async (options: { json?: boolean; runs: number }, context) => {
        const { statusCommand } = await import('../commands/status.js');
        return statusCommand({ json: options.json === true, runs: options.runs }, context);
      }),
    );
}
