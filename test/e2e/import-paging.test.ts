/**
 * connect-api.md's live-data hazard, live form: contacts modified while the import pages
 * through a filter (some already returned, at the page boundary's modifieddate, some not
 * yet returned) are not lost; one modified after its last read arrives on the next run.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PageServed } from '../../src/sandbox/connect/index.js';
import type { SandboxContact } from '../../src/sandbox/generate.js';
import { cadenceDifferences, expectedCadence } from '../support/oracle.js';
import { importJson, sentSince } from '../support/import-e2e.js';
import { sandboxProject, type SandboxProject } from '../support/sandbox-project.js';

const PAGE_SIZE = 20;
const CLUSTER = 50; // more than two pages: some page ends inside it, after one that did

describe('import: contacts modified while paging', () => {
  let project: SandboxProject;
  beforeAll(async () => {
    project = await sandboxProject({ contacts: 400, config: (config) => (config.connect.pageSize = PAGE_SIZE) });
  });
  afterAll(async () => project?.close());

  /** The filter's contacts as Connect orders them (modifieddate, then id). */
  function ordered(filterId: number): SandboxContact[] {
    return project.sandbox.dataset.contacts
      .map((seed) => project.sandbox.connect.getContact(seed.id)!)
      .filter((contact) => contact.filterIds.includes(filterId))
      .sort((a, b) => a.modifiedAt - b.modifiedAt || a.id - b.id);
  }

  /** The contacts a page just served holds (the hook runs before any change is made). */
  function pageContacts(page: PageServed): SandboxContact[] {
    const since = page.modifiedSince ? project.sandbox.connect.clock.parse(page.modifiedSince)!.getTime() : -Infinity;
    const matching = ordered(page.filterId).filter((contact) => contact.modifiedAt >= since);
    return matching.slice(page.startingRecord - 1, page.startingRecord - 1 + page.returned);
  }

  it('loses no contact, and brings one modified after its last read on the next run', async () => {
    const { sandbox } = project;
    // A same-second group larger than a page, in the middle of filter 70542's order.
    const order = ordered(70542);
    expect(order.length).toBeGreaterThan(200 + CLUSTER);
    const boundary = order[100]!.modifiedAt;
    sandbox.connect.bulkUpdate(
      order.slice(200, 200 + CLUSTER - 1).map((contact) => String(contact.id)),
      new Date(boundary),
    );

    const returned = new Map<number, SandboxContact>();
    const acted = { boundary: [] as string[], ahead: [] as string[], late: [] as string[] };
    const remove = sandbox.connect.onBetweenPages((page) => {
      const contacts = pageContacts(page);
      if (page.filterId === 70542) {
        for (const contact of contacts) returned.set(contact.id, contact);
        const last = contacts.at(-1);
        const atBoundary = [...returned.values()].filter((contact) => contact.modifiedAt === boundary);
        const earlierPage = atBoundary.filter((contact) => !contacts.includes(contact));
        if (acted.boundary.length === 0 && last?.modifiedAt === boundary && earlierPage.length > 0) {
          // Already returned, carrying the boundary's modifieddate (some on an earlier page).
          acted.boundary = atBoundary.map((contact) => String(contact.id));
          sandbox.connect.modifyContacts(acted.boundary, { city: 'Moved' });
          // Not returned yet: the rest of the group, and some further on.
          const unread = ordered(70542).filter((contact) => !returned.has(contact.id) && contact.modifiedAt >= boundary);
          acted.ahead = [...unread.slice(0, 2), ...unread.slice(-3)].map((contact) => String(contact.id));
          sandbox.connect.modifyContacts(acted.ahead, { city: 'Ahead' });
        }
      }
      const lastPage = page.startingRecord - 1 + page.returned >= page.total;
      if (page.filterId === 70733 && lastPage && acted.late.length === 0) {
        // After its last read in this run: only the next run can see the change.
        const touched = new Set([...acted.boundary, ...acted.ahead]);
        acted.late = contacts
          .map((contact) => String(contact.id))
          .filter((id) => !touched.has(id))
          .slice(-2);
        sandbox.connect.modifyContacts(acted.late, { city: 'Late' });
      }
    });
    try {
      const first = await importJson(project);
      expect(first.result.code, first.result.stderr).toBe(1);
    } finally {
      remove();
    }
    expect(acted.boundary.length).toBeGreaterThanOrEqual(2);
    expect(acted.ahead).toHaveLength(5);
    expect(acted.late.length).toBeGreaterThan(0);

    const expected = expectedCadence(sandbox);
    const late = acted.late.filter((id) => expected.has(id));
    expect(late.length).toBeGreaterThan(0);
    // Everything but the late changes is in Cadence already: nothing was lost to paging.
    const differences = cadenceDifferences(sandbox, expected);
    expect(differences.filter((line) => !late.some((id) => line.startsWith(`${id}:`)))).toEqual([]);
    for (const id of [...acted.boundary, ...acted.ahead].filter((each) => expected.has(each))) {
      expect(sandbox.cadence.getContact(id)?.customFields['Home City'], id).toBe(expected.get(id)!.customFields['Home City']);
    }

    const before = sandbox.cadence.batches().length;
    const second = await importJson(project);
    expect(second.result.code, second.result.stderr).toBe(1);
    expect(cadenceDifferences(sandbox, expectedCadence(sandbox))).toEqual([]);
    expect(sentSince(sandbox, before).sort()).toEqual([...late].sort());
  });
});
