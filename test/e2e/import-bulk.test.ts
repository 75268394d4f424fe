/**
 * connect-api.md's live-data hazard, bulk form: more contacts than a page share the
 * watermark's second. None may be lost (product.md §4).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cadenceDifferences, expectedCadence } from '../support/oracle.js';
import { contactsOf, importJson, sentSince, watermarks } from '../support/import-e2e.js';
import { sandboxProject, type SandboxProject } from '../support/sandbox-project.js';

describe('import: a same-second bulk update larger than a page', () => {
  let project: SandboxProject;
  beforeAll(async () => {
    // 2,000 contacts: the data set holds a 520-contact bulk update of its own.
    project = await sandboxProject({ contacts: 2000, config: (config) => (config.connect.pageSize = 500) });
    const first = await importJson(project);
    expect(first.result.code, first.result.stderr).toBe(1);
    expect(cadenceDifferences(project.sandbox, expectedCadence(project.sandbox))).toEqual([]);
  });
  afterAll(async () => project?.close());

  /** Bulk-updates `count` contacts of the configured filters to the second of filter 70542's watermark. */
  async function bulkToWatermark(count: number, city: string): Promise<string[]> {
    const mark = (await watermarks(project)).get(70542);
    expect(mark).toBeDefined();
    const second = new Date(Math.floor(Date.parse(mark!.modifiedAt) / 1000) * 1000);
    const ids = contactsOf(project.sandbox, (filters) => filters.includes(70542)).slice(0, count);
    expect(ids).toHaveLength(count);
    project.sandbox.connect.bulkUpdate(ids, second, { city });
    return ids;
  }

  it.each([
    { lookbackMinutes: 10, city: 'Bulkton' },
    { lookbackMinutes: 0, city: 'Samesecond' },
  ])('loses none of 1,200 contacts set to the watermark second (lookback $lookbackMinutes min)', async ({ lookbackMinutes, city }) => {
    const { sandbox } = project;
    project.writeConfig((config) => (config.criteria.lookbackMinutes = lookbackMinutes));
    const ids = await bulkToWatermark(1200, city);
    const expected = expectedCadence(sandbox);
    const before = sandbox.cadence.batches().length;
    const requestsBefore = sandbox.connect.requestLog.length;
    const run = await importJson(project);
    // The group was read over several pages at one ModifiedSince: the hazard was exercised.
    const pages = sandbox.connect.requestLog.slice(requestsBefore).filter((request) => request.method === 'GetFilterContacts' && request.filterId === 70542);
    expect(pages.length).toBeGreaterThanOrEqual(3);
    expect(run.result.code, run.result.stderr).toBe(1);
    expect(cadenceDifferences(sandbox, expected)).toEqual([]);
    // Every bulk-updated contact that maps was sent once, and nothing else was.
    const sent = sentSince(sandbox, before);
    expect(sent.sort()).toEqual(ids.filter((id) => expected.has(id)).sort());
    for (const id of ids) if (expected.has(id)) expect(sandbox.cadence.getContact(id)?.customFields['Home City']).toBe(city);
  });
});
