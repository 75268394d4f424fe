/**
 * The chaos suite's random choices that need no world: how a contact is changed, and how
 * a round's import ends (by itself, or `kill -9` after a delay, some pages or some batches).
 */
import type { AttributeValue } from '../../src/core/types.js';
import { programOptions, sandboxFacts } from '../../src/sandbox/generate-catalog.js';
import type { Random } from '../../src/sandbox/random.js';

export type KillPlan =
  | { kind: 'none' }
  | { kind: 'delay'; ms: number }
  | { kind: 'pages'; pages: number }
  | { kind: 'batches'; batches: number };

export const CITIES = ['Savannah', 'Macon', 'Athens', '  Augusta ', 'Dalton & Sons', 'Rome <GA>', ''];
const FIRST_NAMES = ['Ana', 'José', 'Zoë', ' Lee ', "D'Angelo", ''];
const STATUSES = ['Opted In', 'Opted Out', 'opted out', ' OPTED IN ', '', 'maybe later'];
export const TERMS = ['Fall 2027', 'Spring 2028', 'Summer 2028', ''];
const INVALID_MOBILES = ['555-0134', '(404) 555-013', '+44 20 7946 0958', '404-555-CALL', ''];

/** A random edit of one contact: names, mobile (valid or not), consent, counselor, fields, or an unmapped attribute. */
export function randomChange(random: Random): Record<string, AttributeValue> {
  switch (random.int(0, 9)) {
    case 0:
      return { firstname: random.pick(FIRST_NAMES) };
    case 1:
      return { lastname: random.pick(['Nguyễn', "O'Brien", 'Smith-Jones', ' Kim ']) };
    case 2:
      return { mobilephone: random.chance(0.2) ? random.pick(INVALID_MOBILES) : validMobile(random) };
    case 3:
      return { sms_status: random.pick(STATUSES) };
    case 4:
      return { counselor_id: random.pick([...sandboxFacts.userIds, 'ghost', '']) };
    case 5:
      return { program_interest: programOptions.filter(() => random.chance(0.3)) };
    case 6:
      return { entry_term: random.pick(TERMS) };
    case 7:
      return { email: `chaos${random.int(1, 1e6)}@example.edu` };
    default:
      return { city: random.pick(CITIES) };
  }
}

/** A mobile number §3 accepts, in a format people type. */
function validMobile(random: Random): string {
  const digits = (count: number) => Array.from({ length: count }, () => random.int(0, 9)).join('');
  const area = `${random.int(2, 9)}${digits(2)}`;
  const exchange = `${random.int(2, 9)}${digits(2)}`;
  return random.pick([`(${area}) ${exchange}-${digits(4)}`, `${area}.${exchange}.${digits(4)}`, `+1 ${area} ${exchange} ${digits(4)}`]);
}

/** How this round's import ends: by itself, or killed after a delay, some pages or some batches. */
export function killPlan(random: Random): KillPlan {
  const roll = random.next();
  if (roll < 0.4) return { kind: 'none' };
  if (roll < 0.6) return { kind: 'delay', ms: random.int(150, 2500) };
  if (roll < 0.8) return { kind: 'pages', pages: random.int(1, 14) };
  return { kind: 'batches', batches: random.int(1, 10) };
}
