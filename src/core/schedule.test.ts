import { describe, expect, it } from 'vitest';
import { NightlyImport } from '../config/schema.js';
import { insideWindow, windowDecision, windowStart } from './schedule.js';

function nightly(start: string, end: string, timeZone: string, enabled = true): NightlyImport {
  return NightlyImport.parse({ enabled, window: { start, end, timeZone } });
}

const MINUTE = 60_000;

/**
 * Every minute from `from` (inclusive) to `to` (exclusive), checked against the expected
 * run interval [runFrom, runTo) in UTC, worked out by hand from the zone's offsets.
 */
function checkMinuteByMinute(window: NightlyImport, span: { from: string; to: string }, run: { from: string; to: string }): number {
  const runFrom = Date.parse(run.from);
  const runTo = Date.parse(run.to);
  const wrong: string[] = [];
  let runMinutes = 0;
  for (let at = Date.parse(span.from); at < Date.parse(span.to); at += MINUTE) {
    const decision = windowDecision(window, new Date(at));
    const expected = at >= runFrom && at < runTo;
    if (decision.run) runMinutes += 1;
    if (decision.run !== expected) wrong.push(`${new Date(at).toISOString()} (${decision.localTime}): run=${decision.run}`);
  }
  expect(wrong).toEqual([]);
  return runMinutes;
}

