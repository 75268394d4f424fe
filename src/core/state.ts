/**
 * The state store (product.md §4, §11) as the roles the core and the commands use it in.
 * Each role is a small port; a backend (SQLite file, PostgreSQL) implements all of them,
 * and `State` hands them out together. Every method is asynchronous: SQLite answers at
 * once, PostgreSQL over the wire. A backend opened for one team (`cadence.deptCode` +
 * `connect.clientName`) sees only that team's rows.
 *
 * Errors: `StateFileError` (errors.ts) when the store cannot be used (unreachable, not a
 * connect-sync store, written by a newer version, opened read-only and asked to write);
 * `LockBusyError` from `RunLock.acquire`.
 */
import type { CadenceContact } from './types.js';
import type { JournalChange, JournalVerdict } from './optout-journal.js';
import type { StillFailingChanges, StillFailingRow } from './still-failing.js';
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
  RunOutcome,
  RunRecord,
  Watermark,
} from './ports.js';

/** One team's import lock: at most one import or write-back run at a time. */
export interface RunLock {
  /**
   * Takes the lock, or keeps it if this store holds it already. Throws LockBusyError naming
   * the holder when a live one holds it; a dead holder's lock is taken over (and returned).
   */
  acquire(holder: { pid: number; host: string }): Promise<{ takenOver?: LockHolder }>;
  /** Releases the lock if this store holds it. */
  release(): Promise<void>;
  holder(): Promise<LockHolder | undefined>;
}

export interface RunFinish {
  outcome: Exclude<RunOutcome, 'running' | 'interrupted'>;
  counts: RunCounts;
  /** Why the run failed; never holds a secret. */
  error?: string;
  reportPath?: string;
  notes?: string[];
}

/** The record of runs (`status`, the mail, `--scheduled`). */
export interface RunLog {
  /** Starts a run owned by the lock this store holds (or by this process without one). */
  start(kind: RunKind, options?: { scheduled?: boolean }): Promise<RunRecord>;
  /** Replaces the counts of a running run (progress survives a kill). */
  updateCounts(runId: string, counts: RunCounts): Promise<void>;
  finish(runId: string, result: RunFinish): Promise<void>;
  recordMail(runId: string, mail: { sent: boolean; error?: string }): Promise<void>;
  get(runId: string): Promise<RunRecord | undefined>;
  /** Newest first. Runs left `running` by a dead process are reported `interrupted`. */
  recent(limit: number): Promise<RunRecord[]>;
  /** The newest import that completed with exit 0 or 1. */
  lastCompletedImport(): Promise<RunRecord | undefined>;
  /** The newest `import --scheduled` started at or after `since` that ended with exit 0 or 1. */
  scheduledCompletedSince(since: Date): Promise<RunRecord | undefined>;
}

/** Where each filter's import stands: watermarks, what Cadence confirmed, what waits for a retry. */
export interface SyncState {
  getWatermark(filterId: number): Promise<Watermark | undefined>;
  listWatermarks(): Promise<Watermark[]>;
  /** Sets all given watermarks in one transaction. */
  setWatermarks(watermarks: readonly Omit<Watermark, 'updatedAt'>[]): Promise<void>;

  /** The last payload Cadence confirmed, per contact id asked for (absent when none). */
  getConfirmed(contactIds: readonly string[]): Promise<Map<string, CadenceContact>>;
  /** The `optedOut` of the last confirmed payload, per contact id asked for that has one. */
  getConfirmedOptedOut(contactIds: readonly string[]): Promise<Map<string, boolean | undefined>>;
  /** Whether any contact has a confirmed payload (none before a first import: lookups are skipped). */
  holdsAnyConfirmed(): Promise<boolean>;
  /** Records confirmed payloads and removes those contacts from the retry table, in one transaction. */
  recordConfirmed(entries: readonly { contactId: string; payload: CadenceContact }[]): Promise<void>;
  /** Forgets the confirmed payload of contacts Cadence rejected (so they are sent again when they change). */
  forgetConfirmed(contactIds: readonly string[]): Promise<void>;

