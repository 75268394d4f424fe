/**
 * Cadence's optouts feed: opt-out changes ordered by `changedAt`, then by when they were
 * recorded, read in pages of at most 500 from an inclusive `since`. The cursor names the
 * last entry returned (keyset), so entries recorded while a client pages do not shift it.
 */
import type { OptOutChange } from '../../core/types.js';

export const OPTOUT_PAGE_SIZE = 500;

interface Entry {
  /** `changedAt` in epoch milliseconds. */
  at: number;
  /** Order of recording; breaks ties between equal `at`. */
  seq: number;
  change: OptOutChange;
}

interface Position {
  at: number;
  seq: number;
}

export interface OptOutPage {
  changes: OptOutChange[];
  nextCursor: string | null;
}

export interface OptOutFeed {
  record(change: Omit<OptOutChange, 'changedAt'>, at: Date): OptOutChange;
  /** One page from `since` (epoch ms, inclusive) or after `cursor`. Throws InvalidCursorError. */
  page(since: number | undefined, cursor: string | undefined): OptOutPage;
  all(): OptOutChange[];
}

export class InvalidCursorError extends Error {
  constructor() {
    super('cursor is not one this feed gave out');
    this.name = 'InvalidCursorError';
  }
}

/** Encodes a position as an opaque string. */
export function encodeCursor(position: Position): string {
  return Buffer.from(`${position.at}.${position.seq}`, 'utf8').toString('base64url');
}

/** Decodes a cursor made by encodeCursor; throws InvalidCursorError for anything else. */
export function decodeCursor(cursor: string): Position {
  const match = /^(-?\d+)\.(\d+)$/.exec(Buffer.from(cursor, 'base64url').toString('utf8'));
  if (!match || !/^[A-Za-z0-9_-]+$/.test(cursor)) throw new InvalidCursorError();
  return { at: Number(match[1]), seq: Number(match[2]) };
}

/** Index of the first entry for which `isAfter` holds (entries are sorted, so it is monotone). */
function firstIndex(entries: readonly Entry[], isAfter: (entry: Entry) => boolean): number {
  let low = 0;
  let high = entries.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if (isAfter(entries[mid] as Entry)) high = mid;
    else low = mid + 1;
  }
  return low;
}

/** Creates an empty feed. */
export function createOptOutFeed(): OptOutFeed {
  const entries: Entry[] = [];
  let nextSeq = 0;
  // A batch records its changes at one instant: its ISO form is made once.
  let lastAt = Number.NaN;
  let lastIso = '';
  return {
    record(change, date) {
      const at = date.getTime();
      if (at !== lastAt) {
        lastIso = date.toISOString();
        lastAt = at;
      }
      const full: OptOutChange = { ...change, changedAt: lastIso };
      const entry: Entry = { at, seq: nextSeq++, change: full };
      const last = entries[entries.length - 1];
      // Nearly always appended; a change dated in the past (a test hook) is slotted in.
      if (last === undefined || last.at <= at) entries.push(entry);
      else entries.splice(firstIndex(entries, (e) => e.at > at), 0, entry);
      return { ...full };
    },
    page(since, cursor) {
      let start = since === undefined ? 0 : firstIndex(entries, (e) => e.at >= since);
      if (cursor !== undefined) {
        const after = decodeCursor(cursor);
        start = Math.max(start, firstIndex(entries, (e) => e.at > after.at || (e.at === after.at && e.seq > after.seq)));
      }
      const slice = entries.slice(start, start + OPTOUT_PAGE_SIZE);
      const last = slice[slice.length - 1];
      const more = start + slice.length < entries.length;
      return {
        changes: slice.map((e) => ({ ...e.change })),
        nextCursor: more && last ? encodeCursor(last) : null,
      };
    },
    all() {
      return entries.map((e) => ({ ...e.change }));
    },
  };
}
