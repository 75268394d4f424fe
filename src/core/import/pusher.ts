/**
 * Apply: sends planned payloads to Cadence in batches of `batchSize`, at most
 * `concurrency` batches in flight (p-limit, the one place concurrency is set), and records
 * what Cadence confirmed batch by batch. `add` waits while the batches in flight are at
 * the limit, which is what bounds memory however many contacts a run has: fetching goes on
 * only while there is room.
 */
import pLimit from 'p-limit';
import { TransientFailure } from '../../errors.js';
import type { Logger } from '../../log.js';
import type { CadenceSink, RunIssue, StateStore } from '../ports.js';
import type { CadenceContact, ContactResult } from '../types.js';
import type { RunTally } from './tally.js';

/** What the report needs about a contact being sent, should Cadence refuse it. */
export interface Outgoing {
  payload: CadenceContact;
  report: Pick<RunIssue, 'firstName' | 'lastName' | 'mobileNumber'>;
}

export interface PusherOptions {
  cadence: CadenceSink;
  store: Pick<StateStore, 'recordConfirmed' | 'putRetries' | 'addIssues'>;
  tally: RunTally;
  runId: string;
  batchSize: number;
  concurrency: number;
  logger: Logger;
  signal?: AbortSignal;
  /** Called after each batch is settled. */
  onBatch?: (event: { contacts: number }) => void;
}

export class BatchPusher {
  private readonly options: PusherOptions;
  private readonly limit: ReturnType<typeof pLimit>;
  private readonly inFlight = new Set<Promise<void>>();
  private buffer: Outgoing[] = [];
  /** The first error that must end the run (credentials, unreachable, malformed answers). */
  private fatal: unknown;
  sentContacts = 0;
  sentBatches = 0;

  constructor(options: PusherOptions) {
    this.options = options;
    this.limit = pLimit(options.concurrency);
  }

  /** Queues one contact; sends a batch when the buffer is full, waiting for room first. */
  async add(outgoing: Outgoing): Promise<void> {
    this.throwIfFatal();
    this.buffer.push(outgoing);
    if (this.buffer.length >= this.options.batchSize) await this.flushBuffer();
  }

  /** Sends what is buffered and waits for every batch in flight; rethrows a fatal error. */
  async drain(): Promise<void> {
    if (this.buffer.length > 0 && this.fatal === undefined) await this.flushBuffer();
    await this.settle();
    this.throwIfFatal();
  }

  /** Waits for the batches in flight without sending more (used when the run is ending badly). */
  async settle(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
  }

  private async flushBuffer(): Promise<void> {
    const batch = this.buffer;
    this.buffer = [];
    while (this.inFlight.size >= this.options.concurrency) {
      await Promise.race(this.inFlight);
      this.throwIfFatal();
    }
    const task = this.limit(() => this.send(batch)).finally(() => this.inFlight.delete(task));
    this.inFlight.add(task);
  }

  private async send(batch: Outgoing[]): Promise<void> {
    if (this.fatal !== undefined) return;
    const { cadence, logger, signal } = this.options;
    this.sentBatches += 1;
    this.sentContacts += batch.length;
    try {
      const results = await cadence.importBatch(
        batch.map((outgoing) => outgoing.payload),
        signal,
      );
      this.record(batch, results);
    } catch (error) {
      if (error instanceof TransientFailure) {
        logger.warn({ contacts: batch.length, err: error.message }, 'batch failed after retries; contacts wait for the next run');
        this.deferToNextRun(batch, error.message);
      } else {
        this.fatal ??= error;
      }
    }
    this.options.onBatch?.({ contacts: batch.length });
  }

  /** Records one completed batch: confirmed payloads, and rejected contacts as errors. */
  private record(batch: readonly Outgoing[], results: readonly ContactResult[]): void {
    const { store, tally, runId } = this.options;
    const byId = new Map(batch.map((outgoing) => [outgoing.payload.uniqueCampusId, outgoing]));
    const confirmed: { contactId: string; payload: CadenceContact }[] = [];
    const rejected: RunIssue[] = [];
    for (const result of results) {
      const outgoing = byId.get(result.uniqueCampusId);
      if (outgoing === undefined) continue;
      if (result.outcome === 'rejected') {
        tally.failed(result.uniqueCampusId);
        rejected.push({
          contactId: result.uniqueCampusId,
          ...outgoing.report,
          filterIds: tally.filtersOf(result.uniqueCampusId),
          severity: 'error',
          code: result.errorCode,
          message: `Cadence rejected the contact: ${result.message}`,
        });
      } else {
        tally.imported(result.uniqueCampusId, result.outcome);
        confirmed.push({ contactId: result.uniqueCampusId, payload: outgoing.payload });
      }
    }
    store.recordConfirmed(confirmed);
    if (rejected.length > 0) store.addIssues(runId, rejected);
  }

  /** A batch that outlived its retries: its contacts go to the retry table (product.md §4). */
  private deferToNextRun(batch: readonly Outgoing[], reason: string): void {
    const { store, tally, runId } = this.options;
    store.putRetries(
      batch.map((outgoing) => ({
        contactId: outgoing.payload.uniqueCampusId,
        payload: outgoing.payload,
        filterIds: tally.filtersOf(outgoing.payload.uniqueCampusId),
        reason,
      })),
    );
    for (const outgoing of batch) tally.failed(outgoing.payload.uniqueCampusId);
    store.addIssues(
      runId,
      batch.map((outgoing) => ({
        contactId: outgoing.payload.uniqueCampusId,
        ...outgoing.report,
        filterIds: tally.filtersOf(outgoing.payload.uniqueCampusId),
        severity: 'error' as const,
        code: 'CADENCE_UNAVAILABLE',
        message: `not imported, will be sent again on the next run: ${reason}`,
      })),
    );
  }

  private throwIfFatal(): void {
    if (this.fatal !== undefined) throw this.fatal;
  }
}
