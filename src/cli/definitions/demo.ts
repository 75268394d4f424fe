/** The `demo` command's options and help; the sandbox and the import load when it runs. */
import { Option, type Command } from 'commander';
import type { DemoOptions } from '../commands/demo.js';
import { commandAction } from '../context.js';
import { addSandboxOptions } from './sandbox.js';

/** Registers `demo` on the program. */
export function registerDemo(program: Command): void {
  const command = program
    .command('demo')
    .description('run an import against the bundled sandbox and show where the report and mail went')
    .addOption(new Option('--dir <path>', 'folder for the demo config, state file, report and mail').default('.demo'))
    .option('--json', 'print the import summary as JSON');
  addSandboxOptions(command)
    .addHelpText(
      'after',
      `
Everything runs on 127.0.0.1 in this process; nothing leaves the machine. The demo's
folder is reset on each run. Exit 0 when the import completed (the sandbox's data has
invalid mobile numbers on purpose, so the report lists errors), 3 when it could not.

Examples:
  $ npx connect-sync demo
  $ npx connect-sync demo --contacts 20000 --seed 7
  $ npx connect-sync demo --cadence-429 0.2 --connect-503 0.1      the same, through faults`,
    )
    .action(
      commandAction(async (options: DemoOptions, context) => {
        const { demoCommand } = await import('../commands/demo.js');
        return demoCommand(options, context);
      }),
    );
}
