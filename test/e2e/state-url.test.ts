/**
 * The real CLI with `state.url`: the config's rules (exactly one of path and url), and the
 * password of the URL never in any output.
 */
import fs from 'node:fs';
import { afterEach, expect, it } from 'vitest';
import { postgresSandboxProject, type PostgresSandboxProject } from '../support/postgres-project.js';
import { postgresPassword } from '../support/postgres.js';

let project: PostgresSandboxProject | undefined;
afterEach(async () => {
  await project?.close();
  project = undefined;
});

it('validate-config names PostgreSQL without the password; both path and url is exit 2 at state.url', async () => {
  project = await postgresSandboxProject();
  const password = postgresPassword();
  const valid = await project.cli(['validate-config', '--offline']);
  expect(valid.code).toBe(0);
  const port = new URL(project.stateUrl).port;
  expect(valid.stdout).toContain(`PostgreSQL 127.0.0.1:${port}${new URL(project.stateUrl).pathname} (team `);
  expect(valid.stdout + valid.stderr).not.toContain(password);

  project.writeConfig((config) => {
    config.state.path = 'state.sqlite';
  });
  const both = await project.cli(['import']);
  expect(both.code).toBe(2);
  expect(both.stderr).toContain('state.url: give state.path (SQLite file) or state.url (PostgreSQL), not both');
  expect(both.stdout + both.stderr).not.toContain(password);
  expect(fs.existsSync(project.statePath)).toBe(false);
});

it('validate-config checks the PostgreSQL state: a refused password is the file\'s to fix (2), a server not there is an outage (3)', async () => {
  project = await postgresSandboxProject();
  const password = postgresPassword();
  const good = await project.cli(['validate-config']);
  expect(good.code, good.stderr).toBe(0);
  expect(good.stdout).toContain('config OK (checked against Connect and Cadence and the PostgreSQL state)');

  const wrong = new URL(project.stateUrl);
  wrong.password = 'not-the-password';
  project.writeConfig((config) => (config.state.url = wrong.toString()));
  const refused = await project.cli(['validate-config']);
  expect(refused.code, refused.stderr).toBe(2);
  expect(refused.stderr).toMatch(/state\.url: PostgreSQL at .+ refused user/);
  expect(refused.stdout + refused.stderr).not.toContain('not-the-password');

  const away = new URL(project.stateUrl);
  away.port = '9';
  project.writeConfig((config) => (config.state.url = away.toString()));
  const unreachable = await project.cli(['validate-config']);
  expect(unreachable.code, unreachable.stderr).toBe(3);
  expect(unreachable.stderr).toContain('cannot be reached');
  expect(unreachable.stdout + unreachable.stderr).not.toContain(password);
});
