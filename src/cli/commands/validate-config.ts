/**
 * `connect-sync validate-config [--offline]`: loads the config, prints what it will do and
 * any warnings; then, unless --offline, checks it against Connect and Cadence. Exit 2 for
 * what the file or its environment can fix (rejected credentials included), 3 when a
 * service cannot be reached.
 */
import { TransientError } from '../../adapters/http/retry.js';
import { ConfigError, ExitCode, ExternalServiceError } from '../../errors.js';
import { validateOnline } from '../../core/validate-online.js';
import { openServices } from '../services.js';
import type { Config } from '../../config/schema.js';
import { configWarnings, describeConfig } from '../../config/summary.js';
import { println, type CliContext } from '../context.js';
import { loadConfigFor } from '../load-config.js';

/**
 * Whether a service's failure means it could not be reached (connection refused, timeouts,
 * 5xx or 429 after every retry) rather than that it refused what the config says.
 */
function unreachable(error: unknown): error is ExternalServiceError {
  return error instanceof ExternalServiceError && error.cause instanceof TransientError;
}

/** The port with every failure of its calls also pushed to `failures`. */
function recording<T extends object>(port: T, failures: unknown[]): T {
  return new Proxy(port, {
    get(target, key, receiver) {
      const value: unknown = Reflect.get(target, key, receiver);
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        const result: unknown = Reflect.apply(value, target, args);
        if (!(result instanceof Promise)) return result;
        return result.catch((error: unknown) => {
          failures.push(error);
          throw error;
        });
      };
    },
  });
}

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
  const failures: unknown[] = [];
  try {
    const online = await validateOnline(config, { connect: recording(services.connect, failures), cadence: recording(services.cadence, failures) });
    for (const fact of online.facts) println(context, fact);
    for (const warning of online.warnings) println(context, `warning: ${warning.path}: ${warning.message}`);
    // A service that cannot be reached is no fault of the file: exit 3, not 2 (product.md §2).
    const outage = failures.find(unreachable);
    if (outage !== undefined) {
      for (const problem of online.problems) println(context, `problem: ${problem.path}: ${problem.message}`);
      throw outage;
    }
    if (online.problems.length > 0) throw new ConfigError('the config does not match Connect or Cadence', online.problems);
    println(context, 'config OK (checked against Connect and Cadence)');
    return ExitCode.Ok;
  } finally {
    await services.close();
  }
}
