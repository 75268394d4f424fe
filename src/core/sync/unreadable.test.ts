import { describe, expect, it } from 'vitest';
import type { ConnectContact } from '../types.js';
import { RunTally } from './tally.js';
import { unreadableRecord } from './unreadable.js';

const rules = { firstName: 'firstname', lastName: 'lastname', mobileNumber: 'mobilephone' };
const unreadable = (id: string, why = 'record 2: contactid is "abc"'): ConnectContact => ({
  contactId: id,
  modifiedLocal: '',
  modifiedAt: '',
  attributes: { firstname: ' Ana ', lastname: 'Lima', mobilephone: '555' },
  unreadable: why,
});

describe('unreadable records (product.md §8)', () => {
  it('are reported with their raw id, the names as read, and why', () => {
    expect(unreadableRecord(unreadable('abc'), rules)).toEqual({
      contactId: 'abc',
      report: { firstName: 'Ana', lastName: 'Lima', mobileNumber: '555' },
      issue: { severity: 'error', code: 'INVALID_RECORD', message: 'the record cannot be read: record 2: contactid is "abc"' },
    });
  });

  it('are counted under their contact id when it is one, else under a key no contact id has, one per raw id', () => {
    const tally = new RunTally([7]);
    expect(['abc', '', '100235', 'abc'].map((id) => tally.unreadableKey(id))).toEqual(['-1', '-2', '100235', '-1']);
  });
});