  putRetries(entries: readonly Omit<RetryEntry, 'attempts' | 'firstFailedAt'>[]): Promise<void>;
  /** Oldest first failure first. */
  listRetries(): Promise<RetryEntry[]>;
  removeRetries(contactIds: readonly string[]): Promise<void>;
  countRetries(): Promise<number>;
}

/** The opt-out journal (product.md §5) and where the write-back is in Cadence's feed. */
export interface OptOutJournal {
  getPosition(): Promise<OptOutPosition & { seen: string[] }>;
  setPosition(position: OptOutPosition & { seen: string[] }): Promise<void>;
  /** Journals changes in one short transaction, judged by optout-journal.ts; one verdict per change. */
  journal(changes: readonly JournalChange[]): Promise<JournalVerdict[]>;
  /** For each contact asked for that has one, its latest decisive journal entry. */
  getConsent(contactIds: readonly string[]): Promise<Map<string, CadenceConsent>>;
  /** Whether the journal holds any entry (none before the first opt-out: lookups are skipped). */
  holdsAny(): Promise<boolean>;
  /**
   * Claims up to `limit` pending entries, oldest first, for `owner` until `leaseMs` from
   * now: entries that no live claim holds and no live claim on the same contact blocks.
   * `dueOnly` leaves out entries still waiting out their backoff. `owner` is
   * `<host>|<pid>|<random>`.
   */
  claim(owner: string, options: { limit: number; leaseMs: number; dueOnly: boolean }): Promise<JournalEntry[]>;
  /** Ends `owner`'s claim on an entry; ignored when the claim is no longer `owner`'s. */
  finish(id: number, owner: string, result: JournalResult): Promise<void>;
  /** Entries that failed for good and no run has reported yet; marks them reported. */
  takeUnreportedFailures(): Promise<JournalEntry[]>;
  /** Pending entries, oldest first (dry runs list them). */
  listPending(limit?: number): Promise<JournalEntry[]>;
  counts(): Promise<{ pending: number; failed: number }>;
}

/** What the report and `status` show: each run's rows, and the contacts still failing. */
export interface ReportRows {
  /** Adds report rows; a contact already reported with the same code gets the filters merged. */
  add(runId: string, issues: readonly RunIssue[]): Promise<void>;
  /** A run's rows in the order they were first added, read a page at a time. */
  rows(runId: string): AsyncIterable<RunIssue>;
  /** Every still-failing row (small: contacts with unfixed data errors). */
  listStillFailing(): Promise<StillFailingRow[]>;
  /** Applies what planStillFailing decided at the end of run `runId`, in one transaction. */
  applyStillFailing(runId: string, changes: StillFailingChanges): Promise<void>;
  /** Contacts still failing from runs other than `exceptRunId` (all of them without it). */
  countStillFailing(exceptRunId?: string): Promise<number>;
  /** The still-failing rows of runs other than `exceptRunId`, as report rows. */
  stillFailingRows(exceptRunId?: string): AsyncIterable<RunIssue>;
}

/** One team's state, opened: every role, and how to let it go. */
export interface State {
  /** For messages: `state file /srv/x.sqlite`, `PostgreSQL db.internal/connect_sync (team ADM/acme)`; never a secret. */
  readonly description: string;
  /** Opened for a dry run or `status`: every write rejects. */
  readonly readonly: boolean;
  readonly lock: RunLock;
  readonly runs: RunLog;
  readonly sync: SyncState;
  readonly journal: OptOutJournal;
  readonly report: ReportRows;
  /**
   * Commits every write asked for (a backend may commit the frequent writes of an import
   * behind the caller's back), then closes. The lock is not released. Idempotent.
   */
  close(): Promise<void>;
}
