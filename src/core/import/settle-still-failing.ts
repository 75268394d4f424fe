/**
 * The end of a run's share of the still-failing list (product.md §6): applies the rules of
 * still-failing.ts to what the run did, and answers how many contacts are still failing
 * from earlier runs (this run's own errors are counted as its errors, not again here).
 */
import type { StateStore } from '../ports.js';
import { planStillFailing } from '../still-failing.js';
import type { RunTally } from './tally.js';

export interface SettleInput {
  runId: string;
  tally: Pick<RunTally, 'outcomeOf'>;
  completed: boolean;
  configured: readonly number[];
  readInFull: readonly number[];
}

/** Updates the list in one transaction; resolves with the run's still-failing count. */
export function settleStillFailing(store: Pick<StateStore, 'listStillFailing' | 'applyStillFailing' | 'countStillFailing'>, input: SettleInput): number {
  const changes = planStillFailing(store.listStillFailing(), {
    runId: input.runId,
    completed: input.completed,
    configured: input.configured,
    readInFull: input.readInFull,
    outcomeOf: (contactId) => input.tally.outcomeOf(contactId),
  });
  if (changes.removeContacts.length + changes.removeEarlierOf.length + changes.setFilters.length > 0) store.applyStillFailing(input.runId, changes);
  return store.countStillFailing(input.runId);
}
