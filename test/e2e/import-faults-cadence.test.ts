/**
 * Cadence misbehaving while an import runs: a 429 storm, 5xx answers, batches that end
 * `failed`. The client retries; the run completes and Cadence ends exactly as §3 says.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { cadenceDifferences, expectedCadence, expectedImportExit } from '../support/oracle.js';
import { contactsOf, firstImport, importJson, sentSince } from '../support/import-e2e.js';
import { sandboxProject, type SandboxProject } from '../support/sandbox-project.js';

describe('import: Cadence answering 429, 5xx and failed batches', () => {
  let project: SandboxProject;
  beforeEach(async () => {
    project = await sandboxProject({
      contacts: 300,
      config: (config) => Object.assign(config.cadence, { batchSize: 25, concurrency: 4 }),
    });
  });
  afterEach(async () => project?.close());

  /** Runs an import under the knobs, then turns them off; checks it completed and Cadence is exact. */
  async function importUnder(knobs: Partial<typeof project.sandbox.cadence.knobs>): Promise<number> {
    const { cadence } = project.sandbox;
    const requests = cadence.requestLog.length;
    Object.assign(cadence.knobs, knobs);
    try {
      const run = await importJson(project);
      expect(run.result.code, run.result.stderr).toBe(expectedImportExit(project.sandbox));
      expect(run.summary.outcome).not.toBe('failed');
    } finally {
      Object.assign(cadence.knobs, { failure429Share: 0, failure5xxShare: 0, batchFailedShare: 0 });
    }
    expect(cadenceDifferences(project.sandbox, expectedCadence(project.sandbox))).toEqual([]);
    return requests;
  }

  /** Changes `count` contacts so the next run has that many to send. */
  function modifySome(count: number, city: string): void {
    const ids = contactsOf(project.sandbox, (filters) => filters.length > 0).slice(0, count);
    project.sandbox.connect.modifyContacts(ids, { city });
  }

  it('completes a first import through a 429 storm', async () => {
    const { cadence } = project.sandbox;
    const from = await importUnder({ failure429Share: 0.5, retryAfterSeconds: 0 });
    const answers = cadence.requestLog.slice(from);
    expect(answers.filter((entry) => entry.status === 429).length).toBeGreaterThan(10);
    expect(cadence.contactCount()).toBe(expectedCadence(project.sandbox).size);
  });

  // The emulator's faults are seeded: a new seed restarts them, so the first requests
  // (and batches) of the run meet the same faults each time; later ones vary with timing.
  it('completes through 5xx answers', async () => {
    await firstImport(project);
    modifySome(150, 'Fivexx');
    const from = await importUnder({ failure5xxShare: 0.2, seed: 7 });
    expect(project.sandbox.cadence.requestLog.slice(from).filter((entry) => entry.status >= 500).length).toBeGreaterThan(0);
  });

  it('completes when batches end failed, sending them again', async () => {
    const { cadence } = project.sandbox;
    await firstImport(project);
    modifySome(150, 'Failedbatch');
    const failedBefore = cadence.stats().failedBatches;
    const batchesBefore = cadence.batches().length;
    await importUnder({ batchFailedShare: 0.3, seed: 8 });
    expect(cadence.stats().failedBatches).toBeGreaterThan(failedBefore);
    // Every failed batch was sent again in full; what completed was not sent twice.
    const batches = cadence.batches().slice(batchesBefore);
    const completed = batches.filter((batch) => batch.status === 'completed').flatMap((batch) => batch.contactIds);
    expect(new Set(completed).size).toBe(completed.length);
    expect(new Set(sentSince(project.sandbox, batchesBefore))).toEqual(new Set(completed));
  });
});
