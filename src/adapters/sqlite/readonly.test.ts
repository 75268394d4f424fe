import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { CadenceContact } from '../../core/types.js';
import { emptyRunCounts, openStateStore, StateFileError, type SqliteStateStore } from './store.js';

let dir: string;
let file: string;

const contact = { uniqueCampusId: '1', firstName: 'Ada', lastName: 'L', mobileNumber: '4045550134', allowMobileUpdate: true, customFields: {} } satisfies CadenceContact;

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'state-readonly-'));
  file = path.join(dir, 'state.sqlite');
});

afterEach(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

/** A file with something in every table, closed. */
function populate(): { runId: string } {
  const store = openStateStore(file);
  store.acquireLock({ pid: process.pid, host: os.hostname() });
  const run = store.startRun('import');
  store.addIssues(run.id, [{ contactId: '2', firstName: 'B', lastName: 'C', mobileNumber: '12', filterIds: [1], severity: 'error', code: 'INVALID_MOBILE', message: 'bad' }]);
  store.finishRun(run.id, { outcome: 'contacts_failed', counts: emptyRunCounts() });
  store.recordConfirmed([{ contactId: '1', payload: contact }]);
  store.putRetries([{ contactId: '3', payload: contact, filterIds: [1], reason: '503' }]);
  store.setWatermarks([{ filterId: 1, modifiedAt: '2026-11-24T18:05:22.000Z', contactId: '1', fingerprint: 'f' }]);
  store.setOptOutPosition({ since: '2026-11-24T18:00:00Z', seen: ['9'] });
  store.recordConsent('1', { optedOut: true, changedAt: '2026-11-24T18:03:11Z', source: 'keyword' });
  store.releaseLock();
  store.close();
  return { runId: run.id };
}

function snapshot(): { names: string[]; bytes: Buffer; mtimeMs: number } {
  return { names: fs.readdirSync(dir).sort(), bytes: fs.readFileSync(file), mtimeMs: fs.statSync(file).mtimeMs };
}

/** Calls every write method; each must refuse. */
function expectEveryWriteRefused(store: SqliteStateStore, runId: string): void {
  const writes: (() => unknown)[] = [
    () => store.acquireLock({ pid: process.pid, host: os.hostname() }),
    () => store.releaseLock(),
    () => store.breakLock(),
    () => store.startRun('import'),
    () => store.updateRunCounts(runId, emptyRunCounts()),
    () => store.finishRun(runId, { outcome: 'ok', counts: emptyRunCounts() }),
    () => store.recordMail(runId, { sent: true }),
    () => store.setWatermarks([]),
    () => store.recordConfirmed([{ contactId: '5', payload: contact }]),
    () => store.forgetConfirmed(['1']),
    () => store.putRetries([]),
    () => store.removeRetries(['3']),
    () => store.addIssues(runId, []),
    () => store.setOptOutPosition({ seen: [] }),
    () => store.recordConsent('1', { optedOut: false, changedAt: '2027-01-01T00:00:00Z', source: 'staff' }),
  ];
  for (const write of writes) expect(write).toThrow(StateFileError);
}

describe('a read-only store', () => {
  it('reads everything and changes nothing: same bytes, same time, no -wal or -shm', () => {
    const { runId } = populate();
    const before = snapshot();
    expect(before.names).toEqual(['state.sqlite']);

    const store = openStateStore(file, { readonly: true });
    expect(store.readonly).toBe(true);
    expect(store.getRun(runId)?.outcome).toBe('contacts_failed');
    expect(store.recentRuns(5)).toHaveLength(1);
    expect(store.listIssues(runId)).toHaveLength(1);
    expect(store.getConfirmed(['1']).get('1')).toEqual(contact);
    expect(store.getConfirmedJson(['1']).get('1')).toBe(JSON.stringify(contact));
    expect(store.listRetries().map((entry) => entry.contactId)).toEqual(['3']);
    expect(store.countRetries()).toBe(1);
    expect(store.getWatermark(1)?.contactId).toBe('1');
    expect(store.listWatermarks()).toHaveLength(1);
    expect(store.getOptOutPosition()).toEqual({ since: '2026-11-24T18:00:00Z', seen: ['9'] });
    expect(store.getConsent(['1']).get('1')?.optedOut).toBe(true);
    expect(store.lockHolder()).toBeUndefined();
    expect(fs.readdirSync(dir).sort()).toEqual(['state.sqlite']);
    expectEveryWriteRefused(store, runId);
    store.close();

    expect(snapshot()).toEqual(before);
  });

  it('reads a missing file as empty and creates nothing, not even its folder', () => {
    file = path.join(dir, 'missing', 'state.sqlite');
    const store = openStateStore(file, { readonly: true });
    expect(store.recentRuns(10)).toEqual([]);
    expect(store.getConfirmed(['1']).size).toBe(0);
    expect(store.listWatermarks()).toEqual([]);
    expect(store.getOptOutPosition()).toEqual({ seen: [] });
    expectEveryWriteRefused(store, 'none');
    store.close();
    expect(fs.existsSync(path.join(dir, 'missing'))).toBe(false);
  });

  it('reads an empty file as empty and leaves it empty', () => {
    fs.writeFileSync(file, '');
    const store = openStateStore(file, { readonly: true });
    expect(store.listRetries()).toEqual([]);
    store.close();
    expect(fs.statSync(file).size).toBe(0);
    expect(fs.readdirSync(dir)).toEqual(['state.sqlite']);
  });

  it('sees what a writer that is still open has committed', () => {
    const writer = openStateStore(file);
    writer.recordConfirmed([{ contactId: '1', payload: contact }]);
    const reader = openStateStore(file, { readonly: true });
    expect(reader.getConfirmed(['1']).size).toBe(1);
    writer.recordConfirmed([{ contactId: '2', payload: contact }]);
    expect(reader.getConfirmed(['1', '2']).size).toBe(2);
    reader.close();
    writer.close();
    expect(fs.readdirSync(dir)).toEqual(['state.sqlite']);
  });
});
