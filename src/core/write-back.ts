/**
 * Opt-out write-back (product.md §5): sets Connect's opt-out attribute, tagged with the
 * source code, for each pending entry of the opt-out journal. Entries come from serve's
 * webhooks, the history CSV, and (with `optOut.feed: true`) Cadence's feed, which a run
 * reads into the journal first.
 *
 * Each entry is claimed before it is written (serve and a run may work side by side), and
 * is done only once Connect confirms. `Unknown contact` ends it as failed (reported in the
 * next run's mail and in `status`). Connect failing transiently (unreachable, 5xx, after
 * the client's retries) leaves the entry pending with a backoff and stops the writing: the
 * import's consent gate keeps the opt-out meanwhile. Connect rejecting the request itself
 * (credentials, source code) leaves it pending too, and fails the run (exit 3).
 */
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { Config, OptOutConfig } from '../config/schema.js';
import { ExternalServiceError, TransientFailure } from '../errors.js';
import type { Logger } from '../log.js';
import { emptyJournalCounts, journalFeed } from './journal-changes.js';
import { retryDelayMs } from './optout-journal.js';
import type { CadenceSink, ConnectSource, JournalEntry, RunCounts, RunIssue } from './ports.js';
import type { State } from './state.js';
import type { OptOutChange } from './types.js';

/** The state a write-back uses: the journal it works through, the confirmed payloads it follows, the report rows of failures. */
export type WriteBackState = Pick<State, 'journal' | 'sync' | 'report'>;

export interface WriteBackDeps {
  connect: Pick<ConnectSource, 'updateContact'>;
  cadence: Pick<CadenceSink, 'optOutChanges'>;
  state: WriteBackState;
  logger: Logger;
  /** The run the write-back belongs to, for report rows (serve has none). */
  runId?: string;
  /** Who claims entries; unique per process by default. */
  owner?: string;
  now?: () => Date;
}

export type WriteBackCounts = RunCounts['writeBack'];

/** Entries claimed at once, and how long a claim holds before another writer may take it over. */
const CLAIM_BATCH = 20;
const CLAIM_LEASE_MS = 5 * 60_000;

/** A claim owner unique to this process: `<host>|<pid>|<random>` (the store lapses a dead process's claims by it). */
export function writerId(): string {
  return `${hostname()}|${process.pid}|${randomUUID().slice(0, 8)}`;
}

/** The value Connect's opt-out attribute gets for a change. */
export function connectValueFor(change: Pick<OptOutChange, 'optedOut'>, optOut: OptOutConfig): string {
  return change.optedOut ? optOut.optedOutValue : optOut.optedInValue;
}

/**
 * A run's write-back: the feed into the journal (when configured), then every pending
 * entry, backoff or not. Failures no run has reported yet become report rows of this run.
 * `skipped` counts the feed's changes that were echoes or history.
 */
export async function runWriteBack(config: Config, deps: WriteBackDeps): Promise<WriteBackCounts> {
  const counts: WriteBackCounts = { written: 0, failed: 0, skipped: 0 };
  if (config.optOut === undefined) {
    deps.logger.info('no optOut section in the config: opt-out write-back skipped');
    return counts;
  }
  if (config.optOut.feed === true) {
    const journalled = emptyJournalCounts();
    try {
      await journalFeed(deps.cadence, deps.state, journalled);
    } catch (error) {
      // A STOP texted since the last run would be unknown: an import now could opt that student back in.
      if (error instanceof ExternalServiceError) deps.logger.error({ error: error.message }, 'opt-out feed unreadable; nothing is imported without it');
      throw error;
    }
    counts.skipped = journalled.echo + journalled.history;
  }
  let stopped = false;
  try {
    const written = await writePending(config, { ...deps, owner: deps.owner ?? writerId() }, { dueOnly: false });
    counts.written = written.written;
    stopped = written.stopped;
  } finally {
    counts.failed = (await reportFailures(deps)) + (stopped ? 1 : 0);
  }
  if (stopped) deps.logger.warn(counts, 'opt-out write-back stopped: Connect is failing; what is pending is written by the next run or by serve');
  if (counts.written + counts.failed > 0) deps.logger.info(counts, 'opt-out write-back finished');
  return counts;
}

/** Adds the failures no run has reported yet to this run's report; how many. */
async function reportFailures(deps: WriteBackDeps): Promise<number> {
  if (deps.runId === undefined) return 0;
  const failures = await deps.state.journal.takeUnreportedFailures();
  if (failures.length > 0) await deps.state.report.add(deps.runId, failures.map(writeBackIssue));
  return failures.length;
}

/**
 * Writes the journal's pending entries, a claimed batch at a time, until none is left to
 * claim. `dueOnly` (serve) leaves entries waiting out their backoff. Stops (`stopped`) at
 * the first transient failure, and rethrows a rejection; either leaves the entry pending.
 */
