/** The sandbox's data generator: deterministic, and as varied as real Connect data. */
import { describe, expect, it } from 'vitest';
import { connectClock } from '../../src/adapters/connect/dates.js';
import { generateDataset, type SandboxContact } from '../../src/sandbox/generate.js';
import { sandboxFacts } from '../../src/sandbox/generate-catalog.js';

const NOW = new Date('2026-11-20T12:00:00Z'); // the window holds the 1 Nov 2026 clock change in New York
const dataset = generateDataset({ contacts: 2000, seed: 1, now: NOW });
const text = (contact: SandboxContact, name: string) => contact.values[name] as string | undefined;
const values = (name: string) => dataset.contacts.map((contact) => text(contact, name));

function countWhere(name: string, test: (value: string | undefined) => boolean): number {
  return values(name).filter(test).length;
}

describe('generateDataset', () => {
  it('is deterministic for the same seed and now, and differs for another seed', () => {
    const again = generateDataset({ contacts: 2000, seed: 1, now: NOW });
    expect(JSON.stringify(again)).toBe(JSON.stringify(dataset));
    expect(JSON.stringify(generateDataset({ contacts: 2000, seed: 2, now: NOW }).contacts)).not.toBe(JSON.stringify(dataset.contacts));
    expect(generateDataset({ contacts: 10, now: NOW }).seed).toBe(1);
  });

  it('gives positive, unique, ascending contact ids', () => {
    const ids = dataset.contacts.map((contact) => contact.id);
    expect(ids.every((id, index) => Number.isSafeInteger(id) && id > 0 && (index === 0 || id > ids[index - 1]!))).toBe(true);
    expect(ids).toHaveLength(2000);
  });

  it.each([
    ['(AAA) EEE-LLLL', /^\(\d{3}\) \d{3}-\d{4}$/],
    ['AAA-EEE-LLLL', /^\d{3}-\d{3}-\d{4}$/],
    ['AAA.EEE.LLLL', /^\d{3}\.\d{3}\.\d{4}$/],
    ['ten digits', /^\d{10}$/],
    ['+1 AAA EEE LLLL', /^\+1 \d{3} \d{3} \d{4}$/],
    ['1-AAA-EEE-LLLL', /^1-\d{3}-\d{3}-\d{4}$/],
    ['fullwidth digits', /^[\uff10-\uff19]{3}－[\uff10-\uff19]{3}－[\uff10-\uff19]{4}$/],
    ['non-breaking spaces', /^\d{3}\u00a0\d{3}\u00a0\d{4}$/],
    ['surrounding spaces', /^ \(\d{3}\) \d{3}-\d{4} $/],
    ['letters', /^\d{3}-\d{3}-(CALL|O\d{3})$/],
    ['an extension', /^\d{3}-\d{3}-\d{4} x\d+$/],
    ['9 digits', /^\d{3}-\d{3}-\d{3}$/],
    ['12 digits', /^\d{3}-\d{3}-\d{6}$/],
    ['area code 0 or 1', /^\([01]\d{2}\) \d{3}-\d{4}$/],
    ['empty', /^$/],
  ])('has mobile numbers written as %s', (_, pattern) => {
    expect(countWhere('mobilephone', (value) => value !== undefined && pattern.test(value))).toBeGreaterThan(0);
  });

  it('has about 3% mobile numbers that cannot be texted, and valid area codes and exchanges elsewhere', () => {
    const digits = values('mobilephone').map((value) => (value ?? '').normalize('NFKC').replace(/[\s().\-+]/g, ''));
    const invalid = digits.filter((value) => !/^1?[2-9]\d{2}[2-9]\d{6}$/.test(value)).length;
    expect(invalid / 2000).toBeGreaterThan(0.015);
    expect(invalid / 2000).toBeLessThan(0.05);
    expect(countWhere('mobilephone', (value) => value === undefined)).toBeLessThan(20);
  });

  it('has SMS statuses in any case, empty, absent and unrecognisable', () => {
    const seen = new Set(values('sms_status'));
    for (const status of ['Opted In', 'opted in', 'Opted Out', 'OPTED OUT', '', undefined]) expect(seen).toContain(status);
    const unrecognised = countWhere('sms_status', (value) => value !== undefined && !['opted in', 'opted out', ''].includes(value.trim().toLowerCase()));
    expect(unrecognised).toBeGreaterThan(0);
    expect(unrecognised / 2000).toBeLessThan(0.03);
  });

  it('has counselor ids of known users (mostly), blank ones, padded ones and ~2% unknown', () => {
    const userIds = new Set(dataset.users.map((user) => user.userId));
    expect(countWhere('counselor_id', (value) => value !== undefined && userIds.has(value)) / 2000).toBeGreaterThan(0.8);
    expect(countWhere('counselor_id', (value) => (value ?? '').trim() === '')).toBeGreaterThan(0);
    expect(countWhere('counselor_id', (value) => value !== undefined && value !== value.trim() && userIds.has(value.trim()))).toBeGreaterThan(0);
    const unknown = countWhere('counselor_id', (value) => (value ?? '').trim() !== '' && !userIds.has(value!.trim()));
    expect(unknown / 2000).toBeGreaterThan(0.005);
    expect(unknown / 2000).toBeLessThan(0.04);
  });

  it('has programs of interest with 0 to 3 items drawn from the list options', () => {
    const options = dataset.listOptions.program_interest!;
    const lists = dataset.contacts.map((contact) => contact.values.program_interest);
    for (const size of [0, 1, 2, 3]) expect(lists.some((list) => Array.isArray(list) && list.length === size)).toBe(true);
    expect(lists.every((list) => list === undefined || (Array.isArray(list) && list.every((item) => options.includes(item))))).toBe(true);
  });

  it('has names with accents, stray spaces, and a few missing', () => {
    const names = [...values('firstname'), ...values('lastname')];
    for (const name of ['José', 'Zoë', 'Łukasz', 'Nguyễn']) expect(names).toContain(name);
    expect(names.some((name) => name !== undefined && name.trim() !== '' && name !== name.trim())).toBe(true);
    expect(countWhere('firstname', (value) => (value ?? '').trim() === '')).toBeGreaterThan(0);
    expect(countWhere('lastname', (value) => (value ?? '').trim() === '')).toBeGreaterThan(0);
  });

  it('dates contacts over the 30 days before now, to the second, with same-second clusters and a bulk update over 500', () => {
    const dates = dataset.contacts.map((contact) => contact.modifiedAt);
    expect(dates.every((at) => at % 1000 === 0 && at <= NOW.getTime() && at > NOW.getTime() - 30 * 86_400_000)).toBe(true);
    const perSecond = new Map<number, number>();
    for (const contact of dataset.contacts) {
      if (contact.filterIds.includes(70542)) perSecond.set(contact.modifiedAt, (perSecond.get(contact.modifiedAt) ?? 0) + 1);
    }
    const sizes = [...perSecond.values()].sort((a, b) => b - a);
    expect(sizes[0]).toBeGreaterThan(500);
    expect(sizes.filter((size) => size >= 3).length).toBeGreaterThan(3);
  });

  it('puts contacts in both passes through the repeated hour when the window holds one', () => {
    const clock = connectClock('America/New_York');
    const repeated = dataset.contacts.filter((contact) => clock.format(new Date(contact.modifiedAt)).startsWith('01 Nov 2026 01:'));
    const firstPass = repeated.filter((contact) => contact.modifiedAt < Date.parse('2026-11-01T06:00:00Z'));
    expect(firstPass.length).toBeGreaterThan(0);
    expect(repeated.length - firstPass.length).toBeGreaterThan(0);
  });

  it('puts contacts in one, two, three or no filters', () => {
    const counts = new Set(dataset.contacts.map((contact) => contact.filterIds.length));
    expect(counts).toEqual(new Set([0, 1, 2, 3]));
    const filterIds = new Set(dataset.filters.map((filter) => filter.id));
    expect(dataset.contacts.every((contact) => contact.filterIds.every((id) => filterIds.has(id)))).toBe(true);
  });

  it('states facts that hold for the data set, so a printed config works against it', () => {
    const attributes = new Set(dataset.attributes.map((attribute) => attribute.name));
    for (const name of [
      ...Object.values(sandboxFacts.standardFields),
      sandboxFacts.optOut.field,
      ...sandboxFacts.additionalFields.map((field) => field.contactField),
    ]) {
      expect(attributes).toContain(name);
    }
    expect(dataset.attributes.filter((attribute) => attribute.mappingName === sandboxFacts.ambiguousLabel)).toHaveLength(2);
    expect(dataset.filters.map((filter) => filter.id)).toEqual(sandboxFacts.filterIds);
    expect(dataset.sourceCodes.map((source) => source.code)).toContain(sandboxFacts.sourceCode);
    expect(dataset.users.map((user) => user.userId)).toEqual(sandboxFacts.userIds);
    expect(dataset.fields.map((field) => field.name)).toEqual(sandboxFacts.fieldNames);
    expect(sandboxFacts.additionalFields.every((field) => sandboxFacts.fieldNames.includes(field.cadenceField as never))).toBe(true);
  });

  it('generates 200,000 contacts (a million takes a few seconds; see the report)', () => {
    const large = generateDataset({ contacts: 200_000, seed: 9, now: NOW });
    expect(large.contacts).toHaveLength(200_000);
    expect(large.contacts.at(-1)!.id).toBeGreaterThan(large.contacts[0]!.id + 199_998);
  });
});
