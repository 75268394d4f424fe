/**
 * Whether `import --scheduled` should run now (product.md §7): the nightly import is
 * enabled and the wall-clock time in the window's zone lies in [start, end).
 *
 * The window is compared on the local wall clock, never as a fixed number of hours, so it
 * follows the operator's intent across daylight-saving changes:
 * - when clocks fall back, the repeated hour is inside the window both times it happens
 *   (01:00–04:00 America/New_York lasts 4 real hours on 2026-11-01);
 * - when clocks spring forward, the skipped local times simply never occur
 *   (01:00–04:00 lasts 2 real hours on 2026-03-08). A window lying wholly inside the
 *   skipped hour (02:00–02:30 in New York) is empty that one night.
 *
 * A window whose end is earlier than its start crosses midnight (22:00–02:00).
 * A window whose start equals its end covers the whole day: the schema cannot reject it,
 * and "never run" would silently stop every scheduled import, whereas "always" matches
 * what a 24-hour window written as 00:00–00:00 means.
 */
import { DateTime } from 'luxon';
import type { NightlyImport } from '../config/schema.js';

export type WindowDecision =
  | { run: true; localTime: string }
  | { run: false; reason: string; localTime: string };

/** Seconds since local midnight of an `HH:MM` clock time (validated by the config schema). */
function clockSeconds(clock: string): number {
  const match = /^(\d{2}):(\d{2})$/.exec(clock);
  if (!match) throw new Error(`invalid clock time ${JSON.stringify(clock)}: expected HH:MM`);
  return Number(match[1]) * 3600 + Number(match[2]) * 60;
}

/** Whether a wall-clock time (seconds since local midnight) lies in [start, end). */
export function insideWindow(seconds: number, start: string, end: string): boolean {
  const from = clockSeconds(start);
  const to = clockSeconds(end);
  if (from === to) return true;
  if (from < to) return seconds >= from && seconds < to;
  return seconds >= from || seconds < to;
}

/**
 * Decides whether a scheduled import runs at the instant `now`. `localTime` is `now` on
 * the window zone's wall clock, ISO 8601 with its offset (`2026-11-01T01:30:00-05:00`),
 * so the two occurrences of a repeated hour can be told apart in the log.
 */
export function windowDecision(nightly: NightlyImport, now: Date): WindowDecision {
  const { start, end, timeZone } = nightly.window;
  const local = DateTime.fromJSDate(now, { zone: timeZone });
  if (!local.isValid) throw new Error(`cannot read the time in zone ${timeZone}: ${local.invalidExplanation ?? 'invalid'}`);
  const localTime = local.toISO({ suppressMilliseconds: true }) ?? now.toISOString();
  if (!nightly.enabled) return { run: false, reason: 'nightlyImport.enabled is false', localTime };
  const seconds = local.hour * 3600 + local.minute * 60 + local.second;
  if (insideWindow(seconds, start, end)) return { run: true, localTime };
  return {
    run: false,
    reason: `${local.toFormat('HH:mm')} ${timeZone} is outside the window ${start}–${end} (nightlyImport.window)`,
    localTime,
  };
}

/**
 * The start of the window that began most recently at or before `now` (tonight's window:
 * yesterday's start when the window crosses midnight and `now` is past it). One scheduled
 * import that completed since then is the night's import.
 */
export function windowStart(nightly: NightlyImport, now: Date): Date {
  const { start, timeZone } = nightly.window;
  const seconds = clockSeconds(start);
  const local = DateTime.fromJSDate(now, { zone: timeZone });
  const at = (day: DateTime) => earliest(day.set({ hour: Math.floor(seconds / 3600), minute: (seconds % 3600) / 60, second: 0, millisecond: 0 }));
  const today = at(local);
  return (today <= local ? today : at(local.minus({ days: 1 }))).toJSDate();
}

/** The first occurrence of a wall-clock time that happens twice (the hour clocks fall back). */
function earliest(time: DateTime): DateTime {
  const hourBefore = time.minus({ hours: 1 });
  return hourBefore.hour === time.hour && hourBefore.minute === time.minute ? hourBefore : time;
}
