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
