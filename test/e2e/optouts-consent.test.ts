/**
 * Consent safety (product.md §5): an opt-out Cadence reported is never reversed
 * by an import, whether the write-back to Connect failed or someone set Connect back, until
 * Cadence itself reports an opt-in. The report and the mail carry the write-back's counts.
 */
import { readFileSync } from 'node:fs';
import { simpleParser } from 'mailparser';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readReport } from '../support/import-e2e.js';
import { expectedCadence, expectedImportExit } from '../support/oracle.js';
import { sandboxProject, summaryOf, type SandboxProject } from '../support/sandbox-project.js';

/** Report rows as (contact id, severity, code) of a run's CSV (none when no report was written). */
function reportRows(path: string | null): string[][] {
  return path === null ? [] : readReport(path).map((row) => [row.contact_id, row.severity, row.error_code]);
}

describe('consent safety of the import', () => {
  let project: SandboxProject;
  let optedIn: string[];
  beforeEach(async () => {
    project = await sandboxProject({ contacts: 120 });
    const first = await project.cli(['import', '--json', '--no-email']);
    expect(first.code, first.stderr).toBe(expectedImportExit(project.sandbox));
    optedIn = [...expectedCadence(project.sandbox).values()].filter((contact) => !contact.optedOut).map((contact) => contact.uniqueCampusId);
  });
  afterEach(async () => project?.close());

  it('keeps an opt-out whose write-back failed, warns OPT_OUT_CONFLICT, mails the counts, and writes it back once Connect answers', async () => {
    const { sandbox } = project;
    const id = optedIn[0]!;
    sandbox.cadence.recordKeyword(id, 'STOP');
    // The contact changes in Connect too, so the import reads it while Connect still shows it opted in.
    sandbox.connect.modifyContacts([id], { city: 'Athens' });
    Object.assign(sandbox.connect.knobs, { failure503Share: 1, retryAfterSeconds: 0, faultMethods: ['UpdateContact'] });
    let failed;
    try {
      failed = await project.cli(['import', '--json']);
    } finally {
      Object.assign(sandbox.connect.knobs, { failure503Share: 0, retryAfterSeconds: undefined, faultMethods: undefined });
    }
    expect(failed.code, failed.stderr).toBe(expectedImportExit(project.sandbox));
    const summary = summaryOf(failed);
    expect(summary.writeBack).toMatchObject({ written: 0, failed: 1 });
    expect(sandbox.connect.updates).toEqual([]);
    expect(sandbox.connect.getContact(id)!.values.sms_status).not.toBe('Opted Out');
    expect(sandbox.cadence.getContact(id)).toMatchObject({ optedOut: true, customFields: expect.objectContaining({ 'Home City': 'Athens' }) });
    expect(reportRows(summary.reportPath)).toContainEqual([id, 'warning', 'OPT_OUT_CONFLICT']);

    const [mailPath] = await sandbox.mail.waitForMessage(1);
    const mail = await simpleParser(readFileSync(mailPath!));
    expect(mail.subject).toMatch(/^Connect import completed: \d+ matched, \d+ imported, \d+ errors$/);
    expect(mail.text).toMatch(/Opt-out write-back:?\s+0 written, 1 failed/);

    const recovered = await project.cli(['import', '--json']);
    expect(recovered.code, recovered.stderr).toBe(expectedImportExit(project.sandbox));
    const after = summaryOf(recovered);
    expect(after.writeBack).toMatchObject({ written: 1, failed: 0 });
    expect(sandbox.connect.updates).toEqual([expect.objectContaining({ contactId: id, attributes: { sms_status: 'Opted Out' }, sourceCode: 'CADENCE' })]);
    expect(reportRows(after.reportPath).filter((row) => row[2] === 'OPT_OUT_CONFLICT')).toEqual([]);
    expect(after).toMatchObject({ created: 0, updated: 0 });
    expect(sandbox.cadence.getContact(id)!.optedOut).toBe(true);
    const second = (await sandbox.mail.waitForMessage(2))[1]!;
    expect((await simpleParser(readFileSync(second))).text).toMatch(/Opt-out write-back:?\s+1 written, 0 failed/);
  });

  it('keeps an opt-out that someone set back in Connect, until Cadence reports a START', async () => {
    const { sandbox } = project;
    const id = optedIn[1]!;
    sandbox.cadence.recordKeyword(id, 'STOP');
    const written = await project.cli(['optouts', '--json', '--no-email']);
    expect(JSON.parse(written.stdout)).toMatchObject({ written: 1, failed: 0 });
    sandbox.connect.modifyContacts([id], { sms_status: 'Opted In' });

    const batches = sandbox.cadence.batches().length;
    const conflicted = summaryOf(await project.cli(['import', '--json', '--no-email']));
    expect(sandbox.cadence.getContact(id)!.optedOut).toBe(true);
    expect(sandbox.cadence.batches().slice(batches).flatMap((batch) => batch.contactIds)).not.toContain(id);
    expect(reportRows(conflicted.reportPath)).toContainEqual([id, 'warning', 'OPT_OUT_CONFLICT']);

    sandbox.cadence.recordKeyword(id, 'START');
    const started = summaryOf(await project.cli(['import', '--json', '--no-email']));
    expect(started.writeBack).toMatchObject({ written: 1, failed: 0 });
    expect(reportRows(started.reportPath).filter((row) => row[2] === 'OPT_OUT_CONFLICT')).toEqual([]);
    expect(sandbox.cadence.getContact(id)!.optedOut).toBe(false);
    expect(sandbox.connect.getContact(id)!.values.sms_status).toBe('Opted In');

    // Opted in again by Cadence's own START, the contact follows Connect once more.
    sandbox.connect.modifyContacts([id], { sms_status: 'Opted Out' });
    await project.cli(['import', '--json', '--no-email']);
    expect(sandbox.cadence.getContact(id)!.optedOut).toBe(true);
  });
});