describe('windowDecision', () => {
  it('does not run when the nightly import is disabled, even inside the window', () => {
    const decision = windowDecision(nightly('01:00', '04:00', 'America/New_York', false), new Date('2026-06-15T06:00:00Z'));
    expect(decision).toEqual({ run: false, reason: 'nightlyImport.enabled is false', localTime: '2026-06-15T02:00:00-04:00' });
  });

  it('runs inside the window and says why not outside it', () => {
    const window = nightly('01:00', '04:00', 'America/New_York');
    expect(windowDecision(window, new Date('2026-06-15T05:00:00Z'))).toEqual({ run: true, localTime: '2026-06-15T01:00:00-04:00' });
    const outside = windowDecision(window, new Date('2026-06-15T16:45:00Z'));
    expect(outside.run).toBe(false);
    expect(outside).toMatchObject({ localTime: '2026-06-15T12:45:00-04:00' });
    expect(outside.run === false && outside.reason).toBe('12:45 America/New_York is outside the window 01:00–04:00 (nightlyImport.window)');
  });

  it('includes the start and excludes the end, to the second', () => {
    const window = nightly('01:00', '04:00', 'America/New_York');
    expect(windowDecision(window, new Date('2026-06-15T04:59:59.999Z')).run).toBe(false);
    expect(windowDecision(window, new Date('2026-06-15T05:00:00Z')).run).toBe(true);
    expect(windowDecision(window, new Date('2026-06-15T07:59:59.999Z')).run).toBe(true);
    expect(windowDecision(window, new Date('2026-06-15T08:00:00Z')).run).toBe(false);
  });

  it('uses the defaults of the schema (01:00–04:00 America/New_York)', () => {
    const window = NightlyImport.parse({});
    expect(windowDecision(window, new Date('2026-01-15T06:30:00Z')).run).toBe(true); // 01:30 EST
    expect(windowDecision(window, new Date('2026-01-15T09:00:00Z')).run).toBe(false); // 04:00 EST
  });

  it('covers the repeated hour twice on the night clocks fall back (America/New_York, 2026-11-01)', () => {
    // 01:00 EDT = 05:00Z; at 06:00Z 02:00 EDT becomes 01:00 EST; 04:00 EST = 09:00Z.
    const minutes = checkMinuteByMinute(
      nightly('01:00', '04:00', 'America/New_York'),
      { from: '2026-11-01T00:00:00Z', to: '2026-11-02T00:00:00Z' },
      { from: '2026-11-01T05:00:00Z', to: '2026-11-01T09:00:00Z' },
    );
    expect(minutes).toBe(4 * 60);
    const first = windowDecision(nightly('01:00', '04:00', 'America/New_York'), new Date('2026-11-01T05:30:00Z'));
    const second = windowDecision(nightly('01:00', '04:00', 'America/New_York'), new Date('2026-11-01T06:30:00Z'));
    expect(first).toEqual({ run: true, localTime: '2026-11-01T01:30:00-04:00' });
    expect(second).toEqual({ run: true, localTime: '2026-11-01T01:30:00-05:00' });
  });

  it('keeps 01:00–04:00 local on the night clocks spring forward (America/New_York, 2026-03-08)', () => {
    // 01:00 EST = 06:00Z; at 07:00Z 02:00 EST becomes 03:00 EDT; 04:00 EDT = 08:00Z.
    const minutes = checkMinuteByMinute(
      nightly('01:00', '04:00', 'America/New_York'),
      { from: '2026-03-08T00:00:00Z', to: '2026-03-09T00:00:00Z' },
      { from: '2026-03-08T06:00:00Z', to: '2026-03-08T08:00:00Z' },
    );
    expect(minutes).toBe(2 * 60);
    expect(windowDecision(nightly('01:00', '04:00', 'America/New_York'), new Date('2026-03-08T07:00:00Z'))).toEqual({
      run: true,
      localTime: '2026-03-08T03:00:00-04:00',
    });
  });

  it('starts at the first existing minute when the start falls in the skipped hour', () => {
    // 02:30 does not exist on 2026-03-08; the clock jumps from 01:59 EST (06:59Z) to 03:00 EDT (07:00Z).
    const minutes = checkMinuteByMinute(
      nightly('02:30', '05:00', 'America/New_York'),
      { from: '2026-03-08T00:00:00Z', to: '2026-03-09T00:00:00Z' },
      { from: '2026-03-08T07:00:00Z', to: '2026-03-08T09:00:00Z' },
    );
    expect(minutes).toBe(2 * 60);
  });

  it('handles a window that crosses midnight', () => {
    // 22:00 EDT on 06-15 = 02:00Z on 06-16; 02:00 EDT = 06:00Z.
    const minutes = checkMinuteByMinute(
      nightly('22:00', '02:00', 'America/New_York'),
      { from: '2026-06-15T12:00:00Z', to: '2026-06-16T12:00:00Z' },
      { from: '2026-06-16T02:00:00Z', to: '2026-06-16T06:00:00Z' },
    );
    expect(minutes).toBe(4 * 60);
  });

  it('handles a window that crosses midnight on the night clocks fall back', () => {
    // 22:00 EDT on 10-31 = 02:00Z; local 01:00–01:59 happens twice; 02:00 EST = 07:00Z.
    const minutes = checkMinuteByMinute(
      nightly('22:00', '02:00', 'America/New_York'),
      { from: '2026-10-31T12:00:00Z', to: '2026-11-01T12:00:00Z' },
      { from: '2026-11-01T02:00:00Z', to: '2026-11-01T07:00:00Z' },
    );
    expect(minutes).toBe(5 * 60);
  });

  it.each([
    {
      zone: 'Europe/London (fall back 2026-10-25, 02:00 BST -> 01:00 GMT at 01:00Z)',
      window: nightly('01:00', '02:00', 'Europe/London'),
      span: { from: '2026-10-24T12:00:00Z', to: '2026-10-25T12:00:00Z' },
      run: { from: '2026-10-25T00:00:00Z', to: '2026-10-25T02:00:00Z' },
      minutes: 120,
    },
    {
      zone: 'Europe/London (spring forward 2026-03-29, 01:00 GMT -> 02:00 BST)',
      window: nightly('00:30', '03:00', 'Europe/London'),
      span: { from: '2026-03-28T12:00:00Z', to: '2026-03-29T12:00:00Z' },
      run: { from: '2026-03-29T00:30:00Z', to: '2026-03-29T02:00:00Z' },
      minutes: 90,
    },
    {
      zone: 'Asia/Kolkata (+05:30, no daylight saving)',
      window: nightly('01:00', '04:00', 'Asia/Kolkata'),
      span: { from: '2026-03-07T12:00:00Z', to: '2026-03-08T12:00:00Z' },
      run: { from: '2026-03-07T19:30:00Z', to: '2026-03-07T22:30:00Z' },
      minutes: 180,
    },
    {
      zone: 'Australia/Sydney (fall back 2026-04-05, 03:00 AEDT -> 02:00 AEST at 16:00Z)',
      window: nightly('01:00', '04:00', 'Australia/Sydney'),
      span: { from: '2026-04-04T06:00:00Z', to: '2026-04-05T06:00:00Z' },
      run: { from: '2026-04-04T14:00:00Z', to: '2026-04-04T18:00:00Z' },
      minutes: 240,
    },
    {
      zone: 'Australia/Lord_Howe (half-hour shift: 02:00 +11:00 -> 01:30 +10:30 on 2026-04-05)',
      window: nightly('01:30', '02:30', 'Australia/Lord_Howe'),
      span: { from: '2026-04-04T06:00:00Z', to: '2026-04-05T06:00:00Z' },
      run: { from: '2026-04-04T14:30:00Z', to: '2026-04-04T16:00:00Z' },
      minutes: 90,
    },
    {
      zone: 'UTC',
      window: nightly('23:45', '00:15', 'UTC'),
      span: { from: '2026-01-01T12:00:00Z', to: '2026-01-02T12:00:00Z' },
      run: { from: '2026-01-01T23:45:00Z', to: '2026-01-02T00:15:00Z' },
      minutes: 30,
    },
  ])('follows the local wall clock in $zone', ({ window, span, run, minutes }) => {
    expect(checkMinuteByMinute(window, span, run)).toBe(minutes);
  });

  it('treats a window whose start equals its end as the whole day', () => {
    const window = nightly('03:00', '03:00', 'America/New_York');
    const minutes = checkMinuteByMinute(
      window,
      { from: '2026-11-01T00:00:00Z', to: '2026-11-02T00:00:00Z' },
      { from: '2026-11-01T00:00:00Z', to: '2026-11-02T00:00:00Z' },
    );
    expect(minutes).toBe(24 * 60);
  });
});

