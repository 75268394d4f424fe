import { describe, expect, it } from 'vitest';
import { connectClock } from './dates.js';
import { repeatedLocalTimes } from './keyset.js';
import { ignoredPaging } from './paging-guard.js';

const clock = connectClock('America/New_York');
const isRepeated = repeatedLocalTimes(clock);
const records = (count: number, first = '24 Nov 2026 01:05:22 PM') => Array.from({ length: count }, () => ({ modifiedLocal: first }));

describe('ignoredPaging', () => {
  it.each<[string, { modifiedSince: string; startingRecord: number; endingRecord: number }, { modifiedLocal: string }[], string | undefined]>([
    ['a full page as asked', { modifiedSince: '', startingRecord: 1, endingRecord: 500 }, records(500), undefined],
    ['a short last page', { modifiedSince: '', startingRecord: 496, endingRecord: 1000 }, records(12), undefined],
    ['an empty page', { modifiedSince: '24 Nov 2026 01:00:00 PM', startingRecord: 1, endingRecord: 500 }, [], undefined],
    ['one record more than asked', { modifiedSince: '', startingRecord: 1, endingRecord: 500 }, records(501), '501 records when 500 were asked'],
    ['more than asked from a later record', { modifiedSince: '', startingRecord: 496, endingRecord: 1000 }, records(506), '506 records when 505 were asked'],
    ['first record at ModifiedSince', { modifiedSince: '24 Nov 2026 01:05:22 PM', startingRecord: 1, endingRecord: 500 }, records(3), undefined],
    [
      'first record a second before ModifiedSince',
      { modifiedSince: '24 Nov 2026 01:05:23 PM', startingRecord: 1, endingRecord: 500 },
      records(3),
      'a record dated 24 Nov 2026 01:05:22 PM when ModifiedSince was 24 Nov 2026 01:05:23 PM',
    ],
    ['a date without seconds, at ModifiedSince', { modifiedSince: '24 Nov 2026 01:05:00 PM', startingRecord: 1, endingRecord: 500 }, records(1, '24 Nov 2026 01:05 PM'), undefined],
    // 01:10 in the repeated hour may be its second pass (EST), after ModifiedSince's first-pass 01:20 (EDT).
    ['a first record in the repeated hour', { modifiedSince: '01 Nov 2026 01:20:00 AM', startingRecord: 1, endingRecord: 500 }, records(1, '01 Nov 2026 01:10:00 AM'), undefined],
    ['a record before the repeated hour', { modifiedSince: '01 Nov 2026 01:20:00 AM', startingRecord: 1, endingRecord: 500 }, records(1, '01 Nov 2026 12:50:00 AM'), 'a record dated 01 Nov 2026 12:50:00 AM when ModifiedSince was 01 Nov 2026 01:20:00 AM'],
  ])('%s', (_name, query, page, expected) => {
    expect(ignoredPaging(query, page, clock, isRepeated)).toBe(expected);
  });
});
