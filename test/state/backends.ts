/**
 * The two state backends, opened the same way for the contract tests: a SQLite file in a
 * temp folder and a fresh PostgreSQL database on the run's server. `open` opens another
 * State on the same store (another process, as far as the store can tell).
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openPostgresState, type Team } from '../../src/adapters/postgres/state.js';
import { openSqliteState } from '../../src/adapters/sqlite/state.js';
import type { State } from '../../src/core/state.js';
import { freshDatabase } from '../support/postgres.js';

export interface OpenOptions {
  readonly?: boolean;
  now?: () => Date;
  team?: Team;
  isProcessAlive?: (pid: number, host: string) => boolean;
}

export interface Backend {
  name: string;
  /** Makes a new, empty store; `open` then opens States on it. */
  create(): Promise<{ open(options?: OpenOptions): State; cleanup(): Promise<void> }>;
}

export const TEAM: Team = { deptCode: 'ADM', clientName: 'acme' };

export const sqliteBackend: Backend = {
  name: 'SQLite file',
  async create() {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'connect-sync-contract-'));
    const file = path.join(dir, 'state.sqlite');
    return {
      open: (options = {}) =>
        openSqliteState(file, {
          readonly: options.readonly === true,
          writeBehind: false,
          ...(options.now !== undefined && { now: options.now }),
          ...(options.isProcessAlive !== undefined && { isProcessAlive: options.isProcessAlive }),
        }),
      cleanup: async () => fs.rmSync(dir, { recursive: true, force: true }),
    };
  },
};

export const postgresBackend: Backend = {
  name: 'PostgreSQL',
  async create() {
    const url = await freshDatabase('contract');
    return {
      open: (options = {}) =>
        openPostgresState(url, options.team ?? TEAM, {
          readonly: options.readonly === true,
          ...(options.now !== undefined && { now: options.now }),
          ...(options.isProcessAlive !== undefined && { isProcessAlive: options.isProcessAlive }),
        }),
      cleanup: async () => undefined,
    };
  },
};

export const BACKENDS: readonly Backend[] = [sqliteBackend, postgresBackend];

/** The pid of a process that has exited (so it is dead on this host). */
export function deadPid(): number {
  const child = spawnSync(process.execPath, ['-e', '0']);
  return child.pid ?? 0;
}

/** A clock that starts at `start` and moves only when told. */
export function manualClock(start = '2026-11-24T12:00:00.000Z'): { now: () => Date; advance(ms: number): void } {
  let at = Date.parse(start);
  return {
    now: () => new Date(at),
    advance(ms) {
      at += ms;
    },
  };
}
