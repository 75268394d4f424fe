import { describe, expect, it } from 'vitest';
import { connectClock } from './dates.js';

const newYork = connectClock('America/New_York');

describe('connectClock', () => {
  it.each([
    ['24 Nov 2026 01:05:22 PM', '2026-11-24T18:05:22.000Z'],
    ['24 Nov 2026 12:00:00 AM', '2026-11-24T05:00:00.000Z'],
    ['24 Nov 2026 12:00:00 PM', '2026-11-24T17:00:00.000Z'],
    ['05 Oct 2019 12:00 AM', '2019-10-05T04:00:00.000Z'],
    ['5 oct 2019 12:00 am', '2019-10-05T04:00:00.000Z'],
    // autumn: 01:00-01:59 happens twice; the earlier instant (EDT) wins
    ['01 Nov 2026 01:30:00 AM', '2026-11-01T05:30:00.000Z'],
    ['01 Nov 2026 12:59:59 AM', '2026-11-01T04:59:59.000Z'],
    ['01 Nov 2026 02:00:00 AM', '2026-11-01T07:00:00.000Z'],
    // spring: 02:00-02:59 does not exist; read as one hour later
    ['08 Mar 2026 02:30:00 AM', '2026-03-08T07:30:00.000Z'],
    ['08 Mar 2026 03:30:00 AM', '2026-03-08T07:30:00.000Z'],
    ['08 Mar 2026 01:59:59 AM', '2026-03-08T06:59:59.000Z'],
  ])('reads %s as %s', (local, iso) => {
    expect(newYork.parse(local)?.toISOString()).toBe(iso);
  });

  it.each(['', '2026-11-24T18:05:22Z', '24 Nov 2026 13:05:22 PM', '31 Feb 2026 01:00:00 AM', '24 Foo 2026 01:00:00 AM', '24 Nov 2026 01:60:00 AM'])(
    'rejects %j',
    (text) => {
      expect(newYork.parse(text)).toBeUndefined();
    },
  );

  it.each([
    ['2026-11-24T18:05:22.999Z', '24 Nov 2026 01:05:22 PM'],
    ['2026-11-01T05:30:00.000Z', '01 Nov 2026 01:30:00 AM'],
    ['2026-11-01T06:30:00.000Z', '01 Nov 2026 01:30:00 AM'],
    ['2026-03-08T07:30:00.000Z', '08 Mar 2026 03:30:00 AM'],
    ['2026-07-04T04:00:00.000Z', '04 Jul 2026 12:00:00 AM'],
  ])('writes %s as %s', (iso, local) => {
    expect(newYork.format(new Date(iso))).toBe(local);
  });

  it('round-trips every minute across both changes except the repeated hour', () => {
    for (const start of ['2026-03-08T04:00:00Z', '2026-11-01T03:00:00Z']) {
      for (let minute = 0; minute < 6 * 60; minute++) {
        const instant = new Date(Date.parse(start) + minute * 60_000);
        const back = newYork.parse(newYork.format(instant))!;
        const repeated = back.getTime() !== instant.getTime();
        // Only the second pass through 01:xx in November may map back, and one hour earlier.
        if (repeated) expect(instant.getTime() - back.getTime()).toBe(3_600_000);
      }
    }
  });

  it('works in other zones', () => {
    const utc = connectClock('UTC');
    expect(utc.parse('24 Nov 2026 01:05:22 PM')?.toISOString()).toBe('2026-11-24T13:05:22.000Z');
    expect(connectClock('Europe/London').format(new Date('2026-07-01T12:00:00Z'))).toBe('01 Jul 2026 01:00:00 PM');
    expect(() => connectClock('Mars/Olympus')).toThrow(/unknown time zone/);
  });
});
