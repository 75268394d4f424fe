import { describe, expect, it } from 'vitest';
import { connectClock, type ConnectClock } from './dates.js';
import type { AttributeValue, ListItem } from '../../core/types.js';
import type { SandboxContact } from '../generate.js';
import { programOptions } from '../generate-catalog.js';
import { createRandom, type Random } from '../random.js';
import { createContactsPageWriter } from './contacts-page.js';
import { escapeXml } from './xml.js';

/**
 * The page the slow, obvious way: the inner document as text, escaped as a whole for the
 * envelope, encoded once. The writer must give exactly these bytes.
 */
function reference(clock: ConnectClock, total: number, contacts: readonly SandboxContact[], names: readonly string[]): Buffer {
  const attribute = (name: string, value: AttributeValue) =>
    typeof value === 'string'
      ? `<attribute><name>${escapeXml(name)}</name><value>${escapeXml(value)}</value></attribute>`
      : `<attribute><name>${escapeXml(name)}</name>${value.map((item) => `<item><value>${escapeXml(item.value)}</value><display>${escapeXml(item.display)}</display></item>`).join('')}</attribute>`;
  const body = contacts
    .map((contact) => {
      const values = names.map((name) => contact.values[name]).map((value, index) => (value === undefined ? '' : attribute(names[index]!, value)));
      return `<contact>${attribute('contactid', String(contact.id))}${attribute('modifieddate', clock.format(new Date(contact.modifiedAt)))}${values.join('')}</contact>`;
    })
    .join('');
  return Buffer.from(escapeXml(`<result><code>1</code><returndata><contacts total="${total}">${body}</contacts></returndata></result>`), 'utf8');
}

const TEXTS = ['Ana', '', 'Zoë', "O'Brien", 'A & B <c> "d"', 'line\r\nbreak\tand tab', 'bell\u0007', 'lone \ud800 surrogate', '😀 東京', '  padded  ', '\u007f', '&amp;'];
const NAMES = ['firstname', 'city', 'program_interest', 'notes'];

function someValue(random: Random): AttributeValue | undefined {
  const roll = random.next();
  if (roll < 0.15) return undefined;
  if (roll < 0.3) return programOptions.filter(() => random.chance(0.4));
  if (roll < 0.35) return [{ value: 'X&Y', display: 'Ünïcode <list>' }];
  if (roll < 0.5) return `(404) 555-${random.int(1000, 9999)}`;
  return random.pick(TEXTS);
}

/** Contacts in date order, `stepSeconds` apart on average, from `start`. */
function contacts(random: Random, count: number, start: number, stepSeconds: number): SandboxContact[] {
  let at = start;
  return Array.from({ length: count }, (_, index) => {
    at += random.int(0, 2 * stepSeconds) * 1000;
    const values: Record<string, AttributeValue | undefined> = {};
    for (const name of NAMES) values[name] = someValue(random);
    return { id: 100_000 + index * 7, modifiedAt: at, filterIds: [1], values };
  });
}

describe('createContactsPageWriter', () => {
  it.each([
    ['America/New_York', '2026-11-01T04:00:00Z', 'across the repeated autumn hour'],
    ['America/New_York', '2027-03-14T05:00:00Z', 'across the skipped spring hour'],
    ['Asia/Kolkata', '2026-11-24T00:00:00Z', 'in a half-hour zone'],
    ['Asia/Kathmandu', '2026-11-24T00:00:00Z', 'in a quarter-hour zone'],
    ['Australia/Lord_Howe', '2026-10-03T14:00:00Z', 'across a half-hour clock change'],
    ['America/New_York', '1883-11-18T15:00:00Z', 'in local mean time (an offset in seconds)'],
  ])('writes exactly the escaped document in %s %s (%s)', (zone, from, _why) => {
    const clock = connectClock(zone);
    const writer = createContactsPageWriter(clock);
    const random = createRandom(zone.length);
    const all = contacts(random, 1500, Date.parse(from), 45);
    for (let start = 0; start < all.length; start += 500) {
      const page = all.slice(start, start + 500);
      const bytes = writer.write(all.length, page, NAMES);
      expect(bytes.equals(reference(clock, all.length, page, NAMES))).toBe(true);
      writer.release(bytes);
    }
  });

  it('writes contacts with no attribute, repeated names, an empty page and contacts sharing a second', () => {
    const clock = connectClock('America/New_York');
    const writer = createContactsPageWriter(clock);
    const at = Date.parse('2026-11-24T18:00:00Z');
    const page: SandboxContact[] = [
      { id: 1, modifiedAt: at, filterIds: [], values: {} },
      { id: 22, modifiedAt: at, filterIds: [], values: { firstname: 'Ana', program_interest: [] } },
      { id: 333, modifiedAt: at + 999, filterIds: [], values: { firstname: 'Bo', city: undefined } },
    ];
    for (const names of [[], ['firstname', 'firstname'], ['program_interest', 'firstname', 'city']]) {
      expect(writer.write(3, page, names).equals(reference(clock, 3, page, names))).toBe(true);
    }
    expect(writer.write(0, [], NAMES).equals(reference(clock, 0, [], NAMES))).toBe(true);
  });

  it('grows past its estimate for a page far larger than the last one', () => {
    const clock = connectClock('America/New_York');
    const writer = createContactsPageWriter(clock);
    const at = Date.parse('2026-11-24T18:00:00Z');
    const small: SandboxContact[] = [{ id: 1, modifiedAt: at, filterIds: [], values: { firstname: 'A' } }];
    writer.release(writer.write(1, small, ['firstname']));
    const large: SandboxContact[] = [1, 2].map((id) => ({ id, modifiedAt: at, filterIds: [], values: { firstname: `${'x'.repeat(100_000)}&"${'é'.repeat(50_000)}`, city: 'y'.repeat(200_000) } }));
    expect(writer.write(2, large, ['firstname', 'city']).equals(reference(clock, 2, large, ['firstname', 'city']))).toBe(true);
  });

  it('reuses a released buffer without disturbing a page still held', () => {
    const clock = connectClock('America/New_York');
    const writer = createContactsPageWriter(clock);
    const all = contacts(createRandom(3), 600, Date.parse('2026-11-24T18:00:00Z'), 30);
    const [first, second, third] = [all.slice(0, 200), all.slice(200, 400), all.slice(400)];
    const held = writer.write(600, first!, NAMES);
    const released = writer.write(600, second!, NAMES);
    const copy = Buffer.from(released);
    expect(copy.equals(reference(clock, 600, second!, NAMES))).toBe(true);
    writer.release(released);
    const reused = writer.write(600, third!, NAMES);
    expect(reused.buffer).toBe(released.buffer);
    expect(reused.equals(reference(clock, 600, third!, NAMES))).toBe(true);
    expect(held.equals(reference(clock, 600, first!, NAMES))).toBe(true);
  });

  it('does not cache the items of a list that may still change', () => {
    const clock = connectClock('America/New_York');
    const writer = createContactsPageWriter(clock);
    const items: ListItem[] = [{ value: 'BIO', display: 'Biology' }];
    const contact = (): SandboxContact => ({ id: 1, modifiedAt: 0, filterIds: [], values: { program_interest: items } });
    expect(writer.write(1, [contact()], ['program_interest']).toString('utf8')).toContain('Biology');
    items[0] = { value: 'ART', display: 'Art & Design' };
    const page = writer.write(1, [contact()], ['program_interest']);
    expect(page.equals(reference(clock, 1, [contact()], ['program_interest']))).toBe(true);
    expect(page.toString('utf8')).toContain('Art &amp;amp; Design');
  });
});
