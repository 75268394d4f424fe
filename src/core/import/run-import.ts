/**
 * One import run (product.md §2–§4): lock, opt-out write-back, then for each filter fetch
 * → plan → push, record what Cadence confirmed batch by batch, and move the watermarks
 * only when everything has an outcome. A run killed at any point loses nothing: the next
 * one re-reads from the old watermarks and skips what was confirmed.
 */
import { hostname } from 'node:os';
import type { Config } from '../../config/schema.js';
import { ConfigError, UsageError } from '../../errors.js';
import type { Logger } from '../../log.js';
import { mappingRules, type MappingRules } from '../mapping/map-contact.js';
import type { CadenceSink, ConnectSource, RetryEntry, RunCounts, RunIssue, RunRecord, StateStore, Watermark } from '../ports.js';
import { attributeNamesToRequest, resolveAttributes, type ResolvedNames } from '../resolve-attributes.js';
import { planContact, type PlanItem } from '../plan.js';
import { BatchPusher } from './pusher.js';
import { describeStart, filterStart, planFilter, planLookups, type ContactKey, type FilterStart, type PlannedContact } from './planner.js';
import { RunTally } from './tally.js';
import { settleStillFailing } from './settle-still-failing.js';
import type { UnreadableRecord } from './unreadable.js';
import { nextWatermark } from '../watermark.js';
import type { ContactIssue } from '../types.js';

export type ProgressEvent =
  | { type: 'filter'; filterId: number; reason: FilterStart['reason'] }
  | { type: 'fetched'; filterId: number; contacts: number }
  | { type: 'batch'; contacts: number };

export interface ImportDeps {
  connect: ConnectSource;
  cadence: CadenceSink;
  store: StateStore;
  logger: Logger;
  signal?: AbortSignal;
  onProgress?: (event: ProgressEvent) => void;
  /** Runs the opt-out write-back before the import; resolves with its counts. */
  writeBack?: (runId: string) => Promise<RunCounts['writeBack']>;
  /**
   * Writes the run's report (called before the run is finished, with its final counts);
   * resolves with the report's path when one was written. Must not throw.
   */
  writeReport?: (run: RunRecord) => Promise<string | undefined>;
}

/** A finished run; `failure` is what ended it when it could not complete (outcome `failed`). */
export interface ImportResult {
  run: RunRecord;
  failure?: unknown;
}

export interface ImportOptions {
  /** Ignore the watermarks: read every filter in full. */
  full?: boolean;
  /** Only these configured filters. */
  filterIds?: readonly number[];
  /** Started by `import --scheduled` (recorded on the run). */
  scheduled?: boolean;
}

/** Which configured filters a run reads; `--filter` must name configured ones. */
export function selectFilters(config: Config, only: readonly number[] | undefined): number[] {
  if (only === undefined || only.length === 0) return [...config.criteria.filterIds];
  const unknown = only.filter((id) => !config.criteria.filterIds.includes(id));
  if (unknown.length > 0) {
    throw new UsageError(`--filter ${unknown.join(', ')}: not in criteria.filterIds (${config.criteria.filterIds.join(', ')})`);
  }
  return config.criteria.filterIds.filter((id) => only.includes(id));
}

/** What the run needs from Connect and Cadence before it can plan anything. */
export interface RunSetup {
  names: ResolvedNames;
  rules: MappingRules;
  attributes: string[];
  warnings: string[];
}

/**
 * Reads Cadence's users and Connect's attributes, resolves the config's attribute names,
 * and builds the mapping rules. An attribute that does not resolve is a config error.
 */
export async function prepareRun(config: Config, deps: Pick<ImportDeps, 'connect' | 'cadence'>): Promise<RunSetup> {
  const [users, attributes] = await Promise.all([deps.cadence.getUsers(), deps.connect.getAttributes()]);
  const resolved = resolveAttributes(config, attributes);
  if (resolved.problems.length > 0) {
    throw new ConfigError('the config names attributes Connect does not have', resolved.problems);
  }
  const rules = mappingRules(config, resolved.names, new Set(users.map((user) => user.userId)));
  return {
    names: resolved.names,
    rules,
    attributes: attributeNamesToRequest(resolved.names),
    warnings: resolved.warnings.map((warning) => `${warning.path}: ${warning.message}`),
  };
}

/**
 * Runs one import. Resolves with the finished run, also when it could not complete (then
 * with `failure`, to be rethrown once the operators are told). Throws before a run is
 * recorded: LockBusyError, UsageError.
 */
