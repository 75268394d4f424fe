/**
 * `kill -9` in the middle of an import (product.md §4): the next run completes the work,
 * Cadence ends exact, and nothing Cadence had confirmed before the kill is sent again.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStateStore } from '../../src/adapters/sqlite/store.js';
import type { BatchInfo } from '../../src/sandbox/cadence/index.js';
import { cadenceDifferences, expectedCadence, expectedImportExit } from '../support/oracle.js';
import { importJson, sentSince, startCli, statusJson, waitUntil } from '../support/import-e2e.js';
import { sandboxProject, type SandboxProject } from '../support/sandbox-project.js';

const BATCH_SIZE = 50;
const CONCURRENCY = 2;

describe('import: kill -9 in the middle', () => {
  let project: SandboxProject;
  beforeAll(async () => {
    project = await sandboxProject({
      contacts: 700,
      cadence: { batchDelayMs: 200 },
      config: (config) => Object.assign(config.cadence, { batchSize: BATCH_SIZE, concurrency: CONCURRENCY }),
    });
  });
  afterAll(async () => project?.close());

  /** The contact ids the state file holds a confirmed payload for (read after the process died). */
  function confirmedInState(ids: readonly string[]): Set<string> {
    const store = openStateStore(project.statePath, { readonly: true });
    try {
      return new Set(store.getConfirmed(ids).keys());
    } finally {
      store.close();
    }
  }

  it('loses nothing and sends nothing confirmed again', async () => {
    const { sandbox } = project;
    const expected = expectedCadence(sandbox);
    const completed = (batches: readonly BatchInfo[]) => batches.filter((batch) => batch.status === 'completed');

    const running = startCli(project, ['import', '--json', '--no-email']);
    let atKill: BatchInfo[];
    try {
      await waitUntil(() => completed(sandbox.cadence.batches()).length >= 3, 'Cadence completed 3 batches');
    } finally {
      atKill = sandbox.cadence.batches();
      running.child.kill('SIGKILL');
    }
    const killed = await running.done;
    expect(killed.code, killed.stderr).toBeNull();
    expect(atKill.length).toBeLessThan(expected.size / BATCH_SIZE);

    const confirmed = confirmedInState([...expected.keys()]);
    const doneAtKill = new Set(completed(atKill).flatMap((batch) => batch.contactIds));
    expect(confirmed.size).toBeGreaterThan(0);
    // Only what Cadence completed can have been confirmed; unrecorded completions are at most the batches in flight.
    for (const id of confirmed) expect(doneAtKill.has(id), id).toBe(true);
    expect(doneAtKill.size - confirmed.size).toBeLessThanOrEqual(CONCURRENCY * BATCH_SIZE);

    const status = await statusJson(project);
    expect(status.runs[0].outcome).toBe('interrupted');
    expect(status.watermarks).toEqual([]);

    sandbox.cadence.knobs.batchDelayMs = 5;
    const batchesBefore = sandbox.cadence.batches().length;
    const next = await importJson(project);
    expect(next.result.code, next.result.stderr).toBe(expectedImportExit(project.sandbox));
    expect(cadenceDifferences(sandbox, expectedCadence(sandbox))).toEqual([]);
    const resent = sentSince(sandbox, batchesBefore);
    expect(resent.filter((id) => confirmed.has(id))).toEqual([]);
    // Everything not confirmed was sent (once), and the run counts every contact once.
    expect(new Set(resent)).toEqual(new Set([...expected.keys()].filter((id) => !confirmed.has(id))));
    expect(resent).toHaveLength(new Set(resent).size);
    expect(next.summary.imported).toBe(expected.size);
    expect(next.summary.unchanged).toBeGreaterThanOrEqual(confirmed.size);
  });
});
