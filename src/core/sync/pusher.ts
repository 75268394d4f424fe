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
import { gateConsent, needsConsent, type GateDecision } from '../consent-gate.js';
import type { CadenceSink, RunIssue } from '../ports.js';
import type { OptOutJournal, ReportRows, SyncState } from '../state.js';
import type { CadenceContact, ContactResult } from '../types.js';
import type { RunTally } from './tally.js';

/** What the report needs about a contact being sent, should Cadence refuse it. */
export interface Outgoing {
  payload: CadenceContact;
  report: Pick<RunIssue, 'firstName' | 'lastName' | 'mobileNumber'>;
  /** The state file may hold a confirmed payload for the contact (an update, a retry). */
  replacesConfirmed?: boolean;
}

/** One contact of a batch, past the consent gate. */
interface Gated {
  outgoing: Outgoing;
  decision: GateDecision;
}

/** What the pusher reads and records in the state. */
export interface PusherState {
  sync: Pick<SyncState, 'recordConfirmed' | 'forgetConfirmed' | 'putRetries' | 'removeRetries' | 'getConfirmedOptedOut'>;
  journal: Pick<OptOutJournal, 'getConsent'>;
  report: Pick<ReportRows, 'add'>;
}

export interface PusherOptions {
  cadence: CadenceSink;
  state: PusherState;
  tally: RunTally;
  runId: string;
  batchSize: number;
  concurrency: number;
  logger: Logger;
  signal?: AbortSignal;
  /** Called after each batch is settled. */
  onBatch?: (event: { contacts: number }) => Promise<void>;
}

export class BatchPusher {
  private readonly options: PusherOptions;
  private readonly limit: ReturnType<typeof pLimit>;
  private readonly inFlight = new Set<Promise<void>>();
  private buffer: Outgoing[] = [];
  /** Contact id → its place in `buffer`. */
  private readonly buffered = new Map<string, number>();
  /** Contact id → the batch in flight that carries it. */
  private readonly carrying = new Map<string, Promise<void>>();
  /** Contact id → the payload handed to a batch that Cadence has not answered for yet. */
  private readonly travelling = new Map<string, CadenceContact>();
  /** Contacts whose send in this run outlived its retries: Cadence may hold that payload, or not. */
  private readonly deferred = new Set<string>();
  /** The first error that must end the run (credentials, unreachable, malformed answers). */
  private fatal: unknown;
  sentContacts = 0;
  sentBatches = 0;

  constructor(options: PusherOptions) {
    this.options = options;
    this.limit = pLimit(options.concurrency);
  }

  /**
   * Queues one contact; sends a batch when the buffer is full, waiting for room first. A
   * contact added again is a newer version of it (read again in the run): it replaces the
   * one buffered, and never travels beside one in flight (see flushBuffer).
   */
  async add(outgoing: Outgoing): Promise<void> {
    this.throwIfFatal();
    const id = outgoing.payload.uniqueCampusId;
    const index = this.buffered.get(id);
    if (index !== undefined) {
      this.buffer[index] = outgoing;
      return;
    }
    this.buffered.set(id, this.buffer.length);
    this.buffer.push(outgoing);
    if (this.buffer.length >= this.options.batchSize) await this.flushBuffer();
  }

  /**
   * What this run last handed over for a contact and Cadence has not answered for yet
   * (buffered or in flight): it lands in Cadence before any newer version, so a newer one
   * is planned against it. `unknown` when that send outlived its retries; undefined when
   * nothing of the contact is unsettled.
   */
  unsettled(contactId: string): CadenceContact | 'unknown' | undefined {
    const index = this.buffered.get(contactId);
    if (index !== undefined) return this.buffer[index]!.payload;
    return this.travelling.get(contactId) ?? (this.deferred.has(contactId) ? 'unknown' : undefined);
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
    this.buffered.clear();
    for (const { payload } of batch) this.travelling.set(payload.uniqueCampusId, payload);
    while (this.inFlight.size >= this.options.concurrency) {
      await Promise.race(this.inFlight);
      this.throwIfFatal();
    }
    // A batch carrying an older version of one of these contacts goes first, all the way
    // (resends included): Cadence applies batches in the order it receives them, so the
    // older version must never arrive last.
    const ids = batch.map((outgoing) => outgoing.payload.uniqueCampusId);
    const older = new Set(ids.map((id) => this.carrying.get(id)).filter((each) => each !== undefined));
    const task: Promise<void> = Promise.allSettled(older)
      .then(() => this.limit(() => this.send(batch)))
      .finally(() => {
        this.inFlight.delete(task);
        for (const id of ids) if (this.carrying.get(id) === task) this.carrying.delete(id);
      });
    for (const id of ids) this.carrying.set(id, task);
    this.inFlight.add(task);
  }

