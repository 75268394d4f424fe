/**
 * The team's run lock on PostgreSQL: a session-level advisory lock on a key derived from
 * the team, held on a connection of its own for the whole run, so the server releases it
 * when its holder dies (kill -9, a lost machine). Who holds it (pid, host, since) is kept
 * in run_lock for the LockBusyError of the next one; a row whose lock nobody holds is a
 * dead holder's, and is replaced by the next holder.
 */
import type pg from 'pg';
import type { LockHolder } from '../../core/ports.js';
import type { RunLock } from '../../core/state.js';
import { LockBusyError } from '../../errors.js';
import { lockKey, lockKeyParts, newClient } from './connection.js';
import type { Query, TeamDb } from './db.js';

interface LockRow {
  pid: number;
  host: string;
  since: string;
}

/** How often, and how long apart, a loser looks for the winner's row it may not have written yet. */
const HOLDER_READS = 20;
const HOLDER_READ_PAUSE_MS = 25;
/**
 * How often the lock's session is used while the run holds it: a server that closes idle
 * sessions (idle_session_timeout) or a path that drops them would otherwise end it unseen
 * until the next write, and another import could take the lock in between.
 */
const HEARTBEAT_MS = 30_000;

/** The team's lock key and whether any session of this database holds it now. */
export function teamLock(db: TeamDb): { key: string; isHeld(query?: Query): Promise<boolean> } {
  const key = lockKey('connect-sync run lock', db.team);
  const { high, low } = lockKeyParts(key);
  return {
    key,
    async isHeld(query = db.query) {
      const rows = await query<{ held: boolean }>(
        `SELECT EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND granted AND objsubid = 1
           AND classid = $3::bigint::oid AND objid = $4::bigint::oid
           AND database = (SELECT oid FROM pg_database WHERE datname = current_database())) AS held
         WHERE $1::text IS NOT NULL AND $2::text IS NOT NULL`,
        [high, low],
      );
      return rows[0]?.held === true;
    },
  };
}

export interface PgRunLock extends RunLock {
  /** The holder this State took the lock as, while it holds it. */
  readonly mine: LockHolder | undefined;
  /** Ends the lock's session (the server releases the lock) without touching its row: as if the process died. */
  drop(): Promise<void>;
}

/** The run lock of `db`'s team; `now` stamps `since`. */
export function pgRunLock(db: TeamDb, now: () => Date): PgRunLock {
  const lock = teamLock(db);
  let session: pg.Client | undefined;
  let heartbeat: NodeJS.Timeout | undefined;
  let mine: LockHolder | undefined;

  async function readRow(query: Query = db.query): Promise<LockHolder | undefined> {
    const rows = await query<LockRow>('SELECT pid, host, since FROM run_lock WHERE dept_code = $1 AND client_name = $2');
    const row = rows[0];
    return row === undefined ? undefined : { pid: row.pid, host: row.host, since: row.since };
  }

  /** The live holder, read until its row shows up (it writes it right after taking the lock). */
  async function liveHolder(): Promise<LockHolder> {
    for (let read = 0; read < HOLDER_READS; read += 1) {
      const row = await readRow();
      if (row !== undefined) return row;
      await new Promise((resolve) => setTimeout(resolve, HOLDER_READ_PAUSE_MS));
    }
    return { pid: 0, host: 'another session of the database (it has not said who)', since: now().toISOString() };
  }

  /** A new session, and whether it has ended since it was opened (it may end before it becomes the lock's). */
  async function openSession(): Promise<{ client: pg.Client; ended(): boolean }> {
    await db.ready();
    const client = await newClient(db.url);
    let ended = false;
    // A lock session that ends under the run takes the lock with it: the State's next write refuses.
    const lost = () => {
      ended = true;
      if (session === client) db.setLockLost(true);
    };
    client.on('error', lost);
    client.on('end', lost);
    await client.connect().catch((error: unknown) => {
      throw db.failure(error);
    });
    return { client, ended: () => ended };
  }

  /** Makes `client` the lock's session, and keeps it in use while it is. */
  function holdSession(client: pg.Client, ended: boolean): void {
    session = client;
    if (ended) db.setLockLost(true);
    heartbeat = setInterval(() => {
      client.query('SELECT 1').catch(() => {
        if (session === client) db.setLockLost(true);
      });
    }, HEARTBEAT_MS);
    heartbeat.unref();
  }

  async function closeSession(): Promise<void> {
    const client = session;
    clearInterval(heartbeat);
    heartbeat = undefined;
    session = undefined;
    mine = undefined;
    db.setLockLost(false);
    await client?.end().catch(() => undefined);
  }

  return {
    get mine() {
      return mine;
    },
    async acquire(holder) {
      db.writable('acquire');
      if (!Number.isInteger(holder.pid) || holder.pid <= 0) throw new TypeError(`invalid lock holder pid ${holder.pid}`);
      if (mine !== undefined) return {};
      const { client, ended } = await openSession();
      try {
        const taken = await client.query<{ taken: boolean }>('SELECT pg_try_advisory_lock($1::bigint) AS taken', [lock.key]);
        if (taken.rows[0]?.taken !== true) throw new LockBusyError(await liveHolder());
        const since = now().toISOString();
        const stale = await db.transaction(async (query) => {
          const before = await readRow(query);
          await query(
            `INSERT INTO run_lock (dept_code, client_name, pid, host, since) VALUES ($1, $2, $3, $4, $5)
             ON CONFLICT (dept_code, client_name) DO UPDATE SET pid = excluded.pid, host = excluded.host, since = excluded.since`,
            [holder.pid, holder.host, since],
          );
          return before;
        });
        holdSession(client, ended());
        mine = { pid: holder.pid, host: holder.host, since };
        return stale === undefined ? {} : { takenOver: stale };
      } catch (error) {
        await client.end().catch(() => undefined);
        throw error;
      }
    },
    async release() {
      if (db.readonly) db.writable('release');
      if (mine === undefined) return;
      const held = mine;
      try {
        await db.query('DELETE FROM run_lock WHERE dept_code = $1 AND client_name = $2 AND pid = $3 AND host = $4 AND since = $5', [held.pid, held.host, held.since]);
      } finally {
        // Ending the session releases the advisory lock whatever became of the row.
        await closeSession();
      }
    },
    drop: closeSession,
    async holder() {
      const row = await readRow();
      if (row === undefined) return undefined;
      return (await lock.isHeld()) ? row : undefined;
    },
  };
}
