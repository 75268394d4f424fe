/** The `optouts` command's options and help; its implementation loads when it runs. */
import type { Command } from 'commander';
import { commandAction } from '../context.js';

/** Registers `optouts` on the program. */
export function registerOptOuts(program: Command): void {
  program
    .command('optouts')
    .description('only the opt-out write-back: copy opt-outs recorded in Cadence to Connect')
    .option('--dry-run', 'list what would be written; write nothing')
    .option('--json', 'machine-readable output')
    .option('--no-email', 'do not send the notification mail')
    .addHelpText(
      'after',
      `
\`connect-sync import\` runs the write-back first anyway; this command is for running it
more often than the import (say every 15 minutes from cron).

Examples:
  $ connect-sync optouts --dry-run
  $ connect-sync optouts --no-email`,
    )
    .action(
      commandAction(async (options: { dryRun?: boolean; json?: boolean; email?: boolean }, context) => {
        const { optOutsCommand } = await import('../commands/optouts.js');
        return optOutsCommand({ dryRun: options.dryRun === true, json: options.json === true, email: options.email !== false }, context);
      }),
    );
}
