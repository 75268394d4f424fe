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
