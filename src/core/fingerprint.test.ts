import { describe, expect, it } from 'vitest';
import { Config as ConfigSchema, type Config } from '../config/schema.js';
import { fingerprint } from './fingerprint.js';
import { offlineNames, type ResolvedNames } from './resolve-attributes.js';

function configFrom(overrides: Record<string, unknown> = {}): Config {
  const parsed = ConfigSchema.parse({
    connect: { endpoint: 'http://127.0.0.1:1/ws', clientName: 'astronomer', passKey: 'secret' },
    cadence: { deptCode: 'ADMISSIONS', apiKey: 'key', apiSecret: 'secret' },
    standardFields: { firstName: 'firstname', lastName: 'lastname', mobileNumber: 'mobilephone', userIdentification: 'counselor_id' },
    optOut: { field: 'sms_status', optedInValue: 'Opted In', optedOutValue: 'Opted Out' },
    additionalFields: [
      { contactField: 'program_interest', cadenceField: 'Program', hasList: true },
      { contactField: 'entry_term', cadenceField: 'Term' },
    ],
    criteria: { filterIds: [70542, 70611], sourceCode: 'CADENCE' },
    ...overrides,
  });
  return { ...parsed, state: { path: '/tmp/connect-sync.sqlite', reportsDir: '/tmp/reports' }, source: '/tmp/connect-sync.config.yaml' };
}

const base = configFrom();
const reference = fingerprint(base, 70542, offlineNames(base));

function print(config: Config, filterId = 70542, names: ResolvedNames = offlineNames(config)): string {
  return fingerprint(config, filterId, names);
}

describe('fingerprint', () => {
  it('is a sha256 hex digest, the same for the same mapping', () => {
    expect(reference).toMatch(/^[0-9a-f]{64}$/);
    expect(print(configFrom())).toBe(reference);
  });

  it.each([
    ['a first-name attribute', { standardFields: { ...base.standardFields, firstName: 'nickname' } }],
    ['the mobile attribute', { standardFields: { ...base.standardFields, mobileNumber: 'cellphone' } }],
    ['user identification removed', { standardFields: { ...base.standardFields, userIdentification: undefined } }],
    ['the opt-out attribute', { optOut: { ...base.optOut, field: 'sms_consent' } }],
    ['the opted-out value', { optOut: { ...base.optOut, optedOutValue: 'STOP' } }],
    ['the opted-in value', { optOut: { ...base.optOut, optedInValue: 'START' } }],
    ['emptyIsOptedIn', { optOut: { ...base.optOut, emptyIsOptedIn: true } }],
    ['opt-out removed', { optOut: undefined }],
    ['hasList', { additionalFields: [{ ...base.additionalFields[0], hasList: false }, base.additionalFields[1]] }],
    ['a cadence field', { additionalFields: [base.additionalFields[0], { ...base.additionalFields[1], cadenceField: 'EntryTerm' }] }],
    ['a contact field', { additionalFields: [base.additionalFields[0], { ...base.additionalFields[1], contactField: 'start_term' }] }],
    ['a field removed', { additionalFields: [base.additionalFields[0]] }],
    ['a field added', { additionalFields: [...base.additionalFields, { contactField: 'city', cadenceField: 'City' }] }],
  ])('changes with %s', (_what, overrides) => {
    expect(print(configFrom(overrides))).not.toBe(reference);
  });

  it('changes with the filter and with the resolved names', () => {
    expect(print(base, 70611)).not.toBe(reference);
    expect(print(base, 70542, { ...offlineNames(base), lastName: 'last_name' })).not.toBe(reference);
  });

  it.each([
    ['pageSize', { connect: { ...base.connect, pageSize: 100 } }],
    ['batchSize', { cadence: { ...base.cadence, batchSize: 10 } }],
    ['concurrency', { cadence: { ...base.cadence, concurrency: 1 } }],
    ['credentials', { cadence: { ...base.cadence, apiKey: 'other', apiSecret: 'other' } }],
    ['lookback and the other filters', { criteria: { filterIds: [70542], sourceCode: 'OTHER', lookbackMinutes: 60 } }],
    ['the schedule', { nightlyImport: { enabled: false } }],
    ['notification', { notification: { to: ['ops@example.edu'], from: 'cs@example.edu', smtp: { host: '127.0.0.1' } } }],
    ['the order of additionalFields', { additionalFields: [base.additionalFields[1], base.additionalFields[0]] }],
    ['the case and spaces of opt-out values', { optOut: { ...base.optOut, optedOutValue: ' opted OUT ', optedInValue: 'OPTED IN' } }],
  ])('does not change with %s', (_what, overrides) => {
    expect(print(configFrom(overrides))).toBe(reference);
  });

  it('does not change when a label is written for the same internal name', () => {
    const labelled = configFrom({ standardFields: { ...base.standardFields, firstName: 'First Name' } });
    expect(print(labelled, 70542, { ...offlineNames(labelled), firstName: 'firstname' })).toBe(reference);
  });
});