  private async send(batch: Outgoing[]): Promise<void> {
    if (this.fatal !== undefined) return;
    const { cadence, logger, signal, state } = this.options;
    this.sentBatches += 1;
    this.sentContacts += batch.length;
    try {
      const confirmed = await this.confirmedOptedOut(batch);
      // Cadence may apply this batch and the run be killed before its answer is recorded; the
      // payloads confirmed before are then in doubt, and a contact changed back to one of them
      // would be skipped for ever. Forgotten now, such a contact is sent again by the next run.
      const replaced = batch.filter((outgoing) => outgoing.replacesConfirmed).map((outgoing) => outgoing.payload.uniqueCampusId);
      if (replaced.length > 0) await state.sync.forgetConfirmed(replaced);
      // The consent on record is read last, right before the batch leaves: nothing but the
      // request itself comes between a STOP journalled by then and this decision.
      const gated = await this.gate(batch, confirmed);
      const results = await cadence.importBatch(
        gated.map(({ decision }) => decision.wire),
        signal,
      ).catch((error: unknown) => {
        if (!(error instanceof TransientFailure)) throw error;
        return error;
      });
      await this.reportConflicts(gated);
      if (results instanceof TransientFailure) {
        logger.warn({ contacts: batch.length, err: results.message }, 'batch failed after retries; contacts wait for the next run');
        await this.deferToNextRun(batch, results.message);
      } else {
        await this.record(gated, results);
      }
      await this.options.onBatch?.({ contacts: batch.length });
    } catch (error) {
      this.fatal ??= error;
    }
  }

  /** The `optedOut` of the confirmed payloads the batch's consent-carrying contacts replace. */
  private confirmedOptedOut(batch: readonly Outgoing[]): Promise<Map<string, boolean | undefined>> {
    const ids = batch.filter((outgoing) => outgoing.payload.optedOut !== undefined && outgoing.replacesConfirmed).map((outgoing) => outgoing.payload.uniqueCampusId);
    return ids.length === 0 ? Promise.resolve(new Map()) : this.options.state.sync.getConfirmedOptedOut(ids);
  }

  /**
   * The consent gate (product.md §5), the batch's last step before the wire: after any wait
   * for room or for an older version's batch, so it decides from what the state holds now
   * (the payloads confirmed by then, read just before, and the opt-outs recorded while the
   * run went on). Reads the journal only for payloads that carry `optedOut`.
   */
  private async gate(batch: readonly Outgoing[], confirmed: ReadonlyMap<string, boolean | undefined>): Promise<Gated[]> {
    const carrying = batch.filter((outgoing) => outgoing.payload.optedOut !== undefined);
    if (carrying.length === 0) return batch.map((outgoing) => ({ outgoing, decision: { wire: outgoing.payload, record: outgoing.payload } }));
    const idOf = (outgoing: Outgoing) => outgoing.payload.uniqueCampusId;
    const consent = await this.options.state.journal.getConsent(carrying.filter((outgoing) => needsConsent(outgoing.payload)).map(idOf));
    return batch.map((outgoing): Gated => {
      const id = idOf(outgoing);
      const decision = gateConsent({
        payload: outgoing.payload,
        confirmed: confirmed.has(id) ? { optedOut: confirmed.get(id) } : undefined,
        consent: consent.get(id),
      });
      return { outgoing, decision };
    });
  }

  /** Reports the gate's conflicts (a reported opt-out kept off the wire) as warnings of the run. */
  private async reportConflicts(gated: readonly Gated[]): Promise<void> {
    const { state, tally, runId } = this.options;
    const conflicts: RunIssue[] = [];
    for (const { outgoing, decision } of gated) {
      if (!decision.conflict) continue;
      const id = outgoing.payload.uniqueCampusId;
      tally.warned(id);
      conflicts.push({ contactId: id, ...outgoing.report, filterIds: tally.filtersOf(id), ...decision.conflict });
    }
    if (conflicts.length > 0) await state.report.add(runId, conflicts);
  }

  /** Records one completed batch: confirmed payloads, and rejected contacts as errors (out of the retry table). */
  private async record(gated: readonly Gated[], results: readonly ContactResult[]): Promise<void> {
    const { state, tally, runId } = this.options;
    const batch = gated.map(({ outgoing }) => outgoing);
    const byId = new Map(gated.map((each) => [each.outgoing.payload.uniqueCampusId, each]));
    const confirmed: { contactId: string; payload: CadenceContact }[] = [];
    const rejected: RunIssue[] = [];
    for (const result of results) {
      const sent = byId.get(result.uniqueCampusId);
      if (sent === undefined) continue;
      const { outgoing, decision } = sent;
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
        confirmed.push({ contactId: result.uniqueCampusId, payload: decision.record });
      }
    }
    await state.sync.recordConfirmed(confirmed);
    this.answered(batch, 'known');
    if (rejected.length > 0) {
      await state.report.add(runId, rejected);
      // A rejection is a data error: sent again only when the contact changes (product.md §4).
      await state.sync.removeRetries(rejected.map((issue) => issue.contactId));
    }
  }

  /** A batch that outlived its retries: its contacts go to the retry table (product.md §4). */
  private async deferToNextRun(batch: readonly Outgoing[], reason: string): Promise<void> {
    const { state, tally, runId } = this.options;
    await state.sync.putRetries(
      batch.map((outgoing) => ({
        contactId: outgoing.payload.uniqueCampusId,
        payload: outgoing.payload,
        filterIds: tally.filtersOf(outgoing.payload.uniqueCampusId),
        reason,
      })),
    );
    for (const outgoing of batch) tally.failed(outgoing.payload.uniqueCampusId);
    this.answered(batch, 'unknown');
    await state.report.add(
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

  /** The batch's sends were answered (their fate `unknown` when they outlived their retries). */
  private answered(batch: readonly Outgoing[], fate: 'known' | 'unknown'): void {
    for (const { payload } of batch) {
      const id = payload.uniqueCampusId;
      if (this.travelling.get(id) === payload) this.travelling.delete(id);
      if (fate === 'unknown') this.deferred.add(id);
      else this.deferred.delete(id);
    }
  }

  private throwIfFatal(): void {
    if (this.fatal !== undefined) throw this.fatal;
  }
}
