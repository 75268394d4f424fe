/**
 * The command-line program. It only adapts: parses options, builds the context, calls the
 * command's function, and maps what it returns or throws to an exit code.
 */
import { readFileSync } from 'node:fs';
import { Command, CommanderError, Option } from 'commander';
import { ConfigError, ExitCode, ExternalServiceError, exitCodeFor, isKnownError } from '../errors.js';
import { lastExitCode } from './context.js';
// Definitions only (options, help): each loads its command's implementation when it runs.
import { registerDemo } from './definitions/demo.js';
import { registerImport } from './definitions/import.js';
import { registerOptOuts } from './definitions/optouts.js';
import { registerSandbox } from './definitions/sandbox.js';
import { registerServe } from './definitions/serve.js';
import { registerStatus } from './definitions/status.js';
import { registerValidateConfig } from './definitions/validate-config.js';
import { registerSchema } from './definitions/schema.js';

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

/** Builds the program with every working command registered. */
export function buildProgram(): Command {
  const program = new Command('connect-sync')
    .description('Imports contacts from Connect (admissions CRM) into Cadence (SMS) and writes opt-outs back.')
    .option('-c, --config <path>', 'config file (default: searched from the current folder: connect-sync.config.yaml, .connect-syncrc, …)')
    .addOption(new Option('--log-level <level>', 'log level').choices(LOG_LEVELS))
    .addOption(new Option('--log-format <format>', 'log format (default: pretty on a terminal, json otherwise)').choices(['json', 'pretty']))
    .option('-q, --quiet', 'only warnings and errors in the log, no progress')
    .version(packageVersion(), '-V, --version', 'print the version of connect-sync')
    .showHelpAfterError('(add --help for usage)')
    .exitOverride();
  registerImport(program);
  registerOptOuts(program);
  registerServe(program);
  registerStatus(program);
  registerValidateConfig(program);
  registerSandbox(program);
  registerDemo(program);
  registerSchema(program);
  program.addHelpText(
    'after',
    `
Examples:
  $ npx connect-sync demo                           an import against the bundled sandbox
  $ connect-sync validate-config                    check the config found from here, then Connect and Cadence
  $ connect-sync import --dry-run                   what the next import would change
  $ connect-sync import                             one import run
  $ connect-sync serve                              receive Cadence's opt-out webhooks
  $ connect-sync status                             recent runs, watermarks, retries
  $ connect-sync -c /etc/connect-sync/connect-sync.config.yaml import --scheduled -q

Exit codes: 0 done · 1 some contacts failed (now, or still from an earlier run) · 2 config or usage error · 3 could not complete · 4 another import holds the lock`,
  );
  return program;
}

/** The version in package.json (two folders up from src/cli and from dist/cli alike). */
function packageVersion(): string {
  const text = readFileSync(new URL('../../package.json', import.meta.url), 'utf8');
  return (JSON.parse(text) as { version: string }).version;
}

/** Runs the CLI on `argv` (process.argv form) and resolves with the exit code. */
export async function run(argv: readonly string[]): Promise<number> {
  const program = buildProgram();
  try {
    const result: unknown = await program.parseAsync([...argv]).then(() => lastExitCode(program));
    return typeof result === 'number' ? result : ExitCode.Ok;
  } catch (error) {
    return report(error);
  }
}


/** Prints a failure: one clear line for known errors, the stack for bugs. */
function report(error: unknown): number {
  if (error instanceof CommanderError) {
    // Help and version end with exit 0; usage errors with 2 (commander already printed them).
    if (error.code === 'commander.helpDisplayed' || error.code === 'commander.help' || error.code === 'commander.version') return ExitCode.Ok;
    return ExitCode.Config;
  }
  if (error instanceof ConfigError) {
    process.stderr.write(`connect-sync: ${error.message}\n`);
    for (const problem of error.problems) process.stderr.write(`  - ${problem.path ? `${problem.path}: ` : ''}${problem.message}\n`);
  } else if (isKnownError(error)) {
    const known = error as Error;
    process.stderr.write(`connect-sync: ${known.message}\n`);
    if (error instanceof ExternalServiceError && error.hint) process.stderr.write(`  check: ${error.hint.replace(/^check\s+/, '')}\n`);
    if (known.cause instanceof Error) process.stderr.write(`  cause: ${known.cause.message}\n`);
  } else {
    process.stderr.write(`connect-sync: unexpected error (a bug; please report it)\n${(error as Error)?.stack ?? String(error)}\n`);
  }
  return exitCodeFor(error);
}
