/**
 * The emulator's own reading and writing of Connect's local date-times (connect-api.md
 * "Dates"), written apart from the client's (src/adapters/connect/dates.ts) so that a
 * mistake in one cannot hide in both: here luxon formats, and an instant is found by
 * trying the zone's offsets around the wall-clock time and keeping those that give it back.
 * - an ambiguous local time (the repeated autumn hour) is the earlier instant;
 * - a local time that does not exist (the skipped spring hour) is read one hour later,
 *   that is with the offset in force before the change.
 */
import { DateTime, IANAZone } from 'luxon';

const LOCAL = /^\s*(\d{1,2}) ([A-Za-z]{3}) (\d{4}) (\d{1,2}):(\d{2})(?::(\d{2}))? ?([AP]M)\s*$/i;
const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];
const HOUR = 3_600_000;

export interface ConnectClock {
  readonly zone: string;
  /** Parses a Connect local date-time (seconds optional); undefined when it is not one. */
  parse(local: string): Date | undefined;
  /** Writes an instant as Connect does (`24 Nov 2026 01:05:22 PM`, or without seconds when the clock says so). */
  format(instant: Date): string;
}

/** The clock of an instance in `zone`; `seconds: false` writes `05 Oct 2019 12:00 AM` as public instances do. */
export function connectClock(zone: string, options: { seconds?: boolean } = {}): ConnectClock {
  if (!IANAZone.isValidZone(zone)) throw new Error(`unknown time zone: ${zone}`);
  const pattern = options.seconds === false ? 'dd LLL yyyy hh:mm a' : 'dd LLL yyyy hh:mm:ss a';

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

  function format(instant: Date): string {
    return DateTime.fromMillis(Math.floor(instant.getTime() / 1000) * 1000, { zone }).toFormat(pattern, { locale: 'en-US' });
  }

  return { zone, parse, format };
}

function sameWall(at: DateTime, wall: { year: number; month: number; day: number; hour: number; minute: number; second: number }): boolean {
  return at.year === wall.year && at.month === wall.month && at.day === wall.day && at.hour === wall.hour && at.minute === wall.minute && at.second === wall.second;
}
