/**
 * Whether a process that holds a lock or a claim still runs: shared by the state backends
 * (the SQLite file's lock and runs, both backends' opt-out journal claims).
 */
import fs from 'node:fs';
import os from 'node:os';

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

