/**
 * The least wall time an import can take against the sandbox, given its latency and the
 * config's page size, batch size and concurrency: the benchmark's yardstick for "how much
 * of the time is ours". Pure arithmetic over what a run did (its counts), no I/O.
 *
 * Every call to either emulator waits `latency` before it answers, so each call on a
 * critical path costs at least `latency`. The critical path of an import is:
 *
 * 1. Opt-out write-back (product.md §5 runs it before the import, and the import needs the
 *    consent it reads): the optouts feed is read page by page (each page's cursor comes from
 *    the one before, at most 500 changes a page, at least one call even when it is empty),
 *    then one UpdateContact per change to write, in feed order:
 *    `(max(1, ⌈changes / 500⌉) + written) × latency`.
 * 2. Setup: Cadence's users and Connect's attributes, asked in parallel: `1 × latency`.
 * 3. Fetch: keyset paging is sequential within a filter (each page's ModifiedSince and
 *    StartingRecord come from the page before), and the import reads its filters one after
 *    another (one paging read on Connect at a time), so every page of every filter is on
 *    the path: `Σ_f max(1, ⌈contacts_f / pageSize⌉) × latency`. (The client re-reads a few
 *    records per page to notice contacts that moved; that is its choice, so the bound
 *    counts only the new records per page.)
 * 4. Push: each batch needs at least one POST and one status GET, each ≥ latency, and at
 *    most `concurrency` batches are in flight: `⌈⌈sent / batchSize⌉ / concurrency⌉ × 2 ×
 *    latency`. Pushing overlaps fetching, but the last batch can be sent only once its
 *    last contact is read, so after the fetch at least one POST and one GET remain.
 *
 * bound = writeBack + setup + max(fetch + (sent > 0 ? 2 × latency : 0), push)
 *
 * Not counted, so the bound stays a true lower bound: process start, CPU time on either
 * side, transfer time, the client's wait before polling a batch.
 */

/** The contract's largest optouts page (cadence-api.md). */
export const OPTOUTS_PAGE_SIZE = 500;

export interface BoundInput {
  latencyMs: number;
  pageSize: number;
  batchSize: number;
  concurrency: number;
  /** Distinct contacts each filter returned (the run's `perFilter[…].matched`). */
  contactsPerFilter: readonly number[];
  /** Contacts sent to Cadence; `created + updated` is a safe (low) count of them. */
  sentContacts: number;
  /** Changes the write-back read from the optouts feed. */
  feedChanges: number;
  /** Opt-outs the write-back wrote to Connect (one UpdateContact each). */
  writtenBack: number;
}

export interface Bound {
  totalMs: number;
  writeBackMs: number;
  setupMs: number;
  fetchMs: number;
  pushMs: number;
  /** Calls on the critical path, by kind. */
  pages: number;
  batches: number;
}

/** The lower bound on wall time for one run (see the module comment for the formula). */
export function lowerBound(input: BoundInput): Bound {
  const latency = Math.max(0, input.latencyMs);
  const feedPages = Math.max(1, Math.ceil(input.feedChanges / OPTOUTS_PAGE_SIZE));
  const writeBackMs = (feedPages + input.writtenBack) * latency;
  const setupMs = latency;
  const pages = input.contactsPerFilter.reduce((sum, contacts) => sum + Math.max(1, Math.ceil(contacts / input.pageSize)), 0);
  const fetchMs = pages * latency;
  const batches = Math.ceil(input.sentContacts / input.batchSize);
  const pushMs = Math.ceil(batches / input.concurrency) * 2 * latency;
  const tailMs = batches > 0 ? 2 * latency : 0;
  const totalMs = writeBackMs + setupMs + Math.max(fetchMs + tailMs, pushMs);
  return { totalMs, writeBackMs, setupMs, fetchMs, pushMs, pages, batches };
}
