/**
 * The `sandbox` command's options and help, and the sandbox's knobs shared with `demo`.
 * The emulators (src/sandbox) load only when one of the two commands runs.
 */
import { Option, type Command } from 'commander';
import { UsageError } from '../../errors.js';
import type { SandboxCommandOptions } from '../commands/sandbox.js';
import { commandAction } from '../context.js';

function integer(name: string, min: number, max = Number.MAX_SAFE_INTEGER) {
  return (value: string): number => {
    const number = Number(value);
    if (!Number.isInteger(number) || number < min || number > max) throw new UsageError(`${name} ${value}: expected a whole number from ${min} to ${max}`);
    return number;
  };
}

function share(name: string) {
  return (value: string): number => {
    const number = Number(value);
    if (!Number.isFinite(number) || number < 0 || number > 1) throw new UsageError(`${name} ${value}: expected a share from 0 to 1`);
    return number;
  };
}

/** The sandbox's knobs as options; shared by `sandbox` and `demo`. */
export function addSandboxOptions(command: Command): Command {
  return command
    .addOption(new Option('--contacts <n>', 'contacts to generate').argParser(integer('--contacts', 0, 5_000_000)).default(2000))
    .addOption(new Option('--seed <n>', 'seed of the data and the faults').argParser(integer('--seed', 0)).default(1))
    .addOption(new Option('--latency <ms>', 'added to every Connect and Cadence call').argParser(integer('--latency', 0, 60_000)).default(0))
    .addOption(new Option('--connect-503 <share>', 'share of Connect calls answered 503').argParser(share('--connect-503')).default(0))
    .addOption(new Option('--connect-faults <share>', 'share of Connect calls answered with a soap:Server fault').argParser(share('--connect-faults')).default(0))
    .addOption(new Option('--connect-truncated <share>', 'share of Connect answers cut in half').argParser(share('--connect-truncated')).default(0))
    .addOption(
      new Option('--connect-profile <profile>', 'paged: Connect pages by modified date; public: an instance as public evidence shows one (no paging parameters, whole unsorted answers, dates without seconds)')
        .choices(['paged', 'public'])
        .default('paged'),
    )
    .addOption(new Option('--cadence-429 <share>', 'share of Cadence requests answered 429 with Retry-After').argParser(share('--cadence-429')).default(0))
    .addOption(new Option('--cadence-5xx <share>', 'share of Cadence requests answered 500/502/503').argParser(share('--cadence-5xx')).default(0))
    .addOption(new Option('--failed-batches <share>', 'share of Cadence import batches that end failed').argParser(share('--failed-batches')).default(0))
    .addOption(new Option('--rate-limit <n>', 'Cadence requests a second per API key (0: none)').argParser(integer('--rate-limit', 0)).default(0))
    .addOption(new Option('--batch-delay <ms>', 'how long Cadence takes to process a batch').argParser(integer('--batch-delay', 0, 600_000)).default(50));
}

/** Registers `sandbox` on the program. */
export function registerSandbox(program: Command): void {
  const command = program
    .command('sandbox')
    .description('start local Connect and Cadence emulators and a mail catcher; print a ready config')
    .option('--dir <path>', 'folder for the state file and caught mail (default: a new temp folder)')
    .addOption(new Option('--connect-port <port>', 'fixed port for Connect (default: any free)').argParser(integer('--connect-port', 1, 65535)))
    .addOption(new Option('--cadence-port <port>', 'fixed port for Cadence').argParser(integer('--cadence-port', 1, 65535)))
    .addOption(new Option('--smtp-port <port>', 'fixed port for the mail catcher').argParser(integer('--smtp-port', 1, 65535)));
  addSandboxOptions(command)
    .addHelpText(
      'after',
      `
The emulators implement the Connect and Cadence contracts over real HTTP on 127.0.0.1,
with seeded data (three overlapping filters, every kind of bad mobile number, unknown
counselors, opt-out values in mixed case). Mail goes to .eml files in <dir>/mail.

Examples:
  $ connect-sync sandbox > connect-sync.config.yaml          then, in another terminal:
  $ connect-sync import
  $ connect-sync sandbox --contacts 100000 --seed 7 --latency 20
  $ connect-sync sandbox --cadence-429 0.2 --connect-503 0.05 --failed-batches 0.1
  $ connect-sync sandbox --connect-profile public         Connect without paging: read whole`,
    )
    .action(
      commandAction(async (options: SandboxCommandOptions, context) => {
        const { sandboxCommand } = await import('../commands/sandbox.js');
        return sandboxCommand(options, context);
      }),
    );
}
