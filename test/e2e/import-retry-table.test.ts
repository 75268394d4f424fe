/**
 * Cadence down for the whole push (every request 5xx): the contacts go to the retry table
 * (exit 1, CADENCE_UNAVAILABLE rows), and the next run sends them again although Connect
 * did not change them (product.md §4) — from their current version when a filter returns
 * them. A parked payload that Cadence rejects leaves the table (a data error).
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openStateStore } from '../../src/adapters/sqlite/store.js';
import { cadenceDifferences, expectedCadence, expectedImportExit } from '../support/oracle.js';
import { firstImport, importJson, readReport, sentSince, statusJson, watermarks } from '../support/import-e2e.js';
import { sandboxProject, type SandboxProject } from '../support/sandbox-project.js';

describe('import: persistent Cadence 5xx', () => {
  let project: SandboxProject;
  beforeEach(async () => {
    project = await sandboxProject({ contacts: 200 });
  });
  afterEach(async () => project?.close());

  it('parks the contacts in the retry table, then sends them on the next run', async () => {
    const { sandbox } = project;
    const expected = expectedCadence(sandbox);
    // Cadence breaks once the run has read its users and starts paging Connect.
    const remove = sandbox.connect.onBetweenPages(() => {
      sandbox.cadence.knobs.failure5xxShare = 1;
    });
    let first;
    try {
      first = await importJson(project);
    } finally {
      remove();
      sandbox.cadence.knobs.failure5xxShare = 0;
    }
    expect(first.result.code, first.result.stderr).toBe(1);
    expect(first.summary.outcome).toBe('contacts_failed');
    expect(first.summary.imported).toBe(0);
    expect(first.summary.errors).toBe(first.summary.matched);
    expect(sandbox.cadence.contactCount()).toBe(0);
    const unavailable = readReport(first.summary.reportPath).filter((row) => row.error_code === 'CADENCE_UNAVAILABLE');
    expect(unavailable.map((row) => row.contact_id).sort()).toEqual([...expected.keys()].sort());
    expect(unavailable.every((row) => row.severity === 'error')).toBe(true);
    const status = await statusJson(project);
    expect(status.retriesWaiting).toBe(expected.size);

    // Connect changes three of them: the current version counts, not the one parked (§3:
    // an unrecognised opt-out value or an invalid mobile is never sent). The rest did
    // not change in Connect and are sent all the same.
    const [fresh, unsure, unreachable] = [...expected.keys()];
    sandbox.connect.modifyContacts([fresh!], { city: 'Fresh' });
    sandbox.connect.modifyContacts([unsure!], { sms_status: 'Maybe later' });
    sandbox.connect.modifyContacts([unreachable!], { mobilephone: '404-555-CALL' });
    const now = expectedCadence(sandbox);
    expect(now.size).toBe(expected.size - 2);
    // The dry run plans it the same way: each contact once, the changed ones from Connect.
    const plan = await project.cli(['import', '--dry-run', '--json']);
    expect(plan.code, plan.stderr).toBe(0);
    const lines = plan.stdout.trim().split('\n').map((line) => JSON.parse(line) as Record<string, any>);
    const planned = lines.filter((line) => line.type === 'contact');
    expect(planned.map((line) => line.contactId).sort()).toEqual([...expected.keys()].sort());
    const actionOf = (id: string) => planned.find((line) => line.contactId === id)?.action;
    expect([actionOf(fresh!), actionOf(unsure!), actionOf(unreachable!)]).toEqual(['create', 'error', 'error']);
    expect(lines.at(-1)).toMatchObject({ type: 'summary', create: now.size, errors: 2 });

    const batches = sandbox.cadence.batches().length;
    const second = await importJson(project);
    expect(second.result.code, second.result.stderr).toBe(1);
    const sent = sentSince(sandbox, batches);
    expect(sent.sort()).toEqual([...now.keys()].sort());
    expect(cadenceDifferences(sandbox, now)).toEqual([]);
    expect(sandbox.cadence.getContact(fresh!)?.customFields['Home City']).toBe('Fresh');
    const rows = readReport(second.summary.reportPath);
    expect(rows.filter((row) => row.contact_id === unsure).map((row) => row.error_code)).toEqual(['UNRECOGNIZED_OPT_OUT_VALUE']);
    expect(rows.filter((row) => row.contact_id === unreachable).map((row) => row.error_code)).toEqual(['INVALID_MOBILE']);
    expect((await statusJson(project)).retriesWaiting).toBe(0);
    expect(second.summary.imported).toBe(now.size);

    // Nothing waits any more: a third run sends nothing.
    const before = sandbox.cadence.batches().length;
    const third = await importJson(project);
    expect(third.result.code, third.result.stderr).toBe(expectedImportExit(project.sandbox));
    expect(sentSince(sandbox, before)).toEqual([]);
  });

  it('drops a parked payload that Cadence rejects: a data error waits for a change in Connect', async () => {
    const { sandbox } = project;
    await firstImport(project);
    // A payload parked when its counselor still had a Cadence user (deleted since): the
    // state file as an earlier run would have left it.
    // One that the next run does not re-read (older than every lookback), so the parked payload is sent.
    const marks = await watermarks(project);
    const unread = (id: string) => {
      const contact = sandbox.connect.getContact(id)!;
      return contact.filterIds.every((filterId) => contact.modifiedAt < Date.parse(marks.get(filterId)!.modifiedAt) - 10 * 60_000);
    };
    const held = sandbox.cadence.allContacts().find((contact) => contact.staffId !== '' && unread(contact.uniqueCampusId))!;
    const { writes: _writes, ...payload } = held;
    const store = openStateStore(project.statePath);
    try {
      store.putRetries([{ contactId: held.uniqueCampusId, payload: { ...payload, staffId: 'departed', allowMobileUpdate: true }, filterIds: [70542], reason: 'HTTP 503' }]);
    } finally {
      store.close();
    }
    expect((await statusJson(project)).retriesWaiting).toBe(1);

    const batches = sandbox.cadence.batches().length;
    const run = await importJson(project);
    expect(run.result.code, run.result.stderr).toBe(1);
    expect(sentSince(sandbox, batches)).toEqual([held.uniqueCampusId]);
    const rows = readReport(run.summary.reportPath).filter((row) => row.contact_id === held.uniqueCampusId);
    expect(rows.map((row) => [row.severity, row.error_code])).toEqual([['error', 'UNKNOWN_STAFF_ID']]);
    expect(cadenceDifferences(sandbox, expectedCadence(sandbox))).toEqual([]);
    expect((await statusJson(project)).retriesWaiting).toBe(0);

    const after = sandbox.cadence.batches().length;
    const next = await importJson(project);
    expect(next.result.code, next.result.stderr).toBe(expectedImportExit(project.sandbox));
    expect(sentSince(sandbox, after)).toEqual([]);
  });
});
