/**
 * `connect-sync schema`: prints the config file's JSON Schema, so editors can complete and
 * check the YAML. The committed copy in schema/connect-sync.schema.json is this output.
 */
import type { Command } from 'commander';
import { ExitCode } from '../../errors.js';
import { configJsonSchemaText } from '../../config/json-schema.js';
import { commandAction, type CliContext } from '../context.js';

/** Writes the schema to the context's output. Needs no config file. */
export async function schemaCommand(context: Pick<CliContext, 'out'>): Promise<number> {
  context.out.write(configJsonSchemaText());
  return ExitCode.Ok;
}

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
    .action(commandAction((_options: unknown, context) => schemaCommand(context)));
}
