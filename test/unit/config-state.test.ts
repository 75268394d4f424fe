import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load.js';
import { describeConfig } from '../../src/config/summary.js';
import { secretScrubber } from '../../src/report/mail.js';
import { captureLogger } from '../support/capture-logger.js';
import { SECRET_ENV, minimalConfig } from '../support/config-files.js';

const folder = path.join(path.sep, 'etc', 'connect-sync');
const source = path.join(folder, 'connect-sync.config.yaml');
const PASSWORD = 'pg-Kd93-SECRET';
const env = { ...SECRET_ENV, PGPASSWORD: PASSWORD };

function parseState(state: unknown) {
  return parseConfig({ ...minimalConfig(), state }, { source, env });
}

describe('state: the SQLite file or PostgreSQL', () => {
  it.each([
    ['nothing: the SQLite file beside the config', undefined, { path: path.join(folder, 'connect-sync.sqlite'), reportsDir: path.join(folder, 'reports') }],
    ['a path: reports beside the state file', { path: 'var/state.sqlite' }, { path: path.join(folder, 'var', 'state.sqlite'), reportsDir: path.join(folder, 'var', 'reports') }],
    ['a url: reports beside the config file', { url: 'postgres://sync:${PGPASSWORD}@db.internal/connect_sync' }, { url: `postgres://sync:${PASSWORD}@db.internal/connect_sync`, reportsDir: path.join(folder, 'reports') }],
    ['a postgresql:// url and a reports folder', { url: 'postgresql://db.internal:6432/cs', reportsDir: '/srv/reports' }, { url: 'postgresql://db.internal:6432/cs', reportsDir: '/srv/reports' }],
  ])('%s', (_name, state, resolved) => {
    const result = parseState(state);
    expect(result.problems).toEqual([]);
    expect(result.config?.state).toEqual(resolved);
  });

  it.each([
    ['both path and url', { path: 'x.sqlite', url: 'postgres://db.internal/cs' }, 'state.url', 'not both'],
    ['a url of another scheme', { url: 'mysql://db.internal/cs' }, 'state.url', 'postgres://'],
    ['a url without a host', { url: 'postgres:///cs' }, 'state.url', 'host'],
    ['an empty reports folder', { reportsDir: '' }, 'state.reportsDir', ''],
  ])('%s is a problem at its key path', (_name, state, keyPath, words) => {
    const { problems } = parseState(state);
    expect(problems.map((problem) => problem.path)).toEqual([keyPath]);
    expect(problems[0]?.message).toContain(words);
  });

  it('keeps the password of the url out of problems, the summary and the mail scrubber', () => {
    const bad = parseState({ path: 'x.sqlite', url: 'postgres://sync:${PGPASSWORD}@db.internal/cs' });
    expect(JSON.stringify(bad.problems)).not.toContain(PASSWORD);
    const unparsable = parseState({ url: `mysql://sync:${PASSWORD}@db.internal/cs` });
    expect(JSON.stringify(unparsable.problems)).not.toContain(PASSWORD);

    const { config } = parseState({ url: 'postgres://sync:${PGPASSWORD}@db.internal/connect_sync' });
    const summary = describeConfig(config!);
    expect(summary).toContain('PostgreSQL db.internal:5432/connect_sync (team ADMISSIONS/astronomer)');
    expect(summary).not.toContain(PASSWORD);
    const scrub = secretScrubber(config!);
    expect(scrub(`connect failed for postgres://sync:${PASSWORD}@db.internal/connect_sync`)).not.toContain(PASSWORD);
    expect(scrub(`password ${encodeURIComponent(PASSWORD)} refused`)).not.toContain(PASSWORD);
  });

  it('scrubs a password given as a password= parameter of the url too', () => {
    const { config } = parseState({ url: 'postgres://sync@db.internal/connect_sync?password=${PGPASSWORD}&sslmode=require' });
    const scrub = secretScrubber(config!);
    expect(scrub(`authentication failed: ${PASSWORD}`)).not.toContain(PASSWORD);
    expect(describeConfig(config!)).not.toContain(PASSWORD);
  });

  it('keeps the url out of log lines that carry the config or its state section', () => {
    const { config } = parseState({ url: 'postgres://sync:${PGPASSWORD}@db.internal/connect_sync' });
    const capture = captureLogger();
    capture.logger.info({ config }, 'config');
    capture.logger.info({ state: config!.state }, 'state');
    expect(capture.lines).toHaveLength(2);
    expect(capture.text()).not.toContain(PASSWORD);
    expect(capture.text()).toContain('[redacted]');
  });
});
