/**
 * The emulator's own reading and writing of Connect's local date-times (connect-api.md
 * "Dates"), written apart from the client's (src/adapters/connect/dates.ts) so that a
 * mistake in one cannot hide in both: an instant is found by trying the zone's offsets
 * around the wall-clock time (luxon's) and keeping those that give the wall-clock time back.
 * - an ambiguous local time (the repeated autumn hour) is the earlier instant;
 * - a local time that does not exist (the skipped spring hour) is read one hour later,
 *   that is with the offset in force before the change.
 */
import { DateTime, IANAZone } from 'luxon';

const LOCAL = /^\s*(\d{1,2}) ([A-Za-z]{3}) (\d{4}) (\d{1,2}):(\d{2})(?::(\d{2}))? ?([AP]M)\s*$/i;
const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];
const HOUR = 3_600_000;
const NAMES = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

export interface ConnectClock {
  readonly zone: string;
  /** Whether dates are written with seconds. */
  readonly seconds: boolean;
  /** Parses a Connect local date-time (seconds optional); undefined when it is not one. */
  parse(local: string): Date | undefined;
  /** Writes an instant as Connect does (`24 Nov 2026 01:05:22 PM`, or without seconds when the clock says so). */
  format(instant: Date): string;
}

/** The clock of an instance in `zone`; `seconds: false` writes `05 Oct 2019 12:00 AM` as public instances do. */
export function connectClock(zone: string, options: { seconds?: boolean } = {}): ConnectClock {
  if (!IANAZone.isValidZone(zone)) throw new Error(`unknown time zone: ${zone}`);
  const seconds = options.seconds !== false;

  function parse(local: string): Date | undefined {
    const match = LOCAL.exec(local);
    if (!match) return undefined;
    const month = MONTHS.indexOf(match[2]!.toLowerCase()) + 1;
    const hour12 = Number(match[4]);
    if (month === 0 || hour12 < 1 || hour12 > 12) return undefined;
    const wall = {
      year: Number(match[3]),
      month,
      day: Number(match[1]),
      hour: (hour12 % 12) + (match[7]!.toUpperCase() === 'PM' ? 12 : 0),
      minute: Number(match[5]),
      second: match[6] === undefined ? 0 : Number(match[6]),
    };
    const asUtc = DateTime.fromObject(wall, { zone: 'utc' });
    if (!asUtc.isValid) return undefined;
    const wallMs = asUtc.toMillis();
    const offsets = new Set([-26, 0, 26].map((hours) => DateTime.fromMillis(wallMs + hours * HOUR, { zone }).offset));
    const fits = [...offsets].map((offset) => wallMs - offset * 60_000).filter((ms) => sameWall(DateTime.fromMillis(ms, { zone }), wall));
    if (fits.length > 0) return new Date(Math.min(...fits));
    const before = DateTime.fromMillis(wallMs - 26 * HOUR, { zone }).offset;
    return new Date(wallMs - before * 60_000);
  }

  // Offsets by quarter hour (every zone changes offset on a quarter hour): formatting runs
  // for every contact of a whole-filter answer, and luxon's formatter is slow for that.
  const offsets = new Map<number, number>();
  function offsetAt(ms: number): number {
    const bucket = Math.floor(ms / 900_000);
    let offset = offsets.get(bucket);
    if (offset === undefined) {
      offset = DateTime.fromMillis(bucket * 900_000, { zone }).offset;
      if (offsets.size > 100_000) offsets.clear();
      offsets.set(bucket, offset);
    }
    return offset;
  }

  function format(instant: Date): string {
    const ms = Math.floor(instant.getTime() / 1000) * 1000;
    const wall = new Date(ms + offsetAt(ms) * 60_000);
    const hour = wall.getUTCHours();
    const clock = `${two(hour % 12 === 0 ? 12 : hour % 12)}:${two(wall.getUTCMinutes())}${seconds ? `:${two(wall.getUTCSeconds())}` : ''}`;
    return `${two(wall.getUTCDate())} ${NAMES[wall.getUTCMonth()]} ${wall.getUTCFullYear()} ${clock} ${hour < 12 ? 'AM' : 'PM'}`;
  }

  return { zone, seconds, parse, format };
}

function sameWall(at: DateTime, wall: { year: number; month: number; day: number; hour: number; minute: number; second: number }): boolean {
  return at.year === wall.year && at.month === wall.month && at.day === wall.day && at.hour === wall.hour && at.minute === wall.minute && at.second === wall.second;
}

function two(value: number): string {
  return value < 10 ? `0${value}` : String(value);
}
