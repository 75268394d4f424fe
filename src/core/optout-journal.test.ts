import { describe, expect, it } from 'vitest';
import { consentOf, judgeChange, normaliseChangedAt, retryDelayMs, type JournalChange, type LatestEntry } from './optout-journal.js';

const T1 = '2026-11-24T18:00:00.000Z';
const T2 = '2026-11-24T18:03:11.000Z';
const T3 = '2026-11-24T19:00:00.000Z';

function change(optedOut: boolean, changedAt: string, source: JournalChange['source'] = 'webhook', connectHolds?: boolean): JournalChange {
  return { contactId: '100234', optedOut, changedAt, source, ...(connectHolds !== undefined && { connectHolds }) };
}

describe('judgeChange', () => {
  it.each<[string, JournalChange, LatestEntry | undefined, boolean, string]>([
    ['a first change', change(true, T2), undefined, false, 'pending'],
    ['the same contact, value and time again', change(true, T2), { optedOut: true, changedAt: T2 }, true, 'duplicate'],
    ['an older change than the latest', change(false, T1, 'csv'), { optedOut: true, changedAt: T2 }, false, 'history'],
    ['an old CSV row after a newer STOP', change(false, T1, 'csv'), { optedOut: true, changedAt: T3 }, false, 'history'],
    ['a newer change equal to the latest (a redelivery)', change(true, T3), { optedOut: true, changedAt: T2 }, false, 'repeat'],
    ['a newer opposite change', change(false, T3), { optedOut: true, changedAt: T2 }, false, 'pending'],
    ['an opt-in at the same instant as an opt-out', change(false, T2), { optedOut: true, changedAt: T2 }, false, 'history'],
    ['an opt-out at the same instant as an opt-in', change(true, T2), { optedOut: false, changedAt: T2 }, false, 'pending'],
    ['an import lifting an opt-out', change(false, T3, 'import'), { optedOut: true, changedAt: T2 }, false, 'history'],
    ['an import opting out', change(true, T3, 'import'), { optedOut: false, changedAt: T2 }, false, 'pending'],
    ['an import opt-in with no opt-out before', change(false, T3, 'import', false), undefined, false, 'echo'],
    ['a value Connect already holds', change(true, T3, 'keyword', true), { optedOut: false, changedAt: T2 }, false, 'echo'],
    ['a value Connect does not hold', change(true, T3, 'keyword', false), { optedOut: false, changedAt: T2 }, false, 'pending'],
    ['a STOP after an import opted out: recorded, not a repeat', change(true, T3, 'keyword', true), { optedOut: true, changedAt: T2, source: 'import' }, false, 'echo'],
    ['an import opting out after a STOP', change(true, T3, 'import', true), { optedOut: true, changedAt: T2, source: 'keyword' }, false, 'repeat'],
    ['an import opting out after an import', change(true, T3, 'import', true), { optedOut: true, changedAt: T2, source: 'import' }, false, 'repeat'],
  ])('%s → %s', (_what, input, latest, exists, verdict) => {
    expect(judgeChange(input, latest, exists)).toBe(verdict);
  });
});

describe('consentOf', () => {
  it.each([
    ['a STOP', 'keyword', true],
    ['a counselor\'s change', 'staff', true],
    ['a webhook', 'webhook', true],
    ['a CSV row', 'csv', true],
    ['an import\'s echo', 'import', false],
  ] as const)('%s decides consent: %s', (_what, source, decides) => {
    const latest = { optedOut: true, changedAt: T2, source };
    expect(consentOf(latest)).toEqual(decides ? latest : undefined);
  });
});

describe('normaliseChangedAt', () => {
  it.each([
    ['2026-11-24 18:03:11', '2026-11-24T18:03:11.000Z'],
    ['2026-11-24T18:03:11Z', '2026-11-24T18:03:11.000Z'],
    [' 2026-11-24T18:03:11 ', '2026-11-24T18:03:11.000Z'],
    ['2026-11-24 18:03', '2026-11-24T18:03:00.000Z'],
    ['2026-11-24T18:03:11.250Z', '2026-11-24T18:03:11.250Z'],
    ['2026-11-24T13:03:11-05:00', '2026-11-24T18:03:11.000Z'],
    ['2026-11-24t18:03:11z', '2026-11-24T18:03:11.000Z'],
  ])('%s → %s', (text, iso) => {
    expect(normaliseChangedAt(text)).toBe(iso);
  });

  it.each(['', 'yesterday', '2026-11-24', '2026-02-30 10:00:00', '2026-11-24 25:00:00', '11/24/2026 18:03'])('refuses %j', (text) => {
    expect(normaliseChangedAt(text)).toBeUndefined();
  });
});

describe('retryDelayMs', () => {
  it.each([
    [1, 5000],
    [2, 10_000],
    [5, 80_000],
    [30, 3_600_000],
  ])('attempt %i waits about %i ms', (attempts, base) => {
    expect(retryDelayMs(attempts, () => 0.5)).toBe(base);
    expect(retryDelayMs(attempts, () => 0)).toBe(base * 0.75);
  });
});
