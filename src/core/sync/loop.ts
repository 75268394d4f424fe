/**
 * The sync loop, one for every filter and for both kinds of run: fetch a page → look up
 * what the plan needs → plan it (plan-page.ts, pure) → hand the plan to the sink; then the
 * retry table; then the watermarks. The sink decides what applying means: the pusher in a
 * real run (push-sink.ts), a printer in a dry run (preview-sink.ts).
 */
import type { Config } from '../../config/schema.js';
import type { ConnectSource, RetryEntry, Watermark } from '../ports.js';
import type { OptOutJournal, SyncState } from '../state.js';
import type { ConnectContact } from '../types.js';
import { compareKeys, nextWatermark, type ContactKey, type FilterStart } from '../watermark.js';
import { freshIds, planPage, planRetries, type PagePlan, type PlannedRetry } from './plan-page.js';
import { describeStart, filterStart, type RunSetup } from './setup.js';

export type ProgressEvent =
  | { type: 'filter'; filterId: number; reason: FilterStart['reason'] }
  | { type: 'fetched'; filterId: number; contacts: number }
  | { type: 'batch'; contacts: number };

/** What applies the loop's plans. */
export interface SyncSink {
  /** A filter's read begins; `note` says why it is read in full, when it is. */
  startFilter(start: FilterStart, note: string | undefined): void;
  apply(plan: PagePlan): Promise<void>;
  applyRetries(retries: readonly PlannedRetry[]): Promise<void>;
  /** Every contact read was handed over: waits for their outcomes, then keeps the watermarks if the sink keeps anything. */
  complete(watermarks: readonly Omit<Watermark, 'updatedAt'>[]): Promise<void>;
  /** The loop stopped early: waits for what is on its way, sends nothing more. */
  abandon(): Promise<void>;
  /** The version of a contact the sink took up in this run (what the plan calls `seen`). */
  versionOf(contactId: string): number | undefined;
}

export interface SyncDeps {
  connect: Pick<ConnectSource, 'fetchFilterContacts'>;
  state: {
    sync: Pick<SyncState, 'getWatermark' | 'getConfirmed' | 'holdsAnyConfirmed' | 'listRetries'>;
    journal: Pick<OptOutJournal, 'getConsent' | 'holdsAny'>;
  };
  signal?: AbortSignal;
  onProgress?: (event: ProgressEvent) => void;
}

export interface SyncOptions {
  setup: RunSetup;
  filterIds: readonly number[];
  /** Ignore the watermarks: read every filter in full. */
  full: boolean;
  runStartedAt: Date;
}

export interface SyncResult {
  /** For the run's notes: why filters were read in full, what the source changed. */
  notes: string[];
  /** Filters read in full, to the end (still-failing.ts). */
  readInFull: number[];
}

/**
 * Runs the loop to the end and completes the sink, or abandons it and rethrows. `notes`
 * and `readInFull` are filled as the run goes, so a run that stops early still has them.
 */
export async function syncFilters(config: Config, deps: SyncDeps, sink: SyncSink, options: SyncOptions, result: SyncResult): Promise<void> {
  try {
    const lookups = await lookupsNeeded(deps, config.optOut !== undefined);
    const waiting = new Map((await deps.state.sync.listRetries()).map((entry) => [entry.contactId, entry]));
    const watermarks: Omit<Watermark, 'updatedAt'>[] = [];
    for (const filterId of options.filterIds) {
      watermarks.push(await syncFilter(config, deps, sink, { ...options, filterId, lookups, waiting, result }));
    }
    await sink.applyRetries(await retriesLeft(deps, [...waiting.values()], lookups));
    await sink.complete(watermarks);
  } catch (error) {
    // Whatever is on its way is still recorded when Cadence confirms it; nothing else moves.
    await sink.abandon();
    throw error;
  }
}

/** Which per-contact lookups can find anything (none before a first import or a first opt-out). */
interface Lookups {
  confirmed: boolean;
  consent: boolean;
}

async function lookupsNeeded(deps: SyncDeps, usesConsent: boolean): Promise<Lookups> {
  // Decided once, before anything is sent: what the run confirms meanwhile concerns
  // contacts it planned already, and a contact read again is re-planned by the sink.
  const [confirmed, consent] = await Promise.all([deps.state.sync.holdsAnyConfirmed(), usesConsent ? deps.state.journal.holdsAny() : false]);
  return { confirmed, consent };
}

