/**
 * `connect-sync validate-config [--offline]`: loads the config, prints what it will do and
 * any warnings; then, unless --offline, checks it against Connect and Cadence. Exit 2 for
 * what the file or its environment can fix (rejected credentials included), 3 when a
 * service cannot be reached.
 */
import { TransientError } from '../../adapters/http/retry.js';
import type { ConnectClient } from '../../adapters/connect/client.js';
import { updateContactGaps } from '../../adapters/connect/capabilities.js';
import { ConfigError, ExitCode, ExternalServiceError, type ConfigProblem } from '../../errors.js';
import { validateOnline } from '../../core/validate-online.js';
import type { State } from '../../core/state.js';
import { stateUrlProblem } from '../../adapters/postgres/state.js';
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
    const state = await stateCheck(config, services.state);
    online.facts.push(...state.facts);
    online.problems.push(...state.problems);
    // After the checks, so that a Connect that cannot be reached is told as such, below.
    const paging = failures.some(unreachable) ? { facts: [], warnings: [] } : await pagingReport(config, services.connect);
    for (const fact of [...online.facts, ...paging.facts]) println(context, fact);
    for (const warning of [...online.warnings, ...paging.warnings]) println(context, `warning: ${warning.path}: ${warning.message}`);
    // A service that cannot be reached is no fault of the file: exit 3, not 2 (product.md §2).
    const outage = failures.find(unreachable);
    if (outage !== undefined) {
      for (const problem of online.problems) println(context, `problem: ${problem.path}: ${problem.message}`);
      throw outage;
    }
    if (online.problems.length > 0) throw new ConfigError('the config does not match Connect or Cadence', online.problems);
    println(context, `config OK (checked against Connect and Cadence${config.state.url === undefined ? '' : ' and the PostgreSQL state'})`);
    return ExitCode.Ok;
  } finally {
    await services.close();
  }
}

/**
 * With the state in PostgreSQL: whether it answers. A server that refuses the URL's
 * credentials or database is a problem at `state.url` (the file's to fix, exit 2); one that
 * cannot be reached throws (exit 3). Read-only: nothing is created.
 */
async function stateCheck(config: Config, state: State): Promise<{ facts: string[]; problems: ConfigProblem[] }> {
  if (config.state.url === undefined) return { facts: [], problems: [] };
  try {
    await state.runs.recent(1);
    return { facts: [`state: ${state.description} answers`], problems: [] };
  } catch (error) {
    const problem = stateUrlProblem(error);
    if (problem === undefined) throw error;
    return { facts: [], problems: [problem] };
  }
}

/**
 * How each filter will be read (connect.paging; for auto, what the instance's WSDL says),
 * and whether the WSDL shows an UpdateContact the opt-out write-back cannot use.
 */
export async function pagingReport(config: Config, connect: ConnectClient): Promise<{ facts: string[]; warnings: ConfigProblem[] }> {
  const plan = await connect.pagingPlan();
  const facts = config.criteria.filterIds.map((id) => `Connect filter ${id} is read ${plan.mode === 'whole' ? 'whole' : 'by keyset paging'}: ${plan.why}`);
  const warnings: ConfigProblem[] = [];
  if (plan.warn) warnings.push({ path: 'connect.paging', message: plan.why });
  if (config.optOut) {
    const gaps = updateContactGaps(await connect.capabilities());
    if (gaps) warnings.push({ path: 'optOut', message: `${gaps}: the opt-out write-back cannot work on this instance` });
  }
  return { facts, warnings };
}
