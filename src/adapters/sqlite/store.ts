/**
 * The state store of product.md §4 over one SQLite file (better-sqlite3, WAL): runs,
 * watermarks, confirmed payloads, retries, report rows, the import lock, the opt-out
 * write-back position and the consent Cadence reported. Every method is synchronous; the
 * frequent writes of an import commit on a thread of their own (write-behind.ts).
 */
import os from 'node:os';
import type BetterSqlite3 from 'better-sqlite3';
import type {
  CadenceConsent,
  JournalEntry,
  JournalResult,
  LockHolder,
  OptOutPosition,
  RetryEntry,
  RunCounts,
  RunIssue,
  RunKind,
  RunRecord,
  StateStore,
  Watermark,
} from '../../core/ports.js';
import type { CadenceContact } from '../../core/types.js';
import { normaliseChangedAt, type JournalChange, type JournalVerdict } from '../../core/optout-journal.js';
import type { StillFailingChanges, StillFailingRow } from '../../core/still-failing.js';
import { stillFailingTable } from './still-failing.js';
import { closeDatabase, openDatabase, type OpenedDatabase } from './database.js';
import { confirmedTable, retryTable } from './contacts.js';
import { journalTable } from './optout-journal.js';
import * as lock from './lock.js';
import { issueTable, runTable, type FinishResult } from './runs.js';
import { StateFileError } from './state-file-error.js';
import { WriteBehind, writerThreadAvailable } from './write-behind.js';

export { StateFileError } from './state-file-error.js';
export { emptyRunCounts, runIdAt } from './runs.js';
export { isProcessAlive, type IsProcessAlive } from './lock.js';
export { SCHEMA_VERSION } from './migrations.js';

/** Report rows read at once when they are iterated. */
const ISSUE_PAGE_SIZE = 1000;

export interface StateStoreOptions {
  /**
   * For `--dry-run` and `status`: nothing is created or changed, and every write throws
   * StateFileError. A missing file reads as an empty store.
   */
  readonly?: boolean;
  /** The clock of every time stamp (UTC ISO 8601). */
  now?: () => Date;
  /** Liveness of a lock holder or running run; see lock.ts's isProcessAlive (the default). */
  isProcessAlive?: lock.IsProcessAlive;
  /** The process that runs record as theirs when no lock is held; this process by default. */
  owner?: { pid: number; host: string };
  /**
   * Commit the frequent writes on a thread of their own (write-behind.ts). Default: yes,
   * for a file opened for writing, when the compiled thread script is there.
   */
  writeBehind?: boolean;
}

/**
 * Opens the state file at `path` (`:memory:` for a throwaway store), creating its folder,
 * the file and its schema when missing. Throws StateFileError when the file is not a
 * connect-sync state file or was written by a newer version.
 */
export function openStateStore(path: string, options: StateStoreOptions = {}): SqliteStateStore {
  return new SqliteStateStore(path, openDatabase(path, { readonly: options.readonly === true }), options);
}

interface WatermarkRow {
  filter_id: number;
  modified_at: string;
  contact_id: string;
  fingerprint: string;
  updated_at: string;
}

export class SqliteStateStore implements StateStore {
  readonly path: string;
  readonly readonly: boolean;
  /** The dead holder the last acquireLock took the lock from (for the caller to log), if any. */
  lastTakeover: LockHolder | undefined;

  readonly #opened: OpenedDatabase;
  readonly #db: BetterSqlite3.Database;
  readonly #now: () => Date;
  readonly #alive: lock.IsProcessAlive;
  readonly #owner: { pid: number; host: string };
  #held: LockHolder | undefined;
  readonly #runs: ReturnType<typeof runTable>;
  readonly #issues: ReturnType<typeof issueTable>;
  readonly #confirmed: ReturnType<typeof confirmedTable>;
  readonly #retries: ReturnType<typeof retryTable>;
  readonly #journal: ReturnType<typeof journalTable>;
  readonly #stillFailing: ReturnType<typeof stillFailingTable>;
  /** Whether the frequent writes go to a writer thread, started with the first of them. */
  readonly #writesBehind: boolean;
  #behind: WriteBehind | undefined;

