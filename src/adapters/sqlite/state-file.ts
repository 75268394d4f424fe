/**
 * The state file itself, under SqliteStateStore's tables: the open connection, the clock
 * of its time stamps, the read-only guard, and the writer thread that commits the frequent
 * writes of an import (write-behind.ts). Every read waits for the queued writes first.
 */
import type BetterSqlite3 from 'better-sqlite3';
import { closeDatabase, type OpenedDatabase } from './database.js';
import type { IsProcessAlive } from './lock.js';
import { StateFileError } from './state-file-error.js';
import { WriteBehind, writerThreadAvailable } from './write-behind.js';

export interface StateStoreOptions {
  /**
   * For `--dry-run` and `status`: nothing is created or changed, and every write throws
   * StateFileError. A missing file reads as an empty store.
   */
  readonly?: boolean;
  /** The clock of every time stamp (UTC ISO 8601). */
  now?: () => Date;
  /** Liveness of a lock holder or running run; see lock.ts's isProcessAlive (the default). */
  isProcessAlive?: IsProcessAlive;
  /** The process that runs record as theirs when no lock is held; this process by default. */
  owner?: { pid: number; host: string };
  /**
   * Commit the frequent writes on a thread of their own (write-behind.ts). Default: yes,
   * for a file opened for writing, when the compiled thread script is there.
   */
  writeBehind?: boolean;
}

/** The connection and its writer thread; SqliteStateStore adds the tables. */
export class SqliteStateFile {
  readonly path: string;
  readonly readonly: boolean;

  protected readonly db: BetterSqlite3.Database;
  protected readonly now: () => Date;
  readonly #opened: OpenedDatabase;
  /** Whether the frequent writes go to a writer thread, started with the first of them. */
  readonly #writesBehind: boolean;
  #behind: WriteBehind | undefined;

  constructor(path: string, opened: OpenedDatabase, options: StateStoreOptions = {}) {
    this.path = path;
    this.readonly = opened.readonly;
    this.#opened = opened;
    this.db = opened.db;
    this.now = options.now ?? (() => new Date());
    this.#writesBehind = !opened.readonly && !opened.db.memory && (options.writeBehind ?? writerThreadAvailable());
  }

  /** Whether the frequent writes go to the writer thread now (see write-behind.ts). */
  get writesBehind(): boolean {
    return this.#behind?.ready === true && this.db.open;
  }

  /** Returns once every write asked for is committed (see write-behind.ts). */
  flush(): void {
    this.drain();
  }

  /**
   * Closes the file (the lock is not released: call releaseLock first). Idempotent. Writes
   * still queued are committed first; a write that fails then was the run's to report
   * (every call after a write throws its failure), and is otherwise lost as in a kill.
   */
  close(): void {
    const behind = this.#behind;
    this.#behind = undefined;
    try {
      behind?.close();
    } catch {
      // See above.
    } finally {
      closeDatabase(this.#opened);
    }
  }

  /**
   * The writer thread when it takes writes; undefined: write on this connection. Started by
   * the first write it could take, it takes them once ready (write-behind.ts).
   */
  protected behindWriter(): WriteBehind | undefined {
    if (!this.#writesBehind || !this.db.open) return undefined;
    this.#behind ??= new WriteBehind(this.path);
    return this.#behind.ready ? this.#behind : undefined;
  }

  /** Waits for the writer thread to commit what is queued (before any other use of the connection). */
  protected drain(): void {
    this.#behind?.drain();
  }

  /**
   * Brings confirmed payloads read from the file (`found`, by contact id) up to date with
   * the writes of `contactIds` still queued for the writer thread: a queued payload, read
   * through `fromJson`, replaces the one on file; a queued forget removes it.
   */
  protected withQueued<V>(found: Map<string, V>, contactIds: readonly string[], fromJson: (json: string) => V): Map<string, V> {
    for (const [id, json] of this.#behind?.queued(contactIds) ?? []) {
      if (json === null) found.delete(id);
      else found.set(id, fromJson(json));
    }
    return found;
  }

  protected stamp(): string {
    return this.now().toISOString();
  }

  protected writable(method: string): void {
    if (this.readonly) throw new StateFileError(`the state file was opened read-only; ${method} would change it`);
  }
}
