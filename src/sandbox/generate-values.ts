/**
 * The messy values real contact records hold, drawn from a seeded generator: phone numbers
 * in every format people type (and some that cannot be texted), opt-out statuses in any
 * case, names with accents and stray spaces, counselor ids that match nobody. Strings are
 * taken from shared pools wherever the value repeats, so a million contacts stay small.
 */
import type { ListItem } from '../core/types.js';
import { programOptions, sandboxUsers } from './generate-catalog.js';
import { weighted, type Random } from './random.js';

const AREA_CODES = ['404', '470', '678', '770', '212', '646', '312', '415', '617', '305', '213', '206', '512', '720', '303'];

type Parts = [area: string, exchange: string, line: string];
type PhoneFormat = (parts: Parts, random: Random) => string;

const fullwidth = (text: string): string => text.replace(/\d/g, (digit) => String.fromCharCode(0xff10 + Number(digit)));

/** Formats that normalise to a valid 10-digit number (product.md §3). */
const validFormats = weighted<PhoneFormat>([
  [([a, e, l]) => `(${a}) ${e}-${l}`, 30],
  [([a, e, l]) => `${a}-${e}-${l}`, 25],
  [([a, e, l]) => `${a}.${e}.${l}`, 8],
  [([a, e, l]) => `${a}${e}${l}`, 15],
  [([a, e, l]) => `+1 ${a} ${e} ${l}`, 6],
  [([a, e, l]) => `1-${a}-${e}-${l}`, 5],
  [([a, e, l]) => `${fullwidth(a)}－${fullwidth(e)}－${fullwidth(l)}`, 2],
  [([a, e, l]) => `${a}\u00a0${e}\u00a0${l}`, 2],
  [([a, e, l]) => ` (${a}) ${e}-${l} `, 2],
]);

/** Values that cannot be texted: INVALID_MOBILE, or MISSING_MOBILE for the blank ones. */
const invalidFormats = weighted<PhoneFormat>([
  [([a, e]) => `${a}-${e}-CALL`, 1],
  [([a, e, l]) => `${a}-${e}-O${l.slice(1)}`, 1],
  [([a, e, l], random) => `${a}-${e}-${l} x${random.int(1, 99)}`, 1],
  [([a, e, l]) => `${a}-${e}-${l.slice(0, 3)}`, 1],
  [([a, e, l], random) => `${a}-${e}-${l}${random.int(10, 99)}`, 1],
  [([a, e, l], random) => `(${random.int(0, 1)}${a.slice(1)}) ${e}-${l}`, 1],
  [() => '', 1],
]);

function phoneParts(random: Random): Parts {
  return [random.pick(AREA_CODES), String(random.int(200, 999)), String(random.int(0, 9999)).padStart(4, '0')];
}

/** A valid phone number in one of the formats people type. */
export function validPhone(random: Random): string {
  return validFormats(random)(phoneParts(random), random);
}

/** The mobile number: ~3% invalid or empty, a few absent, the rest valid in any format. */
export function mobilePhone(random: Random): string | undefined {
  const roll = random.next();
  if (roll < 0.003) return undefined;
  if (roll < 0.033) return invalidFormats(random)(phoneParts(random), random);
  return validPhone(random);
}

const FIRST_NAMES = [
  'Ana', 'José', 'Zoë', 'Łukasz', 'María', 'François', 'Søren', 'Chloé', 'Björn', 'Siobhán', 'Renée', 'Jürgen',
  'Aoife', 'Mohammed', 'Wei', 'Priya', 'Olúwaseun', "D'Angelo", 'Emily', 'Michael', 'Sofia', 'Liam', 'Noah',
  'Olivia', 'Ava', 'Ethan', 'Mia', 'Lucas', 'Isabella', 'Mateo', 'Amara', 'Kenji', 'Fatima', 'Diego', 'Hannah',
  'Jamal', 'Ngozi', 'Élodie', 'Thảo', 'Zoltán',
];
const LAST_NAMES = [
  'Nguyễn', 'García', 'Müller', "O'Brien", 'Kowalski', 'Johnson', 'Dubois', 'Østergaard', 'Çelik', 'Núñez', 'Lee',
  'Smith-Jones', 'van der Berg', 'Smith', 'Williams', 'Brown', 'Jones', 'Miller', 'Davis', 'Rodríguez', 'Martínez',
  'Hernández', 'López', 'Gonzalez', 'Wilson', 'Anderson', 'Thomas', 'Taylor', 'Moore', 'Jackson', 'Okafor', 'Tanaka',
  'Kim', 'Patel', 'Chen', 'Cohen', 'Schrödinger', 'Łukasiewicz', 'Ababio', 'Ó Súilleabháin',
];

