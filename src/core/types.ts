/**
 * The domain's data: what Connect gives, what Cadence takes, and what a run records.
 * Pure data, no behaviour; the ports in ./ports.ts move it around.
 */

/** One selected option of a Connect `list` attribute. */
export interface ListItem {
  /** The stored code, e.g. `BIO`. */
  value: string;
  /** The display name, e.g. `Biology`. */
  display: string;
}

/** A Connect attribute's value: text for single-valued attributes, items for `list` ones. */
export type AttributeValue = string | readonly ListItem[];

/** A contact as Connect's GetFilterContacts returned it. */
export interface ConnectContact {
  /** Positive integer in decimal, as Connect wrote it. */
  contactId: string;
  /** `modifieddate` as Connect wrote it (local wall-clock time of the instance). */
  modifiedLocal: string;
  /** `modifieddate` converted to UTC, ISO 8601 (`2026-11-24T18:05:22.000Z`). */
  modifiedAt: string;
  /** Every other attribute returned, by internal name. Missing attributes are absent. */
  attributes: Readonly<Record<string, AttributeValue>>;
  /**
   * Set when the record cannot be read (product.md §8: a contactid that is not a positive
   * integer, a modifieddate that does not parse, a value XML forbids): why, naming the
   * record. `contactId` and `modifiedLocal` are then as read ('' when missing),
   * `modifiedAt` is '', and `attributes` hold the values that could be read.
   */
  unreadable?: string;
}

/** An attribute of Connect's contact record (GetAllAttributes). */
export interface ConnectAttribute {
  name: string;
  mappingName: string;
  type: 'text' | 'number' | 'date' | 'list';
}

export interface ConnectFilter {
  id: number;
  name: string;
}

export interface ConnectSourceCode {
  code: string;
  description: string;
}

/** The contact connect-sync sends to Cadence's import endpoint. Key order is the wire order. */
export interface CadenceContact {
  uniqueCampusId: string;
  firstName: string;
  lastName: string;
  mobileNumber: string;
  /** Present only when `standardFields.userIdentification` is mapped; `""` = assigned to nobody. */
  staffId?: string;
  /** Absent keeps what Cadence has. */
  optedOut?: boolean;
  allowMobileUpdate: true;
  customFields: Record<string, string>;
}

export type ConfirmedOutcome = 'created' | 'updated' | 'unchanged';

/** Cadence's verdict on one contact of a completed batch. */
export type ContactResult =
  | { uniqueCampusId: string; outcome: ConfirmedOutcome }
  | { uniqueCampusId: string; outcome: 'rejected'; errorCode: string; message: string };

export interface CadenceUser {
  userId: string;
  firstName: string;
  lastName: string;
  email: string;
  active: boolean;
}

export interface CadenceField {
  name: string;
  label: string;
  required: boolean;
}

/** One entry of Cadence's optouts feed. */
export interface OptOutChange {
  uniqueCampusId: string;
  mobileNumber: string;
  optedOut: boolean;
  changedAt: string;
  source: 'keyword' | 'staff' | 'import';
}

export type Severity = 'error' | 'warning';

/**
 * Why a contact was not imported (error) or was imported with a caveat (warning).
 * Mapping codes are product.md §3's; Cadence's `rejected` codes are passed through.
 */
export type IssueCode =
  | 'MISSING_FIRST_NAME'
  | 'MISSING_LAST_NAME'
  | 'MISSING_MOBILE'
  | 'INVALID_MOBILE'
  | 'UNRECOGNIZED_OPT_OUT_VALUE'
  | 'UNKNOWN_USER_ID'
  | 'OPT_OUT_CONFLICT'
  | 'CADENCE_UNAVAILABLE'
  | 'FUTURE_MODIFIED_DATE'
  | 'INVALID_RECORD'
  | (string & {});

export interface ContactIssue {
  severity: Severity;
  code: IssueCode;
  message: string;
}
