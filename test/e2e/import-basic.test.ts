import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { cadenceDifferences, expectedCadence, expectedImportExit } from '../support/oracle.js';
import { firstImport } from '../support/import-e2e.js';
import { sandboxProject, summaryOf, type SandboxProject } from '../support/sandbox-project.js';

describe('import against the sandbox', () => {
  let project: SandboxProject;
  beforeEach(async () => {
    project = await sandboxProject({ contacts: 400 });
  });
  afterEach(async () => project?.close());

  it('puts exactly what §3 says into Cadence, then sends nothing on a second run', async () => {
    const first = await project.cli(['import', '--json', '--no-email']);
    expect(first.code, first.stderr).toBe(1); // the sandbox has invalid mobiles on purpose
    const summary = summaryOf(first);
    expect(summary.matched).toBe(summary.imported + summary.errors);
    expect(cadenceDifferences(project.sandbox, expectedCadence(project.sandbox))).toEqual([]);
    expect(summary.created).toBe(project.sandbox.cadence.contactCount());

    const received = project.sandbox.cadence.stats().contactsReceived;
    const second = await project.cli(['import', '--json', '--no-email']);
    expect(second.code, second.stderr).toBe(expectedImportExit(project.sandbox));
    expect(project.sandbox.cadence.stats().contactsReceived).toBe(received);
    expect(summaryOf(second).created + summaryOf(second).updated).toBe(0);
  });

  it('sends exactly the contacts modified since', async () => {
    await firstImport(project);
    const valid = [...expectedCadence(project.sandbox).keys()].slice(0, 3);
    project.sandbox.connect.modifyContacts(valid, { city: 'Savannah' });
    const before = project.sandbox.cadence.batches().length;
    const result = await project.cli(['import', '--json', '--no-email']);
    expect(result.code, result.stderr).toBe(expectedImportExit(project.sandbox));
    const sent = project.sandbox.cadence.batches().slice(before).flatMap((batch) => batch.contactIds);
    expect(sent.sort()).toEqual([...valid].sort());
    expect(summaryOf(result).updated).toBe(3);
    for (const id of valid) expect(project.sandbox.cadence.getContact(id)?.customFields['Home City']).toBe('Savannah');
  });
});
