/**
 * The schema as an editor uses it: a draft-07 validator (ajv 6, which eslint brings in)
 * run on the example files as written, `${VAR}` references and all.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import Ajv from 'ajv';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { configJsonSchema } from './json-schema.js';

const validate = new Ajv({ allErrors: true }).compile(configJsonSchema());

function readYaml(relative: string): Record<string, unknown> {
  return parse(readFileSync(fileURLToPath(new URL(relative, import.meta.url)), 'utf8')) as Record<string, unknown>;
}

function errorsOf(config: unknown): string[] {
  return validate(config) ? [] : (validate.errors ?? []).map((error) => `${error.dataPath} ${error.message ?? ''}`);
}

const minimal = {
  connect: { endpoint: 'https://connect.example.edu/ws/bridge.asmx', clientName: 'northfield', passKey: '${CONNECT_PASSKEY}' },
  cadence: { deptCode: 'ADMISSIONS', apiKey: '${CADENCE_API_KEY}', apiSecret: '${CADENCE_API_SECRET}' },
  standardFields: { firstName: 'firstname', lastName: 'lastname', mobileNumber: 'mobilephone' },
  criteria: { filterIds: [70542], sourceCode: 'CADENCE' },
};

function withNotification(notification: Record<string, unknown>) {
  return { ...minimal, notification: { to: ['ops@example.edu'], from: 'sync@example.edu', smtp: { host: 'smtp.example.edu' }, ...notification } };
}

describe('the JSON Schema in an editor', () => {
  it.each(['../../examples/typical-institution.config.yaml', '../../connect-sync.config.example.yaml'])('accepts %s as written', (file) => {
    expect(errorsOf(readYaml(file))).toEqual([]);
  });

  it('accepts the smallest config (every default left out)', () => {
    expect(errorsOf(minimal)).toEqual([]);
  });

  it.each([
    ['an unknown key', { ...minimal, criteria: { ...minimal.criteria, filterId: [1] } }],
    ['a missing required section', { ...minimal, criteria: undefined }],
    ['a page size out of range', { ...minimal, connect: { ...minimal.connect, pageSize: 501 } }],
    ['a filter id that is not a positive integer', { ...minimal, criteria: { ...minimal.criteria, filterIds: [0] } }],
    ['a filter listed twice', { ...minimal, criteria: { ...minimal.criteria, filterIds: [70542, 70542] } }],
    ['a number written as a string', { ...minimal, cadence: { ...minimal.cadence, batchSize: '${BATCH_SIZE}' } }],
    ['an endpoint that is not http(s)', { ...minimal, connect: { ...minimal.connect, endpoint: 'ftp://connect.example.edu' } }],
    ['a window start that is not HH:MM', { ...minimal, nightlyImport: { window: { start: '1am' } } }],
    ['an address that is not an email', withNotification({ to: ['admissions office'] })],
    ['an smtp user without pass', withNotification({ smtp: { host: 'smtp.example.edu', user: 'mailer' } })],
  ])('flags %s', (_what, config) => {
    expect(errorsOf(JSON.parse(JSON.stringify(config)))).not.toEqual([]);
  });

  it.each([
    ['an endpoint', { ...minimal, connect: { ...minimal.connect, endpoint: '${CONNECT_ENDPOINT}' } }],
    ['a base URL with a default', { ...minimal, cadence: { ...minimal.cadence, baseUrl: '${CADENCE_URL:-https://api.mongooseresearch.com}' } }],
    ['a window start', { ...minimal, nightlyImport: { window: { start: '${WINDOW_START:-01:00}' } } }],
    ['addresses', withNotification({ to: ['${OPS_EMAIL}', 'it@example.edu'], from: 'connect-sync@${MAIL_DOMAIN}' })],
  ])('accepts a ${VAR} reference in %s', (_what, config) => {
    expect(errorsOf(config)).toEqual([]);
  });
});
