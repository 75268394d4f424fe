/** openState and openServices: the one place that picks the state's backend from the config. */
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load.js';
import { openServices, openState, type Services } from '../../src/cli/services.js';
import type { Config } from '../../src/config/schema.js';
import { silentLogger } from '../../src/log.js';
import { SECRET_ENV, minimalConfig, tempProject } from '../support/config-files.js';
import { freshDatabase, postgresPassword, withClient } from '../support/postgres.js';

let services: Services | undefined;
let dir: string | undefined;
afterEach(async () => {
  await services?.close();
  services = undefined;
  if (dir !== undefined) fs.rmSync(dir, { recursive: true, force: true });
});

function configWith(state: Record<string, string>): Config {
  dir = tempProject();
  const result = parseConfig({ ...minimalConfig(), state }, { source: path.join(dir, 'connect-sync.config.yaml'), env: SECRET_ENV });
  expect(result.problems).toEqual([]);
  return result.config!;
}

it('state.url: services.state is the team\'s PostgreSQL state', async () => {
  const url = await freshDatabase('services');
  const config = configWith({ url });
  services = openServices(config, silentLogger());
  expect(services.state.description).toBe(`PostgreSQL 127.0.0.1:${new URL(url).port}${new URL(url).pathname} (team ADMISSIONS/astronomer)`);
  expect(services.state.description).not.toContain(postgresPassword());
  const run = await services.state.runs.start('import');
  const stored = await withClient(url, async (client) => (await client.query('SELECT dept_code, client_name, id FROM runs')).rows);
  expect(stored).toEqual([{ dept_code: 'ADMISSIONS', client_name: 'astronomer', id: run.id }]);
});

it('state.path: the SQLite file; a read-only open creates no file', async () => {
  const config = configWith({ path: 'state.sqlite' });
  const reader = openState(config, { readonly: true });
  expect(await reader.runs.recent(1)).toEqual([]);
  await reader.close();
  expect(fs.existsSync(config.state.path!)).toBe(false);
  services = openServices(config, silentLogger());
  expect(services.state.description).toBe(`state file ${config.state.path}`);
  const run = await services.state.runs.start('import');
  expect((await openState(config, { readonly: true }).runs.get(run.id))?.id).toBe(run.id);
});
