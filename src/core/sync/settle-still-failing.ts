/**
 * The end of a run's share of the still-failing list (product.md §6): applies the rules of
 * still-failing.ts to what the run did, and answers how many contacts are still failing
 * from earlier runs (this run's own errors are counted as its errors, not again here).
 */
import type { ReportRows } from '../state.js';
import { planStillFailing, type ContactOutcome } from '../still-failing.js';

export interface SettleInput {
  runId: string;
  tally: { outcomeOf(contactId: string): ContactOutcome };
  completed: boolean;
  configured: readonly number[];
  readInFull: readonly number[];
}

/** Updates the list in one transaction; resolves with the run's still-failing count. */
export async function settleStillFailing(report: Pick<ReportRows, 'listStillFailing' | 'applyStillFailing' | 'countStillFailing'>, input: SettleInput): Promise<number> {
  const changes = planStillFailing(await report.listStillFailing(), {
    runId: input.runId,
    completed: input.completed,
    configured: input.configured,
    readInFull: input.readInFull,
    outcomeOf: (contactId) => input.tally.outcomeOf(contactId),
  });
  if (changes.removeContacts.length + changes.removeEarlierOf.length + changes.setFilters.length > 0) await report.applyStillFailing(input.runId, changes);
  return report.countStillFailing(input.runId);
}
