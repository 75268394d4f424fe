/**
 * What every command gets from the CLI: the global options, a logger, and the streams to
 * write to. Commands print results to `out` (stdout) and log to stderr.
 */
import type { Command } from 'commander';
import type { LevelWithSilent } from 'pino';
import { createLogger, type Logger, type LogFormat } from '../log.js';

export interface GlobalOptions {
  config?: string;
  logLevel: LevelWithSilent;
  logFormat?: LogFormat;
  quiet: boolean;
}

export interface CliContext {
  options: GlobalOptions;
  logger: Logger;
  /** Where results go (stdout). */
  out: NodeJS.WritableStream;
  /** Whether `out` is a terminal (progress and colour only then). */
  interactive: boolean;
}

/** Builds the context from the root program's parsed global options. */
export function contextFrom(command: Command): CliContext {
  const raw = command.optsWithGlobals<{ config?: string; logLevel?: string; logFormat?: LogFormat; quiet?: boolean }>();
  const quiet = raw.quiet === true;
  const logLevel = (raw.logLevel ?? (quiet ? 'warn' : 'info')) as LevelWithSilent;
  const options: GlobalOptions = { config: raw.config, logLevel, logFormat: raw.logFormat, quiet };
  const logger = createLogger({ level: logLevel, format: raw.logFormat });
  return { options, logger, out: process.stdout, interactive: Boolean(process.stdout.isTTY) && !quiet };
}

/** Writes a line to the context's output. */
export function println(context: CliContext, line = ''): void {
  context.out.write(`${line}\n`);
}

const exitCodes = new WeakMap<Command, number>();

function rootOf(command: Command): Command {
  let root = command;
  while (root.parent) root = root.parent;
  return root;
}

/** The exit code the command that ran answered with (0 when none did). */
export function lastExitCode(program: Command): number {
  return exitCodes.get(program) ?? 0;
}

/**
 * Adapts a command function to a commander action: builds the context from the global
 * options and keeps the exit code the function resolves with.
 */
export function commandAction<Options>(
  fn: (options: Options, context: CliContext) => Promise<number>,
): (options: Options, command: Command) => Promise<void> {
  return async (options, command) => {
    exitCodes.set(rootOf(command), await fn(options, contextFrom(command)));
  };
}
