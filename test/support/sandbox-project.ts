/**
 * An end-to-end test's world: the sandbox's three servers in the test process, a temp
 * folder with a config pointing at them and a real SQLite state file, and the real CLI
 * run as a child process against it.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { startSandbox, type Sandbox, type SandboxOptions } from '../../src/sandbox/index.js';
import { runCli, type CliResult, type RunCliOptions } from './cli.js';

export interface SandboxProject {
  dir: string;
  sandbox: Sandbox;
  configPath: string;
  statePath: string;
  /** The config as written (an object; change it with `writeConfig`). */
  config: Record<string, unknown>;
  /** Rewrites the config file after `change` edits a copy of the current config. */
  writeConfig(change: (config: Record<string, any>) => void): void;
  /** Runs `connect-sync -c <config> --log-format json <args>`. */
  cli(args: string[], options?: RunCliOptions): Promise<CliResult>;
  close(): Promise<void>;
}

export interface SandboxProjectOptions extends Partial<Omit<SandboxOptions, 'mailDir'>> {
  /** Edits the generated config before it is first written. */
  config?: (config: Record<string, any>) => void;
}

/** Starts a sandbox (fast defaults: 300 contacts, no rate limit, 5 ms batches) and writes its config. */
export async function sandboxProject(options: SandboxProjectOptions = {}): Promise<SandboxProject> {
  const dir = mkdtempSync(join(tmpdir(), 'connect-sync-e2e-'));
  const { config: edit, ...sandboxOptions } = options;
  const sandbox = await startSandbox({
    contacts: 300,
    seed: 1,
    now: new Date('2026-11-24T12:00:00Z'),
    ...sandboxOptions,
    cadence: { rateLimitPerSecond: 0, batchDelayMs: 5, ...sandboxOptions.cadence },
    mailDir: join(dir, 'mail'),
  });
  const statePath = join(dir, 'state.sqlite');
  const configPath = join(dir, 'connect-sync.config.yaml');
  let config = sandbox.config({ statePath });
  // The sandbox's Cadence has the optouts feed; the end-to-end tests read it unless they say otherwise.
  (config.optOut as Record<string, unknown>).feed = true;
  edit?.(config);
  const write = () => writeFileSync(configPath, stringify(config, { lineWidth: 0 }));
  write();
  return {
    dir,
    sandbox,
    configPath,
    statePath,
    get config() {
      return config;
    },
    writeConfig(change) {
      config = structuredClone(config);
      change(config);
      write();
    },
    cli: (args, cliOptions = {}) => runCli(['-c', configPath, '--log-format', 'json', ...args], { cwd: dir, ...cliOptions }),
    async close() {
      await sandbox.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Parses the `--json` summary an import printed on stdout. */
export function summaryOf(result: CliResult): Record<string, any> {
  const line = result.stdout.trim().split('\n').at(-1);
  if (!line) throw new Error(`no JSON on stdout; stderr:\n${result.stderr}`);
  return JSON.parse(line) as Record<string, any>;
}
