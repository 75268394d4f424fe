/**
 * Runs the real, built CLI (`node bin/connect-sync.js`) as a child process, the way an
 * operator or cron would. `npm test` builds first; run `npm run build` before running
 * end-to-end tests on their own.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** Absolute path of the CLI's launcher. */
export const CLI_BIN = fileURLToPath(new URL('../../bin/connect-sync.js', import.meta.url));
const BUILT_MAIN = fileURLToPath(new URL('../../dist/cli/main.js', import.meta.url));

export interface RunCliOptions {
  /** Working folder of the child (where the config is searched); the test's by default. */
  cwd?: string;
  /** Added to (and overriding) the parent's environment. */
  env?: Record<string, string>;
  /** Text written to the child's stdin (closed right after). */
  input?: string;
  /** The child is killed (SIGKILL) and the call rejects after this long. Default 30 s. */
  timeoutMs?: number;
}

export interface CliResult {
  /** Exit code; null when the child ended by a signal. */
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `connect-sync <args>` and resolves with its exit code and output once it ends. */
export async function runCli(args: string[], options: RunCliOptions = {}): Promise<CliResult> {
  if (!existsSync(BUILT_MAIN)) throw new Error(`${BUILT_MAIN} is missing: run \`npm run build\` first`);
  const timeoutMs = options.timeoutMs ?? 30_000;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI_BIN, ...args], {
      cwd: options.cwd,
      env: { ...process.env, ...options.env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    // A child that exits without reading stdin closes the pipe; that is not a failure.
    child.stdin.on('error', () => undefined);
    child.stdin.end(options.input ?? '');
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`connect-sync ${args.join(' ')} did not end within ${timeoutMs} ms\nstdout:\n${stdout}\nstderr:\n${stderr}`));
    }, timeoutMs);
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    // 'close' (not 'exit') so every byte of output has been read.
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}
