import { describe, expect, it } from 'vitest';
import type { Watermark } from './ports.js';
import { futureAfterMs, nextWatermark, startFrom, type ContactKey, type StartReason } from './watermark.js';

const RUN_START = new Date('2026-11-24T12:00:00.400Z');
const mark = (modifiedAt: string, contactId = '50', fingerprint = 'fp'): Watermark => ({ filterId: 7, modifiedAt, contactId, fingerprint, updatedAt: '2026-11-23T00:00:00.000Z' });
const key = (modifiedAt: string, contactId = '60'): ContactKey => ({ modifiedAt, modifiedAtMs: Date.parse(modifiedAt), contactId });

describe('startFrom (product.md §4)', () => {
  it.each([
    { name: 'a filter seen for the first time: in full', watermark: undefined, full: false, reason: 'first', since: undefined },
    { name: '--full: in full', watermark: mark('2026-11-24T10:00:00.000Z'), full: true, reason: 'full', since: undefined },
    { name: 'a changed fingerprint: in full', watermark: mark('2026-11-24T10:00:00.000Z', '50', 'old'), full: false, reason: 'mapping-changed', since: undefined },
    { name: 'incremental: watermark − lookback', watermark: mark('2026-11-24T10:00:00.000Z'), full: false, reason: 'incremental', since: '2026-11-24T09:50:00.000Z' },
    { name: 'a watermark past the run start (left by an older version): from the run start', watermark: mark('2031-01-01T00:00:00.000Z'), full: false, reason: 'incremental', since: '2026-11-24T11:50:00.400Z' },
  ])('$name', ({ watermark, full, reason, since }) => {
    const start = startFrom({ filterId: 7, fingerprint: 'fp', watermark, full, lookbackMinutes: 10, runStartedAt: RUN_START });
    expect(start.reason).toBe(reason);
    expect(start.since?.toISOString()).toBe(since);
    expect(start.previous).toBe(watermark);
  });
});

describe('nextWatermark (product.md §4, §8)', () => {
  it.each<{ name: string; reason: StartReason; previous?: Watermark; newest?: ContactKey; expected: [string, string] }>([
    { name: 'first run, nothing read: the epoch', reason: 'first', expected: ['1970-01-01T00:00:00.000Z', '0'] },
    { name: 'first run: the newest contact', reason: 'first', newest: key('2026-11-24T11:00:00.000Z'), expected: ['2026-11-24T11:00:00.000Z', '60'] },
    { name: 'incremental, nothing read: the previous', reason: 'incremental', previous: mark('2026-11-24T10:00:00.000Z'), expected: ['2026-11-24T10:00:00.000Z', '50'] },
    { name: 'incremental, newer read: the newest', reason: 'incremental', previous: mark('2026-11-24T10:00:00.000Z'), newest: key('2026-11-24T11:00:00.000Z'), expected: ['2026-11-24T11:00:00.000Z', '60'] },
    { name: 'incremental, only the lookback read: the previous stays', reason: 'incremental', previous: mark('2026-11-24T10:00:00.000Z'), newest: key('2026-11-24T09:55:00.000Z'), expected: ['2026-11-24T10:00:00.000Z', '50'] },
    { name: 'full, newest older than previous: the newest (what the filter holds now)', reason: 'full', previous: mark('2026-11-24T10:00:00.000Z'), newest: key('2026-11-24T09:00:00.000Z'), expected: ['2026-11-24T09:00:00.000Z', '60'] },
    { name: 'mapping changed, newest older than previous: the newest', reason: 'mapping-changed', previous: mark('2026-11-24T10:00:00.000Z'), newest: key('2026-11-24T09:00:00.000Z'), expected: ['2026-11-24T09:00:00.000Z', '60'] },
    { name: 'full, nothing read: the previous', reason: 'full', previous: mark('2026-11-24T10:00:00.000Z'), expected: ['2026-11-24T10:00:00.000Z', '50'] },
    { name: 'a future date: cut back to the run start', reason: 'incremental', previous: mark('2026-11-24T10:00:00.000Z'), newest: key('2031-01-01T00:00:00.000Z'), expected: ['2026-11-24T12:00:00.000Z', '0'] },
    { name: 'a date within the skew, past the run start: cut back too', reason: 'first', newest: key('2026-11-24T12:03:00.000Z'), expected: ['2026-11-24T12:00:00.000Z', '0'] },
    { name: 'the run start second itself: kept', reason: 'first', newest: key('2026-11-24T12:00:00.000Z'), expected: ['2026-11-24T12:00:00.000Z', '60'] },
    { name: 'a future previous watermark, nothing read: cut back', reason: 'incremental', previous: mark('2031-01-01T00:00:00.000Z'), expected: ['2026-11-24T12:00:00.000Z', '0'] },
  ])('$name', ({ reason, previous, newest, expected }) => {
    const start = { filterId: 7, fingerprint: 'fp', reason, previous };
    expect(nextWatermark(start, newest, RUN_START)).toEqual({ filterId: 7, modifiedAt: expected[0], contactId: expected[1], fingerprint: 'fp' });
  });
});

describe('futureAfterMs (product.md §8)', () => {
  it.each([
    { at: '2026-11-24T12:05:00.400Z', future: false },
    { at: '2026-11-24T12:05:00.401Z', future: true },
    { at: '2026-11-24T11:00:00.000Z', future: false },
  ])('$at: $future', ({ at, future }) => expect(Date.parse(at) > futureAfterMs(RUN_START)).toBe(future));
});
