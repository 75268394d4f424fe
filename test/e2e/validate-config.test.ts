import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.js';
import { SECRET_ENV, minimalConfig, tempProject, writeConfig, type RawConfig } from '../support/config-files.js';

const dirs: string[] = [];

function project(): string {
  const dir = tempProject('connect-sync-e2e-');
  dirs.push(dir);
  return dir;
}

afterEach(() => {
  for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

/** A valid config that uses every secret, each from the environment. */
function fullConfig(): RawConfig {
  return {
    ...minimalConfig(),
    notification: {
      to: ['ops@example.edu'],
      from: 'connect-sync@example.edu',
      smtp: { host: 'smtp.example.edu', user: 'mailer', pass: '${SMTP_PASS}' },
    },
  };
}

function expectNoSecret(output: string): void {
  for (const secret of Object.values(SECRET_ENV)) expect(output).not.toContain(secret);
}

describe('connect-sync validate-config', () => {
  it('prints the summary of a valid config and exits 0', async () => {
    const dir = project();
    writeConfig(dir, fullConfig());
    const result = await runCli(['validate-config', '--offline'], { cwd: dir, env: SECRET_ENV });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(path.join(dir, 'connect-sync.config.yaml'));
    expect(result.stdout).toContain('https://connect.example.edu/ws/bridge.asmx');
    expect(result.stdout).toContain('70542');
    expect(result.stdout).toContain(path.join(dir, 'connect-sync.sqlite'));
    expect(result.stdout).toContain('config OK');
  });

  it('reads the file given with --config', async () => {
    const dir = project();
    writeConfig(dir, fullConfig(), 'etc/prod.yaml');
    const result = await runCli(['-c', 'etc/prod.yaml', 'validate-config', '--offline'], { cwd: dir, env: SECRET_ENV });
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(path.join(dir, 'etc', 'connect-sync.sqlite'));
  });

  it('lists every problem with its key path on stderr and exits 2', async () => {
    const dir = project();
    const config = fullConfig();
    config.cadence.batchSize = 5000;
    config.criteria.filterIds = [70542, 'x'];
    config.connect.pagesize = 10;
    writeConfig(dir, config);
    const result = await runCli(['validate-config', '--offline'], { cwd: dir, env: { ...SECRET_ENV, SMTP_PASS: '' } });
    expect(result.code).toBe(2);
    expect(result.stdout).not.toContain('config OK');
    for (const line of [
      'connect.pagesize: unknown key "pagesize"',
      'cadence.batchSize: expected a whole number from 1 to 1000',
      'criteria.filterIds[1]: expected a positive integer',
      'notification.smtp.pass: environment variable SMTP_PASS is empty',
    ]) {
      expect(result.stderr).toContain(line);
    }
  });

  it('gives line and column for malformed YAML', async () => {
    const dir = project();
    writeConfig(dir, 'connect:\n  endpoint: https://x.example.edu\n clientName: y\n');
    const result = await runCli(['validate-config', '--offline'], { cwd: dir, env: SECRET_ENV });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/connect-sync\.config\.yaml:3:\d+: /);
  });

  it('exits 2 and says how to pass --config when no file is found', async () => {
    const result = await runCli(['validate-config', '--offline'], { cwd: project(), env: SECRET_ENV });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('no config file found');
    expect(result.stderr).toContain('--config');
  });

  it.each([
    ['a valid config', fullConfig(), 0],
    [
      'an invalid config',
      { ...fullConfig(), cadence: { deptCode: 7, apiKey: '${CADENCE_API_KEY}', apiSecret: ['${CADENCE_API_SECRET}'] }, extra: '${CONNECT_PASSKEY}' },
      2,
    ],
  ])('never prints a secret, even at --log-level debug (%s)', async (_name, config, code) => {
    const dir = project();
    writeConfig(dir, config);
    for (const args of [
      ['--log-level', 'debug', 'validate-config', '--offline'],
      ['--log-level', 'trace', '--log-format', 'pretty', 'validate-config', '--offline'],
    ]) {
      const result = await runCli(args, { cwd: dir, env: SECRET_ENV });
      expect(result.code).toBe(code);
      expectNoSecret(result.stdout + result.stderr);
    }
  });

  it('shows examples in --help', async () => {
    const result = await runCli(['validate-config', '--help']);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('--offline');
    expect(result.stdout).toContain('Examples:');
  });
});
