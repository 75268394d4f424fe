/**
 * Two versions of one contact in one run: read, then modified while paging and read again
 * at the end. Cadence must end with the newer one even when the batch of the older one
 * fails and is sent again after the newer one went (Cadence applies batches in the order
 * it receives them), and even when the next run does not read the contact again.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cadenceDifferences, expectedCadence, SANDBOX_ORACLE, expectedImportExit } from '../support/oracle.js';
import { contactsOf, importJson } from '../support/import-e2e.js';
import { sandboxProject, type SandboxProject } from '../support/sandbox-project.js';

const FILTER = 70733;
const ORACLE = { ...SANDBOX_ORACLE, filterIds: [FILTER] };

describe('import: an older version of a contact never overwrites a newer one', () => {
  let project: SandboxProject;
  beforeAll(async () => {
    project = await sandboxProject({
      contacts: 150,
      // Seeded: the first batch Cadence applies ends `failed`, the next ones complete.
      cadence: { batchDelayMs: 600, batchFailedShare: 0.3, seed: 1 },
      config: (config) => {
        config.criteria.filterIds = [FILTER];
        config.criteria.lookbackMinutes = 0;
        config.connect.pageSize = 10;
        Object.assign(config.cadence, { batchSize: 10, concurrency: 4 });
      },
    });
  });
  afterAll(async () => project?.close());

  it('sends the newer version after the older one has settled', async () => {
    const { sandbox } = project;
    const members = contactsOf(sandbox, (filters) => filters.includes(FILTER));
    // Every batch fits in flight at once, so all are sent before the first one fails.
    expect(members.length).toBeLessThan(4 * 10 - 2);
    const order = members
      .map((id) => sandbox.connect.getContact(id)!)
      .sort((a, b) => a.modifiedAt - b.modifiedAt || a.id - b.id)
      .map((contact) => String(contact.id));
    const expected = expectedCadence(sandbox, ORACLE);
    const changed = order.slice(0, 10).find((id) => expected.has(id))!;
    const later = order.slice(0, 10).filter((id) => expected.has(id) && id !== changed)[0]!;
    let pages = 0;
    const remove = sandbox.connect.onBetweenPages(() => {
      pages += 1;
      if (pages !== 2) return;
      // Read on page 1, changed now; another contact changed two seconds later, so the
      // watermark passes the first one's second and (lookback 0) no later run reads it again.
      sandbox.connect.modifyContacts([changed], { city: 'Second version', sms_status: 'Opted Out' });
      sandbox.connect.modifyContacts([later], { city: 'Later' }, new Date(Date.now() + 2000));
    });
    try {
      const run = await importJson(project);
      expect(run.result.code, run.result.stderr).toBe(expectedImportExit(project.sandbox));
    } finally {
      remove();
    }
    const sends = sandbox.cadence.batches().filter((batch) => batch.contactIds.includes(changed));
    expect(sends.length).toBeGreaterThanOrEqual(3); // the failed one, its resend, the newer version
    expect(sandbox.cadence.stats().failedBatches).toBeGreaterThan(0);
    expect(cadenceDifferences(sandbox, expectedCadence(sandbox, ORACLE))).toEqual([]);
    expect(sandbox.cadence.getContact(changed)).toMatchObject({ optedOut: true, customFields: { 'Home City': 'Second version' } });

    sandbox.cadence.knobs.batchFailedShare = 0;
    const next = await importJson(project);
    expect(next.result.code, next.result.stderr).toBe(expectedImportExit(project.sandbox));
    expect(cadenceDifferences(sandbox, expectedCadence(sandbox, ORACLE))).toEqual([]);
  });
});
