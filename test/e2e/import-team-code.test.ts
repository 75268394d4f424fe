/**
 * A Cadence team code as current instances hand them out: a number (`1234567`), written
 * bare in YAML (which reads it as a number). It must reach Cadence as the text 1234567,
 * and batches must be polled where public clients poll them (`/v2/Imports/{id}`).
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cadenceDifferences, expectedCadence } from '../support/oracle.js';
import { importJson } from '../support/import-e2e.js';
import { sandboxProject, type SandboxProject } from '../support/sandbox-project.js';

describe('import to a team with a numeric code', () => {
  let project: SandboxProject;
  beforeAll(async () => {
    project = await sandboxProject({ contacts: 60, deptCode: '1234567', config: (config) => (config.cadence.deptCode = 1234567) });
  });
  afterAll(async () => project?.close());

  it('imports with the code written bare in YAML, and polls each batch at /v2/Imports', async () => {
    expect(readFileSync(project.configPath, 'utf8')).toMatch(/^\s+deptCode: 1234567$/m);
    const run = await importJson(project);
    expect(run.result.code, run.result.stderr).toBe(1); // invalid mobile numbers on purpose
    expect(cadenceDifferences(project.sandbox, expectedCadence(project.sandbox))).toEqual([]);
    const paths = project.sandbox.cadence.requestLog.map((entry) => `${entry.method} ${entry.path.split('?')[0]}`);
    expect(paths).toContain('POST /v2/contacts/1234567/import');
    const polls = paths.filter((path) => path.startsWith('GET /v2/Imports/'));
    expect(polls.length).toBeGreaterThanOrEqual(project.sandbox.cadence.batches().length);
    expect(paths.filter((path) => /\/import\/./.test(path))).toEqual([]);
  });
});
