import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load.js';
import { SECRET_ENV, minimalConfig } from '../support/config-files.js';

const source = path.join(path.sep, 'etc', 'connect-sync', 'connect-sync.config.yaml');
const SMTP = { host: 'smtp.example.edu' };

describe('notification: mail, a ping URL, or both', () => {
  it.each([
    ['a ping URL alone', { pingUrl: 'https://hc-ping.com/${HC_UUID}' }, []],
    ['mail alone', { to: ['a@example.edu'], from: 'b@example.edu', smtp: SMTP }, []],
    ['both', { to: ['a@example.edu'], from: 'b@example.edu', smtp: SMTP, pingUrl: 'https://hc-ping.com/x' }, []],
    ['to without from and smtp', { to: ['a@example.edu'] }, ['notification.from', 'notification.smtp']],
    ['smtp without to', { from: 'b@example.edu', smtp: SMTP, pingUrl: 'https://hc-ping.com/x' }, ['notification.to']],
    ['nothing', {}, ['notification']],
    ['a ping URL that is not http(s)', { pingUrl: 'ftp://example.edu/x' }, ['notification.pingUrl']],
  ])('%s', (_name, notification, paths) => {
    const result = parseConfig({ ...minimalConfig(), notification }, { source, env: { ...SECRET_ENV, HC_UUID: 'f00d-uuid' } });
    expect(result.problems.map((problem) => problem.path)).toEqual(paths);
  });

  it('keeps the ping URL out of every problem message (it is a secret)', () => {
    const result = parseConfig({ ...minimalConfig(), notification: { pingUrl: 'https://hc-ping.com/${HC_UUID}', to: ['a@example.edu'] } }, { source, env: { ...SECRET_ENV, HC_UUID: 'f00d-uuid' } });
    expect(JSON.stringify(result.problems)).not.toContain('f00d-uuid');
    expect(result.problems.length).toBeGreaterThan(0);
  });

  it('defaults cadence.batchTimeoutSeconds to 600 and checks its range', () => {
    expect(parseConfig(minimalConfig(), { source, env: SECRET_ENV }).config?.cadence.batchTimeoutSeconds).toBe(600);
    const bad = parseConfig({ ...minimalConfig(), cadence: { ...(minimalConfig().cadence as object), batchTimeoutSeconds: 0 } }, { source, env: SECRET_ENV });
    expect(bad.problems.map((problem) => problem.path)).toEqual(['cadence.batchTimeoutSeconds']);
  });
});
