import { describe, expect, it } from 'vitest';
import { filterRows, formatCounts, formatDuration, formatInstant, oneLine, runDuration } from '../../src/report/summary.js';
import { testCounts } from '../support/report-fixtures.js';

describe('formatCounts', () => {
  it('gives the whole run on one line', () => {
    expect(formatCounts(testCounts())).toBe('12 matched, 9 imported (4 created, 3 updated, 2 unchanged), 3 errors, 2 warnings');
    expect(formatCounts(testCounts({ errors: 1, warnings: 1 }))).toContain('1 error, 1 warning');
  });

  it('says how many contacts a run that stopped early did not process', () => {
    expect(formatCounts(testCounts({ matched: 20, notProcessed: 8 }))).toBe('20 matched, 9 imported (4 created, 3 updated, 2 unchanged), 3 errors, 8 not processed, 2 warnings');
  });
});

describe('formatDuration', () => {
  it.each([
    [0, '0 ms'],
    [850, '850 ms'],
    [42_000, '42 s'],
    [192_000, '3 min 12 s'],
    [3_900_000, '1 h 05 min'],
    [-1, 'unknown'],
    [Number.NaN, 'unknown'],
  ])('%d ms → %s', (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
  });

  it('says when the run has no end yet', () => {
    expect(runDuration('2026-11-24T06:00:00.000Z', undefined)).toBe('still running');
  });
});

describe('formatInstant', () => {
  it.each([
    ['2026-11-24T06:00:03.000Z', 'America/New_York', '2026-11-24 01:00:03 EST (America/New_York)'],
    ['2026-07-01T05:30:00.000Z', 'America/New_York', '2026-07-01 01:30:00 EDT (America/New_York)'],
    ['2026-11-24T06:00:03.000Z', 'UTC', '2026-11-24 06:00:03 UTC (UTC)'],
    ['not a date', 'UTC', 'not a date'],
  ])('%s in %s', (iso, zone, text) => {
    expect(formatInstant(iso, zone)).toBe(text);
  });
});

describe('oneLine', () => {
  it.each([
    ['short', 'short'],
    ['two\nlines\tok', 'two lines ok'],
    ['alpha beta gamma delta', 'alpha beta…'],
    ['abcdefghijklmnopqrstuvwxyz', 'abcdefghijk…'],
  ])('%j → %j', (text, line) => {
    expect(oneLine(text, 12)).toBe(line);
  });
});

describe('filterRows', () => {
  it('lists counted filters in config order, then others, with names when known', () => {
    const counts = testCounts({
      perFilter: {
        '9': { matched: 1, imported: 1, errors: 0, warnings: 0 },
        '70611': { matched: 2, imported: 2, errors: 0, warnings: 0 },
        '70542': { matched: 3, imported: 2, errors: 1, warnings: 0 },
      },
    });
    expect(filterRows(counts, [70542, 70611, 80000], new Map([[70611, 'Transfers']])).map((row) => row.filter)).toEqual([
      '70542',
      '70611 Transfers',
      '9',
    ]);
  });
});
