import { describe, expect, it } from 'vitest';
import { attributeNamesToRequest, offlineNames, resolveAttributes, type MappingConfig } from './resolve-attributes.js';
import type { ConnectAttribute } from './types.js';

const attributes: ConnectAttribute[] = [
  { name: 'firstname', mappingName: 'First Name', type: 'text' },
  { name: 'lastname', mappingName: 'Last Name', type: 'text' },
  { name: 'mobilephone', mappingName: 'Mobile Phone', type: 'text' },
  { name: 'counselor_id', mappingName: 'Counselor', type: 'text' },
  { name: 'sms_status', mappingName: 'SMS Status', type: 'text' },
  { name: 'program_interest', mappingName: 'Program of Interest', type: 'list' },
  { name: 'entry_term', mappingName: 'Entry Term', type: 'date' },
  { name: 'campus_a', mappingName: 'Campus', type: 'text' },
  { name: 'campus_b', mappingName: 'Campus', type: 'text' },
  { name: 'region_a', mappingName: 'Region', type: 'text' },
  { name: 'region_b', mappingName: 'REGION', type: 'text' },
  // An internal name that is also another attribute's label: the name wins.
  { name: 'Nickname', mappingName: 'Preferred', type: 'text' },
  { name: 'nick_2', mappingName: 'Nickname', type: 'text' },
];

function configWith(overrides: Partial<MappingConfig> = {}): MappingConfig {
  return {
    standardFields: { firstName: 'firstname', lastName: 'lastname', mobileNumber: 'mobilephone' },
    additionalFields: [],
    ...overrides,
  };
}

describe('resolveAttributes', () => {
  it.each([
    ['firstname', 'firstname'], // internal name
    ['First Name', 'firstname'], // exact label
    ['first name', 'firstname'], // label in another case
    ['FIRST NAME', 'firstname'],
    ['Nickname', 'Nickname'], // a name beats another attribute's label
    ['preferred', 'Nickname'],
    ['Region', 'region_a'], // exact label beats a case-insensitive one
    ['REGION', 'region_b'],
  ])('resolves %j to %s', (written, name) => {
    const result = resolveAttributes(configWith({ standardFields: { firstName: written, lastName: 'lastname', mobileNumber: 'mobilephone' } }), attributes);
    expect(result.problems).toEqual([]);
    expect(result.names.firstName).toBe(name);
  });

  it.each([
    ['Campus', /ambiguous: matches campus_a, campus_b/],
    ['campus', /ambiguous: matches campus_a, campus_b/],
    ['region', /ambiguous: matches region_a, region_b/],
    ['first_name', /no Connect attribute is named or labelled "first_name"/],
    ['FirstName', /no Connect attribute/],
    ['MOBILEPHONE', /did you mean mobilephone\?/],
  ])('reports %j as a problem at its key path', (written, message) => {
    const config = configWith({ additionalFields: [{ contactField: 'entry_term', cadenceField: 'Term', hasList: false }, { contactField: written, cadenceField: 'X', hasList: false }] });
    const result = resolveAttributes(config, attributes);
    expect(result.problems).toEqual([{ path: 'additionalFields[1].contactField', message: expect.stringMatching(message) }]);
    expect(result.names.additionalFields).toEqual(['entry_term', written]);
  });

  it('resolves and checks every attribute the config names, reporting each problem', () => {
    const config: MappingConfig = {
      standardFields: { firstName: 'First Name', lastName: 'nope', mobileNumber: 'Mobile Phone', userIdentification: 'missing_id' },
      optOut: { field: 'sms status', optedInValue: 'Opted In', optedOutValue: 'Opted Out', emptyIsOptedIn: false },
      additionalFields: [{ contactField: 'Program of Interest', cadenceField: 'Program', hasList: true }],
    };
    const result = resolveAttributes(config, attributes);
    expect(result.names).toEqual({
      firstName: 'firstname',
      lastName: 'nope',
      mobileNumber: 'mobilephone',
      userIdentification: 'missing_id',
      optOut: 'sms_status',
      additionalFields: ['program_interest'],
    });
    expect(result.problems.map((problem) => problem.path)).toEqual(['standardFields.lastName', 'standardFields.userIdentification']);
    expect(result.warnings).toEqual([]);
  });

  it('warns about a list attribute mapped without hasList', () => {
    const config = configWith({ additionalFields: [{ contactField: 'program_interest', cadenceField: 'Program', hasList: false }] });
    const result = resolveAttributes(config, attributes);
    expect(result.problems).toEqual([]);
    expect(result.warnings).toEqual([{ path: 'additionalFields[0].hasList', message: expect.stringContaining('program_interest (Program of Interest) is a list attribute mapped without hasList') }]);
  });

  it('warns about hasList on an attribute that is not a list', () => {
    const config = configWith({ additionalFields: [{ contactField: 'Entry Term', cadenceField: 'Term', hasList: true }] });
    expect(resolveAttributes(config, attributes).warnings).toEqual([
      { path: 'additionalFields[0].hasList', message: expect.stringContaining('is a date attribute, not a list') },
    ]);
  });

  it('warns about a list attribute in a standard or opt-out field', () => {
    const config = configWith({
      standardFields: { firstName: 'firstname', lastName: 'program_interest', mobileNumber: 'mobilephone' },
      optOut: { field: 'Program of Interest', optedInValue: 'In', optedOutValue: 'Out', emptyIsOptedIn: false },
    });
    expect(resolveAttributes(config, attributes).warnings.map((warning) => warning.path)).toEqual(['standardFields.lastName', 'optOut.field']);
  });
});

describe('offlineNames and attributeNamesToRequest', () => {
  const config: MappingConfig = {
    standardFields: { firstName: 'First Name', lastName: 'lastname', mobileNumber: 'mobilephone', userIdentification: 'counselor_id' },
    optOut: { field: 'sms_status', optedInValue: 'Opted In', optedOutValue: 'Opted Out', emptyIsOptedIn: true },
    additionalFields: [
      { contactField: 'program_interest', cadenceField: 'Program', hasList: true },
      { contactField: 'program_interest', cadenceField: 'ProgramCode', hasList: false },
      { contactField: 'lastname', cadenceField: 'Surname', hasList: false },
    ],
  };

  it('takes names as written', () => {
    expect(offlineNames(config)).toEqual({
      firstName: 'First Name',
      lastName: 'lastname',
      mobileNumber: 'mobilephone',
      userIdentification: 'counselor_id',
      optOut: 'sms_status',
      additionalFields: ['program_interest', 'program_interest', 'lastname'],
    });
    expect(offlineNames(configWith())).toEqual({ firstName: 'firstname', lastName: 'lastname', mobileNumber: 'mobilephone', additionalFields: [] });
  });

  it('asks for each attribute once, in config order', () => {
    expect(attributeNamesToRequest(resolveAttributes(config, attributes).names)).toEqual([
      'firstname', 'lastname', 'mobilephone', 'counselor_id', 'sms_status', 'program_interest',
    ]);
    expect(attributeNamesToRequest(offlineNames(configWith()))).toEqual(['firstname', 'lastname', 'mobilephone']);
  });
});
