/** The `schema` command's help; the schema (built from the zod config schema) loads when it runs. */
import type { Command } from 'commander';
import { commandAction } from '../context.js';

/** Registers `schema` on the program. */
export function registerSchema(program: Command): void {
  program
    .command('schema')
    .description('print the JSON Schema of the config file (for editor completion and checks)')
    .addHelpText(
      'after',
      `
The schema describes the file as written: keys with defaults are optional, and strings
that hold a \${VAR} reference are accepted where a URL or an email address is expected.
Point your editor at it with a first line in the YAML file:

  # yaml-language-server: $schema=./schema/connect-sync.schema.json

Examples:
  $ connect-sync schema > connect-sync.schema.json
  $ connect-sync schema | jq '.properties.criteria'`,
    )
    .action(
      commandAction(async (_options: unknown, context) => {
        const { schemaCommand } = await import('../commands/schema.js');
        return schemaCommand(context);
      }),
    );
}
