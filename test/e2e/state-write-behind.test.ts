/**
 * The state store's write-behind (src/adapters/sqlite/write-behind.ts), on the built code:
 * the writer thread runs only from dist, where its compiled script is (unit tests of the
 * TypeScript sources write on the main connection). It starts with the first write and takes
 * writes once its connection is open; each test waits for that. Every write asked for is seen at once by
 * the store's reads, committed in order, and on disk once the store is closed; a failed
 * write is thrown by the next call; forgetConfirmed returns only once committed.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type * as StoreModule from '../../src/adapters/sqlite/store.js';
import type { CadenceContact } from '../../src/core/types.js';

const BUILT_STORE = new URL('../../dist/adapters/sqlite/store.js', import.meta.url).href;
const { openStateStore } = (await import(BUILT_STORE)) as typeof StoreModule;

function payload(id: string, firstName: string, optedOut?: boolean): CadenceContact {
  return { uniqueCampusId: id, firstName, lastName: 'Lee', mobileNumber: '5551234567', ...(optedOut !== undefined && { optedOut }) } as CadenceContact;
}

let dir: string;
let file: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'write-behind-'));
  file = join(dir, 'state.sqlite');
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** A store whose writes go to its writer thread (started by a first write, then awaited). */
async function storeWritingBehind(): Promise<StoreModule.SqliteStateStore> {
  const store = openStateStore(file);
  store.removeRetries([]);
  await vi.waitFor(() => expect(store.writesBehind).toBe(true));
  return store;
}

/** What a separate connection reads from the file now. */
function confirmedOnDisk(ids: readonly string[]): Map<string, CadenceContact> {
  const reader = openStateStore(file, { readonly: true });
  try {
    return reader.getConfirmed(ids);
  } finally {
    reader.close();
  }
}

describe('state store write-behind (built)', () => {
  it('shows queued writes to its own reads at once, in order, and has them all on disk once closed', async () => {
    const store = await storeWritingBehind();
    const ids = Array.from({ length: 3000 }, (_, index) => String(1000 + index));
    for (let start = 0; start < ids.length; start += 1000) {
      store.recordConfirmed(ids.slice(start, start + 1000).map((id) => ({ contactId: id, payload: payload(id, 'Ann', false) })));
    }
    store.recordConfirmed([{ contactId: '1000', payload: payload('1000', 'Bea', true) }]);
    expect(store.getConfirmed(['1000', '3999', '5000'])).toEqual(
      new Map([
        ['1000', payload('1000', 'Bea', true)],
        ['3999', payload('3999', 'Ann', false)],
      ]),
    );
    expect(store.getConfirmedJson(['1000']).get('1000')).toBe(JSON.stringify(payload('1000', 'Bea', true)));
    expect(store.getConfirmedOptedOut(['1000', '1001'])).toEqual(new Map([['1000', true], ['1001', false]]));
    store.close();
    expect(store.writesBehind).toBe(false);
    const onDisk = confirmedOnDisk(ids);
    expect(onDisk.size).toBe(3000);
    expect(onDisk.get('1000')).toEqual(payload('1000', 'Bea', true));
  });

  it('forgets for good before forgetConfirmed returns, and a later record wins over the forget', async () => {
    const store = await storeWritingBehind();
    try {
      store.recordConfirmed([
        { contactId: '7', payload: payload('7', 'Ann') },
        { contactId: '8', payload: payload('8', 'Ann') },
      ]);
      store.forgetConfirmed(['7', '8']);
      // Another connection reads the file itself: the forget is committed already.
      expect(confirmedOnDisk(['7', '8']).size).toBe(0);
      store.recordConfirmed([{ contactId: '8', payload: payload('8', 'Cy') }]);
      expect(store.getConfirmed(['7', '8'])).toEqual(new Map([['8', payload('8', 'Cy')]]));
    } finally {
      store.close();
    }
    expect(confirmedOnDisk(['7', '8'])).toEqual(new Map([['8', payload('8', 'Cy')]]));
  });

  it('commits the other frequent writes before any other read', async () => {
    const store = await storeWritingBehind();
    try {
      const run = store.startRun('import');
      const counts = { ...run.counts, matched: 2, imported: 1, errors: 1 };
      store.updateRunCounts(run.id, counts);
      store.putRetries([{ contactId: '9', payload: payload('9', 'Ann'), filterIds: [1], reason: 'HTTP 503' }]);
      store.addIssues(run.id, [
        { contactId: '9', firstName: 'Ann', lastName: 'Lee', mobileNumber: '', filterIds: [1], severity: 'error', code: 'CADENCE_UNAVAILABLE', message: 'later' },
      ]);
      expect(store.getRun(run.id)?.counts).toEqual(counts);
      expect(store.listRetries().map((entry) => entry.contactId)).toEqual(['9']);
      expect(store.listIssues(run.id).map((issue) => issue.code)).toEqual(['CADENCE_UNAVAILABLE']);
      store.removeRetries(['9']);
      expect(store.countRetries()).toBe(0);
    } finally {
      store.close();
    }
  });

  it('commits on the main connection until the thread is ready, so a short run never waits for it', () => {
    const store = openStateStore(file);
    try {
      // The first write starts the thread, which cannot be ready yet: this one commits here.
      store.recordConfirmed([{ contactId: '5', payload: payload('5', 'Ann') }]);
      expect(store.writesBehind).toBe(false);
      expect(confirmedOnDisk(['5']).size).toBe(1);
    } finally {
      store.close();
    }
    // Closed with its thread (which was still starting): the file is one file again.
    expect(existsSync(`${file}-wal`)).toBe(false);
  });

  it('throws a failed write from the next call, and from every call after it', async () => {
    const store = await storeWritingBehind();
    try {
      const run = store.startRun('import');
      // No such run: the UPDATE changes no row, which the writer reports as a failure. On the
      // main connection this call would throw itself; behind, it returns and the next one throws.
      expect(() => store.updateRunCounts('no-such-run', run.counts)).not.toThrow();
      expect(() => store.getRun(run.id)).toThrow(/cannot write state file .*no-such-run/);
      expect(() => store.recordConfirmed([{ contactId: '1', payload: payload('1', 'Ann') }])).toThrow(/cannot write state file/);
    } finally {
      expect(() => store.close()).not.toThrow();
    }
    // Nothing asked for after the failure was written.
    expect(confirmedOnDisk(['1']).size).toBe(0);
  });
});
