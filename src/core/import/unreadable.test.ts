import { describe, expect, it } from 'vitest';
import type { ConnectContact } from '../types.js';
import { RunTally } from './tally.js';
import { splitUnreadable } from './unreadable.js';

const rules = { firstName: 'firstname', lastName: 'lastname', mobileNumber: 'mobilephone' };
const readable = (id: string): ConnectContact => ({ contactId: id, modifiedLocal: '24 Nov 2026 01:05:22 PM', modifiedAt: '2026-11-24T18:05:22.000Z', attributes: {} });
const unreadable = (id: string, why = 'record 2: contactid is "abc"'): ConnectContact => ({
  contactId: id,
  modifiedLocal: '',
  modifiedAt: '',
  attributes: { firstname: ' Ana ', lastname: 'Lima', mobilephone: '555' },
  unreadable: why,
});

describe('splitUnreadable (product.md §8)', () => {
  it('passes a slice without unreadable records through as it is', () => {
    const slice = [readable('1'), readable('2')];
    const split = splitUnreadable(slice, rules, new RunTally([7]), 7);
    expect(split.readable).toBe(slice);
    expect(split.unreadable).toEqual([]);
  });

  it('counts each unreadable record once as matched, with its raw id and the names as read', () => {
    const tally = new RunTally([7, 8]);
    const first = splitUnreadable([readable('1'), unreadable('abc'), unreadable(''), unreadable('100235', 'modifieddate is "x"')], rules, tally, 7);
    expect(first.readable.map((contact) => contact.contactId)).toEqual(['1']);
    expect(first.unreadable.map(({ contactId, report, issue }) => [contactId, report.firstName, report.lastName, report.mobileNumber, issue.code])).toEqual([
      ['abc', 'Ana', 'Lima', '555', 'INVALID_RECORD'],
      ['', 'Ana', 'Lima', '555', 'INVALID_RECORD'],
      ['100235', 'Ana', 'Lima', '555', 'INVALID_RECORD'],
    ]);
    // A contact id that is one is the key; other raw ids get keys no contact id has.
    expect(first.unreadable.map((record) => record.key)).toEqual(['-1', '-2', '100235']);
    // Returned again by another filter: already counted and reported.
    const second = splitUnreadable([unreadable('abc'), unreadable('100235')], rules, tally, 8);
    expect(second.unreadable).toEqual([]);
    // The readable contact is counted by the planner, not here.
    expect(tally.counts()).toMatchObject({ matched: 3, notProcessed: 3 });
    expect(tally.filtersOf('-1')).toEqual([7, 8]);
  });
});