export async function runImport(config: Config, deps: ImportDeps, options: ImportOptions = {}): Promise<ImportResult> {
  const filterIds = selectFilters(config, options.filterIds);
  const { store, logger } = deps;
  store.acquireLock({ pid: process.pid, host: hostname() });
  try {
    const run = store.startRun('import', { scheduled: options.scheduled === true });
    const log = logger.child({ runId: run.id });
    const tally = new RunTally(config.criteria.filterIds);
    const notes: string[] = [];
    const readInFull: number[] = [];
    log.info({ filters: filterIds, full: options.full === true }, 'import started');
    let failure: unknown;
    try {
      if (deps.writeBack) Object.assign(tally.writeBack, await deps.writeBack(run.id));
      const setup = await prepareRun(config, deps);
      for (const warning of setup.warnings) log.warn({ warning }, 'config warning');
      const watermarks = await importFilters(config, { ...deps, logger: log }, { run, tally, setup, filterIds, full: options.full === true, notes, readInFull });
      store.setWatermarks(watermarks);
    } catch (error) {
      // Stopped by a signal: whatever the abort surfaced as, the reason is the interruption.
      failure = deps.signal?.aborted ? deps.signal.reason : error;
    }
    const stillFailing = settleStillFailing(store, { runId: run.id, tally, completed: failure === undefined, configured: config.criteria.filterIds, readInFull });
    const counts = { ...tally.counts(), stillFailing };
    const reportPath = await deps.writeReport?.({ ...run, counts, notes });
    if (failure === undefined) {
      store.finishRun(run.id, { outcome: counts.errors + stillFailing > 0 ? 'contacts_failed' : 'ok', counts, notes, reportPath });
      log.info({ matched: counts.matched, imported: counts.imported, errors: counts.errors, warnings: counts.warnings, stillFailing }, 'import finished');
    } else {
      const reason = failure instanceof Error ? failure.message : String(failure);
      store.finishRun(run.id, { outcome: 'failed', counts, error: reason, notes, reportPath });
      log.error({ reason }, 'import could not complete');
    }
    return { run: store.getRun(run.id)!, failure };
  } finally {
    store.releaseLock();
  }
}

interface RunState {
  run: RunRecord;
  tally: RunTally;
  setup: RunSetup;
  filterIds: readonly number[];
  full: boolean;
  notes: string[];
  /** Filters read in full, to the end, by this run (still-failing.ts). */
  readInFull: number[];
}

/**
 * Sends each filter's contacts, then the retry table; resolves with the watermarks to
 * store once every contact read has an outcome (confirmed, error, or retry table).
 */
async function importFilters(config: Config, deps: ImportDeps, state: RunState): Promise<Omit<Watermark, 'updatedAt'>[]> {
  const { store, logger, signal } = deps;
  const { run, tally, setup } = state;
  const pusher = new BatchPusher({
    cadence: deps.cadence,
    store,
    tally,
    runId: run.id,
    batchSize: config.cadence.batchSize,
    concurrency: config.cadence.concurrency,
    logger,
    signal,
    onBatch: (event) => {
      store.updateRunCounts(run.id, tally.counts());
      deps.onProgress?.({ type: 'batch', contacts: event.contacts });
    },
  });
  const record = new IssueRecorder(store, run.id, tally);
  const waiting = new Map(store.listRetries().map((entry) => [entry.contactId, entry]));
  const lookups = planLookups(store, config.optOut !== undefined);
  try {
    const watermarks: Omit<Watermark, 'updatedAt'>[] = [];
    for (const filterId of state.filterIds) {
      const runStartedAt = new Date(run.startedAt);
      const start = filterStart({ config, filterId, names: setup.names, watermark: store.getWatermark(filterId), full: state.full, runStartedAt });
      const why = describeStart(start);
      if (why) {
        state.notes.push(why);
        logger.info({ filterId, reason: start.reason }, 'filter read in full');
      }
      deps.onProgress?.({ type: 'filter', filterId, reason: start.reason });
      const newest: { key?: ContactKey } = {};
      const pages = planFilter({
        sources: { connect: deps.connect, store },
        start,
        rules: setup.rules,
        attributes: setup.attributes,
        tally,
        lookups,
        newest,
        runStartedAt,
        signal,
      });
      for await (const page of pages) {
        signal?.throwIfAborted();
        for (const planned of page.contacts) {
          await apply(waiting.delete(planned.mapped.contactId) ? superseding(planned, store) : planned, pusher, tally, record, store);
        }
        for (const unreadable of page.unreadable) {
          tally.failed(unreadable.key);
          record.addUnreadable(unreadable);
        }
        record.flush(ISSUE_ROWS_PER_WRITE);
        deps.onProgress?.({ type: 'fetched', filterId, contacts: page.contacts.length });
      }
      watermarks.push(nextWatermark(start, newest.key, runStartedAt));
      if (start.since === undefined) state.readInFull.push(filterId);
    }
    await resendRetries([...waiting.values()], pusher, tally);
    record.flushAll();
    await pusher.drain();
    return watermarks;
  } catch (error) {
    record.flushAll();
    // Whatever is in flight is still recorded when Cadence confirms it; nothing else moves.
    await pusher.settle();
    throw error;
  }
}

