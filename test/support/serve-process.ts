/**
 * `connect-sync serve` as a real child process: started from the built CLI, its address
 * read from its own `serve listening` log line, stopped by a signal.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import Database from 'better-sqlite3';
import { CLI_BIN } from './cli.js';

export interface ServeProcess {
  child: ChildProcess;
  /** `http://127.0.0.1:<port>` */
  url: string;
  stderr(): string;
  /** Resolves with the exit code (null) and signal once the process is gone. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Starts serve with the config and resolves once it listens (rejects if it exits first). */
export function startServe(configPath: string, cwd: string, env: Record<string, string> = {}): Promise<ServeProcess> {
  const child = spawn(process.execPath, [CLI_BIN, '-c', configPath, '--log-format', 'json', 'serve'], { cwd, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('close', (code, signal) => resolve({ code, signal })));
  return new Promise((resolve, reject) => {
    child.stdout.resume();
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
      const line = stderr.split('\n').find((text) => text.includes('"serve listening"'));
      if (line !== undefined) resolve({ child, url: (JSON.parse(line) as { address: string }).address, stderr: () => stderr, exited });
    });
    void exited.then(({ code }) => reject(new Error(`serve exited (${code}) before listening:\n${stderr}`)));
  });
}

/** Polls `check` until it holds (an outcome of another process, not a race) or the time is up. */
export async function eventually(check: () => boolean, timeoutMs = 10_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > until) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** The webhook token of the e2e configs (at least 32 characters). */
export const TOKEN = 'e2e-token-0123456789abcdefghijklmnopqrstuv';

/** The journal's rows, read straight from the file. */
export function journalRows(statePath: string): { contact_id: string; opted_out: number; source: string; state: string }[] {
  const db = new Database(statePath, { readonly: true });
  try {
    return db.prepare('SELECT contact_id, opted_out, source, state FROM optout_journal ORDER BY id').all() as never;
  } finally {
    db.close();
  }
}

/** How many runs the state file records (0 while there is no file yet). */
export function runsRecorded(statePath: string): number {
  let db: Database.Database;
  try {
    db = new Database(statePath, { readonly: true, fileMustExist: true });
  } catch {
    return 0;
  }
  try {
    return (db.prepare('SELECT count(*) AS n FROM runs').get() as { n: number }).n;
  } catch {
    return 0;
  } finally {
    db.close();
  }
}

export function post(url: string, body: string, headers: Record<string, string> = { 'content-type': 'application/json' }): Promise<Response> {
  return fetch(url, { method: 'POST', body, headers });
}
