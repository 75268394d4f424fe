/**
 * Bad credentials end the run with exit 3, a message that names the config key to check,
 * no secret in the output, and nothing recorded: no watermark moves, nothing is sent.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { cadenceDifferences, expectedCadence, expectedImportExit } from '../support/oracle.js';
import { importJson, sentSince, statusJson } from '../support/import-e2e.js';
import { sandboxProject, type SandboxProject } from '../support/sandbox-project.js';

const WRONG = 'Wr0ng-s3cret-value';

describe('import with bad credentials', () => {
  let project: SandboxProject;
  beforeEach(async () => {
    project = await sandboxProject({ contacts: 150 });
  });
  afterEach(async () => project?.close());

  it('a wrong Connect passKey: exit 3, names connect.passKey, records nothing', async () => {
    const run = await importJson(project, [], { env: { CONNECT_PASSKEY: WRONG } });
    expect(run.result.code, run.result.stderr).toBe(3);
    expect(run.result.stderr).toContain('connect.passKey');
    expect(run.result.stdout + run.result.stderr).not.toContain(WRONG);
    expect(run.summary).toMatchObject({ outcome: 'failed', matched: 0, imported: 0, errors: 0 });
    const status = await statusJson(project);
    expect(status.watermarks).toEqual([]);
    expect(status.retriesWaiting).toBe(0);
    expect(status.runs[0]).toMatchObject({ id: run.summary.runId, outcome: 'failed' });
    expect(status.lock.held).toBe(false);
    expect(project.sandbox.cadence.batches()).toEqual([]);
    expect(project.sandbox.cadence.contactCount()).toBe(0);
  });

  it('a wrong Cadence secret after a good run: exit 3, names cadence.apiSecret, moves nothing', async () => {
    const { sandbox } = project;
    const good = await importJson(project);
    expect(good.result.code, good.result.stderr).toBe(1);
    const marks = (await statusJson(project)).watermarks;
    expect(marks).toHaveLength(3);
    const changed = [...expectedCadence(sandbox).keys()].slice(0, 4);
    sandbox.connect.modifyContacts(changed, { city: 'Keyless' });
    const batches = sandbox.cadence.batches().length;
    const held = JSON.stringify(sandbox.cadence.allContacts());

    const run = await importJson(project, [], { env: { CADENCE_API_SECRET: WRONG } });
    expect(run.result.code, run.result.stderr).toBe(3);
    expect(run.result.stderr).toContain('cadence.apiSecret');
    expect(run.result.stdout + run.result.stderr).not.toContain(WRONG);
    expect(run.summary.outcome).toBe('failed');
    const status = await statusJson(project);
    expect(status.watermarks).toEqual(marks);
    expect(status.retriesWaiting).toBe(0);
    expect(sandbox.cadence.batches()).toHaveLength(batches);
    expect(JSON.stringify(sandbox.cadence.allContacts())).toBe(held);

    // Nothing was lost: with the right secret, the changes go through.
    const next = await importJson(project);
    expect(next.result.code, next.result.stderr).toBe(expectedImportExit(project.sandbox));
    expect(sentSince(sandbox, batches).sort()).toEqual([...changed].sort());
    expect(cadenceDifferences(sandbox, expectedCadence(sandbox))).toEqual([]);
  });
});