/** Applies one planned contact: count it, report its issues, send it when it changed. */
async function apply(planned: PlannedContact, pusher: BatchPusher, tally: RunTally, record: IssueRecorder, store: Pick<StateStore, 'getConfirmed'>): Promise<void> {
  const { mapped } = planned;
  if (mapped.issues.length > 0) record.add(mapped.contactId, mapped.reportFields, mapped.issues);
  if (planned.sighting === 'same') return;
  const item = planned.sighting === 'newer' ? replan(planned, pusher, store) : planned.item;
  switch (item.action) {
    case 'error':
      tally.failed(item.contactId);
      return;
    case 'unchanged':
      // Equal to a send of this run still on its way: that send's answer settles the contact.
      if (pusher.unsettled(item.contactId) === undefined) tally.imported(item.contactId, 'unchanged');
      return;
    case 'create':
    case 'update':
      // What of it goes on the wire is the consent gate's decision, when the batch leaves.
      await pusher.add({ payload: item.payload, report: mapped.reportFields, replacesConfirmed: item.action === 'update' });
  }
}

/**
 * A contact read again in this run (it changed while the run paged) is planned again, now,
 * against what Cadence holds before this version arrives: this run's send still on its
 * way, nothing known when that send outlived its retries, else what the state file has
 * confirmed by now. Planned against the confirmed payload of when its page was read, a
 * version changed back (A → B → A) would be "unchanged" and leave Cadence with B.
 */
function replan(planned: PlannedContact, pusher: BatchPusher, store: Pick<StateStore, 'getConfirmed'>): PlanItem {
  const { mapped } = planned;
  if (mapped.payload === undefined) return planned.item;
  const last = pusher.unsettled(mapped.contactId);
  if (last === undefined) return planContact(mapped, store.getConfirmed([mapped.contactId]).get(mapped.contactId));
  return planContact(mapped, last === 'unknown' ? undefined : last);
}

/**
 * A waiting contact (in the retry table) that a filter returned: its current version is
 * what counts, never the payload parked (§3's errors are not sent; nor sent twice in a run).
 * It is sent even when it equals the last confirmed payload, because whether the failed
 * send took effect is unknown; its entry goes when Cadence answers (confirmed, rejected, or
 * replaced if it fails again), or now when the current version is an error (§4).
 */
function superseding(planned: PlannedContact, store: Pick<StateStore, 'removeRetries'>): PlannedContact {
  const { item } = planned;
  if (item.action === 'error') store.removeRetries([item.contactId]);
  if (item.action !== 'unchanged') return planned;
  return { ...planned, item: { ...item, action: 'update', changes: {} } };
}

/**
 * Contacts that outlived their retries last time, and that no filter returned in this run,
 * are sent again from the payload stored then, although Connect has not changed them
 * (product.md §4). The consent gate keeps any opt-out Cadence reported since.
 */
async function resendRetries(retries: readonly RetryEntry[], pusher: BatchPusher, tally: RunTally): Promise<void> {
  for (const entry of retries) {
    tally.sight(entry.contactId, -1, entry.filterIds);
    const { firstName, lastName, mobileNumber } = entry.payload;
    await pusher.add({ payload: entry.payload, report: { firstName, lastName, mobileNumber }, replacesConfirmed: true });
  }
}

/** Report rows written in one transaction, at most, while pages are read. */
const ISSUE_ROWS_PER_WRITE = 500;

/**
 * Writes contacts' issues to the run's report rows, and counts their warnings. Rows are
 * written several pages at a time (flush): one transaction per contact, or per page, would
 * cost more than everything else the contact needs. The run flushes what is left before it
 * ends, also when it fails.
 */
class IssueRecorder {
  private rows: RunIssue[] = [];
  private unreadable: UnreadableRecord[] = [];

  constructor(
    private readonly store: Pick<StateStore, 'addIssues'>,
    private readonly runId: string,
    private readonly tally: RunTally,
  ) {}

  add(contactId: string, report: { firstName: string; lastName: string; mobileNumber: string }, issues: readonly ContactIssue[]): void {
    const filterIds = this.tally.filtersOf(contactId);
    if (issues.some((issue) => issue.severity === 'warning')) this.tally.warned(contactId);
    for (const issue of issues) {
      this.rows.push({ contactId, ...report, filterIds, severity: issue.severity, code: issue.code, message: issue.message });
    }
  }

  /**
   * An unreadable record's row, kept until the run ends: a readable version of the contact
   * read later in the run (another filter, a change) replaces it, and then the row goes.
   */
  addUnreadable(unreadable: UnreadableRecord): void {
    this.unreadable.push(unreadable);
  }

  /** Writes every row left, the unreadable records still counted as errors among them (one row each). */
  flushAll(): void {
    for (const { contactId, report, issue, key } of this.unreadable) {
      if (!this.tally.isFailed(key)) continue;
      this.rows.push({ contactId, ...report, filterIds: this.tally.filtersOf(key), severity: issue.severity, code: issue.code, message: issue.message });
    }
    this.unreadable = [];
    this.flush();
  }

  /** Writes the rows added since the last flush, in one transaction (when there are at least `atLeast`). */
  flush(atLeast = 1): void {
    if (this.rows.length < atLeast) return;
    const rows = this.rows;
    this.rows = [];
    this.store.addIssues(this.runId, rows);
  }
}
