import { describe, expect, it } from 'vitest';
import { createFakeConnect, type FakeConnect, type FakeContact } from '../../../test/support/fake-connect.js';
import { createKeysetPager, PagingError, repeatedLocalTimes, type KeyedRecord, type PageRequest } from './keyset.js';

const SECOND = 1000;
const base = Date.parse('2026-11-24T18:00:00Z');
/** 00:30 EDT on the night clocks go back; 01:00-01:59 happens twice. */
const autumnNight = Date.parse('2026-11-01T04:30:00Z');

function contacts(count: number, at: (index: number) => number, firstId = 1): FakeContact[] {
  return Array.from({ length: count }, (_, index) => ({ id: firstId + index, modified: new Date(at(index)) }));
}

/** Pages through the fake in memory, calling `between` before each request is answered. */
function drain(
  fake: FakeConnect,
  options: { pageSize: number; overlap?: number; maxRestarts?: number; since?: string },
  between?: (page: number, request: PageRequest) => void,
): { read: KeyedRecord[]; requests: PageRequest[]; restarts: number } {
  const pager = createKeysetPager<KeyedRecord>({
    modifiedSince: options.since ?? '',
    pageSize: options.pageSize,
    overlap: options.overlap ?? 5,
    maxRestarts: options.maxRestarts ?? 10,
    isRepeatedLocalTime: repeatedLocalTimes(fake.clock),
  });
  const read: KeyedRecord[] = [];
  const requests: PageRequest[] = [];
  let restarts = 0;
  for (let request = pager.next(); request; request = pager.next()) {
    between?.(requests.length, request);
    requests.push(request);
    const selection = fake.query(request.modifiedSince, request.startingRecord, request.endingRecord)!;
    const records = selection.rows.map((row) => ({ contactId: String(row.id), modifiedLocal: fake.clock.format(row.modified) }));
    const { fresh, restarted } = pager.accept(records, selection.total);
    if (restarted) restarts += 1;
    read.push(...fresh);
  }
  return { read, requests, restarts };
}

function ids(records: readonly KeyedRecord[]): string[] {
  return records.map((record) => record.contactId);
}

describe('keyset paging', () => {
  it('reads 1,200 contacts of one second exactly once, re-reading a small overlap', () => {
    const fake = createFakeConnect({ contacts: contacts(1200, () => base) });
    const { read, requests } = drain(fake, { pageSize: 500 });
    expect(ids(read)).toEqual(Array.from({ length: 1200 }, (_, index) => String(index + 1)));
    const date = fake.clock.format(new Date(base));
    expect(requests).toEqual([
      { modifiedSince: '', startingRecord: 1, endingRecord: 500 },
      { modifiedSince: date, startingRecord: 496, endingRecord: 995 },
      { modifiedSince: date, startingRecord: 991, endingRecord: 1490 },
    ]);
  });

  it('stops on a full last page when it reaches total', () => {
    const fake = createFakeConnect({ contacts: contacts(10, (index) => base + index * SECOND) });
    const { read, requests } = drain(fake, { pageSize: 5, overlap: 0 });
    expect(read).toHaveLength(10);
    expect(requests).toHaveLength(2);
  });

  it('asks for the overlap on top of the page size, within 500 a call', () => {
    const fake = createFakeConnect({ contacts: contacts(7, (index) => base + Math.floor(index / 3) * SECOND) });
    const { read, requests } = drain(fake, { pageSize: 1, overlap: 2 });
    expect(ids(read)).toEqual(['1', '2', '3', '4', '5', '6', '7']);
    expect(requests.slice(0, 3).map((request) => [request.startingRecord, request.endingRecord])).toEqual([
      [1, 1],
      [1, 2],
      [1, 3],
    ]);
  });

  it('the plain recipe loses a contact when a seen one of the same second changes; the overlap does not', () => {
    const scenario = () => createFakeConnect({ contacts: contacts(12, () => base) });
    const moveSeen = (fake: FakeConnect) => (page: number) => {
      if (page === 1) fake.modify(3, new Date(base + 60 * SECOND));
    };
    const plainFake = scenario();
    const plain = drain(plainFake, { pageSize: 5, overlap: 0 }, moveSeen(plainFake));
    expect(new Set(ids(plain.read)).size).toBe(11); // contact 6 was skipped

    const fake = scenario();
    const guarded = drain(fake, { pageSize: 5 }, moveSeen(fake));
    expect(new Set(ids(guarded.read))).toEqual(new Set(Array.from({ length: 12 }, (_, index) => String(index + 1))));
    expect(guarded.restarts).toBe(1);
    // The moved contact comes twice: once as it was, once changed. Nothing else repeats.
    expect(ids(guarded.read).filter((id) => id === '3')).toHaveLength(2);
    expect(guarded.read).toHaveLength(13);
  });

  it('reads the autumn repeated hour without loss or repeats, never anchoring on an ambiguous time', () => {
    const edt = (hhmm: string) => Date.parse(`2026-11-01T${hhmm}:00-04:00`);
    const est = (hhmm: string) => Date.parse(`2026-11-01T${hhmm}:00-05:00`);
    const at = [edt('00:50'), edt('01:30'), edt('01:30'), edt('01:45'), est('01:10'), est('01:30'), est('01:30'), est('01:30'), est('02:30'), est('03:00')];
    const fake = createFakeConnect({ contacts: at.map((ms, index) => ({ id: 10 + index, modified: new Date(ms) })) });
    const isRepeated = repeatedLocalTimes(fake.clock);
    for (const pageSize of [2, 3, 4]) {
      const { read, requests, restarts } = drain(fake, { pageSize, overlap: 1 });
      expect(ids(read)).toEqual(['10', '11', '12', '13', '14', '15', '16', '17', '18', '19']);
      expect(restarts).toBe(0);
      expect(requests.some((request) => isRepeated(request.modifiedSince))).toBe(false);
    }
  });

  it('refuses a page longer than asked for', () => {
    const pager = createKeysetPager<KeyedRecord>({ modifiedSince: '', pageSize: 2, overlap: 1, maxRestarts: 3, isRepeatedLocalTime: () => false });
    expect(pager.next()).toEqual({ modifiedSince: '', startingRecord: 1, endingRecord: 2 });
    const record = (id: string) => ({ contactId: id, modifiedLocal: '24 Nov 2026 01:00:00 PM' });
    expect(() => pager.accept([record('1'), record('2'), record('3')], 3)).toThrow(PagingError);
  });

  it('gives up when contacts keep changing at one date', () => {
    const fake = createFakeConnect({ contacts: contacts(50, () => base) });
    let now = base + 60 * SECOND;
    // Before every page, a contact still at the shared second changes.
    const churn = (page: number) => {
      const victim = fake.contacts.find((contact) => contact.modified.getTime() === base);
      if (page > 0 && victim) fake.modify(victim.id, new Date((now += SECOND)));
    };
    expect(() => drain(fake, { pageSize: 10, maxRestarts: 3 }, churn)).toThrow(PagingError);
    expect(() => drain(createFakeConnect({ contacts: contacts(50, () => base) }), { pageSize: 10, maxRestarts: 3 })).not.toThrow();
  });

  it('never loses a contact under random changes while paging (seeded)', () => {
    for (let seed = 1; seed <= 45; seed++) {
      const random = mulberry32(seed);
      // Three worlds: a few shared seconds; the autumn night in 10-minute steps across both
      // 01:xx hours; and contacts of the first 01:xx hour changed during the second one.
      const world = seed % 3;
      const at =
        world === 0
          ? () => base + Math.floor(random() * 8) * SECOND
          : world === 1
            ? () => autumnNight + Math.floor(random() * 19) * 600 * SECOND
            : () => autumnNight + Math.floor(random() * 18) * 300 * SECOND;
      const fake = createFakeConnect({ contacts: contacts(200, at) });
      // Changes happen after every seeded date; in the third world, at 01:00 EST (the second 01:00).
      let now = world === 2 ? Date.parse('2026-11-01T06:00:00Z') : Date.parse('2026-12-01T12:00:00Z');
      const { read } = drain(fake, { pageSize: 1 + Math.floor(random() * 40), overlap: 1 + Math.floor(random() * 4), maxRestarts: 1000 }, () => {
        // Fewer changes in the third world: there every change inside the long head costs a re-read of it.
        const changes = world === 2 ? (random() < 0.2 ? 1 : 0) : Math.floor(random() * 3);
        for (let change = 0; change < changes; change++) fake.modify(1 + Math.floor(random() * 200), new Date((now += SECOND)));
      });
      const pairs = read.map((record) => `${record.modifiedLocal}|${record.contactId}`);
      expect(new Set(pairs).size, `seed ${seed}: repeats`).toBe(pairs.length);
      for (const contact of fake.contacts) {
        expect(pairs, `seed ${seed}: contact ${contact.id} as it is now`).toContain(`${fake.clock.format(contact.modified)}|${contact.id}`);
      }
    }
  });
});

