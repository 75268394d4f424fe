/**
 * Keyset paging over GetFilterContacts, as a pure state machine: it says which range to
 * ask for next and digests each answer. connect-api.md ("The live-data hazard") gives the
 * recipe: ask again with ModifiedSince = the last modifieddate seen and StartingRecord =
 * 1 + the contacts already seen with exactly that modifieddate; drop repeats by
 * (modifieddate, contactid). Two holes in the recipe are closed here.
 *
 * 1. A seen contact that is modified between pages leaves the head of the next answer,
 *    so "1 + count" lands one record too far and skips an unseen one. Each page therefore
 *    starts `overlap` records early and must repeat the last records we hold, in order;
 *    when it does not, the head changed under us and the anchor is re-read from record 1
 *    (repeats are dropped), at most `maxRestarts` times in a row.
 *
 * 2. The autumn repeated hour. A local time L in it names two instants; Connect reads
 *    ModifiedSince = L as the earlier one. If L was last seen at the later instant, the
 *    answer's head holds every contact from the earlier L on: both groups written L AND
 *    everything in the hour between them. Counting by the string L therefore can only
 *    come out too SMALL there (repeats, never losses): all contacts written L sit at or
 *    after the instant Connect uses. Too small is safe but, with the overlap check, would
 *    re-read the hour once per page. So a repeated local time is never used as the anchor:
 *    the anchor stays on the last unambiguous modifieddate seen, and the head we expect
 *    is everything read since that anchor's first contact, in order, which is exactly
 *    what Connect puts first for it (its order is by instant). The cost is holding the
 *    keys read since the anchor: one bulk-update group, or at most the repeated hour.
 */
import { IANAZone } from 'luxon';
import type { ConnectClock } from './dates.js';

export interface KeyedRecord {
  contactId: string;
  /** modifieddate as Connect wrote it. */
  modifiedLocal: string;
}

export interface PageRequest {
  modifiedSince: string;
  startingRecord: number;
  endingRecord: number;
}

/** Connect answers at most this many records a call. */
export const MAX_RECORDS_PER_CALL = 500;

export interface KeysetOptions {
  /** The first ModifiedSince ('' for every contact). */
  modifiedSince: string;
  /** New records wanted per call (1..500); a call asks for up to `overlap` more, within 500. */
  pageSize: number;
  /** Records each page re-reads to check the head did not move. */
  overlap: number;
  /** Re-reads from record 1 allowed in a row at one anchor before giving up. */
  maxRestarts: number;
  /** Whether a local time names two instants (see repeatedLocalTimes). */
  isRepeatedLocalTime(local: string): boolean;
  /**
   * Whether a modifieddate can be sent back as ModifiedSince (default: any). A record that
   * cannot be read (product.md §8) keeps its place in Connect's order, but paging goes on
   * from the last readable one.
   */
  isReadableLocalTime?(local: string): boolean;
}

/** Paging cannot make progress: contacts change faster than they can be read, or the answers are inconsistent. */
export class PagingError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PagingError';
  }
}

export interface KeysetPager<T extends KeyedRecord> {
  /** The range to ask for next; undefined when every contact has been read. */
  next(): PageRequest | undefined;
  /** Digests the answer to the last request: the records not seen before, in Connect's order. */
  accept(records: readonly T[], total: number): { fresh: T[]; restarted: boolean };
}

