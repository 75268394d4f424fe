/**
 * `connect-sync validate-config [--offline]`: loads the config, prints what it will do and
 * any warnings; then, unless --offline, checks it against Connect and Cadence.
 */
import type { Command } from 'commander';
import { ConfigError, ExitCode } from '../../errors.js';
import { validateOnline } from '../../core/validate-online.js';
import { openServices } from '../services.js';
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
 * The command: load (throws ConfigError on any problem), print the report, run the online
 * checks unless `offline`, and answer with the exit code.
 */
export async function validateConfigCommand(options: ValidateConfigOptions, context: CliContext): Promise<number> {
  const config = await loadConfigFor(context);
  printConfigReport(config, context);
  println(context);
  if (options.offline) {
    println(context, 'config OK (offline checks only: Connect and Cadence were not contacted)');
    return ExitCode.Ok;
  }
  const services = openServices(config, context.logger, { readonly: true });
  try {
    const online = await validateOnline(config, services);
    for (const fact of online.facts) println(context, fact);
    for (const warning of online.warnings) println(context, `warning: ${warning.path}: ${warning.message}`);
    if (online.problems.length > 0) throw new ConfigError('the config does not match Connect or Cadence', online.problems);
    println(context, 'config OK (checked against Connect and Cadence)');
    return ExitCode.Ok;
  } finally {
    await services.close();
  }
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
