/**
 * The consent gate through the CLI (product.md §5): a STOP that arrives after the run's
 * write-back, before the push, is kept for a contact on the retry-table path (a payload
 * parked with `optedOut: false`), and the dry run shows the same decision.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectedImportExit } from '../support/oracle.js';
import { openStateStore } from '../../src/adapters/sqlite/store.js';
import { importJson, readReport, sentSince, statusJson, watermarks } from '../support/import-e2e.js';
import { sandboxProject, type SandboxProject } from '../support/sandbox-project.js';

describe('import: the consent gate decides when the batch is sent', () => {
  let project: SandboxProject;
  beforeAll(async () => {
    project = await sandboxProject({ contacts: 120 });
    const first = await importJson(project);
    expect(first.result.code, first.result.stderr).toBe(expectedImportExit(project.sandbox));
  });
  afterAll(async () => project?.close());

  it('keeps a STOP recorded mid-run off a payload resent from the retry table, and the dry run agrees', async () => {
    const { sandbox } = project;
    const marks = await watermarks(project);
    const unread = (id: string) => {
      const contact = sandbox.connect.getContact(id)!;
      return contact.filterIds.every((filterId) => contact.modifiedAt < Date.parse(marks.get(filterId)!.modifiedAt) - 10 * 60_000);
    };
    const pick = (optedOut: boolean) => sandbox.cadence.allContacts().find((contact) => contact.optedOut === optedOut && unread(contact.uniqueCampusId))!;
    // Parked by an earlier run whose batch outlived its retries: sent whole, optedOut: false included.
    const parked = (held: ReturnType<typeof pick>) => {
      const { writes: _writes, ...confirmed } = held;
      return { ...confirmed, optedOut: false, allowMobileUpdate: true as const, customFields: { ...confirmed.customFields, 'Home City': 'Parked' } };
    };
    // `racing` is opted in; its STOP arrives during the run. `known` is opted out in Cadence,
    // someone opted it in in Connect before its send failed, and the STOP is on record.
    const racing = pick(false);
    const known = pick(true);
    const [id, knownId] = [racing.uniqueCampusId, known.uniqueCampusId];
    const stop = { optedOut: true, changedAt: '2026-11-24T12:00:00.000Z', source: 'keyword' as const };
    const store = openStateStore(project.statePath);
    try {
      store.putRetries([
        { contactId: id, payload: parked(racing), filterIds: [70542], reason: 'HTTP 503' },
        { contactId: knownId, payload: parked(known), filterIds: [70542], reason: 'HTTP 503' },
      ]);
      store.recordConsent(knownId, stop);
    } finally {
      store.close();
    }
    const plan = await project.cli(['import', '--dry-run', '--json']);
    expect(plan.code, plan.stderr).toBe(0);
    const lines = plan.stdout.trim().split('\n').map((text) => JSON.parse(text) as Record<string, any>);
    // The STOP on record is also a pending write-back to Connect (its own "optout" line).
    expect(lines.find((each) => each.type === 'optout' && each.contactId === knownId)).toMatchObject({ value: 'Opted Out' });
    const line = lines.find((each) => each.type === 'contact' && each.contactId === knownId)!;
    expect(line.changes).not.toHaveProperty('optedOut');
    expect(line.changes['customFields.Home City']).toMatchObject({ new: 'Parked' });
    expect(lines.at(-1)).toMatchObject({ type: 'summary', warnings: 1 });

    let stopped = false;
    const remove = sandbox.connect.onBetweenPages(() => {
      if (stopped) return;
      stopped = true;
      sandbox.cadence.recordKeyword(id, 'STOP');
      const during = openStateStore(project.statePath);
      try {
        during.recordConsent(id, { ...stop, changedAt: new Date().toISOString() });
      } finally {
        during.close();
      }
    });
    const batches = sandbox.cadence.batches().length;
    let run;
    try {
      run = await importJson(project);
    } finally {
      remove();
    }
    expect(run.result.code, run.result.stderr).toBe(expectedImportExit(project.sandbox));
    expect(stopped).toBe(true);
    expect(sentSince(sandbox, batches).sort()).toEqual([id, knownId].sort());
    // `racing`: its retry payload went out, the STOP recorded mid-run kept off it.
    expect(sandbox.cadence.getContact(id)).toMatchObject({ optedOut: true, customFields: expect.objectContaining({ 'Home City': 'Parked' }) });
    const rows = readReport(run.summary.reportPath).filter((row) => row.contact_id === id);
    expect(rows.map((row) => [row.severity, row.error_code])).toEqual([['warning', 'OPT_OUT_CONFLICT']]);
    // `known`: the run's write-back set the STOP on record in Connect first (product.md §5),
    // so Connect's current version, opted out, replaced the parked payload.
    expect(sandbox.connect.updates.map((update) => [update.contactId, update.attributes])).toEqual([[knownId, { sms_status: 'Opted Out' }]]);
    expect(sandbox.cadence.getContact(knownId)).toMatchObject({ optedOut: true });
    expect(sandbox.cadence.getContact(knownId)!.customFields['Home City']).not.toBe('Parked');
    expect((await statusJson(project)).retriesWaiting).toBe(0);

    // The next run writes the STOP back to Connect, so the contact changed there and is sent
    // opted out; the other is not sent again. Then nothing is left to send.
    let after = sandbox.cadence.batches().length;
    const next = await importJson(project);
    expect(next.result.code, next.result.stderr).toBe(expectedImportExit(project.sandbox));
    expect(sandbox.connect.updates.map((update) => [update.contactId, update.attributes])).toEqual([
      [knownId, { sms_status: 'Opted Out' }],
      [id, { sms_status: 'Opted Out' }],
    ]);
    expect(sentSince(sandbox, after)).toEqual([id]);
    after = sandbox.cadence.batches().length;
    const last = await importJson(project);
    expect(last.result.code, last.result.stderr).toBe(expectedImportExit(project.sandbox));
    expect(sentSince(sandbox, after)).toEqual([]);
    expect(sandbox.cadence.getContact(id)!.optedOut).toBe(true);
    expect(sandbox.cadence.getContact(knownId)!.optedOut).toBe(true);
  });
});
