/**
 * From a Connect contact to the Cadence contact (product.md §3), with consent safety
 * (§5). Pure: the rules are built once per run, then applied to each contact.
 */
import type { CadenceConsent } from '../ports.js';
import type { MappingConfig, ResolvedNames } from '../resolve-attributes.js';
import type { CadenceContact, ConnectContact, ContactIssue, IssueCode } from '../types.js';
import { additionalFieldValue, attributeText } from './fields.js';
import { resolveOptOut, type OptOutValues } from './opt-out.js';
import { normaliseMobile } from './phone.js';

/** Everything mapping needs, with internal attribute names. */
export interface MappingRules {
  firstName: string;
  lastName: string;
  mobileNumber: string;
  /** Present when `standardFields.userIdentification` is mapped. */
  staff?: { attribute: string; userIds: ReadonlySet<string> };
  /** Present when `optOut` is configured. */
  optOut?: OptOutValues & { attribute: string };
  additionalFields: readonly { attribute: string; cadenceField: string; hasList: boolean }[];
}

export interface MappedContact {
  contactId: string;
  /** Absent when the contact has any error: it is not sent. */
  payload?: CadenceContact;
  /** Every error and warning of the contact, errors first. */
  issues: ContactIssue[];
  /** For the report row: trimmed names and the mobile number as Connect gave it. */
  reportFields: { firstName: string; lastName: string; mobileNumber: string };
}

/**
 * Builds the run's mapping rules from the config, the resolved attribute names and the
 * User IDs of Cadence's users (compared exactly).
 */
export function mappingRules(config: MappingConfig, names: ResolvedNames, userIds: ReadonlySet<string>): MappingRules {
  const rules: MappingRules = {
    firstName: names.firstName,
    lastName: names.lastName,
    mobileNumber: names.mobileNumber,
    additionalFields: config.additionalFields.map((field, index) => ({
      attribute: names.additionalFields[index] ?? field.contactField,
      cadenceField: field.cadenceField,
      hasList: field.hasList,
    })),
  };
  if (config.standardFields.userIdentification !== undefined) {
    rules.staff = { attribute: names.userIdentification ?? config.standardFields.userIdentification, userIds };
  }
  if (config.optOut !== undefined) {
    const { optedInValue, optedOutValue, emptyIsOptedIn } = config.optOut;
    rules.optOut = { attribute: names.optOut ?? config.optOut.field, optedInValue, optedOutValue, emptyIsOptedIn };
  }
  return rules;
}

/**
 * Maps one contact. Collects every error (each its own issue) and leaves the payload out
 * when there is one. `consent` is what Cadence last reported for this contact: an
 * opt-out there is never reversed (the payload leaves `optedOut` out and a warning
 * `OPT_OUT_CONFLICT` says why) until Cadence reports an opt-in.
 */
export function mapContact(contact: ConnectContact, rules: MappingRules, consent?: CadenceConsent): MappedContact {
  const errors: ContactIssue[] = [];
  const warnings: ContactIssue[] = [];
  const text = (attribute: string) => attributeText(contact.attributes[attribute]);
  const fail = (code: IssueCode, attribute: string, message: string) =>
    errors.push({ severity: 'error', code, message: `${message} (attribute ${attribute})` });
  const warn = (code: IssueCode, attribute: string, message: string) =>
    warnings.push({ severity: 'warning', code, message: `${message} (attribute ${attribute})` });

  const firstName = text(rules.firstName);
  if (firstName === '') fail('MISSING_FIRST_NAME', rules.firstName, 'first name is empty');
  const lastName = text(rules.lastName);
  if (lastName === '') fail('MISSING_LAST_NAME', rules.lastName, 'last name is empty');

  const rawMobile = rawText(contact, rules.mobileNumber);
  const mobile = normaliseMobile(rawMobile);
  if (!mobile.ok) fail(mobile.code, rules.mobileNumber, mobile.message);

  let staffId: string | undefined;
  if (rules.staff) {
    staffId = text(rules.staff.attribute);
    if (staffId !== '' && !rules.staff.userIds.has(staffId)) {
      warn('UNKNOWN_USER_ID', rules.staff.attribute, `no Cadence user has User ID ${JSON.stringify(staffId)}; imported without an assigned user`);
      staffId = '';
    }
  }

  let optedOut: boolean | undefined;
  if (rules.optOut) {
    const optOutText = text(rules.optOut.attribute);
    const resolved = resolveOptOut(optOutText, rules.optOut);
    if (!resolved.ok) fail(resolved.code, rules.optOut.attribute, resolved.message);
    else if (consent?.optedOut === true && resolved.optedOut !== true) {
      const shows = optOutText === '' ? 'is empty' : `shows ${JSON.stringify(optOutText)}`;
      warn(
        'OPT_OUT_CONFLICT',
        rules.optOut.attribute,
        `Cadence reported an opt-out at ${consent.changedAt} (${consent.source}) that Connect does not show: it ${shows}; optedOut left out so Cadence keeps the opt-out`,
      );
    } else optedOut = resolved.optedOut;
  }

  const customFields: Record<string, string> = {};
  for (const field of rules.additionalFields) {
    customFields[field.cadenceField] = additionalFieldValue(contact.attributes[field.attribute], field.hasList);
  }

  const reportFields = { firstName, lastName, mobileNumber: rawMobile };
  const issues = [...errors, ...warnings];
  if (errors.length > 0 || !mobile.ok) return { contactId: contact.contactId, issues, reportFields };
  // Built in the wire order of CadenceContact, so JSON.stringify(payload) is canonical.
  const payload: CadenceContact = {
    uniqueCampusId: contact.contactId,
    firstName,
    lastName,
    mobileNumber: mobile.mobile,
    ...(staffId === undefined ? {} : { staffId }),
    ...(optedOut === undefined ? {} : { optedOut }),
    allowMobileUpdate: true,
    customFields,
  };
  return { contactId: contact.contactId, payload, issues, reportFields };
}

/** The mobile attribute as Connect gave it (untrimmed), for the phone rules and the report. */
function rawText(contact: ConnectContact, attribute: string): string {
  const value = contact.attributes[attribute];
  if (value === undefined) return '';
  return typeof value === 'string' ? value : attributeText(value);
}
