/**
 * `connect-sync validate-config [--offline]`: loads the config, prints what it will do and
 * any warnings; then, unless --offline, checks it against Connect and Cadence.
 */
import { ConfigError, ExitCode } from '../../errors.js';
import { validateOnline } from '../../core/validate-online.js';
import { openServices } from '../services.js';
import type { Config } from '../../config/schema.js';
import { configWarnings, describeConfig } from '../../config/summary.js';
import { println, type CliContext } from '../context.js';
import { loadConfigFor } from '../load-config.js';

export interface ValidateConfigOptions {
  /** Check the file alone, contacting no service. */
  offline: boolean;
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
