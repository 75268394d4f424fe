/**
 * Loading the config a command runs with: the file named by `-c`, or the one found from the
 * current folder. Kept apart from `validate-config` so a command that only needs its config
 * does not load the online checks.
 */
import { loadConfig } from '../config/load.js';
import type { Config } from '../config/schema.js';
import type { CliContext } from './context.js';

/** Loads the config named by the global options (or found from the current folder). Throws ConfigError. */
export async function loadConfigFor(context: CliContext): Promise<Config> {
  const config = await loadConfig({ path: context.options.config });
  context.logger.debug({ source: config.source }, 'config loaded');
  return config;
}
