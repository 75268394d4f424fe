/**
 * Connect's date-times: local wall-clock time of the institution's instance, no offset,
 * written `dd Mon yyyy hh:mm:ss AM|PM` (seconds optional on input). connect-api.md
 * "Dates" fixes how a local time maps to an instant:
 * - an ambiguous local time (the repeated hour in autumn) is the EARLIER instant;
 * - a local time that does not exist (the skipped hour in spring) is read one hour later.
 * luxon resolves ambiguity to the later instant, so the resolution is done here by hand;
 * luxon only supplies the zone's offsets.
 *
 * The sandbox's emulator uses this codec too, so both sides read the contract alike;
 * the contract tests pin literal strings so that a bug here cannot hide.
 */
import { IANAZone } from 'luxon';

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const MONTH_INDEX = new Map(MONTHS.map((name, index) => [name.toLowerCase(), index]));
const LOCAL_DATE = /^\s*(\d{1,2}) ([A-Za-z]{3}) (\d{4}) (\d{1,2}):(\d{2})(?::(\d{2}))? ?([AaPp][Mm])\s*$/;

const MINUTE = 60_000;
const OFFSET_BUCKET = 15 * MINUTE;

/** Converts between instants and one zone's Connect local times. Caches offsets per 15 minutes. */
export interface ConnectClock {
  readonly zone: string;
  /** Parses a Connect local date-time; undefined when it is not one. */
  parse(local: string): Date | undefined;
  /** Formats an instant as Connect writes it (`24 Nov 2026 01:05:22 PM`). Milliseconds are dropped. */
  format(instant: Date): string;
}

/** Creates the codec for an IANA zone (throws on an unknown zone). */
export function connectClock(zoneName: string): ConnectClock {
  const zone = IANAZone.create(zoneName);
  if (!zone.isValid) throw new Error(`unknown time zone: ${zoneName}`);
  const offsets = new Map<number, number>();

  /** The zone's offset from UTC in minutes at an instant. */
  function offsetAt(ms: number): number {
    const bucket = Math.floor(ms / OFFSET_BUCKET);
    let offset = offsets.get(bucket);
    if (offset === undefined) {
      offset = zone.offset(bucket * OFFSET_BUCKET);
      offsets.set(bucket, offset);
    }
    return offset;
  }

  function parse(local: string): Date | undefined {
    const match = LOCAL_DATE.exec(local);
    if (!match) return undefined;
    const [, dd, mon, yyyy, hh, mm, ss, ampm] = match as unknown as string[];
    const month = MONTH_INDEX.get(mon!.toLowerCase());
    const day = Number(dd);
    let hour = Number(hh);
    const minute = Number(mm);
    const second = ss === undefined ? 0 : Number(ss);
    if (month === undefined || hour < 1 || hour > 12 || minute > 59 || second > 59 || day < 1) return undefined;
    if (hour === 12) hour = 0;
    if (ampm!.toLowerCase() === 'pm') hour += 12;
    const wall = Date.UTC(Number(yyyy), month, day, hour, minute, second);
    if (new Date(wall).getUTCDate() !== day) return undefined; // 31 Feb and the like
    return new Date(resolveWallClock(wall));
  }

  /** The instant for a wall-clock time given as if it were UTC, per the contract's rules. */
  function resolveWallClock(wall: number): number {
    const before = offsetAt(wall - 26 * 60 * MINUTE);
    const after = offsetAt(wall + 26 * 60 * MINUTE);
    // Written without arrays: this runs for every contact read.
    const early = wall - before * MINUTE;
    const late = wall - after * MINUTE;
    const earlyValid = early === wall - offsetAt(early) * MINUTE;
    const lateValid = late === wall - offsetAt(late) * MINUTE;
    // Two valid instants: the repeated hour, take the earlier. None: the skipped hour,
    // read with the offset before the change, which lands one hour later on the new clock.
    if (earlyValid && lateValid) return Math.min(early, late);
    if (earlyValid) return early;
    if (lateValid) return late;
    return early;
  }

  function format(instant: Date): string {
    const ms = Math.floor(instant.getTime() / 1000) * 1000;
    const wall = new Date(ms + offsetAt(ms) * MINUTE);
    const hour24 = wall.getUTCHours();
    const hour12 = hour24 % 12 === 0 ? 12 : hour24 % 12;
    return `${pad(wall.getUTCDate())} ${MONTHS[wall.getUTCMonth()]} ${wall.getUTCFullYear()} ${pad(hour12)}:${pad(wall.getUTCMinutes())}:${pad(wall.getUTCSeconds())} ${hour24 < 12 ? 'AM' : 'PM'}`;
  }

  return { zone: zoneName, parse, format };
}

function pad(value: number): string {
  return value < 10 ? `0${value}` : String(value);
}
