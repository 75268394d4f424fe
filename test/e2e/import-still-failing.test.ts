/**
 * Still failing (product.md §6): data errors of earlier runs stay counted, listed and in
 * the exit code until Connect fixes them, the filter is dropped, or a run imports them.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { contactsOf as filterContacts, importJson, readReport, statusJson, type ImportRun, type ReportRow } from '../support/import-e2e.js';
import { sandboxProject, type SandboxProject } from '../support/sandbox-project.js';

const VALID = { firstname: 'Dana', lastname: 'Okafor', mobilephone: '(404) 555-0134', sms_status: 'Opted In', counselor_id: 'jdoe' };
// Long before the watermark: not re-read in the lookback window of later runs.
const LONG_AGO = new Date('2026-01-05T15:00:00Z');

describe('import: contacts still failing from earlier runs', () => {
  let project: SandboxProject;
  let first: ImportRun;
  let firstErrors: ReportRow[];
  let onlyIn70733: string[];
  let fixed: string;
  let stillBad: string;

  beforeAll(async () => {
    project = await sandboxProject({ contacts: 200 });
    onlyIn70733 = filterContacts(project.sandbox, (ids) => ids.length === 1 && ids[0] === 70733);
    const single = filterContacts(project.sandbox, (ids) => ids.length === 1 && ids[0] === 70542);
    [fixed, stillBad] = [single[0]!, single[1]!];
    project.sandbox.connect.modifyContacts([fixed, stillBad, onlyIn70733[0]!], { ...VALID, mobilephone: '404-555-CALL' }, LONG_AGO);
    first = await importJson(project);
    expect(first.result.code, first.result.stderr).toBe(1);
    firstErrors = readReport(first.summary.reportPath).filter((row) => row.severity === 'error');
  });
  afterAll(async () => project?.close());

  it('counts nothing still failing on a first run', () => {
    expect(first.summary.stillFailing).toBe(0);
    expect(first.summary.errors).toBeGreaterThanOrEqual(3);
    expect(new Set(firstErrors.map((row) => row.contact_id)).size).toBe(first.summary.errors);
  });

  it('keeps them on a run that changes nothing: exit 1, the count, and the CSV rows as earlier errors', async () => {
    const second = await importJson(project);
    expect(second.result.code, second.result.stderr).toBe(1);
    expect(second.summary.outcome).toBe('contacts_failed');
    const rows = listed(second);
    // Contacts re-read in the lookback window are this run's errors; the others earlier ones.
    expect(second.summary.stillFailing).toBeGreaterThanOrEqual(3);
    expect(union(rows)).toEqual(contactsOf(firstErrors));
    const bad = rows.find((row) => row.contact_id === fixed)!;
    expect(bad).toMatchObject({ severity: 'error (earlier run)', error_code: 'INVALID_MOBILE', mobile_number: '404-555-CALL', filter_ids: '70542', first_name: 'Dana' });
    expect((await statusJson(project)).stillFailing).toBe(contactsOf(firstErrors).length);
  });

  it("drops a contact Connect fixed, and lists one found in error again once, as this run's", async () => {
    project.sandbox.connect.modifyContacts([fixed], VALID);
    project.sandbox.connect.modifyContacts([stillBad], { mobilephone: '404555013' });
    const third = await importJson(project);
    expect(third.result.code, third.result.stderr).toBe(1);
    expect(project.sandbox.cadence.getContact(fixed)?.mobileNumber).toBe('4045550134');
    const rows = listed(third);
    expect(union(rows)).toEqual(contactsOf(firstErrors).filter((id) => id !== fixed));
    expect(rows.filter((row) => row.contact_id === stillBad).map((row) => [row.severity, row.mobile_number])).toEqual([['error', '404555013']]);
    expect((await statusJson(project)).stillFailing).toBe(contactsOf(firstErrors).length - 1);
  });

  it('forgets the contacts of a filter no longer configured, and mails the count', async () => {
    const only70733 = contactsOf(firstErrors.filter((row) => row.filter_ids === '70733'));
    expect(only70733).toContain(onlyIn70733[0]);
    project.writeConfig((config) => {
      config.criteria.filterIds = [70542, 70611];
    });
    const mails = project.sandbox.mail.messages().length;
    const result = await project.cli(['import', '--json']);
    const fourth = { result, summary: JSON.parse(result.stdout) as Record<string, any> };
    const rows = listed(fourth);
    expect(union(rows)).toEqual(contactsOf(firstErrors).filter((id) => id !== fixed && !only70733.includes(id)));
    const mail = readFileSync((await project.sandbox.mail.waitForMessage(mails + 1)).at(-1)!, 'utf8');
    expect(mail).toMatch(new RegExp(`Still failing:\\s+${fourth.summary.stillFailing} \\(data errors of earlier runs`));
    expect(result.code).toBe(1);
  });
});

/** Distinct contact ids of report rows, sorted. */
function contactsOf(rows: readonly ReportRow[]): string[] {
  return [...new Set(rows.map((row) => row.contact_id))].sort();
}

function union(rows: readonly ReportRow[]): string[] {
  return contactsOf(rows.filter((row) => row.severity !== 'warning'));
}

/**
 * The run's CSV rows, checked against its counts: this run's errors first, then the
 * earlier runs' (one contact never in both), as many contacts as `errors` and `stillFailing`.
 */
function listed(run: ImportRun): ReportRow[] {
  const rows = readReport(run.summary.reportPath).filter((row) => row.severity !== 'warning');
  const firstEarlier = rows.findIndex((row) => row.severity === 'error (earlier run)');
  const own = firstEarlier < 0 ? rows : rows.slice(0, firstEarlier);
  const earlier = firstEarlier < 0 ? [] : rows.slice(firstEarlier);
  expect(own.every((row) => row.severity === 'error')).toBe(true);
  expect(earlier.every((row) => row.severity === 'error (earlier run)')).toBe(true);
  expect(contactsOf(own)).toHaveLength(run.summary.errors);
  expect(contactsOf(earlier)).toHaveLength(run.summary.stillFailing);
  expect(contactsOf(own).filter((id) => contactsOf(earlier).includes(id))).toEqual([]);
  return rows;
}
