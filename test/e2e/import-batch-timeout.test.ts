/**
 * A batch Cadence keeps `processing` is given up after cadence.batchTimeoutSeconds and
 * treated as transient (product.md §8): its contacts wait in the retry table, the run ends.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importJson, statusJson } from '../support/import-e2e.js';
import { sandboxProject, type SandboxProject } from '../support/sandbox-project.js';

describe('import: cadence.batchTimeoutSeconds', () => {
  let project: SandboxProject;
  beforeAll(async () => {
    // Cadence takes a minute over each batch; the run waits one second.
    project = await sandboxProject({ contacts: 60, cadence: { batchDelayMs: 60_000 }, config: (config) => void (config.cadence.batchTimeoutSeconds = 1) });
  });
  afterAll(async () => project?.close());

  it('gives the batch up as transient: its contacts go to the retry table, exit 1', async () => {
    // Well under Cadence's minute a batch (a safety net: runCli kills the import past it).
    const run = await importJson(project, [], { timeoutMs: 30_000 });
    expect(run.result.code, run.result.stderr).toBe(1);
    // The run ended before Cadence applied anything: it did not wait the batch out.
    expect(project.sandbox.cadence.contactCount()).toBe(0);
    expect(run.summary.imported).toBe(0);
    expect(run.summary.stillFailing).toBe(0);
    const status = await statusJson(project);
    expect(status.retriesWaiting).toBeGreaterThan(0);
    expect(status.retriesWaiting).toBe(project.sandbox.cadence.stats().contactsReceived);
    expect(run.result.stderr).toMatch(/still (processing|queued) after \d+ s of waiting/);
  });
});
