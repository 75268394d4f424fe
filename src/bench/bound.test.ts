import { describe, expect, it } from 'vitest';
import { lowerBound, type BoundInput } from './bound.js';

const base: BoundInput = {
  latencyMs: 20,
  pageSize: 500,
  batchSize: 1000,
  concurrency: 4,
  contactsPerFilter: [1000],
  sentContacts: 0,
  feedChanges: 0,
  writtenBack: 0,
};

describe('lowerBound', () => {
  it.each<[string, Partial<BoundInput>, number]>([
    ['no latency: nothing to wait for', { latencyMs: 0, sentContacts: 5000 }, 0],
    // feed page + setup + 2 pages; nothing sent
    ['nothing sent: write-back, setup and the pages', {}, 20 + 20 + 2 * 20],
    // 3 filters: 2 + 1 + 1 pages (an empty filter still costs a call)
    ['filters are read one after another', { contactsPerFilter: [1000, 1, 0] }, 20 + 20 + 4 * 20],
    // 3 batches at 4 in flight: one round of POST + GET (40), under fetch (40) + last batch (40)
    ['pushing overlaps fetching; the last batch follows the last page', { sentContacts: 2500 }, 20 + 20 + 40 + 40],
    // 10 batches one at a time: 10 × 40 = 400 > fetch 40 + 40
    ['pushing bounds the run when it is the longer chain', { sentContacts: 10_000, concurrency: 1 }, 20 + 20 + 400],
    // 1200 changes: 3 feed pages, then 3 writes to Connect one after another
    ['the write-back reads its pages and writes one change at a time', { feedChanges: 1200, writtenBack: 3 }, (3 + 3) * 20 + 20 + 40],
    // pageSize 200: 1000 contacts are 5 pages
    ['smaller pages are more calls', { pageSize: 200 }, 20 + 20 + 5 * 20],
  ])('%s', (_name, input, totalMs) => {
    expect(lowerBound({ ...base, ...input }).totalMs).toBe(totalMs);
  });

  it('reports its parts', () => {
    expect(lowerBound({ ...base, contactsPerFilter: [1000, 600], sentContacts: 4100 })).toEqual({
      totalMs: 20 + 20 + Math.max(4 * 20 + 40, 2 * 40),
      writeBackMs: 20,
      setupMs: 20,
      fetchMs: 80,
      pushMs: 80,
      pages: 4,
      batches: 5,
    });
  });
});
