/**
 * The plan of one page (STYLE.md: fetch → plan → apply): for each contact Connect returned,
 * what to do with it, decided from what was looked up before planning. Pure: no I/O, no
 * awaits, nothing written outside the plan it returns. A real run's sink sends the plan, a
 * dry run's sink prints it, so the two cannot disagree.
 */
import { mapContact, type MappedContact, type MappingRules } from '../mapping/map-contact.js';
import { planContact, type PlanItem } from '../plan.js';
import type { CadenceConsent, RetryEntry } from '../ports.js';
import type { CadenceContact, ConnectContact, ContactIssue } from '../types.js';
import { compareKeys, contactKey, FUTURE_SKEW_MS, futureAfterMs, type ContactKey } from '../watermark.js';
import { unreadableRecord, type UnreadableRecord } from './unreadable.js';

/** Where a contact read stands against what the run already took up of it. */
export type Sighting = 'new' | 'newer' | 'same';

/** What was looked up for a page before it is planned. */
export interface PageLookups {
  /** The version (modifiedAt in ms) of each contact of the page this run took up before; absent: none. */
  seen: ReadonlyMap<string, number>;
  /** The payload Cadence last confirmed, for the page's contacts the run has not taken up in this version. */
  confirmed: ReadonlyMap<string, CadenceContact>;
  /** The consent Cadence reported (the opt-out journal's latest), for the page's contacts. */
  consent: ReadonlyMap<string, CadenceConsent>;
  /** Contacts in the retry table that no filter has returned yet in this run. */
  waiting: ReadonlySet<string>;
}

export interface PageInput extends PageLookups {
  filterId: number;
  contacts: readonly ConnectContact[];
  rules: MappingRules;
  /** When the run started: a contact dated past it (plus the skew) is warned about. */
  runStartedAt: Date;
}

/** One readable contact, planned. */
export interface PlannedContact {
  kind: 'contact';
  contactId: string;
  /** modifiedAt in ms: the version planned. */
  version: number;
  /** `same`: this version was taken up already in this run (another filter returned it); the plan is not applied again. */
  sighting: Sighting;
  mapped: MappedContact;
  item: PlanItem;
  /**
   * The contact waited in the retry table: this version supersedes the payload parked there.
   * It is sent even when unchanged (whether the failed send took effect is unknown), and
   * leaves the table when it is an error (product.md §4).
   */
  superseding: boolean;
}

export type PlannedEntry = PlannedContact | ({ kind: 'unreadable' } & UnreadableRecord);

export interface PagePlan {
  filterId: number;
  /** In Connect's order. */
  entries: PlannedEntry[];
  /** The newest `(modifiedAt, contactId)` among the page's readable contacts. */
  newest?: ContactKey;
}

/** Contact ids of the page the run has not taken up in this version: those whose confirmed payload is needed. */
export function freshIds(contacts: readonly ConnectContact[], seen: ReadonlyMap<string, number>): string[] {
  const ids: string[] = [];
  for (const contact of contacts) {
    if (contact.unreadable !== undefined) continue;
    const before = seen.get(contact.contactId);
    if (before === undefined || before < contactKey(contact).modifiedAtMs) ids.push(contact.contactId);
  }
  return ids;
}

/** Plans one page. */
export function planPage(input: PageInput): PagePlan {
  const { filterId, rules, runStartedAt } = input;
  const futureAfter = futureAfterMs(runStartedAt);
  // What the page itself took up, for a contact it holds twice.
  const versions = new Map<string, number>();
  const superseded = new Set<string>();
  let newest: ContactKey | undefined;
  const entries = input.contacts.map((contact): PlannedEntry => {
    if (contact.unreadable !== undefined) return { kind: 'unreadable', ...unreadableRecord(contact, rules) };
    const key = contactKey(contact);
    if (newest === undefined || compareKeys(key, newest) > 0) newest = key;
    const id = contact.contactId;
    const before = versions.get(id) ?? input.seen.get(id);
    const sighting: Sighting = before === undefined ? 'new' : before >= key.modifiedAtMs ? 'same' : 'newer';
    if (sighting !== 'same') versions.set(id, key.modifiedAtMs);
    const mapped = mapContact(contact, rules, input.consent.get(id));
    if (key.modifiedAtMs > futureAfter) mapped.issues.push(futureWarning(contact, runStartedAt));
    const superseding = input.waiting.has(id) && !superseded.has(id);
    if (superseding) superseded.add(id);
    const planned = planContact(mapped, input.confirmed.get(id));
    const item: PlanItem = superseding && planned.action === 'unchanged' ? { ...planned, action: 'update', changes: {} } : planned;
    return { kind: 'contact', contactId: id, version: key.modifiedAtMs, sighting, mapped, item, superseding };
  });
  return { filterId, entries, newest };
}

/** One retry-table entry, planned: sent again from the payload stored then. */
export interface PlannedRetry {
  entry: RetryEntry;
  /** Against the confirmed payload; never `unchanged` (the last send did not go through). */
  item: Extract<PlanItem, { action: 'create' | 'update' }>;
}

/**
 * Contacts that outlived their retries last time, and that no filter returned in this run,
 * are sent again from the payload stored then, although Connect has not changed them
 * (product.md §4).
 */
export function planRetries(entries: readonly RetryEntry[], confirmed: ReadonlyMap<string, CadenceContact>): PlannedRetry[] {
  return entries.map((entry) => {
    const mapped = { contactId: entry.contactId, payload: entry.payload, issues: [], reportFields: entry.payload };
    const planned = planContact(mapped, confirmed.get(entry.contactId));
    if (planned.action === 'create' || planned.action === 'update') return { entry, item: planned };
    return { entry, item: { action: 'update', contactId: entry.contactId, payload: entry.payload, changes: {}, warnings: [] } };
  });
}

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
