import { describe, expect, it } from 'vitest';
import type { CadenceConsent } from '../ports.js';
import { offlineNames, type MappingConfig } from '../resolve-attributes.js';
import type { AttributeValue, ConnectContact } from '../types.js';
import { mapContact, mappingRules, type MappingRules } from './map-contact.js';

const config: MappingConfig = {
  standardFields: { firstName: 'firstname', lastName: 'lastname', mobileNumber: 'mobilephone', userIdentification: 'counselor_id' },
  optOut: { field: 'sms_status', optedInValue: 'Opted In', optedOutValue: 'Opted Out', emptyIsOptedIn: false },
  additionalFields: [
    { contactField: 'program_interest', cadenceField: 'Program', hasList: true },
    { contactField: 'program_interest', cadenceField: 'ProgramCode', hasList: false },
    { contactField: 'entry_term', cadenceField: 'Term', hasList: false },
  ],
};
const rules = mappingRules(config, offlineNames(config), new Set(['jdoe', 'kim']));

const minimal: MappingConfig = {
  standardFields: { firstName: 'firstname', lastName: 'lastname', mobileNumber: 'mobilephone' },
  additionalFields: [],
};
const minimalRules = mappingRules(minimal, offlineNames(minimal), new Set());

const good: Record<string, AttributeValue> = {
  firstname: ' Ana ',
  lastname: 'Lopez',
  mobilephone: '(404) 555-0134',
  counselor_id: 'jdoe',
  sms_status: 'Opted In',
  program_interest: [
    { value: 'BIO', display: 'Biology' },
    { value: 'CHEM', display: 'Chemistry' },
  ],
  entry_term: ' Fall 2027 ',
};

function contact(overrides: Record<string, AttributeValue | undefined> = {}, contactId = '100234'): ConnectContact {
  const attributes: Record<string, AttributeValue> = { ...good };
  for (const [key, value] of Object.entries(overrides)) {
    if (value === undefined) delete attributes[key];
    else attributes[key] = value;
  }
  return { contactId, modifiedLocal: '24 Nov 2026 01:05:22 PM', modifiedAt: '2026-11-24T18:05:22.000Z', attributes };
}

const optedOutInCadence: CadenceConsent = { optedOut: true, changedAt: '2026-11-24T18:03:11Z', source: 'keyword' };

