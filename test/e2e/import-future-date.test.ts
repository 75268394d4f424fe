/**
 * A contact dated in the future (product.md §8): imported with a FUTURE_MODIFIED_DATE
 * warning, and no watermark moves past the run's start, so later changes are still read.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectedImportExit } from '../support/oracle.js';
import { importJson, readReport, sentSince, watermarks } from '../support/import-e2e.js';
import { sandboxProject, type SandboxProject } from '../support/sandbox-project.js';

describe('import: a modifieddate in the future', () => {
  let project: SandboxProject;
  beforeAll(async () => {
    project = await sandboxProject({ contacts: 80 });
    const first = await importJson(project);
    expect(first.result.code, first.result.stderr).toBe(expectedImportExit(project.sandbox));
  });
  afterAll(async () => project?.close());

  it('imports it with a warning, keeps the watermark at the run start, and still reads later changes', async () => {
    const { sandbox } = project;
    const [future, later] = sandbox.cadence.allContacts().map((contact) => contact.uniqueCampusId);
    const inTwoDays = new Date(Date.now() + 2 * 24 * 3600_000);
    sandbox.connect.modifyContacts([future!], { city: 'Tomorrowland' }, inTwoDays);
    let batches = sandbox.cadence.batches().length;
    const run = await importJson(project);
    expect(run.result.code, run.result.stderr).toBe(expectedImportExit(project.sandbox));
    expect(sentSince(sandbox, batches)).toEqual([future]);
    expect(sandbox.cadence.getContact(future!)!.customFields['Home City']).toBe('Tomorrowland');
    const rows = readReport(run.summary.reportPath).filter((row) => row.contact_id === future);
    expect(rows.map((row) => [row.severity, row.error_code])).toEqual([['warning', 'FUTURE_MODIFIED_DATE']]);
    expect(run.summary.warnings).toBeGreaterThanOrEqual(1);
    for (const mark of (await watermarks(project)).values()) {
      expect(Date.parse(mark.modifiedAt)).toBeLessThanOrEqual(Date.parse(run.summary.startedAt));
    }

    // A change made now, before the future date: the next run reads and sends it.
    sandbox.connect.modifyContacts([later!], { city: 'Today' }, new Date());
    batches = sandbox.cadence.batches().length;
    const next = await importJson(project);
    expect(next.result.code, next.result.stderr).toBe(expectedImportExit(project.sandbox));
    expect(sentSince(sandbox, batches)).toEqual([later]);
    expect(sandbox.cadence.getContact(later!)!.customFields['Home City']).toBe('Today');
  });
});
