/**
 * The error classes connect-sync raises on purpose, and the one place that maps them to
 * the exit codes of product.md §2. Anything else is a bug and is printed with its stack.
 */

/** Exit codes of product.md §2. */
export const ExitCode = {
  /** Done, no contact failed. */
  Ok: 0,
  /** Done, some contacts failed (see the report). */
  ContactsFailed: 1,
  /** Config or usage error. */
  Config: 2,
  /** Could not complete: a service unreachable after retries, bad credentials, malformed responses. */
  Incomplete: 3,
  /** Another import holds the lock. */
  LockBusy: 4,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

/** One problem in the config file, located by its key path (`criteria.filterIds[1]`). */
export interface ConfigProblem {
  path: string;
  message: string;
}

/** The config file (or a command-line option) is wrong. Carries every problem found. */
export class ConfigError extends Error {
  readonly problems: readonly ConfigProblem[];
  constructor(message: string, problems: readonly ConfigProblem[] = []) {
    super(message);
    this.name = 'ConfigError';
    this.problems = problems;
  }
}

/** A usage mistake on the command line (unknown filter given to --filter, …). */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

export type ServiceName = 'Connect' | 'Cadence' | 'SMTP';

/**
 * A call to an outside service failed in a way the run cannot recover from: unreachable
 * after retries, refused credentials, a malformed answer. `hint` tells the operator what
 * to check (a config key, never a secret value).
 */
export class ExternalServiceError extends Error {
  readonly service: ServiceName;
  readonly hint: string | undefined;
  constructor(service: ServiceName, message: string, options: { cause?: unknown; hint?: string } = {}) {
    super(`${service}: ${message}`, { cause: options.cause });
    this.name = 'ExternalServiceError';
    this.service = service;
    this.hint = options.hint;
  }
}

/** Another process holds the import lock on the state file. */
export class LockBusyError extends Error {
  readonly holder: { pid: number; host: string; since: string };
  constructor(holder: { pid: number; host: string; since: string }) {
    super(`another import holds the lock: pid ${holder.pid} on ${holder.host} since ${holder.since}`);
    this.name = 'LockBusyError';
    this.holder = holder;
  }
}

/**
 * The state file cannot be used: not an SQLite file, not ours, written by a newer version,
 * unreadable, or written to through a read-only store. Exit code 3, "could not complete".
 */
export class StateFileError extends Error {
  constructor(message: string, options: { cause?: unknown } = {}) {
    super(message, { cause: options.cause });
    this.name = 'StateFileError';
  }
}

/** The run was stopped by a signal (Ctrl-C, SIGTERM) after recording what was confirmed. Exit 3. */
export class InterruptedError extends Error {
  constructor(signal: string) {
    super(`interrupted by ${signal}`);
    this.name = 'InterruptedError';
  }
}

/** Maps an error to its exit code; unknown errors are failures to complete (3). */
export function exitCodeFor(error: unknown): ExitCode {
  if (error instanceof ConfigError || error instanceof UsageError) return ExitCode.Config;
  if (error instanceof LockBusyError) return ExitCode.LockBusy;
  return ExitCode.Incomplete;
}

/** Whether the error is one connect-sync raised on purpose (print one line, no stack). */
export function isKnownError(error: unknown): boolean {
  return (
    error instanceof ConfigError ||
    error instanceof UsageError ||
    error instanceof ExternalServiceError ||
    error instanceof LockBusyError ||
    error instanceof StateFileError ||
    error instanceof InterruptedError ||
    error instanceof TransientFailure
  );
}

/**
 * A transient failure (429, 5xx, a timeout, a `failed` batch) that persisted through every
 * retry. For a Cadence batch the run goes on and its contacts wait in the retry table; for
 * Connect the run cannot complete.
 */
export class TransientFailure extends Error {
  readonly service: ServiceName;
  constructor(service: ServiceName, message: string, options: { cause?: unknown } = {}) {
    super(`${service}: ${message}`, { cause: options.cause });
    this.name = 'TransientFailure';
    this.service = service;
  }
}
