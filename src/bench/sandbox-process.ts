/**
 * The sandbox in its own process, as an operator runs it (`connect-sync sandbox`), so
 * the measured import shares nothing with it but the machine. Its config is read from
 * stdout; it is complete once the sandbox logs on stderr that it runs (the YAML is printed
 * before that line, and pipes are written synchronously) and the text parses as a config.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';

export interface SandboxProcessOptions {
  /** bin/connect-sync.js. */
  bin: string;
  contacts: number;
  latencyMs: number;
  seed: number;
  /** The sandbox's folder (state file, mail); the config is written here too. */
  dir: string;
  /** `public`: a Connect without paging parameters, read whole (`connect-sync sandbox --connect-profile`). */
  connectProfile?: 'paged' | 'public';
  /** Generating a million contacts takes a while (default 5 minutes). */
  startTimeoutMs?: number;
}

export interface SandboxProcess {
  pid: number;
  configPath: string;
  /** The config as the sandbox printed it, parsed. */
  config: SandboxConfig;
  /** SIGTERM, then waits for the process to end (SIGKILL after 10 s). */
  stop(): Promise<void>;
}

/** The parts of the printed config the benchmark reads. */
export interface SandboxConfig {
  connect: { pageSize?: number };
  cadence: { batchSize?: number; concurrency?: number };
  state: { path: string };
}

/** Starts `connect-sync sandbox` and resolves once its config is complete and saved. */
export async function startSandboxProcess(options: SandboxProcessOptions): Promise<SandboxProcess> {
  const args = [
    options.bin,
    'sandbox',
    '--contacts', String(options.contacts),
    '--seed', String(options.seed),
    '--latency', String(options.latencyMs),
    '--rate-limit', '0',
    '--batch-delay', '0',
    '--dir', options.dir,
    '--connect-profile', options.connectProfile ?? 'paged',
  ];
  const child = spawn(process.execPath, args, { cwd: options.dir, stdio: ['ignore', 'pipe', 'pipe'] });
  const stop = () => stopProcess(child);
  try {
    const yamlText = await readConfig(child, options.startTimeoutMs ?? 300_000);
    const configPath = join(options.dir, 'connect-sync.config.yaml');
    writeFileSync(configPath, yamlText);
    return { pid: child.pid!, configPath, config: parse(yamlText) as SandboxConfig, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

function readConfig(child: ChildProcess, timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    let stdout = '';
    let stderr = '';
    let running = false;
    const timer = setTimeout(() => finish(new Error(`the sandbox did not start within ${timeoutMs / 1000} s\n${stderr}`)), timeoutMs);
    const check = () => {
      if (!running) return;
      try {
        const config = parse(stdout) as Partial<SandboxConfig> | null;
        if (config?.connect && config.cadence && config.state?.path) finish(undefined, stdout);
      } catch {
        // Not all of it yet.
      }
    };
    const onExit = (code: number | null, signal: NodeJS.Signals | null) =>
      finish(new Error(`the sandbox exited (${signal ?? `code ${code}`}) before printing its config\n${stderr}`));
    function finish(error: Error | undefined, text = '') {
      clearTimeout(timer);
      child.stdout!.off('data', onStdout);
      child.stderr!.off('data', onStderr);
      child.off('exit', onExit);
      // Keep draining: a full pipe would block the sandbox's (synchronous) writes.
      child.stdout!.resume();
      child.stderr!.resume();
      if (error) reject(error);
      else resolve(text);
    }
    function onStdout(chunk: string) {
      stdout += chunk;
      check();
    }
    function onStderr(chunk: string) {
      stderr += chunk;
      running ||= stderr.split('\n').some((line) => /"msg":"sandbox running/.test(line));
      check();
    }
    child.stdout!.setEncoding('utf8').on('data', onStdout);
    child.stderr!.setEncoding('utf8').on('data', onStderr);
    child.once('exit', onExit);
  });
}

async function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
}
