/**
 * `connect-sync optouts --from-csv` (product.md §5): Cadence's opt-out history export is
 * journalled (this team's rows; others counted and skipped) and written back; the same
 * file again writes nothing; a wrong header or an unreadable row refuses the whole file.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { expectedCadence, expectedImportExit } from '../support/oracle.js';
import { sandboxProject, type SandboxProject } from '../support/sandbox-project.js';
import { journalRows } from '../support/serve-process.js';

const HEADER = 'ContactId, DepartmentCode, MobileNumber, Status, StatusDate (UTC)';

describe('optouts --from-csv', () => {
  let project: SandboxProject;
  let optedIn: string[];
  beforeEach(async () => {
    project = await sandboxProject({ contacts: 60 });
    const first = await project.cli(['import', '--json', '--no-email']);
    expect(first.code, first.stderr).toBe(expectedImportExit(project.sandbox));
    optedIn = [...expectedCadence(project.sandbox).values()].filter((contact) => !contact.optedOut).map((contact) => contact.uniqueCampusId);
  });
  afterEach(async () => project?.close());

  const csv = (name: string, lines: string[]) => {
    const path = join(project.dir, name);
    writeFileSync(path, `\uFEFF${[...lines, ''].join('\r\n')}`);
    return path;
  };

  it('refuses a wrong header with exit 2 and journals nothing', async () => {
    const path = csv('wrong.csv', ['ContactId,Department,MobileNumber,Status,StatusDate (UTC)', `${optedIn[0]},ADMISSIONS,4045550134,Opted Out,2026-11-24 18:03:11`]);
    const result = await project.cli(['optouts', '--from-csv', path, '--json', '--no-email']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('line 1: expected the header ContactId,DepartmentCode,MobileNumber,Status,StatusDate (UTC)');
    expect(journalRows(project.statePath)).toEqual([]);
  });

  it('refuses a file with unreadable rows, naming each line, with exit 2', async () => {
    const path = csv('bad-rows.csv', [HEADER, `${optedIn[0]},ADMISSIONS,4045550134,Opted Out,2026-11-24 18:03:11`, 'x1,ADMISSIONS,,Opted Out,2026-11-24 18:03:11', `${optedIn[1]},ADMISSIONS,,Gone,2026-11-24 18:03:11`]);
    const result = await project.cli(['optouts', '--from-csv', path, '--json', '--no-email']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('line 3: ContactId "x1" is not a positive integer');
    expect(result.stderr).toContain('line 4: Status "Gone" is neither Opted Out nor Opted In');
    expect(journalRows(project.statePath)).toEqual([]);
  });

  it('journals this team\'s rows, skips other teams\', writes the latest of each contact, and writes nothing the second time', async () => {
    const [a, b] = optedIn as [string, string];
    const path = csv('history.csv', [
      HEADER,
      `${a},ADMISSIONS,4045550134,Opted Out,2026-11-24 18:03:11`,
      `${b},ADMISSIONS,4045550135,Opted Out,2026-11-24 18:00:00`,
      `${b},ADMISSIONS,4045550135,Opted In,2026-11-24T19:00:00Z`,
      `${a},OTHERTEAM,4045550134,Opted In,2026-11-25 18:03:11`,
    ]);
    const first = await project.cli(['optouts', '--from-csv', path, '--json', '--no-email']);
    expect(first.code, first.stderr).toBe(0);
    const summary = JSON.parse(first.stdout);
    // b's later opt-in equals what Connect holds: an echo that supersedes b's opt-out, so nothing is written for b.
    expect(summary).toMatchObject({ outcome: 'ok', written: 1, failed: 0, csv: { rows: 4, otherDepartments: 1, journalled: { pending: 2, echo: 1, history: 0 } } });
    expect(project.sandbox.connect.updates).toEqual([expect.objectContaining({ contactId: a, attributes: { sms_status: 'Opted Out' }, sourceCode: 'CADENCE' })]);
    expect(journalRows(project.statePath).filter((row) => row.source === 'csv')).toHaveLength(3);

    const again = await project.cli(['optouts', '--from-csv', path, '--json', '--no-email']);
    expect(again.code, again.stderr).toBe(0);
    expect(JSON.parse(again.stdout)).toMatchObject({ written: 0, csv: { journalled: { pending: 0, echo: 0, repeat: 3 } } });
    expect(project.sandbox.connect.updates).toHaveLength(1);
    expect(journalRows(project.statePath).filter((row) => row.source === 'csv')).toHaveLength(3);
  });

  it('takes the export the sandbox Cadence writes', async () => {
    const id = optedIn[2]!;
    project.sandbox.cadence.recordKeyword(id, 'STOP');
    const path = join(project.dir, 'sandbox-export.csv');
    writeFileSync(path, project.sandbox.cadence.optOutHistoryCsv());
    const result = await project.cli(['optouts', '--from-csv', path, '--json', '--no-email']);
    expect(result.code, result.stderr).toBe(0);
    expect(project.sandbox.connect.getContact(id)!.values.sms_status).toBe('Opted Out');
  });
});
