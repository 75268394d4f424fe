/**
 * Fetch and plan (STYLE.md: fetch → plan → apply): pages through one filter's contacts in
 * Connect, maps each, and plans it against the last payload Cadence confirmed. Reads the
 * state file, writes nothing: the real import and the dry run both consume these pages.
 */
import type { Config } from '../../config/schema.js';
import { fingerprint } from '../fingerprint.js';
import { mapContact, type MappedContact, type MappingRules } from '../mapping/map-contact.js';
import { planContact, type PlanItem } from '../plan.js';
import type { ConnectSource, StateStore, Watermark } from '../ports.js';
import type { ResolvedNames } from '../resolve-attributes.js';
import type { ConnectContact, ContactIssue } from '../types.js';
import type { RunTally } from './tally.js';
import { splitUnreadable, type UnreadableRecord } from './unreadable.js';
import { compareKeys, contactKey, FUTURE_SKEW_MS, futureAfterMs, startFrom, type ContactKey, type FilterStart } from '../watermark.js';

export { compareKeys, contactKey, type ContactKey, type FilterStart, type StartReason } from '../watermark.js';

/**
 * Decides where a filter's read starts (product.md §4: watermark − lookback, or in full);
 * the rules are watermark.ts's, the fingerprint is taken here.
 */
export function filterStart(input: {
  config: Config;
  filterId: number;
  names: ResolvedNames;
  watermark: Watermark | undefined;
  full: boolean;
  runStartedAt: Date;
}): FilterStart {
  const { config, filterId, names, watermark, full, runStartedAt } = input;
  const print = fingerprint(config, filterId, names);
  return startFrom({ filterId, fingerprint: print, watermark, full, lookbackMinutes: config.criteria.lookbackMinutes, runStartedAt });
}

/** Says in words why a filter is read in full, for logs, run notes and the dry run. */
export function describeStart(start: FilterStart): string | undefined {
  switch (start.reason) {
    case 'first':
      return `filter ${start.filterId} imported in full: first run for this filter`;
    case 'full':
      return `filter ${start.filterId} imported in full: --full`;
    case 'mapping-changed':
      return `filter ${start.filterId} re-imported in full: the mapping changed since the last run`;
    case 'incremental':
      return undefined;
  }
}

/** One planned contact, with what the report needs about it. */
export interface PlannedContact {
  item: PlanItem;
  mapped: MappedContact;
  contact: ConnectContact;
  /** `same`: this version was planned already in this run (another filter returned it). */
  sighting: 'new' | 'newer' | 'same';
}

/** Planned contacts of one filter, in Connect's order: a slice of a page (PLAN_SLICE). */
export interface PlannedPage {
  filterId: number;
  contacts: PlannedContact[];
  /** Records that cannot be read, already counted as matched (product.md §8). */
  unreadable: UnreadableRecord[];
}

export interface PlanSources {
  connect: ConnectSource;
  store: Pick<StateStore, 'getConfirmed' | 'getConsent'>;
}

/** Which per-contact lookups in the state file can find anything. */
export interface PlanLookups {
  confirmed: boolean;
  consent: boolean;
}

/**
 * Decided once, before the run sends anything: before a first import the state file holds
 * no confirmed payload and no consent, and a lookup per contact would find nothing. (What
 * the run confirms meanwhile concerns contacts it planned already; a contact read again is
 * planned against what is on record then, see replan in run-import.ts.)
 */
export function planLookups(store: Pick<StateStore, 'holdsAny'>, usesConsent: boolean): PlanLookups {
  return { confirmed: store.holdsAny('confirmed'), consent: usesConsent && store.holdsAny('consent') };
}

/**
 * The planned contacts of one filter, a slice of a page at a time. Contacts already
 * planned in this run (returned by an earlier filter, or twice by this one) are passed
 * through as `same`, so their filters are known, but planned only once. Tracks the
 * filter's newest `(modifiedAt, contactId)`.
 */
export async function* planFilter(input: {
  sources: PlanSources;
  start: FilterStart;
  rules: MappingRules;
  attributes: readonly string[];
  tally: RunTally;
  lookups: PlanLookups;
  newest: { key?: ContactKey };
  /** When the run started: a contact dated past it (plus the skew) is warned about. */
  runStartedAt: Date;
  signal?: AbortSignal;
}): AsyncGenerator<PlannedPage> {
  const { sources, start, rules, attributes, tally, lookups, newest, runStartedAt, signal } = input;
  const futureAfter = futureAfterMs(runStartedAt);
  const pages = sources.connect.fetchFilterContacts(start.filterId, attributes, { since: start.since, signal });
  for await (const page of pages) {
    for (let first = 0; first < page.length; first += PLAN_SLICE) {
      // Between slices, a turn of the event loop: answers that arrived meanwhile (the next
      // page, a batch's status) are read now rather than after the whole page.
      if (first > 0) await new Promise<void>((resolve) => setImmediate(resolve));
      const { readable, unreadable } = splitUnreadable(page.slice(first, first + PLAN_SLICE), rules, tally, start.filterId);
      yield { filterId: start.filterId, contacts: planSlice(readable), unreadable };
    }
  }

  function planSlice(slice: readonly ConnectContact[]): PlannedContact[] {
    const keys = slice.map(contactKey);
    const sightings = keys.map((key) => {
      if (newest.key === undefined || compareKeys(key, newest.key) > 0) newest.key = key;
      return tally.sight(key.contactId, key.modifiedAtMs, start.filterId);
    });
    const fresh = slice.filter((_, index) => sightings[index] !== 'same').map((contact) => contact.contactId);
    const confirmed = lookups.confirmed ? sources.store.getConfirmed(fresh) : undefined;
    const consent = lookups.consent ? sources.store.getConsent(slice.map((contact) => contact.contactId)) : undefined;
    return slice.map((contact, index): PlannedContact => {
      const mapped = mapContact(contact, rules, consent?.get(contact.contactId));
      if (keys[index]!.modifiedAtMs > futureAfter) mapped.issues.push(futureWarning(contact, runStartedAt));
      return { item: planContact(mapped, confirmed?.get(contact.contactId)), mapped, contact, sighting: sightings[index]! };
    });
  }
}

/**
 * Contacts planned, and then applied, in one stretch of work: small enough that the next
 * page's answer is not kept waiting long, large enough that the state file's lookups stay
 * few.
 */
const PLAN_SLICE = 100;

/** The FUTURE_MODIFIED_DATE warning (product.md §8). */
function futureWarning(contact: ConnectContact, runStartedAt: Date): ContactIssue {
  return {
    severity: 'warning',
    code: 'FUTURE_MODIFIED_DATE',
    message:
      `modifieddate ${contact.modifiedLocal} (${contact.modifiedAt}) is later than the run's start (${runStartedAt.toISOString()}) ` +
      `plus ${FUTURE_SKEW_MS / 60_000} minutes; imported, and the watermark stays at the run's start`,
  };
}
