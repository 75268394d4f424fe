import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadConfig, parseConfig } from '../../src/config/load.js';
import type { Config } from '../../src/config/schema.js';
import { configWarnings, describeConfig } from '../../src/config/summary.js';
import { SECRET_ENV, minimalConfig, type RawConfig } from '../support/config-files.js';

const EXAMPLE = fileURLToPath(new URL('../../connect-sync.config.example.yaml', import.meta.url));
const source = path.join(path.sep, 'srv', 'connect-sync', 'connect-sync.config.yaml');

function configWith(edit: (config: RawConfig) => void = () => undefined): Config {
  const raw = minimalConfig();
  edit(raw);
  const { config, problems } = parseConfig(raw, { source, env: SECRET_ENV });
  if (!config) throw new Error(`test config is invalid: ${JSON.stringify(problems)}`);
  return config;
}

describe('describeConfig', () => {
  it('summarises the example config without any secret', async () => {
    const summary = describeConfig(await loadConfig({ path: EXAMPLE, env: SECRET_ENV }));
    for (const expected of [
      EXAMPLE,
      'https://services01.askadmissions.net/ws/bridge.asmx as client "astronomer"',
      'department ADMISSIONS',
      '70542, 70611',
      'CADENCE',
      '<- mobilephone',
      '<- counselor_id',
      '"Opted Out" = opted out, "Opted In" = opted in, empty = opted in',
      'Program',
      'list: display names',
      'between 01:00 and 04:00 America/New_York',
      'admissions-ops@example.edu, it-alerts@example.edu',
      'smtp.example.edu:587',
      path.join(path.dirname(EXAMPLE), 'connect-sync.sqlite'),
    ]) {
      expect(summary).toContain(expected);
    }
    for (const secret of Object.values(SECRET_ENV)) expect(summary).not.toContain(secret);
  });

  it('says what is left out of a minimal config', () => {
    const summary = describeConfig(configWith((c) => (c.nightlyImport = { enabled: false })));
    expect(summary).toMatch(/staffId\s+not mapped/);
    expect(summary).toMatch(/Opt-out:\s+not configured/);
    expect(summary).toMatch(/Additional fields:\s+none/);
    expect(summary).toMatch(/Nightly import:\s+disabled/);
    expect(summary).toMatch(/Notification:\s+none/);
    expect(summary).toContain(path.join(path.dirname(source), 'connect-sync.sqlite'));
  });
});

describe('configWarnings', () => {
  const notification = { to: ['ops@example.edu'], from: 'cs@example.edu', smtp: { host: 'smtp.example.edu' } };

  it('has nothing to say about the example config', async () => {
    expect(configWarnings(await loadConfig({ path: EXAMPLE, env: SECRET_ENV }))).toEqual([]);
  });

  it.each<[string, (config: RawConfig) => void, RegExp]>([
    ['no lookback', (c) => (c.criteria.lookbackMinutes = 0), /^criteria\.lookbackMinutes is 0/],
    ['plain http to Connect', (c) => (c.connect.endpoint = 'http://connect.example.edu/ws/bridge.asmx'), /^connect\.endpoint uses http/],
    ['plain http to Cadence', (c) => (c.cadence.baseUrl = 'http://cadence.example.edu'), /^cadence\.baseUrl uses http/],
    ['an empty window', (c) => (c.nightlyImport = { window: { start: '02:00', end: '02:00' } }), /^nightlyImport\.window .* never import/],
    ['port 465 without TLS', (c) => (c.notification = { ...notification, smtp: { host: 'h', port: 465 } }), /port is 465 but secure is false/],
    ['TLS on port 587', (c) => (c.notification = { ...notification, smtp: { host: 'h', secure: true } }), /secure is true but port is 587/],
  ])('warns about %s', (_name, edit, expected) => {
    const warnings = configWarnings(
      configWith((c) => {
        c.notification = notification;
        edit(c);
      }),
    );
    expect(warnings).toEqual([expect.stringMatching(expected)]);
  });

  it('warns when nobody is told about failed contacts', () => {
    expect(configWarnings(configWith())).toEqual([expect.stringMatching(/^no notification section/)]);
  });

  it('accepts plain http on loopback (the sandbox)', () => {
    const config = configWith((c) => {
      c.notification = notification;
      c.connect.endpoint = 'http://127.0.0.1:4010/ws/bridge.asmx';
      c.cadence.baseUrl = 'http://localhost:4020';
    });
    expect(configWarnings(config)).toEqual([]);
  });
});
