/**
 * The state store of product.md §4 over one SQLite file (better-sqlite3, WAL): runs,
 * watermarks, confirmed payloads, retries, report rows, the import lock, the opt-out
 * write-back position and the consent Cadence reported. Every method is synchronous; the
 * frequent writes of an import commit on a thread of their own (write-behind.ts).
 *
 * In layers: state-file.ts holds the connection and its writer thread, runs-file.ts the
 * lock and the runs, this class the rest; each table's SQL lives in its own module.
 */
import type {
  CadenceConsent,
  JournalEntry,
  JournalResult,
  RetryEntry,
  RunIssue,
  Watermark,
} from '../../core/ports.js';
import type { CadenceContact } from '../../core/types.js';
import { normaliseChangedAt, type JournalChange, type JournalVerdict } from '../../core/optout-journal.js';
import type { StillFailingChanges, StillFailingRow } from '../../core/still-failing.js';
import { stillFailingTable } from './still-failing.js';
import { openDatabase, type OpenedDatabase } from './database.js';
import { confirmedTable, retryTable } from './contacts.js';
import { journalTable } from './optout-journal.js';
import { optOutPositionTable, type StoredOptOutPosition } from './optout-position.js';
import { issueTable } from './runs.js';
import { SqliteRunsFile } from './runs-file.js';
import type { StateStoreOptions } from './state-file.js';
import { watermarkTable } from './watermarks.js';

export { StateFileError } from './state-file-error.js';
export { emptyRunCounts, runIdAt } from './runs.js';
export { isProcessAlive, type IsProcessAlive } from './lock.js';
export { SCHEMA_VERSION } from './migrations.js';
export type { StateStoreOptions } from './state-file.js';

/** Report rows read at once when they are iterated. */
const ISSUE_PAGE_SIZE = 1000;

/**
 * Opens the state file at `path` (`:memory:` for a throwaway store), creating its folder,
 * the file and its schema when missing. Throws StateFileError when the file is not a
 * connect-sync state file or was written by a newer version.
 */
export function openStateStore(path: string, options: StateStoreOptions = {}): SqliteStateStore {
  return new SqliteStateStore(path, openDatabase(path, { readonly: options.readonly === true }), options);
}

/** The whole state over one file: the lock and runs (SqliteRunsFile) plus the tables below. */
export class SqliteStateStore extends SqliteRunsFile {
  readonly #issues: ReturnType<typeof issueTable>;
  readonly #confirmed: ReturnType<typeof confirmedTable>;
  readonly #retries: ReturnType<typeof retryTable>;
  readonly #journal: ReturnType<typeof journalTable>;
  readonly #stillFailing: ReturnType<typeof stillFailingTable>;
  readonly #watermarks: ReturnType<typeof watermarkTable>;
  readonly #position: ReturnType<typeof optOutPositionTable>;

  constructor(path: string, opened: OpenedDatabase, options: StateStoreOptions = {}) {
    super(path, opened, options);
    this.#issues = issueTable(this.db);
    this.#confirmed = confirmedTable(this.db);
    this.#retries = retryTable(this.db);
    this.#journal = journalTable(this.db, this.now, (pid, host) => this.alive(pid, host));
    this.#stillFailing = stillFailingTable(this.db);
    this.#watermarks = watermarkTable(this.db);
    this.#position = optOutPositionTable(this.db);
  }

  // ---- Watermarks --------------------------------------------------------------------

  getWatermark(filterId: number): Watermark | undefined {
    this.drain();
    return this.#watermarks.get(filterId);
  }

  listWatermarks(): Watermark[] {
    this.drain();
    return this.#watermarks.list();
  }

  setWatermarks(watermarks: readonly Omit<Watermark, 'updatedAt'>[]): void {
    this.writable('setWatermarks');
    this.drain();
    this.#watermarks.set(watermarks, this.stamp());
  }

  // ---- Confirmed payloads and retries ------------------------------------------------

