import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load.js';
import { formatPath, redactProblems } from '../../src/config/problems.js';
import { SECRET_ENV, minimalConfig, type RawConfig } from '../support/config-files.js';

function edited(edit: (config: RawConfig) => void): RawConfig {
  const config = minimalConfig();
  edit(config);
  return config;
}

describe('parseConfig', () => {
  const source = path.join(path.sep, 'etc', 'connect-sync', 'connect-sync.config.yaml');

  it('returns the config with the state file beside the source', () => {
    const result = parseConfig(minimalConfig(), { source, env: SECRET_ENV });
    expect(result.problems).toEqual([]);
    expect(result.config?.state.path).toBe(path.join(path.sep, 'etc', 'connect-sync', 'connect-sync.sqlite'));
    expect(result.config?.source).toBe(source);
  });

  it.each([
    ['${CLIENT}', { CLIENT: 'astro' }, 'astro'],
    ['${CLIENT:-fallback}', {}, 'fallback'],
    ['${CLIENT:-fallback}', { CLIENT: '' }, 'fallback'],
    ['${CLIENT:-fallback}', { CLIENT: 'set' }, 'set'],
    ['pre-${CLIENT}-${OTHER}', { CLIENT: 'a', OTHER: 'b' }, 'pre-a-b'],
    ['$${CLIENT}', { CLIENT: 'a' }, '${CLIENT}'],
    ['pa$$word', {}, 'pa$$word'],
    ['${CLIENT}', { CLIENT: '${OTHER}', OTHER: 'no' }, '${OTHER}'],
  ])('interpolates %s', (written, env, expected) => {
    const config = edited((c) => (c.connect.clientName = written));
    const result = parseConfig(config, { source, env: { ...SECRET_ENV, ...env } });
    expect(result.problems).toEqual([]);
    expect(result.config?.connect.clientName).toBe(expected);
  });

  it('interpolates inside lists and leaves keys alone', () => {
    const config = edited((c) => {
      c.notification = { to: ['${OPS}', 'it@example.edu'], from: 'cs@example.edu', smtp: { host: '${SMTP_HOST:-localhost}' } };
    });
    const result = parseConfig(config, { source, env: { ...SECRET_ENV, OPS: 'ops@example.edu' } });
    expect(result.config?.notification?.to).toEqual(['ops@example.edu', 'it@example.edu']);
    expect(result.config?.notification?.smtp?.host).toBe('localhost');
    expect(parseConfig({ ...minimalConfig(), '${X}': 1 }, { source, env: { ...SECRET_ENV, X: 'connect' } }).problems).toEqual([
      { path: '["${X}"]', message: expect.stringMatching(/^unknown key "\$\{X\}"/) },
    ]);
  });

  it('reports a missing variable once, not again as an empty value', () => {
    const result = parseConfig(minimalConfig(), { source, env: {} });
    expect(result.problems).toEqual([
      { path: 'connect.passKey', message: 'environment variable CONNECT_PASSKEY is not set' },
      { path: 'cadence.apiKey', message: 'environment variable CADENCE_API_KEY is not set' },
      { path: 'cadence.apiSecret', message: 'environment variable CADENCE_API_SECRET is not set' },
    ]);
  });
});

describe('problem helpers', () => {
  it.each<[PropertyKey[], string]>([
    [['criteria', 'filterIds', 1], 'criteria.filterIds[1]'],
    [['additionalFields', 0, 'cadenceField'], 'additionalFields[0].cadenceField'],
    [['connect', 'odd key'], 'connect["odd key"]'],
    [[], ''],
  ])('formats %j as %s', (keys, expected) => {
    expect(formatPath(keys)).toBe(expected);
  });

  it('redacts secrets that reach a message by any route', () => {
    const problems = redactProblems([{ path: 'x', message: 'got pk-1234 and pk-1234 again' }], ['pk-1234', 'ab']);
    expect(problems).toEqual([{ path: 'x', message: 'got [redacted] and [redacted] again' }]);
  });
});
