/**
 * Records Connect returned that cannot be read (product.md §8): each is an error row
 * `INVALID_RECORD` with its raw id and the names as read, and the run goes on. The
 * adapter hands them over as contacts with `unreadable` set.
 */
import { attributeText } from '../mapping/fields.js';
import type { MappingRules } from '../mapping/map-contact.js';
import type { ConnectContact, ContactIssue } from '../types.js';
import type { RunTally } from './tally.js';

export interface UnreadableRecord {
  /** The run's key for it in the tally (its raw id may be anything, or shared). */
  key: string;
  /** The contactid as read ('' when missing). */
  contactId: string;
  report: { firstName: string; lastName: string; mobileNumber: string };
  issue: ContactIssue;
}

/**
 * Splits a slice of a page into the contacts to plan and the unreadable records not yet
 * counted in this run, counted now as matched in `filterId` (see RunTally.unreadableKey).
 * The usual slice has none: one pass over it, nothing copied.
 */
export function splitUnreadable(
  slice: readonly ConnectContact[],
  rules: Pick<MappingRules, 'firstName' | 'lastName' | 'mobileNumber'>,
  tally: RunTally,
  filterId: number,
): { readable: readonly ConnectContact[]; unreadable: UnreadableRecord[] } {
  if (!slice.some((contact) => contact.unreadable !== undefined)) return { readable: slice, unreadable: [] };
  const readable: ConnectContact[] = [];
  const unreadable: UnreadableRecord[] = [];
  for (const contact of slice) {
    if (contact.unreadable === undefined) {
      readable.push(contact);
      continue;
    }
    const key = tally.unreadableKey(contact.contactId);
    // Already counted in this run (another filter returned it): counted and reported once.
    if (tally.sight(key, 0, filterId) === 'same') continue;
    const text = (attribute: string) => attributeText(contact.attributes[attribute]);
    unreadable.push({
      key,
      contactId: contact.contactId,
      report: { firstName: text(rules.firstName), lastName: text(rules.lastName), mobileNumber: text(rules.mobileNumber) },
      issue: { severity: 'error', code: 'INVALID_RECORD', message: `the record cannot be read: ${contact.unreadable}` },
    });
  }
  return { readable, unreadable };
}