describe('repeatedLocalTimes', () => {
  const isRepeated = repeatedLocalTimes(createFakeConnect().clock);
  it.each([
    ['01 Nov 2026 01:00:00 AM', true],
    ['01 Nov 2026 01:30:00 AM', true],
    ['01 Nov 2026 01:59:59 AM', true],
    ['01 Nov 2026 12:59:59 AM', false],
    ['01 Nov 2026 02:00:00 AM', false],
    ['08 Mar 2026 01:30:00 AM', false],
    ['08 Mar 2026 02:30:00 AM', false],
    ['24 Nov 2026 01:30:00 AM', false],
    ['not a date', false],
  ])('%s → %s', (local, expected) => {
    expect(isRepeated(local)).toBe(expected);
  });
});

function mulberry32(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('keyset paging past a record that cannot be read (product.md §8)', () => {
  it('never sends an unreadable modifieddate back as ModifiedSince: it pages on from the last readable one', () => {
    const clock = createFakeConnect().clock;
    const [d1, d2, d3] = [0, 1, 2].map((offset) => clock.format(new Date(base + offset * SECOND)));
    const pager = createKeysetPager<KeyedRecord>({
      modifiedSince: '',
      pageSize: 2,
      overlap: 0,
      maxRestarts: 10,
      isRepeatedLocalTime: repeatedLocalTimes(clock),
      isReadableLocalTime: (local) => clock.parse(local) !== undefined,
    });
    expect(pager.next()).toEqual({ modifiedSince: '', startingRecord: 1, endingRecord: 2 });
    const first = pager.accept(
      [
        { contactId: '1', modifiedLocal: d1! },
        { contactId: '2', modifiedLocal: 'garbage' },
      ],
      4,
    );
    expect(ids(first.fresh)).toEqual(['1', '2']);
    // The unreadable record keeps its place after the anchor: the next page starts after it.
    expect(pager.next()).toEqual({ modifiedSince: d1, startingRecord: 3, endingRecord: 4 });
    const second = pager.accept(
      [
        { contactId: '3', modifiedLocal: d2! },
        { contactId: '4', modifiedLocal: d3! },
      ],
      4,
    );
    expect(ids(second.fresh)).toEqual(['3', '4']);
    expect(pager.next()).toBeUndefined();
  });
});
