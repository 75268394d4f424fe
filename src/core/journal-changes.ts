/**
 * Putting Cadence's opt-out changes into the journal, from any source: the value Connect
 * holds (as connect-sync last read it: the payload Cadence confirmed, which the import
 * built from Connect) goes with each change, so an echo of connect-sync's own import is
 * journalled and never written back (product.md §5).
 */
import type { CadenceSink } from './ports.js';
import type { JournalChange, JournalSource, JournalVerdict } from './optout-journal.js';
import { normaliseChangedAt } from './optout-journal.js';
import type { State } from './state.js';
import type { OptOutChange } from './types.js';

/** How many changes of each kind a journalling added (and how many it refused as unreadable). */
export interface JournalCounts {
  pending: number;
  echo: number;
  history: number;
  repeat: number;
}

export function emptyJournalCounts(): JournalCounts {
  return { pending: 0, echo: 0, history: 0, repeat: 0 };
}

/** Adds verdicts to counts (a duplicate counts as a repeat: it adds nothing either). */
export function countVerdicts(counts: JournalCounts, verdicts: readonly JournalVerdict[]): JournalCounts {
  for (const verdict of verdicts) counts[verdict === 'duplicate' ? 'repeat' : verdict] += 1;
  return counts;
}

/**
 * Journals changes with what Connect holds for each (looked up where the change does not
 * say already); one verdict per change.
 */
export async function journalChanges(state: Pick<State, 'journal' | 'sync'>, changes: readonly JournalChange[]): Promise<JournalVerdict[]> {
  if (changes.length === 0) return [];
  const unknown = [...new Set(changes.filter((change) => change.connectHolds === undefined).map((change) => change.contactId))];
  const holds = unknown.length === 0 ? new Map<string, boolean | undefined>() : await state.sync.getConfirmedOptedOut(unknown);
  return state.journal.journal(
    changes.map((change) => {
      if (change.connectHolds !== undefined) return change;
      const connectHolds = holds.get(change.contactId);
      return connectHolds === undefined ? { ...change } : { ...change, connectHolds };
    }),
  );
}

/**
 * A feed change as a journal change; undefined when its time cannot be read. An import's
 * change is connect-sync's own import setting what it read in Connect: Connect holds it,
 * without a lookup (a first import echoes every opt-out it sent, so these are many).
 */
export function fromFeed(change: OptOutChange): JournalChange | undefined {
  const changedAt = normaliseChangedAt(change.changedAt);
  if (changedAt === undefined) return undefined;
  const journalled: JournalChange = { contactId: change.uniqueCampusId, optedOut: change.optedOut, changedAt, source: change.source satisfies JournalSource };
  return change.source === 'import' ? { ...journalled, connectHolds: change.optedOut } : journalled;
}

/** The feed's `since` position stored after a page: resuming repeats that instant's changes, which the journal drops. */
export async function journalFeed(
  cadence: Pick<CadenceSink, 'optOutChanges'>,
  state: Pick<State, 'journal' | 'sync'>,
  counts: JournalCounts,
): Promise<void> {
  const start = await state.journal.getPosition();
  let since = start.since === undefined ? undefined : (normaliseChangedAt(start.since) ?? start.since);
  for await (const page of cadence.optOutChanges({ since: start.since })) {
    const changes = page.changes.map(fromFeed).filter((change) => change !== undefined);
    countVerdicts(counts, await journalChanges(state, changes));
    for (const change of changes) if (since === undefined || change.changedAt > since) since = change.changedAt;
    // The journal is durable: once a page is in it, the feed need not be read again.
    await state.journal.setPosition({ ...(since !== undefined && { since }), seen: [] });
  }
}
