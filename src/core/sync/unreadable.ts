/**
 * Records Connect returned that cannot be read (product.md §8): each is an error row
 * `INVALID_RECORD` with its raw id and the names as read, and the run goes on. The
 * adapter hands them over as contacts with `unreadable` set.
 */
import { attributeText } from '../mapping/fields.js';
import type { MappingRules } from '../mapping/map-contact.js';
import type { ConnectContact, ContactIssue } from '../types.js';

export interface UnreadableRecord {
  /** The contactid as read ('' when missing). */
  contactId: string;
  report: { firstName: string; lastName: string; mobileNumber: string };
  issue: ContactIssue;
}

/** The report's view of an unreadable record: its raw id, the names as read, and why. */
export function unreadableRecord(contact: ConnectContact, rules: Pick<MappingRules, 'firstName' | 'lastName' | 'mobileNumber'>): UnreadableRecord {
  const text = (attribute: string) => attributeText(contact.attributes[attribute]);
  return {
    contactId: contact.contactId,
    report: { firstName: text(rules.firstName), lastName: text(rules.lastName), mobileNumber: text(rules.mobileNumber) },
    issue: { severity: 'error', code: 'INVALID_RECORD', message: `the record cannot be read: ${contact.unreadable ?? ''}` },
  };
}
