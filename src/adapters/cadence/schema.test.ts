import { describe, expect, it } from 'vitest';
import { OptOutsPage, readPlainOptOutsPage } from './schema.js';

const change = { uniqueCampusId: '100234', mobileNumber: '4045550134', optedOut: true, changedAt: '2026-11-24T18:03:11Z', source: 'keyword' };

/** Pages that differ from a plain one in one place each. */
const variants: [string, unknown][] = [
  ['plain', { changes: [change], nextCursor: null }],
  ['with milliseconds and a cursor', { changes: [{ ...change, changedAt: '2026-11-24T18:03:11.250Z' }], nextCursor: 'c-2' }],
  ['empty', { changes: [], nextCursor: null }],
  ['with keys nobody asked for', { changes: [{ ...change, note: 'x' }], nextCursor: null, total: 1 }],
  ['an offset instead of Z', { changes: [{ ...change, changedAt: '2026-11-24T13:03:11-05:00' }], nextCursor: null }],
  ['31 February', { changes: [{ ...change, changedAt: '2026-02-31T18:03:11Z' }], nextCursor: null }],
  ['hour 25', { changes: [{ ...change, changedAt: '2026-11-24T25:03:11Z' }], nextCursor: null }],
  ['no seconds', { changes: [{ ...change, changedAt: '2026-11-24T18:03Z' }], nextCursor: null }],
  ['a date only', { changes: [{ ...change, changedAt: '2026-11-24' }], nextCursor: null }],
  ['optedOut as a string', { changes: [{ ...change, optedOut: 'true' }], nextCursor: null }],
  ['an unknown source', { changes: [{ ...change, source: 'api' }], nextCursor: null }],
  ['a numeric id', { changes: [{ ...change, uniqueCampusId: 100234 }], nextCursor: null }],
  ['no mobile number', { changes: [{ ...change, mobileNumber: undefined }], nextCursor: null }],
  ['a null change', { changes: [null], nextCursor: null }],
  ['an empty cursor', { changes: [change], nextCursor: '' }],
  ['no cursor key', { changes: [change] }],
  ['changes as an object', { changes: { 0: change }, nextCursor: null }],
  ['an array', [change]],
  ['null', null],
  ['a bad date after good ones', { changes: [change, change, { ...change, changedAt: '2026-02-31T18:03:11Z' }], nextCursor: null }],
];

describe('readPlainOptOutsPage', () => {
  it.each(variants)('agrees with OptOutsPage on a page %s', (_name, data) => {
    const plain = readPlainOptOutsPage(data);
    const parsed = OptOutsPage.safeParse(data);
    // Never accepts what the schema refuses; when it accepts, it reads the same thing.
    if (plain !== undefined) expect(parsed.success && parsed.data).toEqual(plain);
  });

  it('reads the plain shape itself, dropping other keys as the schema does', () => {
    expect(readPlainOptOutsPage(variants[3]![1])).toEqual({ changes: [change], nextCursor: null });
    expect(readPlainOptOutsPage(variants[1]![1])).toBeDefined();
    expect(readPlainOptOutsPage(variants[2]![1])).toEqual({ changes: [], nextCursor: null });
  });

  it('leaves the schema to explain every page it does not read', () => {
    for (const [name, data] of variants.slice(4)) expect(readPlainOptOutsPage(data), name).toBeUndefined();
  });
});
