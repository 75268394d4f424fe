/**
 * From the parsed file to the config the commands use: interpolate `${VAR}`, validate with
 * the schema, resolve the state file. Pure: the environment comes in as an argument, and
 * every problem is collected rather than the first one thrown.
 */
import path from 'node:path';
import type { ConfigProblem } from '../errors.js';
import { Config, type ConfigInput } from './schema.js';
import { interpolateEnv, isPlainObject } from './interpolate.js';
import { kindOf, problemsFromIssues, readableIssueMessage, redactProblems, sortByDocumentOrder } from './problems.js';

/** The state file's name when `state.path` is not given; it sits beside the config file. */
export const DEFAULT_STATE_FILE = 'connect-sync.sqlite';

/** Key paths whose values are secret (never printed, never logged). */
export const SECRET_PATHS = [
  ['connect', 'passKey'],
  ['cadence', 'apiKey'],
  ['cadence', 'apiSecret'],
  ['notification', 'smtp', 'pass'],
  ['optOut', 'webhook', 'token'],
  ['notification', 'pingUrl'],
  // The whole URL: the password is the secret, but a URL that fails to parse cannot be split.
  ['state', 'url'],
] as const;

export interface ParseConfigOptions {
  /** The file the config was read from; relative paths in it are resolved against its folder. */
  source: string;
  env: NodeJS.ProcessEnv;
}

export interface ParseConfigResult {
  /** Present exactly when `problems` is empty. */
  config?: Config;
  problems: ConfigProblem[];
}

/**
 * Interpolates and validates a parsed config file. Returns the config, or every problem
 * found, each with its key path; no message contains a value from the file.
 */
export function parseConfig(raw: unknown, options: ParseConfigOptions): ParseConfigResult {
  if (raw === undefined || raw === null) {
    return { problems: [{ path: '', message: 'the config is empty: expected the sections connect, cadence, standardFields and criteria' }] };
  }
  if (!isPlainObject(raw)) {
    return { problems: [{ path: '', message: `expected a mapping of sections (connect, cadence, …), got ${kindOf(raw)}` }] };
  }
  const interpolated = interpolateEnv(raw, options.env);
  const result = Config.safeParse(interpolated.value, { error: readableIssueMessage });
  const schemaProblems = result.success
    ? []
    : problemsFromIssues(result.error.issues, Config).filter((problem) => !interpolated.failedPaths.has(problem.path));
  const problems = redactProblems(
    sortByDocumentOrder([...interpolated.problems, ...schemaProblems], interpolated.value),
    secretValues(interpolated.value),
  );
  if (!result.success || problems.length > 0) return { problems };
  return { config: resolveConfig(result.data, path.resolve(options.source)), problems: [] };
}

/**
 * Adds what the file alone does not say: where it is, the absolute state path (unless the
 * state is in PostgreSQL), and the reports folder: given, or `reports/` beside the state
 * file, or beside the config file with `state.url`.
 */
function resolveConfig(input: ConfigInput, source: string): Config {
  const folder = path.dirname(source);
  const { url, reportsDir } = input.state;
  if (url !== undefined) {
    return { ...input, state: { url, reportsDir: path.resolve(folder, reportsDir ?? 'reports') }, source };
  }
  const statePath = path.resolve(folder, input.state.path ?? DEFAULT_STATE_FILE);
  return { ...input, state: { path: statePath, reportsDir: path.resolve(folder, reportsDir ?? path.join(path.dirname(statePath), 'reports')) }, source };
}

/** The secret strings in a (possibly invalid) config, to keep them out of messages. */
function secretValues(value: unknown): string[] {
  return SECRET_PATHS.flatMap((keys) => {
    let current: unknown = value;
    for (const key of keys) current = isPlainObject(current) ? current[key] : undefined;
    return typeof current === 'string' ? [current, current.trim()] : [];
  });
}
