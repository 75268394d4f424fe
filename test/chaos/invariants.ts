/**
 * What must hold after a chaos run, as pure checks over what the test recorded: the
 * batches Cadence received (in submission order, which is the order the emulator applies
 * them), which run sent each, the changes the test made to each contact and when, the
 * optouts feed, and the runs the state file lists. Each check returns its problems as
 * text (empty when it holds), so a failure names the contact and the batch.
 */
import type { OptOutChange } from '../../src/core/types.js';
import type { BatchInfo, HeldContact } from '../../src/sandbox/cadence/model.js';
import type { ExpectedContact } from '../support/oracle.js';

/** One import the test started: the batches it submitted are `[batchesFrom, batchesTo)`. */
export interface RunSpan {
  label: string;
  batchesFrom: number;
  batchesTo: number;
  /** Killed with SIGKILL by the test (what Cadence confirmed after that was never recorded). */
  killed: boolean;
  /** Contacts the run reported `CADENCE_UNAVAILABLE`: their batch's fate was unknown to it. */
  unavailable: ReadonlySet<string>;
}

/** A change the test made to a contact (in Connect, or a keyword in Cadence). */
export interface ContactEvent {
  contactId: string;
  /** Batches Cadence had accepted when the change was made. */
  atBatch: number;
  kind: 'connect' | 'keyword';
  /** The run that was paging when the change was made (undefined: between runs). */
  duringRun?: string;
}

/**
 * "No contact confirmed twice without a change in between beyond what a kill explains."
 * A result `unchanged` means Cadence got a payload it already held. Each one is explained
 * only by: a change to the contact after its previous applied send (in Connect, or a
 * keyword in Cadence), where a change made while that send's run paged counts too (the
 * version sent may have been read before it, and a batch waits for room before it is
 * submitted); the previous send belonging to a run that was killed (its confirmation was
 * lost); or the previous send's run having reported the contact `CADENCE_UNAVAILABLE`
 * (it could not know the batch was applied).
 */
export function unexplainedResends(batches: readonly BatchInfo[], runs: readonly RunSpan[], events: readonly ContactEvent[]): string[] {
  const problems: string[] = [];
  const runOf = (index: number) => runs.find((run) => run.batchesFrom <= index && index < run.batchesTo);
  const eventsOf = new Map<string, ContactEvent[]>();
  for (const event of events) {
    const list = eventsOf.get(event.contactId);
    if (list) list.push(event);
    else eventsOf.set(event.contactId, [event]);
  }
  /** contact id → index of the last completed batch that held it. */
  const lastApplied = new Map<string, number>();
  batches.forEach((batch, index) => {
    const run = runOf(index);
    if (run === undefined) {
      problems.push(`batch ${index} (${batch.batchIdentifier}) was sent outside every run the test started`);
      return;
    }
    if (batch.status !== 'completed') return;
    for (const result of batch.results ?? []) {
      const id = result.uniqueCampusId;
      const previous = lastApplied.get(id);
      if (result.outcome !== 'rejected') lastApplied.set(id, index);
      if (result.outcome !== 'unchanged') continue;
      if (previous === undefined) {
        problems.push(`contact ${id}: "unchanged" in batch ${index} (${run.label}) but never applied before`);
        continue;
      }
      const before = runOf(previous);
      if (before?.killed || before?.unavailable.has(id)) continue;
      // A change made after the previous send was submitted (atBatch > previous) and before this one
      // (atBatch <= index), or while the previous send's run paged, before it was submitted.
      const changed = (eventsOf.get(id) ?? []).some(
        (event) => (event.atBatch > previous && event.atBatch <= index) || (before !== undefined && event.duringRun === before.label && event.atBatch <= previous),
      );
      if (changed) continue;
      problems.push(
        `contact ${id}: sent again unchanged in batch ${index} (${run.label}) after batch ${previous} (${before?.label ?? '?'}) with no change in between`,
      );
    }
  });
  return problems;
}

/**
 * "No contact that Cadence reported opted out was opted back in by an import": in the
 * optouts feed (oldest first), an `import` entry opting a contact in after a keyword STOP
 * and before a keyword START.
 */
export function reversedOptOuts(feed: readonly OptOutChange[]): string[] {
  const stopped = new Map<string, string>();
  const problems: string[] = [];
  for (const change of feed) {
    if (change.source === 'keyword') {
      if (change.optedOut) stopped.set(change.uniqueCampusId, change.changedAt);
      else stopped.delete(change.uniqueCampusId);
    } else if (change.source === 'import' && !change.optedOut && stopped.has(change.uniqueCampusId)) {
      problems.push(`contact ${change.uniqueCampusId}: opted back in by an import at ${change.changedAt} after texting STOP at ${stopped.get(change.uniqueCampusId)}`);
    }
  }
  return problems;
}

/** Counts of one run as `status --json` lists it. */
export interface ListedRun {
  id: string;
  outcome: string;
  matched: number;
  imported: number;
  errors: number;
  notProcessed?: number;
  perFilter: Record<string, { matched: number; imported: number; errors: number; notProcessed?: number }>;
}

/**
 * `matched = imported + errors + notProcessed` for every run that ended (product.md §6
 * "always holds"), overall and per filter. A run killed with -9 (`interrupted`) kept only
 * its last progress snapshot, which may still count contacts in flight: there
 * `matched ≥ imported + errors`.
 */
export function countProblems(runs: readonly ListedRun[]): string[] {
  const problems: string[] = [];
  for (const run of runs) {
    if (run.outcome === 'running') {
      problems.push(`run ${run.id} is still "running"`);
      continue;
    }
    const rows = [['', run] as const, ...Object.entries(run.perFilter).map(([filterId, counts]) => [` filter ${filterId}`, counts] as const)];
    for (const [where, counts] of rows) {
      const settled = counts.imported + counts.errors;
      const accounted = settled + (counts.notProcessed ?? 0);
      if (run.outcome === 'interrupted' ? counts.matched < settled : counts.matched !== accounted) {
        problems.push(
          `run ${run.id} (${run.outcome})${where}: matched ${counts.matched}, imported ${counts.imported}, errors ${counts.errors}, not processed ${counts.notProcessed ?? 0}`,
        );
      }
    }
  }
  return problems;
}

/**
 * What Cadence holds against what the mapping rules give for Connect's current data:
 * every expected contact exactly; any other contact Cadence holds must be one that Connect
 * now holds in a configured filter with data that cannot be sent (an error since it was
 * imported: Cadence keeps its last good copy, it never deletes).
 */
export function holdingProblems(held: readonly HeldContact[], expected: ReadonlyMap<string, ExpectedContact>, unsendable: ReadonlySet<string>): string[] {
  const problems: string[] = [];
  const byId = new Map(held.map((contact) => [contact.uniqueCampusId, contact]));
  for (const [id, want] of expected) {
    const have = byId.get(id);
    if (have === undefined) {
      problems.push(`${id}: missing in Cadence`);
      continue;
    }
    const { writes: _writes, ...values } = have;
    if (canonical(values) !== canonical(want)) problems.push(`${id}: Cadence holds ${canonical(values)}, expected ${canonical(want)}`);
  }
  for (const contact of held) {
    if (!expected.has(contact.uniqueCampusId) && !unsendable.has(contact.uniqueCampusId)) {
      problems.push(`${contact.uniqueCampusId}: in Cadence but in no configured filter`);
    }
  }
  return problems;
}

function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, inner: unknown) =>
    inner !== null && typeof inner === 'object' && !Array.isArray(inner)
      ? Object.fromEntries(Object.entries(inner as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : inner,
  );
}
