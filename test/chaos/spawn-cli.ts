/**
 * The built CLI as a child process that a chaos test can `kill -9` at a moment of its
 * choosing (test/support/cli.ts runs it to the end). A child that outlives its deadline
 * is killed too, and that is reported as a hang.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { CLI_BIN } from '../support/cli.js';

const BUILT_MAIN = fileURLToPath(new URL('../../dist/cli/main.js', import.meta.url));

export interface ChildResult {
  /** Exit code; null when the child ended by a signal. */
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** The test killed it with SIGKILL (and it had not exited by itself before). */
  killed: boolean;
  /** It was still running at its deadline. */
  hung: boolean;
}

export interface RunningCli {
  readonly pid: number;
  /** Sends SIGKILL unless the child already ended; true when the signal was sent. */
  kill(): boolean;
  /** Whether the child has ended. */
  readonly ended: boolean;
  readonly done: Promise<ChildResult>;
}

/** Starts `connect-sync <args>`; it is SIGKILLed and marked `hung` after `deadlineMs`. */
export function startCli(args: readonly string[], options: { cwd: string; deadlineMs: number; env?: Record<string, string> }): RunningCli {
  if (!existsSync(BUILT_MAIN)) throw new Error(`${BUILT_MAIN} is missing: run \`npm run build\` first`);
  const child = spawn(process.execPath, [CLI_BIN, ...args], {
    cwd: options.cwd,
    env: { ...process.env, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  let ended = false;
  let killed = false;
  let hung = false;
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const kill = (): boolean => {
    if (ended || child.exitCode !== null || child.signalCode !== null) return false;
    killed = child.kill('SIGKILL');
    return killed;
  };
  const deadline = setTimeout(() => {
    hung = kill();
  }, options.deadlineMs);
  const done = new Promise<ChildResult>((resolve, reject) => {
    child.on('error', (error) => {
      clearTimeout(deadline);
      reject(error);
    });
    // 'close' (not 'exit') so every byte of output has been read.
    child.on('close', (code, signal) => {
      ended = true;
      clearTimeout(deadline);
      resolve({ code, signal, stdout, stderr, killed: killed && signal === 'SIGKILL', hung });
    });
  });
  return {
    pid: child.pid ?? -1,
    kill,
    get ended() {
      return ended;
    },
    done,
  };
}