describe('mapContact', () => {
  it('maps every field, in wire order', () => {
    const mapped = mapContact(contact(), rules);
    expect(mapped.issues).toEqual([]);
    expect(mapped.payload).toEqual({
      uniqueCampusId: '100234',
      firstName: 'Ana',
      lastName: 'Lopez',
      mobileNumber: '4045550134',
      staffId: 'jdoe',
      optedOut: false,
      allowMobileUpdate: true,
      customFields: { Program: 'Biology; Chemistry', ProgramCode: 'BIO; CHEM', Term: 'Fall 2027' },
    });
    expect(Object.keys(mapped.payload ?? {})).toEqual([
      'uniqueCampusId', 'firstName', 'lastName', 'mobileNumber', 'staffId', 'optedOut', 'allowMobileUpdate', 'customFields',
    ]);
    expect(mapped.reportFields).toEqual({ firstName: 'Ana', lastName: 'Lopez', mobileNumber: '(404) 555-0134' });
  });

  it('leaves staffId and optedOut out when they are not configured', () => {
    const mapped = mapContact(contact(), minimalRules);
    expect(Object.keys(mapped.payload ?? {})).toEqual(['uniqueCampusId', 'firstName', 'lastName', 'mobileNumber', 'allowMobileUpdate', 'customFields']);
    expect(mapped.payload?.customFields).toEqual({});
  });

  it.each([
    ['firstname', '', 'MISSING_FIRST_NAME', 'first name is empty (attribute firstname)'],
    ['firstname', '   ', 'MISSING_FIRST_NAME', 'attribute firstname'],
    ['firstname', undefined, 'MISSING_FIRST_NAME', 'attribute firstname'],
    ['lastname', '', 'MISSING_LAST_NAME', 'last name is empty (attribute lastname)'],
    ['lastname', [], 'MISSING_LAST_NAME', 'attribute lastname'],
    ['mobilephone', '', 'MISSING_MOBILE', 'mobile number is empty (attribute mobilephone)'],
    ['mobilephone', undefined, 'MISSING_MOBILE', 'attribute mobilephone'],
    ['mobilephone', '404-555-013', 'INVALID_MOBILE', '"404-555-013" has 9 digits'],
    ['mobilephone', '404-555-0134 x12', 'INVALID_MOBILE', 'attribute mobilephone'],
    ['sms_status', 'Maybe', 'UNRECOGNIZED_OPT_OUT_VALUE', '"Maybe"'],
    ['sms_status', 'Maybe', 'UNRECOGNIZED_OPT_OUT_VALUE', 'attribute sms_status'],
  ] satisfies [string, AttributeValue | undefined, string, string][])('%s=%j is %s', (attribute, value, code, message) => {
    const mapped = mapContact(contact({ [attribute]: value }), rules);
    expect(mapped.payload).toBeUndefined();
    expect(mapped.issues).toEqual([{ severity: 'error', code, message: expect.stringContaining(message) }]);
  });

  it('collects every error of a contact', () => {
    const mapped = mapContact(contact({ firstname: '', lastname: ' ', mobilephone: '555-0134', sms_status: 'unknown' }), rules);
    expect(mapped.payload).toBeUndefined();
    expect(mapped.issues.map((issue) => [issue.severity, issue.code])).toEqual([
      ['error', 'MISSING_FIRST_NAME'],
      ['error', 'MISSING_LAST_NAME'],
      ['error', 'INVALID_MOBILE'],
      ['error', 'UNRECOGNIZED_OPT_OUT_VALUE'],
    ]);
    expect(mapped.reportFields).toEqual({ firstName: '', lastName: '', mobileNumber: '555-0134' });
  });

  it.each([
    ['jdoe', 'jdoe', []],
    ['  kim ', 'kim', []],
    ['', '', []],
    ['   ', '', []],
    [undefined, '', []],
    ['JDOE', '', ['UNKNOWN_USER_ID']], // compared exactly
    ['nobody', '', ['UNKNOWN_USER_ID']],
  ] satisfies [string | undefined, string, string[]][])('counselor_id %j → staffId %j %o', (value, staffId, codes) => {
    const mapped = mapContact(contact({ counselor_id: value }), rules);
    expect(mapped.payload?.staffId).toBe(staffId);
    expect(mapped.issues.map((issue) => issue.code)).toEqual(codes);
    for (const issue of mapped.issues) {
      expect(issue.severity).toBe('warning');
      expect(issue.message).toContain(JSON.stringify(value?.trim()));
      expect(issue.message).toContain('attribute counselor_id');
    }
  });

  it('reports warnings along with errors', () => {
    const mapped = mapContact(contact({ counselor_id: 'nobody', mobilephone: '' }), rules);
    expect(mapped.payload).toBeUndefined();
    expect(mapped.issues.map((issue) => `${issue.severity}:${issue.code}`)).toEqual(['error:MISSING_MOBILE', 'warning:UNKNOWN_USER_ID']);
  });

  const emptyIsOptedIn: MappingRules = { ...rules, optOut: { ...rules.optOut!, emptyIsOptedIn: true } };
  it.each([
    ['Opted Out', rules, true],
    ['opted in', rules, false],
    ['', rules, undefined],
    [undefined, rules, undefined],
    ['', emptyIsOptedIn, false],
  ] satisfies [string | undefined, MappingRules, boolean | undefined][])('sms_status %j → optedOut %s', (value, theRules, optedOut) => {
    const mapped = mapContact(contact({ sms_status: value }), theRules);
    expect(mapped.issues).toEqual([]);
    expect(mapped.payload?.optedOut).toBe(optedOut);
    expect(mapped.payload !== undefined && 'optedOut' in mapped.payload).toBe(optedOut !== undefined);
  });

  describe('consent safety', () => {
    it.each([
      ['Opted In', rules, 'shows "Opted In"'],
      ['', rules, 'is empty'],
      ['', emptyIsOptedIn, 'is empty'],
    ] satisfies [string, MappingRules, string][])('never reverses a Cadence opt-out: Connect %j', (value, theRules, shows) => {
      const mapped = mapContact(contact({ sms_status: value }), theRules, optedOutInCadence);
      expect(mapped.payload).toBeDefined();
      expect(mapped.payload && 'optedOut' in mapped.payload).toBe(false);
      expect(mapped.issues).toEqual([
        {
          severity: 'warning',
          code: 'OPT_OUT_CONFLICT',
          message: expect.stringContaining('Cadence reported an opt-out at 2026-11-24T18:03:11Z'),
        },
      ]);
      expect(mapped.issues[0]?.message).toContain(shows);
    });

    it('sends the opt-out when Connect shows it too', () => {
      const mapped = mapContact(contact({ sms_status: 'OPTED OUT' }), rules, optedOutInCadence);
      expect(mapped.issues).toEqual([]);
      expect(mapped.payload?.optedOut).toBe(true);
    });

    it('follows Connect once Cadence reported an opt-in', () => {
      const optedIn: CadenceConsent = { optedOut: false, changedAt: '2026-11-25T09:00:00Z', source: 'keyword' };
      const mapped = mapContact(contact({ sms_status: 'Opted In' }), rules, optedIn);
      expect(mapped.issues).toEqual([]);
      expect(mapped.payload?.optedOut).toBe(false);
    });

    it('has nothing to protect when opt-out is not mapped', () => {
      const mapped = mapContact(contact(), minimalRules, optedOutInCadence);
      expect(mapped.issues).toEqual([]);
      expect(mapped.payload && 'optedOut' in mapped.payload).toBe(false);
    });

    it('keeps an unrecognised value an error, not a conflict', () => {
      const mapped = mapContact(contact({ sms_status: 'Maybe' }), rules, optedOutInCadence);
      expect(mapped.payload).toBeUndefined();
      expect(mapped.issues.map((issue) => issue.code)).toEqual(['UNRECOGNIZED_OPT_OUT_VALUE']);
    });
  });

  it('reads list values in standard fields as their stored codes', () => {
    const mapped = mapContact(contact({ firstname: [{ value: 'ANA', display: 'Ana' }], sms_status: [{ value: 'Opted Out', display: 'Out' }] }), rules);
    expect(mapped.payload?.firstName).toBe('ANA');
    expect(mapped.payload?.optedOut).toBe(true);
  });

  it('sends "" for missing and empty additional fields', () => {
    const mapped = mapContact(contact({ program_interest: [], entry_term: undefined }), rules);
    expect(mapped.payload?.customFields).toEqual({ Program: '', ProgramCode: '', Term: '' });
  });

  it('reads attributes by their resolved internal names', () => {
    const resolved = { ...offlineNames(config), firstName: 'fn_internal' };
    const mapped = mapContact(contact({ fn_internal: 'Bea' }), mappingRules(config, resolved, new Set(['jdoe'])));
    expect(mapped.payload?.firstName).toBe('Bea');
  });
});
