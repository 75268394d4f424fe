/**
 * Opt-out write-back (product.md §5): reads Cadence's optouts feed from the write-back's
 * own position, remembers every opt-out or opt-in a student or counselor made (consent
 * safety for the import), and sets Connect's opt-out attribute for each, tagged with the
 * source code. Changes whose source is `import` are connect-sync's own echo and skipped.
 *
 * The position advances only past pages whose every change Connect confirmed (or refused
 * for good, e.g. an unknown contact), so a write-back cut short — by a kill, by Connect
 * failing — repeats, and never skips, what was not written.
 */
import type { Config, OptOutConfig } from '../config/schema.js';
import { ExternalServiceError } from '../errors.js';
import type { Logger } from '../log.js';
import type { CadenceSink, ConnectSource, RunCounts, RunIssue, StateStore } from './ports.js';
import type { CadenceContact, OptOutChange } from './types.js';

export type WriteBackStore = Pick<
  StateStore,
  'getOptOutPosition' | 'setOptOutPosition' | 'recordConsent' | 'addIssues' | 'getConfirmed' | 'getConfirmedOptedOut' | 'recordConfirmed' | 'listRetries'
>;

export interface WriteBackDeps {
  connect: Pick<ConnectSource, 'updateContact'>;
  cadence: Pick<CadenceSink, 'optOutChanges'>;
  store: WriteBackStore;
  logger: Logger;
  /** The run the write-back belongs to, for report rows. */
  runId: string;
}

/** One write connect-sync makes (or, in a dry run, would make) in Connect. */
export interface PlannedWrite {
  contactId: string;
  attribute: string;
  value: string;
  change: OptOutChange;
}

export type WriteBackCounts = RunCounts['writeBack'];

/** The value Connect's opt-out attribute gets for a change. */
export function connectValueFor(change: Pick<OptOutChange, 'optedOut'>, optOut: OptOutConfig): string {
  return change.optedOut ? optOut.optedOutValue : optOut.optedInValue;
}

/** Whether a change is one connect-sync must write back (not its own import's echo). */
export function needsWriteBack(change: Pick<OptOutChange, 'source'>): boolean {
  return change.source !== 'import';
}

/** A change's identity, to drop the repeats that the inclusive `since` brings back. */
export function changeKey(change: OptOutChange): string {
  return `${change.uniqueCampusId}|${change.changedAt}|${change.optedOut}|${change.source}`;
}

/**
 * The changes to write from where the write-back stands, page by page, without writing
 * anything (the dry run prints these). Each page comes with the position to store once it
 * is written: the newest `changedAt` so far and the changes seen at that instant. Only
 * `since` is stored, never the feed's cursor: `since` is inclusive, so resuming repeats
 * the changes at that one instant, and those are dropped by their key.
 */
export async function* pendingChanges(
  cadence: Pick<CadenceSink, 'optOutChanges'>,
  store: Pick<StateStore, 'getOptOutPosition'>,
): AsyncGenerator<{ changes: OptOutChange[]; position: { since?: string; seen: string[] } }> {
  const start = store.getOptOutPosition();
  let since = start.since;
  // Parsed once each (a feed read after a big import is a hundred thousand changes).
  let sinceMs = since === undefined ? undefined : Date.parse(since);
  let seen = new Set(start.seen);
  for await (const page of cadence.optOutChanges({ since: start.since })) {
    const changes = page.changes.filter((change) => !seen.has(changeKey(change)));
    for (const change of changes) {
      const at = Date.parse(change.changedAt);
      if (sinceMs === undefined || at > sinceMs) {
        since = change.changedAt;
        sinceMs = at;
        seen = new Set();
      }
      if (at === sinceMs) seen.add(changeKey(change));
    }
    yield { changes, position: { since, seen: [...seen] } };
  }
}

/**
 * Runs the write-back. Without an `optOut` section it does nothing. Connect failing for
 * one contact (unknown contact) is reported and passed; Connect failing as a service
 * stops the writing there (the position stays before the failed change) and is counted,
 * but does not fail the import: consent safety keeps Cadence's opt-out meanwhile. For
 * that, the rest of the feed is still read and remembered, only not written: a STOP on a
 * later page must hold the import back as much as one on the page that failed. A feed
 * that cannot be read at all is rethrown: without it, consent safety has nothing to go on.
 */
export async function runWriteBack(config: Config, deps: WriteBackDeps): Promise<WriteBackCounts> {
  const counts: WriteBackCounts = { written: 0, failed: 0, skipped: 0 };
  const optOut = config.optOut;
  if (optOut === undefined) {
    deps.logger.info('no optOut section in the config: opt-out write-back skipped');
    return counts;
  }
  const { store, logger } = deps;
  const retrying = new Set(store.listRetries().map((entry) => entry.contactId));
  let stopped = false;
  try {
    for await (const page of pendingChanges(deps.cadence, store)) {
      for (const change of page.changes) {
        if (change.source !== 'import') {
          store.recordConsent(change.uniqueCampusId, { optedOut: change.optedOut, changedAt: change.changedAt, source: change.source });
        }
      }
      followCadence(store, page.changes, retrying);
      if (stopped) continue;
      try {
        await writePage(page.changes, optOut, config.criteria.sourceCode, deps, counts);
        store.setOptOutPosition(page.position);
      } catch (error) {
        if (!(error instanceof ExternalServiceError)) throw error;
        stopped = true;
        counts.failed += 1;
        logger.warn({ error: error.message }, 'opt-out write-back stopped; it resumes on the next run');
      }
    }
  } catch (error) {
    // The feed itself could not be read, so a STOP texted since the last run is unknown:
    // an import now could opt that student back in (§5). The run cannot complete.
    if (error instanceof ExternalServiceError) logger.error({ error: error.message }, 'opt-out feed unreadable; nothing is imported without it');
    throw error;
  }
  if (counts.written + counts.failed > 0) logger.info(counts, 'opt-out write-back finished');
  return counts;
}

