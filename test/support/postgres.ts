/**
 * PostgreSQL for tests: a fresh database on the run's server (postgres-server.ts) per
 * caller, so every test stands alone; and the config edit that points a sandbox project
 * at one (`sandboxProject({ config: postgresState(url) })`), for the end-to-end tests
 * that run against both backends.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { inject } from 'vitest';
import { createDatabase } from '../../src/bench/postgres-server.js';

/** The admin URL of the run's server; throws (the test fails) when it did not start. */
export function postgresServerUrl(): string {
  const server = inject('postgres');
  if (server === undefined) throw new Error('no test PostgreSQL server: is test/support/postgres-server.ts in vitest.config.ts globalSetup?');
  if (server.url === undefined) throw new Error(server.error);
  return server.url;
}

/** Creates an empty database and returns its URL (password included: tests only). */
export async function freshDatabase(prefix = 'cs'): Promise<string> {
  return createDatabase(postgresServerUrl(), `${prefix}_${randomBytes(6).toString('hex')}`);
}

/** Runs `work` on a single connection to `url` (inspecting tables, killing sessions). */
export async function withClient<T>(url: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/** The password of the test server's URLs: it must never show in any output. */
export function postgresPassword(): string {
  return decodeURIComponent(new URL(postgresServerUrl()).password);
}

/** A sandbox-project config edit: the state in PostgreSQL at `url` instead of the SQLite file. */
export function postgresState(url: string): (config: Record<string, any>) => void {
  return (config) => {
    config.state = { url };
  };
}
