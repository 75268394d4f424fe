/**
 * The opt-out journal's rules (product.md §5), as pure functions: what one more change
 * from Cadence (webhook, history CSV, feed) does to a contact's journal. The state store
 * applies them inside its write transaction, so two writers (serve and an import) judge
 * each change against the same latest entry.
 */

/** Where a change came from: the webhook, the history CSV, or the feed's own `source`. */
export type JournalSource = 'webhook' | 'csv' | 'keyword' | 'staff' | 'import';

/** One opt-out change, as it goes into the journal. */
export interface JournalChange {
  contactId: string;
  optedOut: boolean;
  /** When it happened, as `Date.toISOString()` text (so text order is time order). */
  changedAt: string;
  source: JournalSource;
  /**
   * The opt-out value Connect holds as connect-sync last read or wrote it, when known: a
   * change equal to it is connect-sync's own echo and is not written back.
   */
  connectHolds?: boolean;
}

/**
 * - `duplicate`: the same contact, value and time is already there; adds nothing.
 * - `repeat`: equal to the contact's latest entry (a redelivery, or two sources); adds nothing.
 * - `history`: older than the latest entry, or an import lifting an opt-out; kept, decides nothing.
 * - `echo`: the new latest entry, and Connect already holds it; kept, not written.
 * - `pending`: the new latest entry, to be written back to Connect.
 */
export type JournalVerdict = 'duplicate' | 'repeat' | 'history' | 'echo' | 'pending';

/** The contact's latest decisive entry. */
export interface LatestEntry {
  optedOut: boolean;
  changedAt: string;
  /** Absent: not an import (older callers and tests). */
  source?: JournalSource;
}

/**
 * Judges one change against the contact's latest decisive entry. At the same instant an
 * opt-out outranks an opt-in: guessing consent the unsafe way is never an option.
 */
export function judgeChange(change: JournalChange, latest: LatestEntry | undefined, exists: boolean): JournalVerdict {
  if (exists) return 'duplicate';
  if (latest !== undefined) {
    if (change.changedAt < latest.changedAt) return 'history';
    // A student's or a counselor's change equal to an import's echo is no repeat: it is
    // consent Cadence reported, which the import's echo is not (see consentOf).
    if (change.optedOut === latest.optedOut && (latest.source !== 'import' || change.source === 'import')) return 'repeat';
    if (change.changedAt === latest.changedAt && !change.optedOut) return 'history';
  }
  // An import's opt-in is connect-sync's (or another import's) doing, never the student's.
  if (change.source === 'import' && !change.optedOut && latest?.optedOut === true) return 'history';
  return change.connectHolds === change.optedOut ? 'echo' : 'pending';
}

/**
 * The consent the import must respect, from the contact's latest decisive entry: none when
 * that entry is an import's echo. An import set the value from Connect, so Connect may set
 * it again; only what a student or a counselor did in Cadence outranks Connect (§5). The
 * rules above keep an import's entry from ever hiding a later STOP: an import opting out
 * after a STOP is a repeat, an import opting in after it is history, and a STOP after an
 * import's opt-out is recorded.
 */
export function consentOf<T extends { source: JournalSource }>(latest: T | undefined): T | undefined {
  return latest?.source === 'import' ? undefined : latest;
}

/** Whether a verdict adds a row to the journal. */
export function isRecorded(verdict: JournalVerdict): boolean {
  return verdict !== 'duplicate' && verdict !== 'repeat';
}

/** Whether a verdict makes the entry the contact's latest (decisive) one. */
export function isDecisive(verdict: JournalVerdict): boolean {
  return verdict === 'echo' || verdict === 'pending';
}

/**
 * A time Cadence gave (`2026-11-24 18:03:11`, with or without `T`/`Z`, with fractions or
 * an offset) as `toISOString()` text; undefined when it is not a date-time. A time without
 * zone is UTC (the export's column says so).
 */
export function normaliseChangedAt(text: string): string | undefined {
  const match = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(\.\d{1,9})?)?\s*(Z|[+-]\d{2}:?\d{2})?$/i.exec(text.trim());
  if (match === null) return undefined;
  const [, year, month, day, hour, minute, second = '00', fraction = '', zone = 'Z'] = match;
  const offset = zone.toUpperCase() === 'Z' ? 'Z' : `${zone.slice(0, 3)}:${zone.slice(-2)}`;
  const iso = `${year}-${month}-${day}T${hour}:${minute}:${second}${fraction.slice(0, 4)}${offset}`;
  const at = new Date(iso);
  if (Number.isNaN(at.getTime())) return undefined;
  // Date rolls 2026-02-30 over to March: such a date is refused rather than moved.
  if (offset === 'Z' && at.getUTCDate() !== Number(day)) return undefined;
  return at.toISOString();
}

/** Backoff before the next attempt at an entry Connect did not take: 5 s doubling, capped at 1 h, with jitter. */
export function retryDelayMs(attempts: number, random: () => number = Math.random): number {
  const base = Math.min(5000 * 2 ** Math.max(0, attempts - 1), 3_600_000);
  return Math.round(base * (0.75 + random() / 2));
}