  getConfirmed(contactIds: readonly string[]): Map<string, CadenceContact> {
    return this.withQueued(this.#confirmed.get(contactIds), contactIds, (json) => JSON.parse(json) as CadenceContact);
  }

  getConfirmedOptedOut(contactIds: readonly string[]): Map<string, boolean | undefined> {
    return this.withQueued(this.#confirmed.getOptedOut(contactIds), contactIds, (json) => (JSON.parse(json) as CadenceContact).optedOut);
  }

  holdsAny(kind: 'confirmed' | 'consent'): boolean {
    this.drain();
    return kind === 'confirmed' ? this.#confirmed.any() : this.#journal.any();
  }

  /**
   * The confirmed payloads as stored (`JSON.stringify` of what recordConfirmed got), so a
   * caller can compare its own `JSON.stringify(payload)` without parsing.
   */
  getConfirmedJson(contactIds: readonly string[]): Map<string, string> {
    return this.withQueued(this.#confirmed.getJson(contactIds), contactIds, (json) => json);
  }

  recordConfirmed(entries: readonly { contactId: string; payload: CadenceContact }[]): void {
    this.writable('recordConfirmed');
    const jsons = entries.map((entry) => JSON.stringify(entry.payload));
    const behind = this.behindWriter();
    if (behind) behind.record(entries.map((entry) => entry.contactId), jsons, this.stamp());
    else this.#confirmed.record(entries.map((entry, index) => ({ contactId: entry.contactId, json: jsons[index]! })), this.stamp());
  }

  /** Returns once the payloads are forgotten for good (committed), also with write-behind. */
  forgetConfirmed(contactIds: readonly string[]): void {
    this.writable('forgetConfirmed');
    const behind = this.behindWriter();
    if (behind) behind.forget(contactIds);
    else this.#confirmed.forget(contactIds);
  }

  putRetries(entries: readonly Omit<RetryEntry, 'attempts' | 'firstFailedAt'>[]): void {
    this.writable('putRetries');
    const behind = this.behindWriter();
    if (behind) behind.write({ kind: 'putRetries', entries, at: this.stamp() });
    else this.#retries.put(entries, this.stamp());
  }

  /** Oldest first failure first. */
  listRetries(): RetryEntry[] {
    this.drain();
    return this.#retries.list();
  }

  removeRetries(contactIds: readonly string[]): void {
    this.writable('removeRetries');
    const behind = this.behindWriter();
    if (behind) behind.write({ kind: 'removeRetries', ids: contactIds });
    else this.#retries.remove(contactIds);
  }

  countRetries(): number {
    this.drain();
    return this.#retries.count();
  }

  // ---- Report rows -------------------------------------------------------------------

  addIssues(runId: string, issues: readonly RunIssue[]): void {
    this.writable('addIssues');
    const behind = this.behindWriter();
    if (behind) behind.write({ kind: 'addIssues', runId, issues });
    else this.#issues.add(runId, issues);
  }

  /** In the order they were first added. */
  listIssues(runId: string): RunIssue[] {
    this.drain();
    return this.#issues.list(runId);
  }

  /**
   * The same rows as listIssues, read a page at a time as the caller iterates (the CSV
   * report streams them).
   */
  iterateIssues(runId: string, pageSize = ISSUE_PAGE_SIZE): Iterable<RunIssue> {
    this.drain();
    return this.#issues.iterate(runId, pageSize);
  }

  // ---- Still failing -----------------------------------------------------------------

  listStillFailing(): StillFailingRow[] {
    this.drain();
    return this.#stillFailing.rows();
  }

  applyStillFailing(runId: string, changes: StillFailingChanges): void {
    this.writable('applyStillFailing');
    this.drain();
    this.#stillFailing.apply(runId, changes);
  }

  countStillFailing(exceptRunId = ''): number {
    this.drain();
    return this.#stillFailing.count(exceptRunId);
  }

  /** The still-failing rows of runs other than `exceptRunId`, for the report. */
  iterateStillFailing(exceptRunId = ''): Iterable<RunIssue> {
    this.drain();
    return this.#stillFailing.earlier(exceptRunId);
  }

  // ---- Opt-out write-back ------------------------------------------------------------

  getOptOutPosition(): StoredOptOutPosition {
    this.drain();
    return this.#position.get();
  }

  setOptOutPosition(position: StoredOptOutPosition): void {
    this.writable('setOptOutPosition');
    this.drain();
    this.#position.set(position);
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
    this.writable('journalOptOuts');
    this.drain();
    return this.#journal.journal(changes);
  }

  claimOptOuts(owner: string, options: { limit: number; leaseMs: number; dueOnly: boolean }): JournalEntry[] {
    this.writable('claimOptOuts');
    this.drain();
    return this.#journal.claim(owner, options);
  }

  finishOptOut(id: number, owner: string, result: JournalResult): void {
    this.writable('finishOptOut');
    this.drain();
    this.#journal.finish(id, owner, result);
  }

  takeUnreportedOptOutFailures(): JournalEntry[] {
    this.writable('takeUnreportedOptOutFailures');
    this.drain();
    return this.#journal.takeUnreported();
  }

  listPendingOptOuts(limit = 1_000_000): JournalEntry[] {
    this.drain();
    return this.#journal.pending(limit);
  }

  countOptOuts(): { pending: number; failed: number } {
    this.drain();
    return this.#journal.counts();
  }
}