/** Creates the pager for one filter's listing. */
export function createKeysetPager<T extends KeyedRecord>(options: KeysetOptions): KeysetPager<T> {
  const pageSize = Math.min(Math.max(1, options.pageSize), MAX_RECORDS_PER_CALL);
  let since = options.modifiedSince;
  // The head Connect answers for `since`, as far as read: locals[i], ids[i] in its order.
  let locals: string[] = [];
  let ids: string[] = [];
  // Keys read at this anchor, kept across re-reads so repeats are dropped.
  let seen = new Map<string, Set<string>>();
  let restarts = 0;
  let pending: { start: number; overlap: number; size: number } | undefined;
  let done = false;

  function next(): PageRequest | undefined {
    if (done) return undefined;
    const size = Math.min(MAX_RECORDS_PER_CALL, pageSize + Math.min(options.overlap, locals.length));
    // At least one new record per call, or paging would not advance.
    const overlap = Math.max(0, Math.min(options.overlap, locals.length, size - 1));
    const start = locals.length - overlap + 1;
    pending = { start, overlap, size };
    return { modifiedSince: since, startingRecord: start, endingRecord: start + size - 1 };
  }

  function accept(records: readonly T[], total: number): { fresh: T[]; restarted: boolean } {
    if (!pending) throw new Error('accept() called without a pending request');
    const { start, overlap, size } = pending;
    pending = undefined;
    if (records.length > size) throw new PagingError(`malformed answer: asked for ${size} records, got ${records.length}`);
    const base = locals.length - overlap;
    for (let index = 0; index < overlap; index++) {
      const record = records[index];
      if (record === undefined || record.contactId !== ids[base + index] || record.modifiedLocal !== locals[base + index]) {
        return restart();
      }
    }
    // One answer is one snapshot: it cannot hold a contact twice, end before its total, or
    // run past it. Taken as read, such an answer could skip contacts below the watermark.
    const last = start - 1 + records.length;
    if ((records.length > 0 && last > total) || (records.length < size && last < total)) {
      throw new PagingError(`malformed answer: records ${start} to ${last} of a total of ${total}`);
    }
    if (new Set(records.map((record) => record.contactId)).size < records.length) {
      throw new PagingError('malformed answer: a contact appears twice in one page');
    }
    const firstNew = locals.length;
    const fresh: T[] = [];
    for (let index = overlap; index < records.length; index++) {
      const record = records[index]!;
      if (remember(record.modifiedLocal, record.contactId)) fresh.push(record);
      const previous = locals[locals.length - 1];
      // Share one string per run of equal dates: bulk groups can be large.
      locals.push(previous === record.modifiedLocal ? previous : record.modifiedLocal);
      ids.push(record.contactId);
    }
    if (records.length < size || start - 1 + records.length >= total) done = true;
    else advance(firstNew);
    return { fresh, restarted: false };
  }

  /** Adds a key to `seen`; false when it was there (a repeat). */
  function remember(local: string, id: string): boolean {
    let group = seen.get(local);
    if (!group) {
      group = new Set();
      seen.set(local, group);
    }
    if (group.has(id)) return false;
    group.add(id);
    return true;
  }

  function restart(): { fresh: T[]; restarted: boolean } {
    restarts += 1;
    if (restarts > options.maxRestarts) {
      throw new PagingError(
        `contacts keep changing while paging: re-read ${options.maxRestarts} times from ${since ? `ModifiedSince ${since}` : 'the first contact'}`,
      );
    }
    locals = [];
    ids = [];
    return { fresh: [], restarted: true };
  }

  /** Moves the anchor to the last unambiguous modifieddate among the records just added. */
  function advance(firstNew: number): void {
    for (let index = locals.length - 1; index >= firstNew; index--) {
      const local = locals[index]!;
      if (options.isRepeatedLocalTime(local) || options.isReadableLocalTime?.(local) === false) continue;
      if (local === since) return;
      let runStart = index;
      while (runStart > 0 && locals[runStart - 1] === local) runStart--;
      locals = locals.slice(runStart);
      ids = ids.slice(runStart);
      since = local;
      seen = new Map();
      locals.forEach((each, position) => remember(each, ids[position]!));
      restarts = 0;
      return;
    }
  }

  return { next, accept };
}

const MINUTE = 60_000;
const DAY_AND_MORE = 26 * 60 * MINUTE;

/**
 * A test for local times that name two instants in the clock's zone (the hour repeated
 * when clocks go back). The codec reads such a time as the earlier instant; it is
 * repeated when, one shift later, the zone already uses the later offset.
 */
export function repeatedLocalTimes(clock: ConnectClock): (local: string) => boolean {
  const zone = IANAZone.create(clock.zone);
  return (local) => {
    const instant = clock.parse(local)?.getTime();
    if (instant === undefined) return false;
    const laterOffset = zone.offset(instant + DAY_AND_MORE);
    const shiftMinutes = zone.offset(instant) - laterOffset;
    return shiftMinutes > 0 && zone.offset(instant + shiftMinutes * MINUTE) === laterOffset;
  };
}
