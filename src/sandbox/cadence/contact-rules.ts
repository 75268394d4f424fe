/**
 * What Cadence does with one contact of a batch: reject it, or upsert it by
 * `uniqueCampusId` (cadence-api.md). Pure functions; the store applies their verdicts.
 */
import type { ConfirmedOutcome } from '../../core/types.js';
import type { ImportContact } from './import-request.js';
import type { HeldContact } from './model.js';

/** A contact whose values passed every check; the mobile is normalised to 10 digits. */
export interface AcceptedContact extends ImportContact {
  uniqueCampusId: string;
  firstName: string;
  lastName: string;
  mobileNumber: string;
}

export type ContactCheck = { ok: true; contact: AcceptedContact } | { ok: false; errorCode: string; message: string };

const PUNCTUATION = /[\s().+-]/g;
const TEN_DIGITS = /^\d{10}$/;
const REQUIRED = ['uniqueCampusId', 'firstName', 'lastName', 'mobileNumber'] as const;

/**
 * Cadence ignores punctuation, then takes 10 digits, or 11 starting with 1. Returns the
 * 10 digits, or undefined when the number is not one of those.
 */
export function normaliseMobile(raw: string): string | undefined {
  // connect-sync sends exactly 10 digits: nothing to take out, no copy to make.
  if (TEN_DIGITS.test(raw)) return raw;
  const digits = raw.replace(PUNCTUATION, '');
  if (TEN_DIGITS.test(digits)) return digits;
  if (/^1\d{10}$/.test(digits)) return digits.slice(1);
  return undefined;
}

function isBlank(value: string | undefined): boolean {
  return value === undefined || value.trim() === '';
}

/** Checks one contact's values against the team's users. */
export function checkContact(contact: ImportContact, userIds: ReadonlySet<string>): ContactCheck {
  for (const key of REQUIRED) {
    if (isBlank(contact[key])) return { ok: false, errorCode: 'MISSING_FIELD', message: `${key} is required` };
  }
  const mobileNumber = normaliseMobile(contact.mobileNumber as string);
  if (mobileNumber === undefined) {
    return { ok: false, errorCode: 'INVALID_MOBILE', message: `Mobile number '${contact.mobileNumber}' is not 10 digits (or 11 starting with 1)` };
  }
  const staffId = contact.staffId ?? '';
  if (staffId !== '' && !userIds.has(staffId)) {
    return { ok: false, errorCode: 'UNKNOWN_STAFF_ID', message: `No user with User ID '${staffId}'` };
  }
  return { ok: true, contact: { ...(contact as AcceptedContact), mobileNumber } };
}

export interface Upsert {
  outcome: ConfirmedOutcome;
  /** The contact as Cadence holds it afterwards (the same object when unchanged). */
  contact: HeldContact;
  /** Whether the import changed the opt-out status (the feed records it, source `import`). */
  optedOutChanged: boolean;
}

/**
 * Upserts an accepted contact over what Cadence holds. `optedOut` absent keeps the held
 * value (a new contact starts opted in); `staffId` absent or empty removes the assignment;
 * only the custom fields named change, and `""` clears one. `allowMobileUpdate: false`
 * keeps an existing contact's mobile.
 */
export function upsertContact(held: HeldContact | undefined, incoming: AcceptedContact): Upsert {
  if (held === undefined) {
    const customFields: Record<string, string> = {};
    const sent = incoming.customFields ?? {};
    for (const name in sent) if (sent[name] !== '') customFields[name] = sent[name]!;
    const optedOut = incoming.optedOut ?? false;
    const contact: HeldContact = {
      uniqueCampusId: incoming.uniqueCampusId,
      firstName: incoming.firstName,
      lastName: incoming.lastName,
      mobileNumber: incoming.mobileNumber,
      staffId: incoming.staffId ?? '',
      optedOut,
      customFields,
      writes: 1,
    };
    return { outcome: 'created', contact, optedOutChanged: optedOut };
  }
  const next: HeldContact = {
    ...held,
    firstName: incoming.firstName,
    lastName: incoming.lastName,
    mobileNumber: incoming.allowMobileUpdate === false ? held.mobileNumber : incoming.mobileNumber,
    staffId: incoming.staffId ?? '',
    optedOut: incoming.optedOut ?? held.optedOut,
  };
  let fieldsChanged = false;
  let customFields = held.customFields;
  const sent = incoming.customFields ?? {};
  for (const name in sent) {
    const value = sent[name]!;
    if ((customFields[name] ?? '') === value) continue;
    if (!fieldsChanged) customFields = { ...customFields };
    fieldsChanged = true;
    if (value === '') delete customFields[name];
    else customFields[name] = value;
  }
  const changed =
    fieldsChanged ||
    next.firstName !== held.firstName ||
    next.lastName !== held.lastName ||
    next.mobileNumber !== held.mobileNumber ||
    next.staffId !== held.staffId ||
    next.optedOut !== held.optedOut;
  if (!changed) return { outcome: 'unchanged', contact: held, optedOutChanged: false };
  return {
    outcome: 'updated',
    contact: { ...next, customFields, writes: held.writes + 1 },
    optedOutChanged: next.optedOut !== held.optedOut,
  };
}
