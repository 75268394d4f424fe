/**
 * The test oracle: what Cadence should hold after a clean import, computed straight from
 * product.md §3 and the sandbox's current Connect data. Written apart from src/core on
 * purpose (no shared code), so a bug in the mapping cannot hide from the tests.
 */
import type { AttributeValue, ListItem } from '../../src/core/types.js';
import type { Sandbox } from '../../src/sandbox/index.js';

export interface ExpectedContact {
  uniqueCampusId: string;
  firstName: string;
  lastName: string;
  mobileNumber: string;
  staffId: string;
  optedOut: boolean;
  customFields: Record<string, string>;
}

export interface OracleConfig {
  filterIds: readonly number[];
  /** Additional fields: Connect attribute → Cadence field, hasList. */
  additionalFields: readonly { contactField: string; cadenceField: string; hasList: boolean }[];
  optOut?: { field: string; optedInValue: string; optedOutValue: string; emptyIsOptedIn: boolean };
  userIdentification?: string;
}

/** The sandbox config's mapping, as the oracle needs it. */
export const SANDBOX_ORACLE: OracleConfig = {
  filterIds: [70542, 70611, 70733],
  additionalFields: [
    { contactField: 'program_interest', cadenceField: 'Program', hasList: true },
    { contactField: 'entry_term', cadenceField: 'Entry Term', hasList: false },
    { contactField: 'city', cadenceField: 'Home City', hasList: false },
  ],
  optOut: { field: 'sms_status', optedInValue: 'Opted In', optedOutValue: 'Opted Out', emptyIsOptedIn: true },
  userIdentification: 'counselor_id',
};

function text(value: AttributeValue | undefined): string {
  if (value === undefined) return '';
  if (typeof value === 'string') return value.trim();
  return value.map((item) => item.value).join('; ');
}

/** §3's phone rule, independently: NFKC, strip punctuation, drop a leading 1 / +1. */
export function expectedMobile(raw: string): string | undefined {
  let digits = raw.normalize('NFKC').replace(/[\s\-–—.()]/g, '');
  if (/^\+1\d{10}$/.test(digits)) digits = digits.slice(2);
  else if (/^1\d{10}$/.test(digits)) digits = digits.slice(1);
  return /^[2-9]\d{2}[2-9]\d{6}$/.test(digits) ? digits : undefined;
}

/**
 * What Cadence should hold for every contact that a configured filter returns and that
 * maps without error. `keywordOptOuts`: contacts whose last STOP/START Cadence recorded
 * (true = STOP): an opt-out there is never reversed by an import.
 */
export function expectedCadence(sandbox: Sandbox, config: OracleConfig = SANDBOX_ORACLE, keywordOptOuts = new Map<string, boolean>()): Map<string, ExpectedContact> {
  const users = new Set(sandbox.dataset.users.map((user) => user.userId));
  const expected = new Map<string, ExpectedContact>();
  for (const seed of sandbox.dataset.contacts) {
    const contact = sandbox.connect.getContact(seed.id)!;
    if (!contact.filterIds.some((id) => config.filterIds.includes(id))) continue;
    const values = contact.values;
    const firstName = text(values.firstname);
    const lastName = text(values.lastname);
    const mobile = expectedMobile(typeof values.mobilephone === 'string' ? values.mobilephone : text(values.mobilephone));
    if (firstName === '' || lastName === '' || mobile === undefined) continue;
    let optedOut = false;
    if (config.optOut) {
      const status = text(values[config.optOut.field]).toLowerCase();
      if (status === config.optOut.optedOutValue.toLowerCase()) optedOut = true;
      else if (status === config.optOut.optedInValue.toLowerCase()) optedOut = false;
      else if (status === '' && config.optOut.emptyIsOptedIn) optedOut = false;
      else continue; // UNRECOGNIZED_OPT_OUT_VALUE: not sent
    }
    if (keywordOptOuts.get(String(contact.id)) === true) optedOut = true;
    const staff = config.userIdentification ? text(values[config.userIdentification]) : '';
    const customFields: Record<string, string> = {};
    for (const field of config.additionalFields) {
      const value = values[field.contactField];
      const shown =
        value === undefined ? '' : typeof value === 'string' ? value.trim() : (value as readonly ListItem[]).map((item) => (field.hasList ? item.display : item.value)).join('; ');
      if (shown !== '') customFields[field.cadenceField] = shown;
    }
    expected.set(String(contact.id), {
      uniqueCampusId: String(contact.id),
      firstName,
      lastName,
      mobileNumber: mobile,
      staffId: users.has(staff) ? staff : '',
      optedOut,
      customFields,
    });
  }
  return expected;
}

/** Differences between what Cadence holds and what it should (empty when equal). */
export function cadenceDifferences(sandbox: Sandbox, expected: Map<string, ExpectedContact>): string[] {
  const problems: string[] = [];
  for (const [id, want] of expected) {
    const held = sandbox.cadence.getContact(id);
    if (held === undefined) {
      problems.push(`${id}: missing in Cadence`);
      continue;
    }
    const { writes: _writes, ...have } = held;
    const a = JSON.stringify(sortKeys(have));
    const b = JSON.stringify(sortKeys(want));
    if (a !== b) problems.push(`${id}: Cadence holds ${a}, expected ${b}`);
  }
  for (const held of sandbox.cadence.allContacts()) {
    if (!expected.has(held.uniqueCampusId)) problems.push(`${held.uniqueCampusId}: in Cadence but not expected`);
  }
  return problems;
}

function sortKeys(value: object): unknown {
  return Object.fromEntries(
    Object.entries(value)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([key, inner]) => [key, inner !== null && typeof inner === 'object' && !Array.isArray(inner) ? sortKeys(inner) : inner]),
  );
}

/**
 * Ids of the contacts a configured filter returns that should not reach Cadence (no name,
 * no textable mobile, an opt-out value the mapping does not know), in data set order.
 */
export function expectedFailing(sandbox: Sandbox, config: OracleConfig = SANDBOX_ORACLE): string[] {
  const sent = expectedCadence(sandbox, config);
  return sandbox.dataset.contacts
    .map((seed) => sandbox.connect.getContact(seed.id)!)
    .filter((contact) => contact.filterIds.some((id) => config.filterIds.includes(id)) && !sent.has(String(contact.id)))
    .map((contact) => String(contact.id));
}

/**
 * The exit code of an import that completes against this world (product.md §2): 1 while a
 * matched contact cannot reach Cadence, else 0. Faults a test injects on top are its own to add.
 */
export function expectedImportExit(sandbox: Sandbox, config: OracleConfig = SANDBOX_ORACLE): 0 | 1 {
  return expectedFailing(sandbox, config).length > 0 ? 1 : 0;
}
