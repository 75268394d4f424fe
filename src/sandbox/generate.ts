/**
 * The sandbox's seeded data set: Connect's catalog (attributes, filters, source codes),
 * Cadence's users and fields, and contacts with the variety real data has. The same seed
 * and `now` give the same data set, byte for byte. Contacts are plain, compact objects
 * that are never mutated (the emulator replaces a contact when it changes).
 */
import type { AttributeValue, CadenceField, CadenceUser, ConnectAttribute, ConnectFilter, ConnectSourceCode, ListItem } from '../core/types.js';
import { connectClock } from './connect/dates.js';
import { programOptions, sandboxAttributes, sandboxFields, sandboxFilters, sandboxSourceCodes, sandboxUsers } from './generate-catalog.js';
import { cityPicker, counselorId, email, entryTermPicker, mobilePhone, names, programInterest, smsStatusPicker, validPhone } from './generate-values.js';
import { createRandom, weighted, type Random } from './random.js';

/** One Connect contact as the sandbox holds it. */
export interface SandboxContact {
  /** `contactid`, a positive integer. */
  readonly id: number;
  /** `modifieddate` as epoch milliseconds, whole seconds. */
  readonly modifiedAt: number;
  /** The filters the contact belongs to (possibly none). */
  readonly filterIds: readonly number[];
  /** Attribute values by internal name; `undefined` = no value (left out of responses). */
  readonly values: Readonly<Record<string, AttributeValue | undefined>>;
}

export interface SandboxDataset {
  seed: number;
  /** ISO 8601 UTC: the generator's "now"; every contact was modified at or before it. */
  now: string;
  /** The Connect instance's zone the data was laid out for. */
  timeZone: string;
  attributes: readonly ConnectAttribute[];
  /** The options of each `list` attribute, by attribute name. */
  listOptions: Readonly<Record<string, readonly ListItem[]>>;
  filters: readonly ConnectFilter[];
  sourceCodes: readonly ConnectSourceCode[];
  users: readonly CadenceUser[];
  fields: readonly CadenceField[];
  /** Ordered by `id` ascending. */
  contacts: readonly SandboxContact[];
}

export interface GenerateOptions {
  /** How many contacts (default 2000). */
  contacts?: number;
  /** Default 1. */
  seed?: number;
  /** Default: the current time, truncated to the hour (so runs within an hour agree). */
  now?: Date;
  /** Default America/New_York. */
  timeZone?: string;
}

const SECOND = 1000;
const HOUR = 3_600_000;
const WINDOW = 30 * 24 * HOUR;
/** A bulk update larger than a page (500), all in filter 70542, when there are enough contacts. */
const BULK_SIZE = 520;
const BULK_MIN_CONTACTS = 2000;

const [inquiries, applicants, transfers] = sandboxFilters.map((filter) => filter.id) as [number, number, number];
const membership = weighted<readonly number[]>([
  [Object.freeze([]), 5],
  [Object.freeze([inquiries]), 40],
  [Object.freeze([applicants]), 15],
  [Object.freeze([transfers]), 8],
  [Object.freeze([inquiries, applicants]), 20],
  [Object.freeze([inquiries, transfers]), 5],
  [Object.freeze([applicants, transfers]), 4],
  [Object.freeze([inquiries, applicants, transfers]), 3],
]);
const inquiryMembership = weighted<readonly number[]>([
  [Object.freeze([inquiries]), 3],
  [Object.freeze([inquiries, applicants]), 1],
]);

/** Generates the data set; deterministic for the same options. */
export function generateDataset(options: GenerateOptions = {}): SandboxDataset {
  const count = options.contacts ?? 2000;
  const seed = options.seed ?? 1;
  const timeZone = options.timeZone ?? 'America/New_York';
  const now = Math.floor((options.now?.getTime() ?? Math.floor(Date.now() / HOUR) * HOUR) / SECOND) * SECOND;
  const random = createRandom(seed);
  const dates = dateSource(random, count, now, timeZone);
  const bulkStart = count >= BULK_MIN_CONTACTS ? random.int(0, count - BULK_SIZE) : -1;

  const contacts: SandboxContact[] = new Array(count);
  let id = 100_000;
  for (let index = 0; index < count; index++) {
    id += random.chance(0.1) ? random.int(2, 6) : 1;
    const inBulk = index >= bulkStart && index < bulkStart + BULK_SIZE && bulkStart >= 0;
    contacts[index] = {
      id,
      modifiedAt: inBulk ? dates.bulk : dates.next(),
      filterIds: inBulk ? inquiryMembership(random) : membership(random),
      values: contactValues(random),
    };
  }
  return {
    seed,
    now: new Date(now).toISOString(),
    timeZone,
    attributes: sandboxAttributes,
    listOptions: { program_interest: programOptions },
    filters: sandboxFilters,
    sourceCodes: sandboxSourceCodes,
    users: sandboxUsers,
    fields: sandboxFields,
    contacts,
  };
}

/** One contact's values; always the same keys in the same order (one hidden class). */
function contactValues(random: Random): Record<string, AttributeValue | undefined> {
  const name = names(random);
  return {
    firstname: name.firstname,
    lastname: name.lastname,
    mobilephone: mobilePhone(random),
    homephone: random.chance(0.3) ? validPhone(random) : undefined,
    workphone: random.chance(0.15) ? validPhone(random) : undefined,
    email: random.chance(0.9) ? email(name) : undefined,
    city: cityPicker(random),
    sms_status: smsStatusPicker(random),
    counselor_id: counselorId(random),
    program_interest: programInterest(random),
    entry_term: entryTermPicker(random),
  };
}

/**
 * Modification dates over the 30 days before `now`, to the second: mostly spread out,
 * ~4% in same-second clusters, ~0.5% in the repeated hour of an autumn clock change when
 * the window holds one, plus the instant of the bulk update.
 */
function dateSource(random: Random, count: number, now: number, timeZone: string): { next(): number; bulk: number } {
  const start = now - WINDOW + SECOND;
  const anyTime = () => start + random.int(0, WINDOW / SECOND - 1) * SECOND;
  const clusters = Array.from({ length: Math.max(3, Math.round(count / 500)) }, anyTime);
  const repeatedHour = findRepeatedHour(start, now, timeZone);
  const bulk = anyTime();
  function next(): number {
    const roll = random.next();
    if (roll < 0.04) return random.pick(clusters);
    if (roll < 0.045 && repeatedHour !== undefined) {
      // Either pass through the repeated hour, both written alike by Connect.
      const instant = repeatedHour + random.int(0, 1) * HOUR + random.int(0, 3599) * SECOND;
      if (instant <= now) return instant;
    }
    return anyTime();
  }
  return { next, bulk };
}

/** The first instant of the earlier pass through an hour the zone repeats, if the window holds one. */
function findRepeatedHour(start: number, end: number, timeZone: string): number | undefined {
  const clock = connectClock(timeZone);
  for (let hour = Math.ceil(start / HOUR) * HOUR; hour + HOUR <= end; hour += HOUR) {
    if (clock.format(new Date(hour)) === clock.format(new Date(hour + HOUR))) return hour;
  }
  return undefined;
}
