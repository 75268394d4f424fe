/**
 * Consent safety when the write-back stops early (product.md §5): Connect fails
 * on the first write, and a STOP sits on a later page of Cadence's optouts feed (pages
 * hold 500 changes). The import that follows must still not opt that student back in, and
 * the STOP is written once Connect answers again.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectedCadence, expectedImportExit } from '../support/oracle.js';
import { sandboxProject, summaryOf, type SandboxProject } from '../support/sandbox-project.js';

describe('a STOP beyond the page where the write-back stopped', () => {
  let project: SandboxProject;
  let optedIn: string[];
  beforeAll(async () => {
    project = await sandboxProject({ contacts: 80 });
    const first = await project.cli(['import', '--json', '--no-email']);
    expect(first.code, first.stderr).toBe(expectedImportExit(project.sandbox));
    optedIn = [...expectedCadence(project.sandbox).values()].filter((contact) => !contact.optedOut).map((contact) => contact.uniqueCampusId);
  });
  afterAll(async () => project?.close());

  it('is not reversed by the import', async () => {
    const { sandbox } = project;
    const [busy, id] = optedIn as [string, string];
    // A full first page of staff changes (ending opted in), then the STOP on page two.
    const start = Date.now() - 60_000;
    for (let index = 0; index < 500; index++) sandbox.cadence.recordStaffChange(busy, index % 2 === 0, new Date(start + index));
    sandbox.cadence.recordKeyword(id, 'STOP', new Date(start + 1000));
    sandbox.connect.modifyContacts([id], { city: 'Tifton' });

    Object.assign(sandbox.connect.knobs, { failure503Share: 1, retryAfterSeconds: 0, faultMethods: ['UpdateContact'] });
    let result;
    try {
      result = await project.cli(['import', '--json', '--no-email']);
    } finally {
      Object.assign(sandbox.connect.knobs, { failure503Share: 0, retryAfterSeconds: undefined, faultMethods: undefined });
    }
    expect(result.code, result.stderr).toBe(expectedImportExit(project.sandbox));
    expect(summaryOf(result).writeBack).toMatchObject({ written: 0, failed: 1 });
    expect(sandbox.cadence.getContact(id)).toMatchObject({ optedOut: true, customFields: expect.objectContaining({ 'Home City': 'Tifton' }) });
    expect(sandbox.connect.updates).toEqual([]);

    // Connect answers again: both pages are in the journal, and each contact's latest entry
    // is written where Connect does not hold it yet (the busy contact ends opted in, as Connect has it).
    const resumed = await project.cli(['optouts', '--json', '--no-email']);
    expect(JSON.parse(resumed.stdout)).toMatchObject({ written: 1, failed: 0 });
    expect(sandbox.connect.getContact(busy)!.values.sms_status).toBe('Opted In');
    expect(sandbox.connect.getContact(id)!.values.sms_status).toBe('Opted Out');
    const again = await project.cli(['optouts', '--json', '--no-email']);
    expect(JSON.parse(again.stdout)).toMatchObject({ written: 0, failed: 0 });
  });
});