export async function writePending(
  config: Config,
  deps: WriteBackDeps & { owner: string },
  options: { dueOnly: boolean; signal?: AbortSignal },
): Promise<{ written: number; failed: number; stopped: boolean }> {
  const optOut = config.optOut;
  const result = { written: 0, failed: 0, stopped: false };
  if (optOut === undefined) return result;
  const { sync, journal } = deps.state;
  const retrying = (await sync.countRetries()) === 0 ? new Set<string>() : new Set((await sync.listRetries()).map((entry) => entry.contactId));
  for (;;) {
    if (options.signal?.aborted) return result;
    const entries = await journal.claim(deps.owner, { limit: CLAIM_BATCH, leaseMs: CLAIM_LEASE_MS, dueOnly: options.dueOnly });
    if (entries.length === 0) return result;
    for (const [index, entry] of entries.entries()) {
      try {
        if (await writeOne(entry, optOut, config.criteria.sourceCode, deps)) {
          result.written += 1;
          await followCadence(sync, entry, retrying);
        } else result.failed += 1;
      } catch (error) {
        for (const rest of entries.slice(index + 1)) await journal.finish(rest.id, deps.owner, { state: 'released' });
        if (!isTransient(error)) throw error;
        deps.logger.warn({ contactId: entry.contactId, error: (error as Error).message }, 'opt-out write-back: Connect failing, retried later');
        result.stopped = true;
        return result;
      }
    }
  }
}

/**
 * Writes one entry to Connect and ends the claim. Resolves false when Connect refused it
 * for good (unknown contact); otherwise a failure leaves it pending and is rethrown.
 */
async function writeOne(entry: JournalEntry, optOut: OptOutConfig, sourceCode: string, deps: WriteBackDeps & { owner: string }): Promise<boolean> {
  try {
    await deps.connect.updateContact(entry.contactId, { [optOut.field]: connectValueFor(entry, optOut) }, sourceCode);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    if (error instanceof ExternalServiceError && isContactRefusal(error)) {
      await deps.state.journal.finish(entry.id, deps.owner, { state: 'failed', error: message });
      deps.logger.warn({ contactId: entry.contactId, error: message }, 'opt-out could not be written to Connect');
      return false;
    }
    const now = (deps.now ?? (() => new Date()))();
    const retryAt = new Date(now.getTime() + retryDelayMs(entry.attempts + 1)).toISOString();
    await deps.state.journal.finish(entry.id, deps.owner, { state: 'pending', error: message, retryAt });
    throw error;
  }
  await deps.state.journal.finish(entry.id, deps.owner, { state: 'done' });
  deps.logger.debug({ contactId: entry.contactId, optedOut: entry.optedOut }, 'opt-out written to Connect');
  return true;
}

/**
 * Once Connect holds the value Cadence holds, the payload last confirmed takes it:
 * otherwise the next import (which reads the contact, since the write changed it) would
 * send Cadence the value it reported itself. Contacts waiting for a retry are left alone
 * (recording them would drop the retry).
 */
async function followCadence(sync: WriteBackState['sync'], entry: JournalEntry, retrying: ReadonlySet<string>): Promise<void> {
  if (retrying.has(entry.contactId)) return;
  const confirmed = (await sync.getConfirmed([entry.contactId])).get(entry.contactId);
  if (confirmed === undefined || confirmed.optedOut === entry.optedOut) return;
  // Rebuilt in the wire order of CadenceContact (optedOut before allowMobileUpdate).
  const { allowMobileUpdate, customFields, ...head } = confirmed;
  await sync.recordConfirmed([{ contactId: entry.contactId, payload: { ...head, optedOut: entry.optedOut, allowMobileUpdate, customFields } }]);
}

/** A failure that outlived the client's retries (unreachable, 5xx, timeouts), as opposed to a rejection. */
function isTransient(error: unknown): boolean {
  if (error instanceof TransientFailure) return true;
  return error instanceof ExternalServiceError && error.cause instanceof Error && error.cause.name === 'TransientError';
}

/** Connect's application errors that concern the one contact, not the service. */
function isContactRefusal(error: ExternalServiceError): boolean {
  return /Unknown contact/i.test(error.message);
}

function writeBackIssue(entry: JournalEntry): RunIssue {
  return {
    contactId: entry.contactId,
    firstName: '',
    lastName: '',
    mobileNumber: '',
    filterIds: [],
    severity: 'warning',
    code: 'OPT_OUT_WRITE_BACK_FAILED',
    message: `Cadence reported ${entry.optedOut ? 'an opt-out' : 'an opt-in'} (${entry.source}, ${entry.changedAt}) that could not be written to Connect: ${entry.error ?? 'unknown error'}`,
  };
}
