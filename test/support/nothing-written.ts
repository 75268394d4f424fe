/**
 * Checks for the commands that must write nothing (`import --dry-run`, `optouts --dry-run`):
 * a snapshot of everything a run could touch — the state file's bytes, its `-wal`/`-shm`
 * companions, the reports folder, the mail folder, and the sandbox's logs of writes — to
 * compare before and after.
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { SandboxProject } from './sandbox-project.js';

export interface WriteSnapshot {
  /** sha256 of the state file, or `absent`. */
  state: string;
  wal: boolean;
  shm: boolean;
  reports: string[];
  mail: string[];
  /** Cadence requests that change something (POST …/import). */
  cadenceImports: number;
  batches: number;
  connectUpdates: number;
}

/** sha256 (hex) of a file, or `absent` when there is none. */
export function fileHash(path: string): string {
  return existsSync(path) ? createHash('sha256').update(readFileSync(path)).digest('hex') : 'absent';
}

function list(dir: string): string[] {
  return existsSync(dir) ? readdirSync(dir).sort() : [];
}

/** Everything a run could have written, as it stands now. */
export function writeSnapshot(project: SandboxProject): WriteSnapshot {
  const { sandbox, statePath, dir } = project;
  return {
    state: fileHash(statePath),
    wal: existsSync(`${statePath}-wal`),
    shm: existsSync(`${statePath}-shm`),
    reports: list(join(dir, 'reports')),
    mail: list(join(dir, 'mail')),
    cadenceImports: sandbox.cadence.requestLog.filter((entry) => entry.method === 'POST' && /\/import\b/.test(entry.path)).length,
    batches: sandbox.cadence.batches().length,
    connectUpdates: sandbox.connect.updates.length,
  };
}

/** Parses NDJSON output: one JSON value per non-empty line. */
export function ndjson(text: string): Record<string, any>[] {
  return text
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as Record<string, any>);
}
