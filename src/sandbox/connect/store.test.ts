import { describe, expect, it } from 'vitest';
import type { SandboxContact } from '../generate.js';
import { createRandom } from '../random.js';
import { createContactStore } from './store.js';

const FILTERS = [1, 2];

/** The obvious, slow answer the indexed store must agree with. */
function slowPage(contacts: Map<number, SandboxContact>, filterId: number, since: number | undefined, start: number, end: number) {
  const matching = [...contacts.values()]
    .filter((contact) => contact.filterIds.includes(filterId) && (since === undefined || contact.modifiedAt >= since))
    .sort((a, b) => a.modifiedAt - b.modifiedAt || a.id - b.id);
  return { total: matching.length, contacts: matching.slice(start - 1, end) };
}

describe('createContactStore', () => {
  it.each([1, 2, 3])('agrees with a linear scan through random pages and changes (seed %i)', (seed) => {
    const random = createRandom(seed);
    const at = () => 1_700_000_000_000 + random.int(0, 40) * 1000; // few distinct seconds: many ties
    // Ids of 1 to 4 digits, so that numeric and text order differ.
    const contacts: SandboxContact[] = Array.from({ length: 300 }, (_, index) => ({
      id: (index + 1) * (random.chance(0.5) ? 1 : 10),
      modifiedAt: at(),
      filterIds: FILTERS.filter(() => random.chance(0.6)),
      values: {},
    })).filter((contact, index, all) => all.findIndex((other) => other.id === contact.id) === index);
    const model = new Map(contacts.map((contact) => [contact.id, contact]));
    const store = createContactStore(random.chance(0.5) ? [...contacts].reverse() : contacts, FILTERS);
    const ids = [...model.keys()];
    for (let step = 0; step < 300; step++) {
      const changed = Array.from({ length: random.chance(0.2) ? random.int(33, 120) : random.int(1, 3) }, () => random.pick(ids));
      const updated = changed.map((id) => ({ ...model.get(id)!, modifiedAt: at(), values: { step: String(step) } }));
      store.replace(updated);
      for (const contact of updated) model.set(contact.id, contact);
      const filterId = random.pick(FILTERS);
      const since = random.chance(0.3) ? undefined : at();
      const start = random.int(1, 200);
      const end = start + random.int(0, 120);
      expect(store.page(filterId, since, start, end)).toEqual(slowPage(model, filterId, since, start, end));
    }
    expect(store.get(ids[0]!)).toBe(model.get(ids[0]!));
    expect(store.get(999_999)).toBeUndefined();
  });

  it('orders contacts whose dates are not whole seconds too', () => {
    const contacts = [3, 1, 2].map((id) => ({ id, modifiedAt: 1000.5 - id, filterIds: [1], values: {} }));
    expect(createContactStore(contacts, FILTERS).page(1, undefined, 1, 10).contacts.map((contact) => contact.id)).toEqual([3, 2, 1]);
  });

  it('refuses duplicate ids', () => {
    const contact = { id: 1, modifiedAt: 0, filterIds: [1], values: {} };
    expect(() => createContactStore([contact, { ...contact }], FILTERS)).toThrow(/duplicate contact id 1/);
  });
});
