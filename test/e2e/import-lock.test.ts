/**
 * Two imports on one state file at once: the second exits 4 naming the holder's pid and
 * records nothing; the first finishes undisturbed.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cadenceDifferences, expectedCadence, expectedImportExit } from '../support/oracle.js';
import { importJson, statusJson, strictSummary, whileImportHeld } from '../support/import-e2e.js';
import { sandboxProject, type SandboxProject } from '../support/sandbox-project.js';

describe('import: two at once', () => {
  let project: SandboxProject;
  beforeAll(async () => {
    project = await sandboxProject({ contacts: 200 });
  });
  afterAll(async () => project?.close());

  it('the second exits 4 and names the holder; the first completes', async () => {
    const { sandbox } = project;
    // The first import is held at its first page (lock taken, run started) meanwhile.
    const result = await whileImportHeld(project, ['import', '--json', '--no-email'], async (first) => {
      const second = await project.cli(['import', '--json', '--no-email']);
      expect(second.code, second.stderr).toBe(4);
      expect(second.stderr).toMatch(new RegExp(`pid ${first.pid} on .+ since \\d{4}-\\d{2}-\\d{2}`));
    });
    expect(result.code, result.stderr).toBe(expectedImportExit(project.sandbox));
    strictSummary(result);
    expect(cadenceDifferences(sandbox, expectedCadence(sandbox))).toEqual([]);
    const status = await statusJson(project);
    expect(status.runs).toHaveLength(1);
    expect(status.lock.held).toBe(false);

    // The lock was released: the next import runs.
    const third = await importJson(project);
    expect(third.result.code, third.result.stderr).toBe(expectedImportExit(project.sandbox));
  });
});
