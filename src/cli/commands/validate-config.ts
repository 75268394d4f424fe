/**
 * `connect-sync validate-config [--offline]`: loads the config, prints what it will do and
 * any warnings. The checks against Connect and Cadence are not built yet, so without
 * --offline the command says so and exits 2.
 */
import type { Command } from 'commander';
import { ExitCode } from '../../errors.js';
import { loadConfig } from '../../config/load.js';
import type { Config } from '../../config/schema.js';
import { configWarnings, describeConfig } from '../../config/summary.js';
import { commandAction, println, type CliContext } from '../context.js';

export interface ValidateConfigOptions {
  /** Check the file alone, contacting no service. */
  offline: boolean;
}

/** Loads the config named by the global options (or found from the current folder). Throws ConfigError. */
export async function loadConfigFor(context: CliContext): Promise<Config> {
  const config = await loadConfig({ path: context.options.config });
  context.logger.debug({ source: config.source }, 'config loaded');
  return config;
}

/** Prints the summary of a valid config and its offline warnings. */
export function printConfigReport(config: Config, context: CliContext): void {
  println(context, describeConfig(config));
  const warnings = configWarnings(config);
  if (warnings.length > 0) {
    println(context);
    println(context, 'Warnings:');
    for (const warning of warnings) println(context, `  - ${warning}`);
  }
}

/**
 * The command: load (throws ConfigError on any problem), print the report, and answer
 * with the exit code. The online checks will run after the offline ones.
 */
export async function validateConfigCommand(options: ValidateConfigOptions, context: CliContext): Promise<number> {
  const config = await loadConfigFor(context);
  if (!options.offline) {
    process.stderr.write(
      'connect-sync: the online checks against Connect and Cadence are not available yet; ' +
        'run `connect-sync validate-config --offline` to check the file itself\n',
    );
    return ExitCode.Config;
  }
  printConfigReport(config, context);
  println(context);
  println(context, 'config OK (offline checks only: Connect and Cadence were not contacted)');
  return ExitCode.Ok;
}

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
exits with 2. A valid file prints a summary of what connect-sync will do.

Examples:
  $ connect-sync validate-config --offline
  $ connect-sync -c /etc/connect-sync/connect-sync.config.yaml validate-config --offline
  $ CONNECT_PASSKEY=… CADENCE_API_KEY=… CADENCE_API_SECRET=… connect-sync validate-config --offline`,
    )
    .action(commandAction((options: { offline?: boolean }, context) => validateConfigCommand({ offline: options.offline === true }, context)));
}
