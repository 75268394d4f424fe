/**
 * The real run's sink: applies each page's plan. It counts every contact (the tally is
 * written here and in the pusher it owns, nowhere else), reports issues, sends what
 * changed through the pusher, and keeps the watermarks once every contact read has an
 * outcome.
 */
import type { Logger } from '../../log.js';
import { planContact, type PlanItem } from '../plan.js';
import type { CadenceSink, Watermark } from '../ports.js';
import type { RunLog, SyncState } from '../state.js';
import { IssueRecorder, ISSUE_ROWS_PER_WRITE } from './issue-recorder.js';
import type { ProgressEvent, SyncSink } from './loop.js';
import type { PagePlan, PlannedContact, PlannedRetry } from './plan-page.js';
import { BatchPusher, type PusherState } from './pusher.js';
import type { RunTally } from './tally.js';
import type { FilterStart } from '../watermark.js';

export interface PushSinkDeps {
  cadence: CadenceSink;
  state: PusherState & { sync: Pick<SyncState, 'getConfirmed' | 'setWatermarks'>; runs: Pick<RunLog, 'updateCounts'> };
  logger: Logger;
  signal?: AbortSignal;
  onProgress?: (event: ProgressEvent) => void;
}

export interface PushSinkOptions {
  runId: string;
  tally: RunTally;
  batchSize: number;
  concurrency: number;
}

export class PushSink implements SyncSink {
  private readonly pusher: BatchPusher;
  private readonly recorder: IssueRecorder;
  private readonly tally: RunTally;

  constructor(
    private readonly deps: PushSinkDeps,
    options: PushSinkOptions,
  ) {
    const { state, logger, signal } = deps;
    const { runId, tally } = options;
    this.tally = tally;
    this.recorder = new IssueRecorder(state.report, runId, tally);
    this.pusher = new BatchPusher({
      cadence: deps.cadence,
      state,
      tally,
      runId,
      batchSize: options.batchSize,
      concurrency: options.concurrency,
      logger,
      signal,
      onBatch: async (event) => {
        await state.runs.updateCounts(runId, tally.counts());
        deps.onProgress?.({ type: 'batch', contacts: event.contacts });
      },
    });
  }

  versionOf(contactId: string): number | undefined {
    return this.tally.versionOf(contactId);
  }

  startFilter(start: FilterStart, note: string | undefined): void {
    if (note !== undefined) this.deps.logger.info({ filterId: start.filterId, reason: start.reason }, 'filter read in full');
  }

  async apply(plan: PagePlan): Promise<void> {
    for (const entry of plan.entries) {
      if (entry.kind === 'contact') {
        await this.applyContact(entry, plan.filterId);
        continue;
      }
      const key = this.tally.unreadableKey(entry.contactId);
      // Returned by another filter already: counted and reported once.
      if (this.tally.sight(key, 0, plan.filterId) === 'same') continue;
      this.tally.failed(key);
      this.recorder.addUnreadable({ ...entry, key });
    }
    await this.recorder.flush(ISSUE_ROWS_PER_WRITE);
  }

  /** Counts one planned contact, reports its issues, and sends it when it changed. */
  private async applyContact(planned: PlannedContact, filterId: number): Promise<void> {
    const { mapped, contactId } = planned;
    this.tally.sight(contactId, planned.version, filterId);
    if (mapped.issues.length > 0) this.recorder.add(contactId, mapped.reportFields, mapped.issues);
    if (planned.superseding && planned.item.action === 'error') await this.deps.state.sync.removeRetries([contactId]);
    if (planned.sighting === 'same') return;
    const item = planned.sighting === 'newer' ? await this.replan(planned) : planned.item;
    switch (item.action) {
      case 'error':
        this.tally.failed(contactId);
        return;
      case 'unchanged':
        // Equal to a send of this run still on its way: that send's answer settles the contact.
        if (this.pusher.unsettled(contactId) === undefined) this.tally.imported(contactId, 'unchanged');
        return;
      case 'create':
      case 'update':
        // What of it goes on the wire is the consent gate's decision, when the batch leaves.
        await this.pusher.add({ payload: item.payload, report: mapped.reportFields, replacesConfirmed: item.action === 'update' });
    }
  }

  /**
   * A contact read again in this run (it changed while the run paged) is planned again, now,
   * against what Cadence holds before this version arrives: this run's send still on its
   * way, nothing known when that send outlived its retries, else what the state has
   * confirmed by now. Planned against the confirmed payload of when its page was read, a
   * version changed back (A → B → A) would be "unchanged" and leave Cadence with B.
   */
  private async replan(planned: PlannedContact): Promise<PlanItem> {
    const { mapped, contactId } = planned;
    if (mapped.payload === undefined) return planned.item;
    const last = this.pusher.unsettled(contactId);
    if (last === undefined) return planContact(mapped, (await this.deps.state.sync.getConfirmed([contactId])).get(contactId));
    return planContact(mapped, last === 'unknown' ? undefined : last);
  }

  /** Sent again whatever the plan says (the consent gate keeps any opt-out Cadence reported since). */
  async applyRetries(retries: readonly PlannedRetry[]): Promise<void> {
    for (const { entry } of retries) {
      this.tally.sight(entry.contactId, -1, entry.filterIds);
      const { firstName, lastName, mobileNumber } = entry.payload;
      await this.pusher.add({ payload: entry.payload, report: { firstName, lastName, mobileNumber }, replacesConfirmed: true });
    }
  }

  async complete(watermarks: readonly Omit<Watermark, 'updatedAt'>[]): Promise<void> {
    await this.recorder.flushAll();
    await this.pusher.drain();
    await this.deps.state.sync.setWatermarks(watermarks);
  }

  async abandon(): Promise<void> {
    await this.recorder.flushAll();
    await this.pusher.settle();
  }
}