export interface NamePick {
  firstIndex: number;
  lastIndex: number;
  firstname: string | undefined;
  lastname: string | undefined;
}

const padded = weighted<(name: string) => string>([
  [(name) => ` ${name}`, 1],
  [(name) => `${name} `, 1],
  [(name) => `  ${name}  `, 1],
]);
const blank = weighted<string | undefined>([['', 2], ['   ', 1], [undefined, 1]]);

function name(random: Random, pool: readonly string[], index: number): string | undefined {
  const roll = random.next();
  if (roll < 0.004) return blank(random);
  if (roll < 0.024) return padded(random)(pool[index]!);
  return pool[index];
}

/** First and last name: accents, apostrophes, ~2% with stray spaces, ~0.4% each blank. */
export function names(random: Random): NamePick {
  const firstIndex = random.int(0, FIRST_NAMES.length - 1);
  const lastIndex = random.int(0, LAST_NAMES.length - 1);
  return { firstIndex, lastIndex, firstname: name(random, FIRST_NAMES, firstIndex), lastname: name(random, LAST_NAMES, lastIndex) };
}

const emails = new Map<number, string>();

/** An address made from the name (shared between namesakes, as real data has). */
export function email(pick: NamePick): string {
  const key = pick.firstIndex * 1000 + pick.lastIndex;
  let address = emails.get(key);
  if (address === undefined) {
    const slug = (text: string) => text.normalize('NFKD').replace(/[^A-Za-z]/g, '').toLowerCase();
    address = `${slug(FIRST_NAMES[pick.firstIndex]!)}.${slug(LAST_NAMES[pick.lastIndex]!)}@example.edu`;
    emails.set(key, address);
  }
  return address;
}

export const cityPicker = weighted<string | undefined>([
  ['Atlanta', 20], ['Savannah', 8], ['Winston-Salem', 5], ["Coeur d'Alene", 2], ['São Paulo', 2], ['Montréal', 3],
  ['Chicago', 10], ['New York', 12], ['Boston', 6], ['Miami', 6], ['Seattle', 4], ['Austin', 5], ['', 5], [undefined, 12],
]);

/** SMS status as people typed it; ~1% unrecognisable. */
export const smsStatusPicker = weighted<string | undefined>([
  ['Opted In', 55], ['opted in', 5], ['Opted Out', 10], ['OPTED OUT', 3], ['opted out ', 1], ['', 15], [undefined, 10],
  ['maybe', 0.4], ['STOP', 0.4], ['Yes', 0.2],
]);

const UNKNOWN_COUNSELORS = ['kim', 'former.counselor', 'JDOE', 'tbd'];

/** Counselor User ID: mostly a Cadence user, some blank, ~2% unknown, a few padded. */
export function counselorId(random: Random): string | undefined {
  const roll = random.next();
  if (roll < 0.02) return random.pick(UNKNOWN_COUNSELORS);
  if (roll < 0.07) return '';
  if (roll < 0.1) return undefined;
  const userId = random.pick(sandboxUsers).userId;
  return roll < 0.11 ? ` ${userId} ` : userId;
}

export const entryTermPicker = weighted<string>([['Fall 2027', 50], ['Spring 2028', 20], ['Fall 2028', 15], ['Summer 2027', 5], ['', 10]]);

const itemLists = new Map<string, readonly ListItem[]>();
const itemCount = weighted<number>([[0, 20], [1, 45], [2, 25], [3, 10]]);

/** 0 to 3 distinct programs (2% absent); equal selections share one frozen array. */
export function programInterest(random: Random): readonly ListItem[] | undefined {
  if (random.chance(0.02)) return undefined;
  const count = itemCount(random);
  const chosen: number[] = [];
  while (chosen.length < count) {
    const index = random.int(0, programOptions.length - 1);
    if (!chosen.includes(index)) chosen.push(index);
  }
  const key = chosen.join(',');
  let items = itemLists.get(key);
  if (items === undefined) {
    items = Object.freeze(chosen.map((index) => programOptions[index]!));
    itemLists.set(key, items);
  }
  return items;
}
