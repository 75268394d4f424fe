/**
 * Honest counts when a run stops early (product.md §6): an import interrupted with
 * SIGTERM while Cadence still processes its batches ends with exit 3 and
 * `matched = imported + errors + notProcessed`; the contacts it had not settled are not
 * processed, not errors, and the CSV holds exactly the errors it counted.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readReport, startCli, statusJson, strictSummary, waitUntil } from '../support/import-e2e.js';
import { sandboxProject, type SandboxProject } from '../support/sandbox-project.js';

describe('import: interrupted while batches are in flight', () => {
  let project: SandboxProject;
  beforeAll(async () => {
    project = await sandboxProject({
      contacts: 300,
      // Batches stay `processing` until the run is interrupted.
      cadence: { batchDelayMs: 600_000 },
      config: (config) => {
        Object.assign(config.connect, { pageSize: 100 });
        Object.assign(config.cadence, { batchSize: 40, concurrency: 2 });
      },
    });
  });
  afterAll(async () => project?.close());

  it('counts the unsettled contacts as not processed and reports exactly the errors it counted', async () => {
    const { sandbox } = project;
    const running = startCli(project, ['import', '--json', '--no-email']);
    // The run is stopped when Connect is asked for its second page and Cadence holds two batches of the first.
    let pages = 0;
    const remove = sandbox.connect.onBetweenPages(async () => {
      pages += 1;
      if (pages !== 2) return;
      await waitUntil(() => sandbox.cadence.batches().length >= 2, 'Cadence received two batches');
      running.child.kill('SIGTERM');
    });
    let result;
    try {
      result = await running.done;
    } finally {
      remove();
    }
    expect(result.code, result.stderr).toBe(3);
    const summary = strictSummary(result);
    expect(summary.outcome).toBe('failed');
    expect(summary.notProcessed).toBeGreaterThanOrEqual(80);
    expect(summary.imported).toBe(0);
    expect(summary.errors).toBeGreaterThan(0);
    const rows = summary.reportPath === null ? [] : readReport(summary.reportPath);
    const errorRows = rows.filter((row) => row.severity === 'error');
    expect(errorRows).toHaveLength(summary.errors);
    expect(new Set(errorRows.map((row) => row.contact_id)).size).toBe(summary.errors);

    const status = await statusJson(project);
    expect(status.runs[0]).toMatchObject({ outcome: 'failed', notProcessed: summary.notProcessed, errors: summary.errors });
    expect(status.watermarks).toEqual([]);
  });
});
