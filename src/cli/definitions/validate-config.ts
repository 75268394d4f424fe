/** The `validate-config` command's options and help; its implementation loads when it runs. */
import type { Command } from 'commander';
import { commandAction } from '../context.js';

/** Registers `validate-config` on the program. */
export function registerValidateConfig(program: Command): void {
  program
    .command('validate-config')
    .description('check the config file; then, unless --offline, check it against Connect and Cadence')
    .option('--offline', 'check only the file itself: keys, types, ranges, ${VAR} values (no network)')
    .addHelpText(
      'after',
      `
Every problem in the file is listed at once, each with its key path, and the command
exits with 2 (credentials Connect or Cadence refuse included). A valid file prints a
summary of what connect-sync will do. Exit 3 when Connect or Cadence cannot be reached.

Examples:
  $ connect-sync validate-config --offline
  $ connect-sync -c /etc/connect-sync/connect-sync.config.yaml validate-config --offline
  $ CONNECT_PASSKEY=… CADENCE_API_KEY=… CADENCE_API_SECRET=… connect-sync validate-config --offline`,
    )
    .action(
      commandAction(async (options: { offline?: boolean }, context) => {
        const { validateConfigCommand } = await import('../commands/validate-config.js');
        return validateConfigCommand({ offline: options.offline === true }, context);
      }),
    );
}
