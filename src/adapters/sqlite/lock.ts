/**
 * The import lock: one row in the state file naming the process that holds it. Taken in
 * an IMMEDIATE transaction, so two processes starting together cannot both win. A holder
 * that died (kill -9, power loss) is detected and its lock taken over.
 */
import fs from 'node:fs';
import os from 'node:os';
import type BetterSqlite3 from 'better-sqlite3';
import type { LockHolder } from '../../core/ports.js';
import { LockBusyError } from '../../errors.js';

type Db = BetterSqlite3.Database;

/** Tells whether the process `pid` on `host` still runs; `since` is when it took the lock or started its run. */
export type IsProcessAlive = (pid: number, host: string, since?: string) => boolean;

/**
 * A process started this long after the holder's `since` cannot be the holder: its pid was
 * reused (after a reboot, or pid 1 of a restarted container). Generous, so that a wall
 * clock stepped forward during a run never hands a live holder's lock to another process.
 */
const PID_REUSE_MARGIN_MS = 60_000;
/** USER_HZ: the unit of /proc/<pid>/stat's start time; 100 on every Linux that Node supports. */
const CLOCK_TICKS_PER_SECOND = 100;

/**
 * The default liveness check. A process on another host cannot be checked and counts as
 * alive (the operator removes such a lock by hand). On this host: no such pid → dead; a
 * zombie, or a process started after `since` (its pid was reused) → dead (Linux only).
 */
export function isProcessAlive(pid: number, host: string, since?: string): boolean {
  if (host !== os.hostname()) return true;
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
  } catch (error) {
    // EPERM: the process exists but belongs to another user.
    if ((error as NodeJS.ErrnoException).code === 'ESRCH') return false;
  }
  const stat = readProcStat(pid);
  if (stat === undefined) return true;
  if (stat.state === 'Z' || stat.state === 'X') return false;
  const sinceMs = since === undefined ? Number.NaN : Date.parse(since);
  return !(stat.startedAtMs > sinceMs + PID_REUSE_MARGIN_MS);
}

/** State and start time (epoch ms) of a Linux process, or undefined where /proc is missing. */
function readProcStat(pid: number): { state: string; startedAtMs: number } | undefined {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may hold spaces and parentheses: fields resume after the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const bootLine = /^btime (\d+)$/m.exec(fs.readFileSync('/proc/stat', 'utf8'));
    const startTicks = Number(fields[19]);
    if (!bootLine || !Number.isFinite(startTicks)) return undefined;
    const startedAtMs = Number(bootLine[1]) * 1000 + (startTicks * 1000) / CLOCK_TICKS_PER_SECOND;
    return { state: fields[0] ?? '', startedAtMs };
  } catch {
    return undefined;
  }
}

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
