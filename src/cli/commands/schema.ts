/**
 * `connect-sync schema`: prints the config file's JSON Schema, so editors can complete and
 * check the YAML. The committed copy in schema/connect-sync.schema.json is this output.
 */
import { ExitCode } from '../../errors.js';
import { configJsonSchemaText } from '../../config/json-schema.js';
import type { CliContext } from '../context.js';

/** Writes the schema to the context's output. Needs no config file. */
export async function schemaCommand(context: Pick<CliContext, 'out'>): Promise<number> {
  context.out.write(configJsonSchemaText());
  return ExitCode.Ok;
}
