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
    .option('--from-csv <file>', "journal Cadence's opt-out history export first (ContactId,DepartmentCode,MobileNumber,Status,StatusDate (UTC))")
    .addHelpText(
      'after',
      `
\`connect-sync import\` runs the write-back first anyway; this command is for running it
more often than the import (say every 15 minutes from cron). \`connect-sync serve\` writes
webhook changes back as they arrive; this command writes what is still pending.

--from-csv takes the opt-out history CSV that Cadence's UI mails. Rows of other
departments are counted and skipped; rows already journalled add nothing, so the same
file twice writes nothing the second time. A wrong header, or any row that cannot be read
(each is named by its line number), refuses the whole file: exit 2, nothing journalled.

Examples:
  $ connect-sync optouts --dry-run
  $ connect-sync optouts --no-email
  $ connect-sync optouts --from-csv OptOutHistory.csv`,
    )
    .action(
      commandAction(async (options: { dryRun?: boolean; json?: boolean; email?: boolean; fromCsv?: string }, context) => {
        const { optOutsCommand } = await import('../commands/optouts.js');
        return optOutsCommand(
          { dryRun: options.dryRun === true, json: options.json === true, email: options.email !== false, ...(options.fromCsv !== undefined && { fromCsv: options.fromCsv }) },
          context,
        );
      }),
    );
}
