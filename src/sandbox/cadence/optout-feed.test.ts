import { describe, expect, it } from 'vitest';
import { createOptOutFeed, decodeCursor, encodeCursor, InvalidCursorError } from './optout-feed.js';

const change = { uniqueCampusId: '1', mobileNumber: '4045550134', optedOut: true, source: 'keyword' as const };

describe('optout feed', () => {
  it('slots a change dated in the past into its place, after others at the same instant', () => {
    const feed = createOptOutFeed();
    feed.record({ ...change, uniqueCampusId: 'a' }, new Date('2026-01-01T00:00:02Z'));
    feed.record({ ...change, uniqueCampusId: 'b' }, new Date('2026-01-01T00:00:01Z'));
    feed.record({ ...change, uniqueCampusId: 'c' }, new Date('2026-01-01T00:00:01Z'));
    feed.record({ ...change, uniqueCampusId: 'd' }, new Date('2026-01-01T00:00:03Z'));
    expect(feed.all().map((entry) => entry.uniqueCampusId)).toEqual(['b', 'c', 'a', 'd']);
  });

  it('resumes after the cursor even when older changes are recorded meanwhile', () => {
    const feed = createOptOutFeed();
    for (let i = 0; i < 501; i++) feed.record({ ...change, uniqueCampusId: String(i) }, new Date(Date.UTC(2026, 0, 1, 0, 0, i)));
    const first = feed.page(undefined, undefined);
    feed.record({ ...change, uniqueCampusId: 'old' }, new Date('2025-01-01T00:00:00Z'));
    const second = feed.page(undefined, first.nextCursor ?? undefined);
    expect(second.changes.map((entry) => entry.uniqueCampusId)).toEqual(['500']);
    expect(second.nextCursor).toBeNull();
  });

  it('round-trips cursors and refuses strangers', () => {
    expect(decodeCursor(encodeCursor({ at: 1764000000000, seq: 7 }))).toEqual({ at: 1764000000000, seq: 7 });
    for (const bad of ['', 'abc', Buffer.from('1.x').toString('base64url'), 'MTIz.NA']) {
      expect(() => decodeCursor(bad)).toThrow(InvalidCursorError);
    }
  });
});