describe('insideWindow', () => {
  const at = (clock: string) => Number(clock.slice(0, 2)) * 3600 + Number(clock.slice(3, 5)) * 60;
  it.each([
    ['01:00', '04:00', '00:59', false],
    ['01:00', '04:00', '01:00', true],
    ['01:00', '04:00', '03:59', true],
    ['01:00', '04:00', '04:00', false],
    ['22:00', '02:00', '21:59', false],
    ['22:00', '02:00', '22:00', true],
    ['22:00', '02:00', '23:59', true],
    ['22:00', '02:00', '00:00', true],
    ['22:00', '02:00', '01:59', true],
    ['22:00', '02:00', '02:00', false],
    ['00:00', '00:00', '12:00', true],
    ['00:00', '23:59', '23:59', false],
  ])('%s–%s at %s → %s', (start, end, clock, expected) => {
    expect(insideWindow(at(clock), start, end)).toBe(expected);
  });
});

describe('windowStart', () => {
  it.each([
    ['inside a window on one day', '01:00', '04:00', '2026-06-15T06:30:00Z', '2026-06-15T05:00:00.000Z'],
    ['at the very start', '01:00', '04:00', '2026-06-15T05:00:00Z', '2026-06-15T05:00:00.000Z'],
    ['before midnight in a window crossing it', '22:00', '02:00', '2026-06-15T03:30:00Z', '2026-06-15T02:00:00.000Z'],
    ['after midnight in a window crossing it: yesterday\'s start', '22:00', '02:00', '2026-06-15T05:30:00Z', '2026-06-15T02:00:00.000Z'],
    ['after the window: today\'s start', '01:00', '04:00', '2026-06-15T16:00:00Z', '2026-06-15T05:00:00.000Z'],
    ['the night clocks fall back, in the repeated hour', '01:00', '04:00', '2026-11-01T06:30:00Z', '2026-11-01T05:00:00.000Z'],
    ['the night clocks spring forward', '01:00', '04:00', '2026-03-08T07:30:00Z', '2026-03-08T06:00:00.000Z'],
  ])('%s', (_name, start, end, now, expected) => {
    expect(windowStart(nightly(start, end, 'America/New_York'), new Date(now)).toISOString()).toBe(expected);
  });
});
