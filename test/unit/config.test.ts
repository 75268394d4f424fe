import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { ConfigError, type ConfigProblem } from '../../src/errors.js';
import { loadConfig } from '../../src/config/load.js';
import { SECRET_ENV, minimalConfig, tempProject, writeConfig, type RawConfig } from '../support/config-files.js';

const EXAMPLE = fileURLToPath(new URL('../../connect-sync.config.example.yaml', import.meta.url));
const dirs: string[] = [];

function project(): string {
  const dir = tempProject();
  dirs.push(dir);
  return dir;
}

afterEach(() => {
  for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

/** Loads `config` from a fresh folder and returns the ConfigError it must throw. */
async function configError(config: string | Record<string, unknown>, env: NodeJS.ProcessEnv = SECRET_ENV): Promise<ConfigError> {
  const dir = project();
  writeConfig(dir, config);
  const error: unknown = await loadConfig({ cwd: dir, env }).then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(ConfigError);
  return error as ConfigError;
}

function edited(edit: (config: RawConfig) => void): RawConfig {
  const config = minimalConfig();
  edit(config);
  return config;
}

describe('loadConfig', () => {
  it('loads the example config with its secrets from the environment', async () => {
    const config = await loadConfig({ path: EXAMPLE, env: SECRET_ENV });
    expect(config.source).toBe(EXAMPLE);
    expect(config.connect.passKey).toBe(SECRET_ENV.CONNECT_PASSKEY);
    expect(config.cadence).toMatchObject({ apiKey: SECRET_ENV.CADENCE_API_KEY, apiSecret: SECRET_ENV.CADENCE_API_SECRET, timeoutSeconds: 60 });
    expect(config.notification?.smtp?.pass).toBe(SECRET_ENV.SMTP_PASS);
    expect(config.criteria.filterIds).toEqual([70542, 70611]);
    expect(config.additionalFields[0]).toEqual({ contactField: 'program_interest', cadenceField: 'Program', hasList: true });
    expect(config.nightlyImport).toEqual({ enabled: true, window: { start: '01:00', end: '04:00', timeZone: 'America/New_York' } });
    expect(config.state.path).toBe(path.join(path.dirname(EXAMPLE), 'connect-sync.sqlite'));
  });

  it('applies every default to a minimal config', async () => {
    const dir = project();
    const file = writeConfig(dir, minimalConfig());
    const config = await loadConfig({ cwd: dir, env: SECRET_ENV });
    expect(config.source).toBe(file);
    expect(config.connect).toMatchObject({ timeZone: 'America/New_York', pageSize: 500, timeoutSeconds: 60 });
    expect(config.cadence).toMatchObject({ baseUrl: 'https://api.mongooseresearch.com', batchSize: 1000, concurrency: 4, timeoutSeconds: 60 });
    expect(config.standardFields.userIdentification).toBeUndefined();
    expect(config.optOut).toBeUndefined();
    expect(config.additionalFields).toEqual([]);
    expect(config.criteria.lookbackMinutes).toBe(10);
    expect(config.nightlyImport).toEqual({ enabled: true, window: { start: '01:00', end: '04:00', timeZone: 'America/New_York' } });
    expect(config.notification).toBeUndefined();
    expect(config.state.path).toBe(path.join(dir, 'connect-sync.sqlite'));
  });

  it('applies the defaults inside optional sections', async () => {
    const config = await loadConfig({
      path: writeConfig(project(), edited((c) => {
        c.optOut = { field: 'sms_status', optedInValue: 'Opted In', optedOutValue: 'Opted Out' };
        c.additionalFields = [{ contactField: 'program', cadenceField: 'Program' }];
        c.notification = { to: ['ops@example.edu'], from: 'cs@example.edu', smtp: { host: 'smtp.example.edu' } };
      })),
      env: SECRET_ENV,
    });
    expect(config.optOut?.emptyIsOptedIn).toBe(false);
    expect(config.additionalFields[0]?.hasList).toBe(false);
    expect(config.notification?.smtp).toEqual({ host: 'smtp.example.edu', port: 587, secure: false });
  });

  it('resolves state.path against the config file, not the working folder', async () => {
    const dir = project();
    writeConfig(dir, edited((c) => (c.state = { path: './data/state.sqlite' })), 'conf/connect-sync.config.yaml');
    const config = await loadConfig({ cwd: dir, path: 'conf/connect-sync.config.yaml', env: SECRET_ENV });
    expect(config.state.path).toBe(path.join(dir, 'conf', 'data', 'state.sqlite'));
    expect(config.source).toBe(path.join(dir, 'conf', 'connect-sync.config.yaml'));
  });

  it('keeps an absolute state.path', async () => {
    const absolute = path.join(project(), 'elsewhere.sqlite');
    const config = await loadConfig({ path: writeConfig(project(), edited((c) => (c.state = { path: absolute }))), env: SECRET_ENV });
    expect(config.state.path).toBe(absolute);
  });
});

const missingEnv = { CADENCE_API_KEY: 'k', CADENCE_API_SECRET: 's' };

describe('problems in the file', () => {
  it.each<[string, string | Record<string, unknown>, string, RegExp, NodeJS.ProcessEnv?]>([
    ['malformed YAML', 'connect:\n  endpoint: x\n   clientName: y\n', '', /^connect-sync\.config\.yaml:2:\d+: /],
    ['duplicate key', 'connect: {}\nconnect: {}\n', '', /^connect-sync\.config\.yaml:2:1: .*unique/],
    ['a file that is not a mapping', '- connect\n- cadence\n', '', /expected a mapping of sections.*got a list/],
    ['unknown top-level key', edited((c) => (c.extra = 1)), 'extra', /^unknown key "extra" \(allowed: connect, cadence, standardFields/],
    ['unknown nested key', edited((c) => (c.connect.pagesize = 10)), 'connect.pagesize', /^unknown key "pagesize" \(allowed: .*pageSize/],
    [
      'unknown key in a list item',
      edited((c) => (c.additionalFields = [{ contactField: 'a', cadenceField: 'A', haslist: true }])),
      'additionalFields[0].haslist',
      /unknown key "haslist"/,
    ],
    ['wrong type: text for a number', edited((c) => (c.cadence.batchSize = 'many')), 'cadence.batchSize', /expected a whole number from 1 to 1000/],
    ['wrong type: number for text', edited((c) => (c.connect.clientName = 12)), 'connect.clientName', /^expected text, got a number$/],
    ['wrong type: a mapping for a list', edited((c) => (c.additionalFields = { a: 1 })), 'additionalFields', /expected a list, got a mapping/],
    ['wrong type: text for true/false', edited((c) => (c.nightlyImport = { enabled: 'sometimes' })), 'nightlyImport.enabled', /expected true or false/],
    ['pageSize 0', edited((c) => (c.connect.pageSize = 0)), 'connect.pageSize', /from 1 to 500/],
    ['pageSize 501', edited((c) => (c.connect.pageSize = 501)), 'connect.pageSize', /from 1 to 500/],
    ['batchSize 1001', edited((c) => (c.cadence.batchSize = 1001)), 'cadence.batchSize', /from 1 to 1000/],
    ['concurrency 0', edited((c) => (c.cadence.concurrency = 0)), 'cadence.concurrency', /from 1 to 16/],
    ['concurrency 17', edited((c) => (c.cadence.concurrency = 17)), 'cadence.concurrency', /from 1 to 16/],
    ['concurrency 2.5', edited((c) => (c.cadence.concurrency = 2.5)), 'cadence.concurrency', /from 1 to 16/],
    ['empty filterIds', edited((c) => (c.criteria.filterIds = [])), 'criteria.filterIds', /at least one filter id/],
    ['non-integer filter id', edited((c) => (c.criteria.filterIds = [70542, 1.5])), 'criteria.filterIds[1]', /positive integer/],
    ['negative filter id', edited((c) => (c.criteria.filterIds = [-3])), 'criteria.filterIds[0]', /positive integer/],
    ['filter id as text', edited((c) => (c.criteria.filterIds = [70542, 'abc'])), 'criteria.filterIds[1]', /positive integer/],
    ['missing required key', edited((c) => delete c.standardFields.mobileNumber), 'standardFields.mobileNumber', /^missing required key$/],
    ['missing required section', edited((c) => Reflect.deleteProperty(c, 'criteria')), 'criteria', /^missing required key$/],
    ['key with no value', 'connect:\n  passKey:\n', 'connect.passKey', /^expected text, got nothing$/],
    ['empty required text', edited((c) => (c.cadence.deptCode = '  ')), 'cadence.deptCode', /must not be empty/],
    ['missing env var', minimalConfig(), 'connect.passKey', /^environment variable CONNECT_PASSKEY is not set$/, missingEnv],
    ['empty env var', minimalConfig(), 'connect.passKey', /^environment variable CONNECT_PASSKEY is empty$/, { ...missingEnv, CONNECT_PASSKEY: '' }],
    ['unclosed ${', edited((c) => (c.connect.clientName = 'a${B')), 'connect.clientName', /invalid \$\{…\} reference/],
    ['bad connect time zone', edited((c) => (c.connect.timeZone = 'Mars/Olympus')), 'connect.timeZone', /IANA time zone/],
    [
      'bad window time zone',
      edited((c) => (c.nightlyImport = { window: { timeZone: 'Eastern' } })),
      'nightlyImport.window.timeZone',
      /IANA time zone/,
    ],
    ['window start 25:00', edited((c) => (c.nightlyImport = { window: { start: '25:00' } })), 'nightlyImport.window.start', /HH:MM/],
    ['window end 1:00', edited((c) => (c.nightlyImport = { window: { end: '1:00' } })), 'nightlyImport.window.end', /HH:MM/],
    ['window start unquoted 1:00 in YAML', 'nightlyImport:\n  window: { start: 1:00 }\n', 'nightlyImport.window.start', /HH:MM/],
    [
      'bad email address',
      edited((c) => (c.notification = { to: ['ops@example.edu', 'not-an-address'], from: 'cs@example.edu', smtp: { host: 'h' } })),
      'notification.to[1]',
      /expected an email address/,
    ],
    [
      'bad sender address',
      edited((c) => (c.notification = { to: ['ops@example.edu'], from: 'connect-sync', smtp: { host: 'h' } })),
      'notification.from',
      /expected an email address/,
    ],
    ['non-http endpoint', edited((c) => (c.connect.endpoint = 'ftp://connect.example.edu/')), 'connect.endpoint', /http\(s\) URL/],
  ])('%s', async (_name, config, expectedPath, message, env) => {
    const error = await configError(config, env);
    expect(error.problems).toContainEqual({ path: expectedPath, message: expect.stringMatching(message) });
  });

  it('reports every problem in the file at once, in file order', async () => {
    const error = await configError(
      edited((c) => {
        c.connect.pageSize = 501;
        c.connect.passKey = '${NOT_SET_ANYWHERE}';
        c.cadence.concurrency = 0;
        delete c.standardFields.lastName;
        c.criteria.filterIds = [1, 'two'];
        c.nightlyImport = { window: { start: '25:00', timeZone: 'Nowhere/Land' } };
        c.typo = true;
      }),
    );
    expect(error.problems.map((problem: ConfigProblem) => problem.path)).toEqual([
      'connect.passKey',
      'connect.pageSize',
      'cadence.concurrency',
      'standardFields.lastName',
      'criteria.filterIds[1]',
      'nightlyImport.window.start',
      'nightlyImport.window.timeZone',
      'typo',
    ]);
    expect(error.message).toContain('8 problems');
  });

  it('lists missing sections after the ones written', async () => {
    const error = await configError('criteria: 1\nconnect: {}\n');
    expect(error.problems.map((problem: ConfigProblem) => problem.path)).toEqual([
      'criteria',
      'connect.endpoint',
      'connect.clientName',
      'connect.passKey',
      'cadence',
      'standardFields',
    ]);
  });

  it('never puts a secret value into a problem', async () => {
    const error = await configError(
      edited((c) => {
        c.connect.passKey = 12345678;
        c.cadence.apiSecret = ['${CADENCE_API_SECRET}'];
        c.cadence.apiKey = { key: '${CADENCE_API_KEY}' };
        c.notification = { to: ['ops@example.edu'], from: 'cs@example.edu', smtp: { host: 'h', pass: '${SMTP_PASS}' } };
        c.optOut = { field: 'f', optedInValue: SECRET_ENV.CONNECT_PASSKEY, optedOutValue: SECRET_ENV.CONNECT_PASSKEY };
      }),
    );
    const text = JSON.stringify([error.message, error.problems]);
    expect(error.problems.length).toBeGreaterThanOrEqual(5);
    for (const secret of [...Object.values(SECRET_ENV), '12345678']) expect(text).not.toContain(secret);
  });
});
