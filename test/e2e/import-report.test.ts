/**
 * One import's contact-level outcomes, end to end: a contact in two filters is sent once
 * and reported with both filters; unknown and blank User IDs; invalid mobiles never reach
 * Cadence. Checked against Cadence's batches, what it holds, and the CSV report.
 */
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cadenceDifferences, expectedCadence, expectedImportExit } from '../support/oracle.js';
import { contactsOf, importJson, readReport, sentSince, type ImportRun, type ReportRow } from '../support/import-e2e.js';
import { sandboxProject, type SandboxProject } from '../support/sandbox-project.js';

const CONFIGURED = [70542, 70611, 70733];
const VALID = { firstname: 'Dana', lastname: 'Okafor', mobilephone: '(404) 555-0134', sms_status: 'Opted In' };

const INVALID_MOBILES: Record<string, string> = {
  '404-555-CALL': 'INVALID_MOBILE',
  '404-555-0134 x12': 'INVALID_MOBILE',
  '404555013': 'INVALID_MOBILE',
  '404555013456': 'INVALID_MOBILE',
  '(104) 555-0134': 'INVALID_MOBILE',
  '404-155-0134': 'INVALID_MOBILE',
  '': 'MISSING_MOBILE',
};

describe('import: report rows, User IDs and mobiles', () => {
  let project: SandboxProject;
  let run: ImportRun;
  let rows: ReportRow[];
  let inTwo: string[];
  let unknownUser: string;
  let blankUsers: string[];
  let badMobiles: Map<string, { raw: string; code: string }>;

  beforeAll(async () => {
    project = await sandboxProject({ contacts: 300 });
    const { connect } = project.sandbox;
    inTwo = contactsOf(project.sandbox, (ids) => ids.length === 2 && ids.includes(70542) && ids.includes(70611));
    const single = contactsOf(project.sandbox, (ids) => ids.length === 1);
    expect(inTwo.length).toBeGreaterThan(3);
    expect(single.length).toBeGreaterThan(20);
    // A contact in two filters with a warning, so it has a report row.
    connect.modifyContacts([inTwo[0]!], { ...VALID, counselor_id: 'ghost' });
    unknownUser = single[0]!;
    connect.modifyContacts([unknownUser], { ...VALID, counselor_id: 'nobody' });
    blankUsers = [single[1]!, single[2]!];
    connect.modifyContacts([blankUsers[0]!], { ...VALID, counselor_id: '' });
    connect.modifyContacts([blankUsers[1]!], { ...VALID, counselor_id: '   ' });
    badMobiles = new Map();
    Object.entries(INVALID_MOBILES).forEach(([raw, code], index) => {
      const id = single[3 + index]!;
      connect.modifyContacts([id], { ...VALID, counselor_id: 'jdoe', mobilephone: raw });
      badMobiles.set(id, { raw, code });
    });
    run = await importJson(project);
    expect(run.result.code, run.result.stderr).toBe(1);
    expect(run.summary.reportPath).toBe(join(dirname(project.statePath), 'reports', `${run.summary.runId}-errors.csv`));
    rows = readReport(run.summary.reportPath);
  });
  afterAll(async () => project?.close());

  it('puts into Cadence exactly what §3 says, and reports every contact that could not be imported', () => {
    const { sandbox } = project;
    const expected = expectedCadence(sandbox);
    expect(cadenceDifferences(sandbox, expected)).toEqual([]);
    const matched = contactsOf(sandbox, (ids) => ids.some((id) => CONFIGURED.includes(id)));
    const failed = matched.filter((id) => !expected.has(id));
    expect(run.summary.matched).toBe(matched.length);
    expect(run.summary.errors).toBe(failed.length);
    const errorRows = rows.filter((row) => row.severity === 'error');
    expect(errorRows.map((row) => row.contact_id).sort()).toEqual([...failed].sort());
  });

  it('sends a contact in two filters once, and lists both filters on its report row', () => {
    const sent = sentSince(project.sandbox, 0);
    expect(new Set(sent).size).toBe(sent.length);
    for (const id of inTwo.slice(0, 4)) expect(sent.filter((each) => each === id)).toHaveLength(1);
    const row = rows.filter((each) => each.contact_id === inTwo[0]);
    expect(row).toHaveLength(1);
    expect(row[0]).toMatchObject({ filter_ids: '70542;70611', severity: 'warning', error_code: 'UNKNOWN_USER_ID', first_name: 'Dana', last_name: 'Okafor' });
    expect(run.summary.perFilter['70542'].matched + run.summary.perFilter['70611'].matched + run.summary.perFilter['70733'].matched).toBeGreaterThan(
      run.summary.matched,
    );
  });

  it('imports an unknown User ID unassigned with a warning, and a blank one unassigned without', () => {
    const { cadence } = project.sandbox;
    expect(cadence.getContact(unknownUser)).toMatchObject({ staffId: '', mobileNumber: '4045550134' });
    const warning = rows.filter((row) => row.contact_id === unknownUser);
    expect(warning).toHaveLength(1);
    expect(warning[0]).toMatchObject({ severity: 'warning', error_code: 'UNKNOWN_USER_ID', mobile_number: '(404) 555-0134' });
    for (const id of blankUsers) {
      expect(cadence.getContact(id)).toMatchObject({ staffId: '', firstName: 'Dana' });
      expect(rows.filter((row) => row.contact_id === id)).toEqual([]);
    }
    expect(run.summary.warnings).toBe(rows.filter((row) => row.severity === 'warning').length);
  });

  it('reports invalid and missing mobiles as errors and never sends them', () => {
    const sent = new Set(sentSince(project.sandbox, 0));
    for (const [id, { raw, code }] of badMobiles) {
      expect(sent.has(id), `contact ${id} (${JSON.stringify(raw)}) was sent`).toBe(false);
      expect(project.sandbox.cadence.getContact(id)).toBeUndefined();
      const row = rows.filter((each) => each.contact_id === id);
      expect(row).toHaveLength(1);
      const filters = project.sandbox.connect.getContact(id)!.filterIds.filter((filter) => CONFIGURED.includes(filter));
      expect(row[0]).toMatchObject({ severity: 'error', error_code: code, mobile_number: raw, filter_ids: filters.join(';') });
    }
  });

  it('removes an assignment when the User ID is blanked, and sends nothing else', async () => {
    const { sandbox } = project;
    const assigned = [...expectedCadence(sandbox).values()].find((contact) => contact.staffId !== '')!;
    expect(sandbox.cadence.getContact(assigned.uniqueCampusId)?.staffId).toBe(assigned.staffId);
    sandbox.connect.modifyContacts([assigned.uniqueCampusId], { counselor_id: '' });
    const before = sandbox.cadence.batches().length;
    const next = await importJson(project);
    expect(next.result.code, next.result.stderr).toBe(expectedImportExit(project.sandbox));
    expect(sentSince(sandbox, before)).toEqual([assigned.uniqueCampusId]);
    expect(sandbox.cadence.getContact(assigned.uniqueCampusId)?.staffId).toBe('');
    expect(cadenceDifferences(sandbox, expectedCadence(sandbox))).toEqual([]);
  });
});