interface FilterRead extends SyncOptions {
  filterId: number;
  lookups: Lookups;
  waiting: Map<string, RetryEntry>;
  result: SyncResult;
}

/** Reads one filter through the sink; resolves with its next watermark. */
async function syncFilter(config: Config, deps: SyncDeps, sink: SyncSink, read: FilterRead): Promise<Omit<Watermark, 'updatedAt'>> {
  const { filterId, runStartedAt, result } = read;
  const { signal } = deps;
  const watermark = await deps.state.sync.getWatermark(filterId);
  const start = filterStart({ config, filterId, names: read.setup.names, watermark, full: read.full, runStartedAt });
  const why = describeStart(start);
  if (why) result.notes.push(why);
  sink.startFilter(start, why);
  deps.onProgress?.({ type: 'filter', filterId, reason: start.reason });
  let newest: ContactKey | undefined;
  let readWhole = start.since === undefined;
  const pages = deps.connect.fetchFilterContacts(filterId, read.setup.attributes, {
    since: start.since,
    signal,
    onNotice: (note) => result.notes.push(note),
    onReadWhole: () => (readWhole = true),
  });
  for await (const page of pages) {
    for (let first = 0; first < page.length; first += PLAN_SLICE) {
      // Between slices, a turn of the event loop: answers that arrived meanwhile (the next
      // page, a batch's status) are read now rather than after the whole page.
      if (first > 0) await new Promise<void>((resolve) => setImmediate(resolve));
      signal?.throwIfAborted();
      const plan = await planSlice(deps, sink, read, page.slice(first, first + PLAN_SLICE));
      if (plan.newest !== undefined && (newest === undefined || compareKeys(plan.newest, newest) > 0)) newest = plan.newest;
      await sink.apply(plan);
    }
    deps.onProgress?.({ type: 'fetched', filterId, contacts: page.length });
  }
  if (readWhole) result.readInFull.push(filterId);
  return nextWatermark(start, newest, runStartedAt);
}

/** Looks up what the slice's plan needs, and plans it. */
async function planSlice(deps: SyncDeps, sink: SyncSink, read: FilterRead, contacts: readonly ConnectContact[]): Promise<PagePlan> {
  const seen = new Map<string, number>();
  for (const contact of contacts) {
    const version = sink.versionOf(contact.contactId);
    if (version !== undefined) seen.set(contact.contactId, version);
  }
  const ids = contacts.map((contact) => contact.contactId);
  const [confirmed, consent] = await Promise.all([
    read.lookups.confirmed ? deps.state.sync.getConfirmed(freshIds(contacts, seen)) : NONE,
    read.lookups.consent ? deps.state.journal.getConsent(ids) : NONE,
  ]);
  const waiting = read.waiting.size === 0 ? NO_IDS : new Set(ids.filter((id) => read.waiting.has(id)));
  const plan = planPage({ filterId: read.filterId, contacts, rules: read.setup.rules, runStartedAt: read.runStartedAt, seen, confirmed, consent, waiting });
  // A waiting contact a filter returned is settled by its current version, never by the payload parked.
  for (const entry of plan.entries) if (entry.kind === 'contact' && entry.superseding) read.waiting.delete(entry.contactId);
  return plan;
}

/** The retry table's entries no filter returned, planned against what Cadence confirmed. */
async function retriesLeft(deps: SyncDeps, entries: readonly RetryEntry[], lookups: Lookups): Promise<PlannedRetry[]> {
  if (entries.length === 0) return [];
  const confirmed = lookups.confirmed ? await deps.state.sync.getConfirmed(entries.map((entry) => entry.contactId)) : NONE;
  return planRetries(entries, confirmed);
}

const NONE: ReadonlyMap<string, never> = new Map<string, never>();
const NO_IDS: ReadonlySet<string> = new Set();

/**
 * Contacts planned, and then applied, in one stretch of work: small enough that the next
 * page's answer is not kept waiting long, large enough that the state's lookups stay few.
 */
const PLAN_SLICE = 100;
