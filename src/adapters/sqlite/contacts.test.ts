import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { CadenceContact } from '../../core/types.js';
import { openStateStore, type SqliteStateStore } from './store.js';

let dir: string;
let store: SqliteStateStore;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'connect-sync-contacts-'));
  store = openStateStore(path.join(dir, 'state.db'));
});
afterEach(() => {
  store.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

function payload(id: string, optedOut: boolean | undefined): CadenceContact {
  return {
    uniqueCampusId: id,
    firstName: 'Ada',
    // A value that spells the key must not be mistaken for it.
    lastName: '"optedOut":true',
    mobileNumber: '4045550134',
    ...(optedOut === undefined ? {} : { optedOut }),
    allowMobileUpdate: true,
    customFields: { optedOut: 'true' },
  };
}

describe('confirmed opt-outs without whole payloads', () => {
  it("reads each confirmed payload's optedOut, undefined when it is left out, nothing for unknown contacts", () => {
    store.recordConfirmed([
      { contactId: '1', payload: payload('1', true) },
      { contactId: '2', payload: payload('2', false) },
      { contactId: '3', payload: payload('3', undefined) },
    ]);
    expect(store.getConfirmedOptedOut(['1', '2', '3', '4'])).toEqual(
      new Map([
        ['1', true],
        ['2', false],
        ['3', undefined],
      ]),
    );
  });
});

describe('holdsAny', () => {
  it('says whether any confirmed payload or consent is on record', () => {
    expect(store.holdsAny('confirmed')).toBe(false);
    expect(store.holdsAny('consent')).toBe(false);
    store.recordConfirmed([{ contactId: '1', payload: payload('1', false) }]);
    expect(store.holdsAny('confirmed')).toBe(true);
    expect(store.holdsAny('consent')).toBe(false);
    store.recordConsent('1', { optedOut: true, changedAt: '2026-11-24T18:03:11Z', source: 'keyword' });
    expect(store.holdsAny('consent')).toBe(true);
    store.forgetConfirmed(['1']);
    expect(store.holdsAny('confirmed')).toBe(false);
  });
});
