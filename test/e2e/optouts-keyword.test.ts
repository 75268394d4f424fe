/**
 * The opt-out write-back (product.md §5): a STOP or START texted to Cadence is
 * written to Connect with the source code, once; connect-sync's own import echo is not;
 * and the import after it sends nothing for that contact.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { expectedCadence, expectedImportExit } from '../support/oracle.js';
import { sandboxProject, summaryOf, type SandboxProject } from '../support/sandbox-project.js';

describe('connect-sync optouts', () => {
  let project: SandboxProject;
  let optedIn: string[];
  beforeEach(async () => {
    project = await sandboxProject({ contacts: 150 });
    const first = await project.cli(['import', '--json', '--no-email']);
    expect(first.code, first.stderr).toBe(expectedImportExit(project.sandbox));
    optedIn = [...expectedCadence(project.sandbox).values()].filter((contact) => !contact.optedOut).map((contact) => contact.uniqueCampusId);
  });
  afterEach(async () => project?.close());

  it("does not write back the echo of connect-sync's own import", async () => {
    const echo = project.sandbox.cadence.optOutChanges();
    expect(echo.length).toBeGreaterThan(0);
    expect(echo.every((change) => change.source === 'import')).toBe(true);
    const result = await project.cli(['optouts', '--json', '--no-email']);
    expect(result.code, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ outcome: 'ok', written: 0, failed: 0, skipped: echo.length });
    expect(project.sandbox.connect.updates).toEqual([]);
  });

  it('writes a STOP to Connect as the opted-out value with the source code, once; the next import sends nothing for it', async () => {
    const id = optedIn[0]!;
    expect(project.sandbox.cadence.getContact(id)!.optedOut).toBe(false);
    project.sandbox.cadence.recordKeyword(id, 'STOP');

    const result = await project.cli(['optouts', '--json', '--no-email']);
    expect(result.code, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ written: 1, failed: 0 });
    expect(project.sandbox.connect.updates).toEqual([expect.objectContaining({ contactId: id, attributes: { sms_status: 'Opted Out' }, sourceCode: 'CADENCE' })]);
    expect(project.sandbox.connect.getContact(id)!.values.sms_status).toBe('Opted Out');

    const again = await project.cli(['optouts', '--json', '--no-email']);
    expect(JSON.parse(again.stdout)).toMatchObject({ written: 0, failed: 0 });
    expect(project.sandbox.connect.updates).toHaveLength(1);

    // Connect now changed (modifieddate moved): the import reads it, and has nothing to send.
    const before = project.sandbox.cadence.batches().length;
    const imported = await project.cli(['import', '--json', '--no-email']);
    expect(imported.code, imported.stderr).toBe(expectedImportExit(project.sandbox));
    const sent = project.sandbox.cadence.batches().slice(before).flatMap((batch) => batch.contactIds);
    expect(sent).not.toContain(id);
    expect(summaryOf(imported)).toMatchObject({ created: 0, updated: 0 });
    expect(project.sandbox.cadence.getContact(id)!.optedOut).toBe(true);
    expect(project.sandbox.connect.updates).toHaveLength(1);
  });

  it('writes a START as the opted-in value; import runs the write-back itself', async () => {
    const id = optedIn[0]!;
    // A START follows a STOP already written back to Connect.
    project.sandbox.cadence.recordKeyword(id, 'STOP');
    const stopped = await project.cli(['optouts', '--json', '--no-email']);
    expect(stopped.code, stopped.stderr).toBe(0);
    expect(project.sandbox.connect.getContact(id)!.values.sms_status).toBe('Opted Out');
    project.sandbox.cadence.recordKeyword(id, 'START');
    const before = project.sandbox.cadence.batches().length;
    const imported = await project.cli(['import', '--json', '--no-email']);
    expect(imported.code, imported.stderr).toBe(expectedImportExit(project.sandbox));
    expect(summaryOf(imported).writeBack).toEqual({ written: 1, failed: 0, skipped: 0 });
    expect(project.sandbox.connect.updates.at(-1)).toEqual(expect.objectContaining({ contactId: id, attributes: { sms_status: 'Opted In' }, sourceCode: 'CADENCE' }));
    expect(project.sandbox.connect.getContact(id)!.values.sms_status).toBe('Opted In');
    expect(project.sandbox.cadence.batches().slice(before).flatMap((batch) => batch.contactIds)).not.toContain(id);
    expect(project.sandbox.cadence.getContact(id)!.optedOut).toBe(false);
  });

  it('writes a STOP when import runs it, before reading Connect', async () => {
    const id = optedIn[1]!;
    project.sandbox.cadence.recordKeyword(id, 'STOP');
    const updates = project.sandbox.connect.updates.length;
    const before = project.sandbox.cadence.batches().length;
    const imported = await project.cli(['import', '--json', '--no-email']);
    expect(imported.code, imported.stderr).toBe(expectedImportExit(project.sandbox));
    expect(summaryOf(imported)).toMatchObject({ created: 0, updated: 0, writeBack: { written: 1, failed: 0 } });
    expect(project.sandbox.cadence.batches().slice(before).flatMap((batch) => batch.contactIds)).not.toContain(id);
    expect(project.sandbox.connect.updates.slice(updates)).toEqual([expect.objectContaining({ contactId: id, attributes: { sms_status: 'Opted Out' }, sourceCode: 'CADENCE' })]);
    expect(project.sandbox.cadence.getContact(id)!.optedOut).toBe(true);
  });
});