  constructor(path: string, opened: OpenedDatabase, options: StateStoreOptions = {}) {
    this.path = path;
    this.readonly = opened.readonly;
    this.#opened = opened;
    this.#db = opened.db;
    this.#now = options.now ?? (() => new Date());
    this.#alive = options.isProcessAlive ?? lock.isProcessAlive;
    this.#owner = options.owner ?? { pid: process.pid, host: os.hostname() };
    // The lock this store holds is ours, hence alive, whatever the clock says.
    this.#runs = runTable(this.#db, (pid, host, since) => lock.sameHolder(this.#held, { pid, host, since: since ?? '' }) || this.#alive(pid, host, since));
    this.#issues = issueTable(this.#db);
    this.#confirmed = confirmedTable(this.#db);
    this.#retries = retryTable(this.#db);
    this.#journal = journalTable(this.#db, this.#now, (pid, host) => this.#alive(pid, host));
    this.#stillFailing = stillFailingTable(this.#db);
    this.#writesBehind = !opened.readonly && !opened.db.memory && (options.writeBehind ?? writerThreadAvailable());
  }

  // ---- Lock --------------------------------------------------------------------------

  /** Takes the lock, or keeps it if this store holds it already. Sets `lastTakeover`. */
  acquireLock(holder: { pid: number; host: string }): void {
    this.#writable('acquireLock');
    this.#drain();
    const acquired = lock.acquireLock(this.#db, holder, this.#stamp(), this.#held, this.#alive);
    this.#held = acquired.holder;
    this.lastTakeover = acquired.takenOver;
  }

  /** Releases the lock if this store (or, when it took none, this process) holds it. */
  releaseLock(): void {
    this.#writable('releaseLock');
    this.#drain();
    lock.releaseLock(this.#db, this.#held ?? this.#owner);
    this.#held = undefined;
  }

  lockHolder(): LockHolder | undefined {
    this.#drain();
    return lock.readLockHolder(this.#db);
  }

  /** Removes whatever lock is there, live or not; returns the holder it removed. Not part of StateStore. */
  breakLock(): LockHolder | undefined {
    this.#writable('breakLock');
    this.#drain();
    this.#held = undefined;
    return lock.breakLock(this.#db);
  }

  // ---- Runs --------------------------------------------------------------------------

  /** Starts a run owned by the lock this store holds (or by `owner` without one). */
  startRun(kind: RunKind, options: { scheduled?: boolean } = {}): RunRecord {
    this.#writable('startRun');
    this.#drain();
    return this.#runs.start(kind, this.#held ?? this.#owner, this.#now(), this.#held?.since, options.scheduled === true);
  }

  /** The newest import that completed with exit 0 or 1. Not part of StateStore. */
  lastCompletedImport(): RunRecord | undefined {
    this.#drain();
    return this.#runs.lastCompleted();
  }

  /** The newest `import --scheduled` started at or after `since` that ended with exit 0 or 1. Not part of StateStore. */
  scheduledCompletedSince(since: Date): RunRecord | undefined {
    this.#drain();
    return this.#runs.scheduledCompletedSince(since);
  }

  updateRunCounts(runId: string, counts: RunCounts): void {
    this.#writable('updateRunCounts');
    const behind = this.#behindWriter();
    if (behind) behind.write({ kind: 'runCounts', runId, counts });
    else this.#runs.updateCounts(runId, counts);
  }

  finishRun(runId: string, result: FinishResult): void {
    this.#writable('finishRun');
    this.#drain();
    this.#runs.finish(runId, result, this.#now());
  }

  recordMail(runId: string, mail: { sent: boolean; error?: string }): void {
    this.#writable('recordMail');
    this.#drain();
    this.#runs.recordMail(runId, mail, this.#now());
  }

  getRun(runId: string): RunRecord | undefined {
    this.#drain();
    return this.#runs.get(runId);
  }

  recentRuns(limit: number): RunRecord[] {
    this.#drain();
    return this.#runs.recent(limit);
  }

  // ---- Watermarks --------------------------------------------------------------------

  getWatermark(filterId: number): Watermark | undefined {
    this.#drain();
    const row = this.#db.prepare<[number], WatermarkRow>('SELECT * FROM watermarks WHERE filter_id = ?').get(filterId);
    return row === undefined ? undefined : toWatermark(row);
  }

  listWatermarks(): Watermark[] {
    this.#drain();
    return this.#db.prepare<[], WatermarkRow>('SELECT * FROM watermarks ORDER BY filter_id').all().map(toWatermark);
  }

  setWatermarks(watermarks: readonly Omit<Watermark, 'updatedAt'>[]): void {
    this.#writable('setWatermarks');
    this.#drain();
    const upsert = this.#db.prepare(
      `INSERT INTO watermarks (filter_id, modified_at, contact_id, fingerprint, updated_at) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (filter_id) DO UPDATE SET modified_at = excluded.modified_at, contact_id = excluded.contact_id,
         fingerprint = excluded.fingerprint, updated_at = excluded.updated_at`,
    );
    const at = this.#stamp();
    this.#db.transaction(() => {
      for (const mark of watermarks) upsert.run(mark.filterId, mark.modifiedAt, mark.contactId, mark.fingerprint, at);
    })();
  }

  // ---- Confirmed payloads and retries ------------------------------------------------

  getConfirmed(contactIds: readonly string[]): Map<string, CadenceContact> {
    return this.#withQueued(this.#confirmed.get(contactIds), contactIds, (json) => JSON.parse(json) as CadenceContact);
  }

  getConfirmedOptedOut(contactIds: readonly string[]): Map<string, boolean | undefined> {
    return this.#withQueued(this.#confirmed.getOptedOut(contactIds), contactIds, (json) => (JSON.parse(json) as CadenceContact).optedOut);
  }

  holdsAny(kind: 'confirmed' | 'consent'): boolean {
    this.#drain();
    return kind === 'confirmed' ? this.#confirmed.any() : this.#journal.any();
  }

  /**
   * The confirmed payloads as stored (`JSON.stringify` of what recordConfirmed got), so a
   * caller can compare its own `JSON.stringify(payload)` without parsing. Not part of StateStore.
   */
  getConfirmedJson(contactIds: readonly string[]): Map<string, string> {
    return this.#withQueued(this.#confirmed.getJson(contactIds), contactIds, (json) => json);
  }

  recordConfirmed(entries: readonly { contactId: string; payload: CadenceContact }[]): void {
    this.#writable('recordConfirmed');
    const jsons = entries.map((entry) => JSON.stringify(entry.payload));
    const behind = this.#behindWriter();
    if (behind) behind.record(entries.map((entry) => entry.contactId), jsons, this.#stamp());
    else this.#confirmed.record(entries.map((entry, index) => ({ contactId: entry.contactId, json: jsons[index]! })), this.#stamp());
  }

  /** Returns once the payloads are forgotten for good (committed), also with write-behind. */
  forgetConfirmed(contactIds: readonly string[]): void {
    this.#writable('forgetConfirmed');
    const behind = this.#behindWriter();
    if (behind) behind.forget(contactIds);
    else this.#confirmed.forget(contactIds);
  }

  putRetries(entries: readonly Omit<RetryEntry, 'attempts' | 'firstFailedAt'>[]): void {
    this.#writable('putRetries');
    const behind = this.#behindWriter();
    if (behind) behind.write({ kind: 'putRetries', entries, at: this.#stamp() });
    else this.#retries.put(entries, this.#stamp());
  }

  /** Oldest first failure first. */
  listRetries(): RetryEntry[] {
    this.#drain();
    return this.#retries.list();
  }

  removeRetries(contactIds: readonly string[]): void {
    this.#writable('removeRetries');
    const behind = this.#behindWriter();
    if (behind) behind.write({ kind: 'removeRetries', ids: contactIds });
    else this.#retries.remove(contactIds);
  }

  countRetries(): number {
    this.#drain();
    return this.#retries.count();
  }

  // ---- Report rows -------------------------------------------------------------------

  addIssues(runId: string, issues: readonly RunIssue[]): void {
    this.#writable('addIssues');
    const behind = this.#behindWriter();
    if (behind) behind.write({ kind: 'addIssues', runId, issues });
    else this.#issues.add(runId, issues);
  }

  /** In the order they were first added. */
  listIssues(runId: string): RunIssue[] {
    this.#drain();
    return this.#issues.list(runId);
  }

  /**
   * The same rows as listIssues, read a page at a time as the caller iterates (the CSV
   * report streams them). Not part of StateStore.
   */
  iterateIssues(runId: string, pageSize = ISSUE_PAGE_SIZE): Iterable<RunIssue> {
    this.#drain();
    return this.#issues.iterate(runId, pageSize);
  }

  // ---- Still failing -----------------------------------------------------------------

  listStillFailing(): StillFailingRow[] {
    this.#drain();
    return this.#stillFailing.rows();
  }

  applyStillFailing(runId: string, changes: StillFailingChanges): void {
    this.#writable('applyStillFailing');
    this.#drain();
    this.#stillFailing.apply(runId, changes);
  }

  countStillFailing(exceptRunId = ''): number {
    this.#drain();
    return this.#stillFailing.count(exceptRunId);
  }

  /** The still-failing rows of runs other than `exceptRunId`, for the report. Not part of StateStore. */
  iterateStillFailing(exceptRunId = ''): Iterable<RunIssue> {
    this.#drain();
    return this.#stillFailing.earlier(exceptRunId);
  }

  // ---- Opt-out write-back ------------------------------------------------------------

  getOptOutPosition(): OptOutPosition & { seen: string[] } {
    this.#drain();
    const row = this.#db
      .prepare<[], { since: string | null; cursor: string | null; seen: string }>('SELECT since, cursor, seen FROM optout_position WHERE id = 1')
      .get();
    if (row === undefined) return { seen: [] };
    return {
      ...(row.since !== null && { since: row.since }),
      ...(row.cursor !== null && { cursor: row.cursor }),
      seen: JSON.parse(row.seen) as string[],
    };
  }

  setOptOutPosition(position: OptOutPosition & { seen: string[] }): void {
    this.#writable('setOptOutPosition');
    this.#drain();
    this.#db
      .prepare('INSERT OR REPLACE INTO optout_position (id, since, cursor, seen) VALUES (1, ?, ?, ?)')
      .run(position.since ?? null, position.cursor ?? null, JSON.stringify(position.seen));
  }

  /** Journals one change, Connect's value unknown (see journalOptOuts). */
  recordConsent(contactId: string, consent: CadenceConsent): void {
    const changedAt = normaliseChangedAt(consent.changedAt) ?? consent.changedAt;
    this.journalOptOuts([{ contactId, optedOut: consent.optedOut, changedAt, source: consent.source }]);
  }

  getConsent(contactIds: readonly string[]): Map<string, CadenceConsent> {
    // No drain: the writer thread's queue never holds journal writes (they commit on this
    // connection, or in another process), and WAL lets this read beside its transaction.
    // The import's consent gate asks before every batch; waiting for the queue there would
    // hold each batch up behind the commit of the one before.
    return this.#journal.consent(contactIds);
  }

  journalOptOuts(changes: readonly JournalChange[]): JournalVerdict[] {
    this.#writable('journalOptOuts');
    this.#drain();
    return this.#journal.journal(changes);
  }

  claimOptOuts(owner: string, options: { limit: number; leaseMs: number; dueOnly: boolean }): JournalEntry[] {
    this.#writable('claimOptOuts');
    this.#drain();
    return this.#journal.claim(owner, options);
  }

  finishOptOut(id: number, owner: string, result: JournalResult): void {
    this.#writable('finishOptOut');
    this.#drain();
    this.#journal.finish(id, owner, result);
  }

  takeUnreportedOptOutFailures(): JournalEntry[] {
    this.#writable('takeUnreportedOptOutFailures');
    this.#drain();
    return this.#journal.takeUnreported();
  }

  listPendingOptOuts(limit = 1_000_000): JournalEntry[] {
    this.#drain();
    return this.#journal.pending(limit);
  }

  countOptOuts(): { pending: number; failed: number } {
    this.#drain();
    return this.#journal.counts();
  }

  /** Whether the frequent writes go to the writer thread now (see write-behind.ts). Not part of StateStore. */
  get writesBehind(): boolean {
    return this.#behind?.ready === true && this.#db.open;
  }

  /** Returns once every write asked for is committed (see write-behind.ts). Not part of StateStore. */
  flush(): void {
    this.#drain();
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
  #behindWriter(): WriteBehind | undefined {
    if (!this.#writesBehind || !this.#db.open) return undefined;
    this.#behind ??= new WriteBehind(this.path);
    return this.#behind.ready ? this.#behind : undefined;
  }

  /** Waits for the writer thread to commit what is queued (before any other use of the connection). */
  #drain(): void {
    this.#behind?.drain();
  }

  /**
   * Brings confirmed payloads read from the file (`found`, by contact id) up to date with
   * the writes of `contactIds` still queued for the writer thread: a queued payload, read
   * through `fromJson`, replaces the one on file; a queued forget removes it.
   */
  #withQueued<V>(found: Map<string, V>, contactIds: readonly string[], fromJson: (json: string) => V): Map<string, V> {
    for (const [id, json] of this.#behind?.queued(contactIds) ?? []) {
      if (json === null) found.delete(id);
      else found.set(id, fromJson(json));
    }
    return found;
  }

  #stamp(): string {
    return this.#now().toISOString();
  }

  #writable(method: string): void {
    if (this.readonly) throw new StateFileError(`the state file was opened read-only; ${method} would change it`);
  }
}

function toWatermark(row: WatermarkRow): Watermark {
  return { filterId: row.filter_id, modifiedAt: row.modified_at, contactId: row.contact_id, fingerprint: row.fingerprint, updatedAt: row.updated_at };
}
