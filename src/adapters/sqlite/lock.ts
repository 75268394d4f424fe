/**
 * The import lock: one row in the state file naming the process that holds it. Taken in
 * an IMMEDIATE transaction, so two processes starting together cannot both win. A holder
 * that died (kill -9, power loss) is detected and its lock taken over.
 */
import type BetterSqlite3 from 'better-sqlite3';
import type { LockHolder } from '../../core/ports.js';
import { LockBusyError } from '../../errors.js';

type Db = BetterSqlite3.Database;

import type { IsProcessAlive } from '../process-alive.js';

export { isProcessAlive, type IsProcessAlive } from '../process-alive.js';

interface LockRow {
  pid: number;
  host: string;
  since: string;
}

/** Reads the current holder, if any. */
export function readLockHolder(db: Db): LockHolder | undefined {
  const row = db.prepare<[], LockRow>('SELECT pid, host, since FROM lock WHERE id = 1').get();
  return row === undefined ? undefined : { pid: row.pid, host: row.host, since: row.since };
}

/** Whether two holders are the same lock: same pid, host and time taken. */
export function sameHolder(a: LockHolder | undefined, b: LockHolder | undefined): boolean {
  return a !== undefined && b !== undefined && a.pid === b.pid && a.host === b.host && a.since === b.since;
}

export interface Acquired {
  holder: LockHolder;
  /** The dead process whose lock was taken over, if any. */
  takenOver: LockHolder | undefined;
}

/**
 * Takes the lock for `requester` at `since`. `mine` is the lock this store already holds:
 * asking again is a no-op. Throws LockBusyError when a live process holds it.
 */
export function acquireLock(
  db: Db,
  requester: { pid: number; host: string },
  since: string,
  mine: LockHolder | undefined,
  alive: IsProcessAlive,
): Acquired {
  if (!Number.isInteger(requester.pid) || requester.pid <= 0) throw new TypeError(`invalid lock holder pid ${requester.pid}`);
  return db
    .transaction((): Acquired => {
      const current = readLockHolder(db);
      if (current !== undefined && sameHolder(current, mine)) return { holder: current, takenOver: undefined };
      if (current !== undefined && alive(current.pid, current.host, current.since)) throw new LockBusyError(current);
      const holder = { pid: requester.pid, host: requester.host, since };
      db.prepare('INSERT OR REPLACE INTO lock (id, pid, host, since) VALUES (1, ?, ?, ?)').run(holder.pid, holder.host, holder.since);
      return { holder, takenOver: current };
    })
    .immediate();
}

/** Removes the lock if `holder` still holds it; returns whether it did. */
export function releaseLock(db: Db, holder: { pid: number; host: string; since?: string }): boolean {
  const result =
    holder.since === undefined
      ? db.prepare('DELETE FROM lock WHERE id = 1 AND pid = ? AND host = ?').run(holder.pid, holder.host)
      : db.prepare('DELETE FROM lock WHERE id = 1 AND pid = ? AND host = ? AND since = ?').run(holder.pid, holder.host, holder.since);
  return result.changes > 0;
}

/** Removes whatever lock is there (an operator's last resort for a holder on another host). */
export function breakLock(db: Db): LockHolder | undefined {
  return db
    .transaction(() => {
      const current = readLockHolder(db);
      db.prepare('DELETE FROM lock WHERE id = 1').run();
      return current;
    })
    .immediate();
}
