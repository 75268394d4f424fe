/**
 * Finds and reads the config file (cosmiconfig), then hands it to `parseConfig`. Every
 * failure is a `ConfigError` carrying all the problems found, never just the first.
 */
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { cosmiconfig, type CosmiconfigResult } from 'cosmiconfig';
import { ConfigError, type ConfigProblem } from '../errors.js';
import type { Config } from './schema.js';
import { parseConfig } from './parse.js';
import { YamlSyntaxError, loadYaml } from './yaml.js';

export { parseConfig, type ParseConfigOptions, type ParseConfigResult } from './parse.js';

const MODULE = 'connect-sync';

/** Where the config is looked for in each folder, in this order. */
export const SEARCH_PLACES = [
  `${MODULE}.config.yaml`,
  `${MODULE}.config.yml`,
  `${MODULE}.config.json`,
  `${MODULE}.config.js`,
  `${MODULE}.config.cjs`,
  `${MODULE}.config.mjs`,
  `.${MODULE}rc`,
  `.${MODULE}rc.yaml`,
  `.${MODULE}rc.yml`,
  `.${MODULE}rc.json`,
  `.${MODULE}rc.js`,
  `.${MODULE}rc.cjs`,
  `.${MODULE}rc.mjs`,
  'package.json',
];

export interface LoadConfigOptions {
  /** The file given with -c/--config (relative to `cwd`); searched for when absent. */
  path?: string;
  /** Where the search starts and relative paths are resolved; `process.cwd()` by default. */
  cwd?: string;
  /** Source of `${VAR}` values; `process.env` by default. */
  env?: NodeJS.ProcessEnv;
}

/**
 * Loads the config: the file given, or the first one found from `cwd` upwards (stopping
 * at the first folder that holds a package.json). Throws `ConfigError` with every problem.
 */
export async function loadConfig(options: LoadConfigOptions = {}): Promise<Config> {
  const cwd = path.resolve(options.cwd ?? process.cwd());
  const found = await readConfigFile(cwd, options.path);
  const shown = displayPath(found.filepath, cwd);
  const { config, problems } = parseConfig(found.isEmpty ? undefined : found.config, {
    source: found.filepath,
    env: options.env ?? process.env,
  });
  if (!config) {
    throw new ConfigError(`invalid config ${shown} (${problems.length} problem${problems.length === 1 ? '' : 's'})`, problems);
  }
  return config;
}

function explorer() {
  return cosmiconfig(MODULE, {
    searchPlaces: SEARCH_PLACES,
    searchStrategy: 'project',
    // An empty file is found and reported, not skipped in favour of one further up.
    ignoreEmptySearchPlaces: false,
    cache: false,
    // JSON is read as YAML 1.2 (a superset) for the same error positions; a file given with
    // --config under any other name (`/etc/connect-sync/config.conf`) is read as YAML too.
    loaders: {
      '.yaml': loadYaml,
      '.yml': loadYaml,
      '.json': loadYaml,
      noExt: loadYaml,
      default: loadYaml,
      '.js': loadJsModule,
      '.cjs': loadJsModule,
      '.mjs': loadJsModule,
    },
  });
}

/** JS configs through import() alone: cosmiconfig's require() fallback hides the real error. */
async function loadJsModule(filepath: string): Promise<unknown> {
  const loaded = (await import(pathToFileURL(filepath).href)) as { default?: unknown };
  return loaded.default;
}

async function readConfigFile(cwd: string, given: string | undefined): Promise<NonNullable<CosmiconfigResult>> {
  let result: CosmiconfigResult;
  try {
    result = given === undefined ? await explorer().search(cwd) : await explorer().load(path.resolve(cwd, given));
  } catch (error) {
    throw readError(error, cwd, given);
  }
  if (result) return result;
  if (given !== undefined) {
    throw new ConfigError(`${displayPath(path.resolve(cwd, given), cwd)} has no "${MODULE}" key (given with -c/--config)`);
  }
  throw new ConfigError(
    `no config file found in ${cwd} or its parent folders (up to the first one with a package.json); ` +
      `looked for ${MODULE}.config.yaml|yml|json|js|cjs|mjs, .${MODULE}rc[.yaml|.yml|.json|.js|.cjs|.mjs] ` +
      `and a "${MODULE}" key in package.json. Create one (connect-sync.config.example.yaml shows every key) ` +
      `or pass its path with -c/--config <path>`,
  );
}

/** Turns a failure to read or parse the file into a ConfigError (no file content quoted). */
function readError(error: unknown, cwd: string, given: string | undefined): ConfigError {
  if (error instanceof YamlSyntaxError) {
    const shown = displayPath(error.filepath, cwd);
    const problems: ConfigProblem[] = error.problems.map((problem) => ({
      path: '',
      message: `${shown}${problem.line === undefined ? '' : `:${problem.line}:${problem.column ?? 1}`}: ${problem.message}`,
    }));
    return new ConfigError(`${shown} could not be parsed`, problems);
  }
  const code = (error as NodeJS.ErrnoException).code;
  const filepath = (error as { filepath?: string }).filepath ?? (given === undefined ? undefined : path.resolve(cwd, given));
  const shown = filepath === undefined ? 'the config file' : displayPath(filepath, cwd);
  if (code === 'ENOENT') return new ConfigError(`config file ${shown} does not exist`);
  if (code === 'EISDIR') return new ConfigError(`config file ${shown} is a folder, not a file`);
  if (code === 'EACCES') return new ConfigError(`config file ${shown} cannot be read (permission denied)`);
  return new ConfigError(`config file ${shown} could not be loaded: ${(error as Error)?.message ?? String(error)}`);
}

/** The path as the operator would type it: relative when inside `cwd`. */
export function displayPath(filepath: string, cwd: string): string {
  const relative = path.relative(cwd, filepath);
  return relative !== '' && !relative.startsWith('..') && !path.isAbsolute(relative) ? relative : filepath;
}
