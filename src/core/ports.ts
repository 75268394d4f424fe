/**
 * What the core needs from the outside world, named as interfaces. The adapters in
 * src/adapters implement them; tests may pass the real adapters pointed at the sandbox.
 *
 * Error contract for every port method:
 * - `ExternalServiceError`: cannot go on (bad credentials, unreachable after retries,
 *   malformed answers, application errors). The run ends with exit code 3.
 * - `TransientFailure`: a transient failure outlived its retries. Only `CadenceSink.importBatch`
 *   lets the run go on (its contacts go to the retry table).
 */
import type {
  CadenceContact,
  CadenceField,
  CadenceUser,
  ConnectAttribute,
  ConnectContact,
  ConnectFilter,
  ConnectSourceCode,
  ContactResult,
  IssueCode,
  OptOutChange,
  Severity,
} from './types.js';
import type { JournalSource } from './optout-journal.js';

export interface FetchOptions {
  /** Only contacts modified at or after this instant (inclusive, to the second). Absent: all. */
  since?: Date;
  signal?: AbortSignal;
  /** Something the operator should read in the run's notes (the source changed how it reads). */
  onNotice?: (note: string) => void;
  /** Called when the source has read the whole filter to its end, `since` aside (whole mode). */
  onReadWhole?: () => void;
}

/** Connect, the CRM: where contacts come from and where opt-outs are written back. */
export interface ConnectSource {
  getAttributes(): Promise<ConnectAttribute[]>;
  getFilters(): Promise<ConnectFilter[]>;
  getSourceCodes(): Promise<ConnectSourceCode[]>;
  /**
   * Every contact of one filter modified at or after `since` (or more: a filter read whole
   * returns all its contacts), page by page, in no order to rely on. No contact is lost to
   * bulk updates or to contacts modified while paging; a contact may come twice.
   * `attributes` are internal attribute names.
   */
  fetchFilterContacts(filterId: number, attributes: readonly string[], options?: FetchOptions): AsyncIterable<ConnectContact[]>;
  /** Writes attribute values on one contact, tagged with `sourceCode`. Returns the new modifieddate (UTC ISO). */
  updateContact(contactId: string, values: Readonly<Record<string, string>>, sourceCode: string): Promise<{ modifiedAt: string }>;
}

/** Cadence, the SMS platform: where contacts go and where opt-outs come from. */
export interface CadenceSink {
  getUsers(): Promise<CadenceUser[]>;
  getFields(): Promise<CadenceField[]>;
  /**
   * Imports one batch (at most `batchSize` contacts) and waits until Cadence has processed
   * it: polls the batch with backoff, re-sends `failed` batches, retries 429/5xx honouring
   * Retry-After. Resolves with one result per contact sent.
   */
  importBatch(contacts: readonly CadenceContact[], signal?: AbortSignal): Promise<ContactResult[]>;
  /** The optouts feed from a position, page by page (oldest first). */
  optOutChanges(from: OptOutPosition): AsyncIterable<{ changes: OptOutChange[]; position: OptOutPosition }>;
}

/** Where the write-back is in Cadence's optouts feed. */
export interface OptOutPosition {
  /** ISO 8601 UTC; the feed's `since` (inclusive). */
  since?: string;
  /** The feed's `cursor`, while a listing is unfinished. */
  cursor?: string;
}

export interface MailMessage {
  from: string;
  to: readonly string[];
  subject: string;
  text: string;
  html: string;
  attachments: readonly { filename: string; path: string; contentType: string }[];
}

export interface Mailer {
  send(message: MailMessage): Promise<void>;
}

// ---- State -------------------------------------------------------------------------

export type RunKind = 'import' | 'optouts';
/** `interrupted`: the process died (kill -9, power loss) before recording an outcome. */
export type RunOutcome = 'running' | 'ok' | 'contacts_failed' | 'failed' | 'interrupted';

export interface FilterCounts {
  matched: number;
  imported: number;
  errors: number;
  warnings: number;
  /** Read, but no outcome yet when the run stopped early (absent in runs recorded before it was counted). */
  notProcessed?: number;
}

export interface RunCounts extends FilterCounts {
  /**
   * Contacts read but neither imported nor an error when the run stopped early (the next
   * run takes them up): `matched = imported + errors + notProcessed` (product.md §6).
   */
  notProcessed: number;
  created: number;
  updated: number;
  unchanged: number;
  /** Per configured filter id. A contact in two filters counts in both. */
  perFilter: Record<string, FilterCounts>;
  /** The opt-out write-back's share of the run. */
  writeBack: { written: number; failed: number; skipped: number };
  /** Contacts whose data errors from earlier runs are not yet fixed in Connect (absent before it was counted). */
  stillFailing?: number;
}

export interface RunRecord {
  id: string;
  kind: RunKind;
  pid: number;
  host: string;
  startedAt: string;
  finishedAt?: string;
  outcome: RunOutcome;
  counts: RunCounts;
  /** Why the run failed (outcome `failed`); never holds a secret. */
  error?: string;
  /** Path of the CSV report, when one was written. */
  reportPath?: string;
  /** Mail outcome: absent when no mail was attempted. */
  mail?: { sent: boolean; at: string; error?: string };
  /** Notes for the operator (`filter 70542 re-imported in full: mapping changed`). */
  notes: string[];
  /** Started by `import --scheduled`. */
  scheduled?: boolean;
}

export interface Watermark {
  filterId: number;
  /** `(modifiedAt, contactId)` of the newest contact whose outcome is final. */
  modifiedAt: string;
  contactId: string;
  /** Fingerprint of what shapes the payload for this filter. */
  fingerprint: string;
  updatedAt: string;
}

export interface RetryEntry {
  contactId: string;
  payload: CadenceContact;
  filterIds: number[];
  reason: string;
  attempts: number;
  firstFailedAt: string;
}

/** One row of the run's report: a contact that was not imported, or was with a warning. */
export interface RunIssue {
  contactId: string;
  firstName: string;
  lastName: string;
  /** The raw Connect value. */
  mobileNumber: string;
  filterIds: number[];
  severity: Severity;
  code: IssueCode;
  message: string;
}

export interface LockHolder {
  pid: number;
  host: string;
  since: string;
}

/** What Cadence last reported about a contact's consent: its latest decisive journal entry. */
export interface CadenceConsent {
  optedOut: boolean;
  changedAt: string;
  source: JournalSource;
}

/** One entry of the opt-out journal (product.md §5). */
export interface JournalEntry {
  id: number;
  contactId: string;
  optedOut: boolean;
  changedAt: string;
  source: JournalSource;
  receivedAt: string;
  state: 'pending' | 'done' | 'failed' | 'echo' | 'history' | 'superseded';
  attempts: number;
  error?: string;
}

/** How a writer ends its claim on an entry. */
export type JournalResult =
  | { state: 'done' }
  | { state: 'failed'; error: string }
  /** Connect did not take it this time: pending again, not before `retryAt`. */
  | { state: 'pending'; error: string; retryAt: string }
  /** Not tried: pending again at once, for any writer. */
  | { state: 'released' };
