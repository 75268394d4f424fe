/**
 * The sync step of a real import run (product.md §2–§4): the loop with the pusher as its
 * sink, then the run's share of the still-failing list. The command around it holds the
 * run's life (run-life.ts) and does the write-back before and the report after.
 */
import type { Config } from '../../config/schema.js';
import type { Logger } from '../../log.js';
import type { CadenceSink, ConnectSource, RunCounts, RunRecord } from '../ports.js';
import type { State } from '../state.js';
import { syncFilters, type ProgressEvent, type SyncResult } from './loop.js';
import { PushSink } from './push-sink.js';
import { prepareRun } from './setup.js';
import { settleStillFailing } from './settle-still-failing.js';
import { RunTally } from './tally.js';

export interface ImportDeps {
  connect: ConnectSource;
  cadence: CadenceSink;
  state: Pick<State, 'sync' | 'journal' | 'report' | 'runs'>;
  /** Carries the run's id. */
  logger: Logger;
  signal?: AbortSignal;
  onProgress?: (event: ProgressEvent) => void;
}

export interface ImportOptions {
  run: RunRecord;
  filterIds: readonly number[];
  /** Ignore the watermarks: read every filter in full. */
  full: boolean;
  /** What the write-back before did, kept in the counts stored as the run goes. */
  writeBack?: RunCounts['writeBack'];
}

/** What the sync step did; `failure` is what stopped it when it could not complete. */
export interface SyncOutcome {
  /** The run's counts, with `stillFailing`. */
  counts: RunCounts;
  notes: string[];
  failure?: unknown;
}

/** Imports the contacts of the run's filters. Never throws: a failure comes back in the outcome. */
export async function importContacts(config: Config, deps: ImportDeps, options: ImportOptions): Promise<SyncOutcome> {
  const { run, filterIds } = options;
  const tally = new RunTally(config.criteria.filterIds);
  if (options.writeBack) Object.assign(tally.writeBack, options.writeBack);
  const result: SyncResult = { notes: [], readInFull: [] };
  let failure: unknown;
  try {
    const setup = await prepareRun(config, deps);
    for (const warning of setup.warnings) deps.logger.warn({ warning }, 'config warning');
    const sink = new PushSink(deps, { runId: run.id, tally, batchSize: config.cadence.batchSize, concurrency: config.cadence.concurrency });
    await syncFilters(config, deps, sink, { setup, filterIds, full: options.full, runStartedAt: new Date(run.startedAt) }, result);
  } catch (error) {
    // Stopped by a signal: whatever the abort surfaced as, the reason is the interruption.
    failure = deps.signal?.aborted ? deps.signal.reason : error;
  }
  const stillFailing = await settleStillFailing(deps.state.report, {
    runId: run.id,
    tally,
    completed: failure === undefined,
    configured: config.criteria.filterIds,
    readInFull: result.readInFull,
  });
  return { counts: { ...tally.counts(), stillFailing }, notes: result.notes, failure };
}

/** The sync step's outcome when a step before it failed: nothing read; the still-failing list loses only filters no longer configured. */
export async function syncNotStarted(config: Config, state: Pick<State, 'report'>, runId: string, failure: unknown): Promise<SyncOutcome> {
  const tally = new RunTally(config.criteria.filterIds);
  const stillFailing = await settleStillFailing(state.report, { runId, tally, completed: false, configured: config.criteria.filterIds, readInFull: [] });
  return { counts: { ...tally.counts(), stillFailing }, notes: [], failure };
}
