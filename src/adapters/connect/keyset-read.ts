/**
 * A filter read by keyset paging (keyset.ts decides what to ask; this module asks and
 * hands on the contacts). Pages are read ahead of the caller in their own loop
 * (read-ahead.ts), and the next page is asked for while the one before is converted.
 */
import type { FetchOptions } from '../../core/ports.js';
import type { ConnectContact } from '../../core/types.js';
import type { Logger } from '../../log.js';
import type { ConnectClock } from './dates.js';
import { createKeysetPager, type KeysetPager, type PageRequest } from './keyset.js';
import { ignoredPaging } from './paging-guard.js';
import { readAhead } from './read-ahead.js';
import { ScannedContacts } from './contacts-scan.js';
import { toContact, toWirePage, wirePageFromScan, type WireContact } from './schema.js';
import type { Params, SoapCaller } from './soap-call.js';

/** Contact pages read ahead of the caller, at most (each a few hundred contacts). */
export const READ_AHEAD_PAGES = 2;

export interface KeysetReadDeps {
  caller: SoapCaller;
  clock: ConnectClock;
  logger: Logger;
  pageSize: number;
  /** Records each page re-reads to notice contacts that moved meanwhile. */
  overlap: number;
  /** Re-reads from record 1 in a row at one modifieddate before giving up. */
  maxRestarts: number;
  isRepeatedLocalTime(local: string): boolean;
}

/** A GetFilterContacts call on its way. */
interface PendingCall {
  query: PageRequest;
  answer: Promise<unknown>;
  cancel(): void;
}

/**
 * Reads one filter page by page. A page that shows the instance ignored the paging
 * parameters ends it early through `onIgnored`, before anything of that page is used.
 */
export async function* readKeyset(deps: KeysetReadDeps, filterId: number, fixed: Params, fetch: FetchOptions, onIgnored: (why: string) => void): AsyncGenerator<ConnectContact[]> {
  const { clock } = deps;
  const pager = createKeysetPager<WireContact>({
    modifiedSince: fetch.since ? clock.format(fetch.since) : '',
    pageSize: deps.pageSize,
    overlap: deps.overlap,
    maxRestarts: deps.maxRestarts,
    isRepeatedLocalTime: deps.isRepeatedLocalTime,
    isReadableLocalTime: (local) => clock.parse(local) !== undefined,
  });
  yield* readAhead<ConnectContact[]>(READ_AHEAD_PAGES, async (push, stop) => {
    const signal = fetch.signal ? AbortSignal.any([fetch.signal, stop]) : stop;
    const ask = (query: PageRequest) => askPage(deps.caller, fixed, query, signal);
    await readPages(deps, filterId, pager, ask, push, onIgnored);
  });
}

/** Sends the call for one page; it can be cancelled on its own, before the run's signal. */
function askPage(caller: SoapCaller, fixed: Params, query: PageRequest, signal: AbortSignal): PendingCall {
  const early = new AbortController();
  const params = [...fixed, ['ModifiedSince', query.modifiedSince], ['StartingRecord', String(query.startingRecord)], ['EndingRecord', String(query.endingRecord)]] as const;
  const answer = caller.call('GetFilterContacts', params, AbortSignal.any([signal, early.signal]));
  // Awaited in its turn, or dropped when the page before it breaks the contract.
  answer.catch(() => undefined);
  return { query, answer, cancel: () => early.abort() };
}

/** The paging loop: each answer checked, the next page asked for, the fresh contacts pushed. */
async function readPages(
  deps: KeysetReadDeps,
  filterId: number,
  pager: KeysetPager<WireContact>,
  ask: (query: PageRequest) => PendingCall,
  push: (contacts: ConnectContact[]) => Promise<void>,
  onIgnored: (why: string) => void,
): Promise<void> {
  const { caller, clock, logger } = deps;
  let pending = nextCall(pager, ask);
  try {
    while (pending) {
      const { query, answer } = pending;
      const returndata = await answer;
      const page = caller.convert('GetFilterContacts', () =>
        returndata instanceof ScannedContacts ? wirePageFromScan(returndata, query.startingRecord) : toWirePage(returndata, query.startingRecord),
      );
      const ignored = ignoredPaging(query, page.contacts, clock, deps.isRepeatedLocalTime);
      if (ignored !== undefined) {
        onIgnored(ignored);
        return;
      }
      const { fresh, restarted } = caller.convert('GetFilterContacts', () => pager.accept(page.contacts, page.total));
      if (restarted) {
        logger.warn({ filterId, modifiedSince: query.modifiedSince }, 'contacts changed while paging; re-reading from the first record at this date');
      }
      logger.debug({ filterId, ...query, received: page.contacts.length, fresh: fresh.length, total: page.total }, 'contacts page');
      // The next page depends only on this one's keys: it is asked for now, and travels
      // while this one is checked and converted (the chain of calls is what a run waits on).
      pending = nextCall(pager, ask);
      // A turn of the event loop before the work below, so the call is on the wire while it
      // runs, not only once this page's work is done.
      if (pending) await new Promise<void>((resolve) => setImmediate(resolve));
      // Every record is checked, also those paging drops (repeats, a page read again): an
      // answer that breaks the contract ends the run, and the call just sent with it.
      const contacts = caller.convert('GetFilterContacts', () => freshContacts(page.contacts, fresh, clock));
      if (contacts.length > 0) await push(contacts);
    }
  } finally {
    pending?.cancel();
  }
}

/** Sends the call for the pager's next page, if there is one. */
function nextCall(pager: KeysetPager<WireContact>, ask: (query: PageRequest) => PendingCall): PendingCall | undefined {
  const query = pager.next();
  return query && ask(query);
}

/** Converts every record of a page (each is checked) and keeps those paging found new, in order. */
function freshContacts(records: readonly WireContact[], fresh: readonly WireContact[], clock: ConnectClock): ConnectContact[] {
  const contacts: ConnectContact[] = [];
  let next = 0;
  for (const record of records) {
    const contact = toContact(record, clock);
    if (fresh[next] === record) {
      contacts.push(contact);
      next += 1;
    }
  }
  return contacts;
}
