/**
 * The runs of the state file and the lock they run under: which process imports now, and
 * what each run did. SqliteStateStore adds the sync state, the report rows and the opt-out
 * journal on top.
 */
import os from 'node:os';
import type { LockHolder, RunCounts, RunKind, RunRecord } from '../../core/ports.js';
import type { OpenedDatabase } from './database.js';
import * as lock from './lock.js';
import { runTable, type FinishResult } from './runs.js';
import { SqliteStateFile, type StateStoreOptions } from './state-file.js';

/** The lock and the runs; SqliteStateStore adds the rest of the state. */
export class SqliteRunsFile extends SqliteStateFile {
  /** The dead holder the last acquireLock took the lock from (for the caller to log), if any. */
  lastTakeover: LockHolder | undefined;

  /** Liveness of a lock holder or running run (lock.ts's isProcessAlive unless a test gives one). */
  protected readonly alive: lock.IsProcessAlive;
  readonly #owner: { pid: number; host: string };
  #held: LockHolder | undefined;
  readonly #runs: ReturnType<typeof runTable>;

  constructor(path: string, opened: OpenedDatabase, options: StateStoreOptions = {}) {
    super(path, opened, options);
    this.alive = options.isProcessAlive ?? lock.isProcessAlive;
    this.#owner = options.owner ?? { pid: process.pid, host: os.hostname() };
    // The lock this store holds is ours, hence alive, whatever the clock says.
    this.#runs = runTable(this.db, (pid, host, since) => lock.sameHolder(this.#held, { pid, host, since: since ?? '' }) || this.alive(pid, host, since));
  }

  // ---- Lock --------------------------------------------------------------------------

  /** Takes the lock, or keeps it if this store holds it already. Sets `lastTakeover`. */
  acquireLock(holder: { pid: number; host: string }): void {
    this.writable('acquireLock');
    this.drain();
    const acquired = lock.acquireLock(this.db, holder, this.stamp(), this.#held, this.alive);
    this.#held = acquired.holder;
    this.lastTakeover = acquired.takenOver;
  }

  /** Releases the lock if this store (or, when it took none, this process) holds it. */
  releaseLock(): void {
    this.writable('releaseLock');
    this.drain();
    lock.releaseLock(this.db, this.#held ?? this.#owner);
    this.#held = undefined;
  }

  lockHolder(): LockHolder | undefined {
    this.drain();
    return lock.readLockHolder(this.db);
  }

  /** Removes whatever lock is there, live or not; returns the holder it removed. */
  breakLock(): LockHolder | undefined {
    this.writable('breakLock');
    this.drain();
    this.#held = undefined;
    return lock.breakLock(this.db);
  }

  // ---- Runs --------------------------------------------------------------------------

  /** Starts a run owned by the lock this store holds (or by `owner` without one). */
  startRun(kind: RunKind, options: { scheduled?: boolean } = {}): RunRecord {
    this.writable('startRun');
    this.drain();
    return this.#runs.start(kind, this.#held ?? this.#owner, this.now(), this.#held?.since, options.scheduled === true);
  }

  /** The newest import that completed with exit 0 or 1. */
  lastCompletedImport(): RunRecord | undefined {
    this.drain();
    return this.#runs.lastCompleted();
  }

  /** The newest `import --scheduled` started at or after `since` that ended with exit 0 or 1. */
  scheduledCompletedSince(since: Date): RunRecord | undefined {
    this.drain();
    return this.#runs.scheduledCompletedSince(since);
  }

  updateRunCounts(runId: string, counts: RunCounts): void {
    this.writable('updateRunCounts');
    const behind = this.behindWriter();
    if (behind) behind.write({ kind: 'runCounts', runId, counts });
    else this.#runs.updateCounts(runId, counts);
  }

  finishRun(runId: string, result: FinishResult): void {
    this.writable('finishRun');
    this.drain();
    this.#runs.finish(runId, result, this.now());
  }

  recordMail(runId: string, mail: { sent: boolean; error?: string }): void {
    this.writable('recordMail');
    this.drain();
    this.#runs.recordMail(runId, mail, this.now());
  }

  getRun(runId: string): RunRecord | undefined {
    this.drain();
    return this.#runs.get(runId);
  }

  recentRuns(limit: number): RunRecord[] {
    this.drain();
    return this.#runs.recent(limit);
  }
}