/** Writes one page's changes in feed order; rethrows when Connect fails as a service. */
async function writePage(changes: readonly OptOutChange[], optOut: OptOutConfig, sourceCode: string, deps: WriteBackDeps, counts: WriteBackCounts): Promise<void> {
  for (const change of changes) {
    if (!needsWriteBack(change)) {
      counts.skipped += 1;
      continue;
    }
    if (await writeOne(change, optOut, sourceCode, deps)) counts.written += 1;
    else counts.failed += 1;
  }
}

/**
 * The feed says what Cadence holds now, whoever made the change: the payload last
 * confirmed for each contact takes the newest `optedOut` of the page. Otherwise the
 * import that follows the write-back (which changed the contact in Connect, so the import
 * reads it) would send Cadence the opt-out it reported itself. Replaying older pages after
 * a cut-short write-back is harmless: the pages run in feed order up to the newest entry.
 * Contacts waiting for a retry are left alone (recording them would drop the retry).
 *
 * A contact whose newest change is an import's echo (connect-sync's own, §5) is skipped
 * without a lookup: the payload that made it is the one confirmed (a payload replacing a
 * confirmed one is forgotten before it is sent, pusher.ts, so a kill between Cadence
 * applying it and the run recording it leaves nothing to follow either). After a first
 * import of a million contacts that is ~128,000 lookups, most of an incremental run.
 */
function followCadence(store: WriteBackStore, changes: readonly OptOutChange[], retrying: ReadonlySet<string>): void {
  const newestChange = new Map<string, OptOutChange>();
  for (const change of changes) if (!retrying.has(change.uniqueCampusId)) newestChange.set(change.uniqueCampusId, change);
  const newest = new Map<string, boolean>();
  for (const [contactId, change] of newestChange) if (change.source !== 'import') newest.set(contactId, change.optedOut);
  if (newest.size === 0) return;
  // Only the `optedOut` is read for each, and whole payloads only where it differs.
  const differing: string[] = [];
  for (const [contactId, optedOut] of store.getConfirmedOptedOut([...newest.keys()])) {
    if (optedOut !== newest.get(contactId)) differing.push(contactId);
  }
  if (differing.length === 0) return;
  const followed: { contactId: string; payload: CadenceContact }[] = [];
  for (const [contactId, confirmed] of store.getConfirmed(differing)) {
    const optedOut = newest.get(contactId)!;
    // Rebuilt in the wire order of CadenceContact (optedOut before allowMobileUpdate).
    const { allowMobileUpdate, customFields, ...head } = confirmed;
    followed.push({ contactId, payload: { ...head, optedOut, allowMobileUpdate, customFields } });
  }
  if (followed.length > 0) store.recordConfirmed(followed);
}

/**
 * Writes one change to Connect. Resolves false when Connect refused it for good (the
 * contact is reported); rethrows when Connect failed as a service.
 */
async function writeOne(change: OptOutChange, optOut: OptOutConfig, sourceCode: string, deps: WriteBackDeps): Promise<boolean> {
  const value = connectValueFor(change, optOut);
  try {
    await deps.connect.updateContact(change.uniqueCampusId, { [optOut.field]: value }, sourceCode);
    deps.logger.debug({ contactId: change.uniqueCampusId, optedOut: change.optedOut }, 'opt-out written to Connect');
    return true;
  } catch (error) {
    if (!(error instanceof ExternalServiceError) || !isContactRefusal(error)) throw error;
    deps.store.addIssues(deps.runId, [writeBackIssue(change, error.message)]);
    deps.logger.warn({ contactId: change.uniqueCampusId, error: error.message }, 'opt-out could not be written to Connect');
    return false;
  }
}

/** Connect's application errors that concern the one contact, not the service. */
function isContactRefusal(error: ExternalServiceError): boolean {
  return /Unknown contact/i.test(error.message);
}

function writeBackIssue(change: OptOutChange, message: string): RunIssue {
  return {
    contactId: change.uniqueCampusId,
    firstName: '',
    lastName: '',
    mobileNumber: change.mobileNumber,
    filterIds: [],
    severity: 'warning',
    code: 'OPT_OUT_WRITE_BACK_FAILED',
    message: `Cadence reported ${change.optedOut ? 'an opt-out' : 'an opt-in'} (${change.source}, ${change.changedAt}) that could not be written to Connect: ${message}`,
  };
}
