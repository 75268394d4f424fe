import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { RunCounts, RunIssue } from '../../core/ports.js';
import type { CadenceContact } from '../../core/types.js';
import { emptyRunCounts, openStateStore, runIdAt, type SqliteStateStore } from './store.js';

let dir: string;
let clock: Date;
let store: SqliteStateStore;

function payload(id: string, overrides: Partial<CadenceContact> = {}): CadenceContact {
  return {
    uniqueCampusId: id,
    firstName: 'Ada',
    lastName: 'Lovelace',
    mobileNumber: '4045550134',
    staffId: '',
    optedOut: false,
    allowMobileUpdate: true,
    customFields: { Program: 'Biology; Chemistry' },
    ...overrides,
  };
}

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'state-store-'));
  clock = new Date('2026-11-25T01:15:02.345Z');
  store = openStateStore(path.join(dir, 'nested', 'state.sqlite'), { now: () => clock });
});

afterEach(() => {
  store.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('runs', () => {
  it('starts a run with zero counts and a sortable, readable id', () => {
    store.acquireLock({ pid: process.pid, host: os.hostname() });
    const run = store.startRun('import');
    expect(run.id).toMatch(/^20261125T011502Z-[0-9a-f]{4}$/);
    expect(run).toEqual({
      id: run.id,
      kind: 'import',
      pid: process.pid,
      host: os.hostname(),
      startedAt: '2026-11-25T01:15:02.345Z',
      outcome: 'running',
      counts: emptyRunCounts(),
      notes: [],
    });
    expect(store.getRun(run.id)).toEqual(run);
  });

  it('formats run ids from the start time', () => {
    expect(runIdAt(new Date('2026-03-08T07:00:59.999Z'), 'ab12')).toBe('20260308T070059Z-ab12');
  });

  it('round-trips counts, outcome, error, report path, notes and mail', () => {
    store.acquireLock({ pid: process.pid, host: os.hostname() });
    const run = store.startRun('import');
    const counts: RunCounts = {
      ...emptyRunCounts(),
      matched: 3,
      imported: 2,
      errors: 1,
      created: 1,
      unchanged: 1,
      perFilter: { '70542': { matched: 3, imported: 2, errors: 1, warnings: 0 } },
      writeBack: { written: 4, failed: 1, skipped: 2 },
    };
    store.updateRunCounts(run.id, counts);
    expect(store.getRun(run.id)?.counts).toEqual(counts);

    clock = new Date('2026-11-25T01:20:00.000Z');
    store.finishRun(run.id, { outcome: 'contacts_failed', counts, reportPath: '/x/reports/r-errors.csv', notes: ['filter 70542 re-imported in full: mapping changed'] });
    clock = new Date('2026-11-25T01:20:01.000Z');
    store.recordMail(run.id, { sent: false, error: 'connection refused' });

    expect(store.getRun(run.id)).toEqual({
      ...run,
      finishedAt: '2026-11-25T01:20:00.000Z',
      outcome: 'contacts_failed',
      counts,
      reportPath: '/x/reports/r-errors.csv',
      notes: ['filter 70542 re-imported in full: mapping changed'],
      mail: { sent: false, at: '2026-11-25T01:20:01.000Z', error: 'connection refused' },
    });
  });

  it('keeps notes when finishRun gives none, and records a failure', () => {
    const run = store.startRun('optouts');
    store.finishRun(run.id, { outcome: 'failed', counts: emptyRunCounts(), error: 'Connect: unreachable' });
    const finished = store.getRun(run.id);
    expect(finished).toMatchObject({ kind: 'optouts', outcome: 'failed', error: 'Connect: unreachable', notes: [] });
    expect(finished).not.toHaveProperty('reportPath');
    expect(finished).not.toHaveProperty('mail');
  });

  it('lists recent runs newest first, limited', () => {
    const ids: string[] = [];
    for (let minute = 0; minute < 4; minute += 1) {
      clock = new Date(Date.UTC(2026, 10, 25, 1, minute));
      const run = store.startRun('import');
      store.finishRun(run.id, { outcome: 'ok', counts: emptyRunCounts() });
      ids.push(run.id);
    }
    expect(store.recentRuns(3).map((run) => run.id)).toEqual([ids[3], ids[2], ids[1]]);
    expect(store.recentRuns(0)).toEqual([]);
  });

  it('gives runs started in the same second distinct ids', () => {
    const ids = new Set(Array.from({ length: 50 }, () => store.startRun('import').id));
    expect(ids.size).toBe(50);
  });

  it('refuses to update a run that does not exist', () => {
    expect(() => store.updateRunCounts('nope', emptyRunCounts())).toThrow(/no run nope/);
    expect(() => store.finishRun('nope', { outcome: 'ok', counts: emptyRunCounts() })).toThrow(/no run nope/);
  });
});

describe('watermarks', () => {
  it('sets several in one call and reads them back with the time they were set', () => {
    expect(store.getWatermark(70542)).toBeUndefined();
    store.setWatermarks([
      { filterId: 70611, modifiedAt: '2026-11-24T18:05:22.000Z', contactId: '100234', fingerprint: 'f1' },
      { filterId: 70542, modifiedAt: '2026-11-24T17:00:00.000Z', contactId: '99', fingerprint: 'f2' },
    ]);
    clock = new Date('2026-11-26T00:00:00.000Z');
    store.setWatermarks([{ filterId: 70611, modifiedAt: '2026-11-25T00:00:00.000Z', contactId: '5', fingerprint: 'f3' }]);

    expect(store.listWatermarks()).toEqual([
      { filterId: 70542, modifiedAt: '2026-11-24T17:00:00.000Z', contactId: '99', fingerprint: 'f2', updatedAt: '2026-11-25T01:15:02.345Z' },
      { filterId: 70611, modifiedAt: '2026-11-25T00:00:00.000Z', contactId: '5', fingerprint: 'f3', updatedAt: '2026-11-26T00:00:00.000Z' },
    ]);
    expect(store.getWatermark(70611)?.contactId).toBe('5');
  });
});

describe('confirmed payloads and retries', () => {
  it('records, overwrites and forgets confirmed payloads', () => {
    store.recordConfirmed([
      { contactId: '1', payload: payload('1') },
      { contactId: '2', payload: payload('2', { optedOut: true }) },
    ]);
    store.recordConfirmed([{ contactId: '1', payload: payload('1', { firstName: 'Grace' }) }]);

    const found = store.getConfirmed(['1', '2', '3']);
    expect([...found.keys()].sort()).toEqual(['1', '2']);
    expect(found.get('1')).toEqual(payload('1', { firstName: 'Grace' }));
    expect(store.getConfirmedJson(['2']).get('2')).toBe(JSON.stringify(payload('2', { optedOut: true })));

    store.forgetConfirmed(['1']);
    expect([...store.getConfirmed(['1', '2']).keys()]).toEqual(['2']);
  });

  it('keeps the payload JSON exactly as given, key order included', () => {
    const reordered = { customFields: { B: '2', A: '1' }, uniqueCampusId: '7' } as unknown as CadenceContact;
    store.recordConfirmed([{ contactId: '7', payload: reordered }]);
    expect(store.getConfirmedJson(['7']).get('7')).toBe('{"customFields":{"B":"2","A":"1"},"uniqueCampusId":"7"}');
  });

  it('finds 3,000 of 5,000 confirmed contacts asked for in one call', () => {
    const entries = Array.from({ length: 5000 }, (_, i) => ({ contactId: String(100000 + i), payload: payload(String(100000 + i)) }));
    store.recordConfirmed(entries);
    const asked = Array.from({ length: 3000 }, (_, i) => String(101000 + i * 2)); // 2,000 exist, 1,000 do not
    const found = store.getConfirmed(asked);
    expect(found.size).toBe(2000);
    expect(found.get('104998')).toEqual(payload('104998'));
    expect(found.has('106000')).toBe(false);
    expect(store.getConfirmedJson(asked).size).toBe(2000);
    expect(store.getConfirmed([]).size).toBe(0);
  });

  it('counts attempts, keeps the first failure time and lists oldest first', () => {
    store.putRetries([{ contactId: '2', payload: payload('2'), filterIds: [70542], reason: 'Cadence batch failed' }]);
    clock = new Date('2026-11-25T02:00:00.000Z');
    store.putRetries([
      { contactId: '1', payload: payload('1'), filterIds: [70611], reason: '503' },
      { contactId: '2', payload: payload('2', { lastName: 'Byron' }), filterIds: [70542, 70611], reason: '429' },
    ]);

    expect(store.countRetries()).toBe(2);
    expect(store.listRetries()).toEqual([
      { contactId: '2', payload: payload('2', { lastName: 'Byron' }), filterIds: [70542, 70611], reason: '429', attempts: 2, firstFailedAt: '2026-11-25T01:15:02.345Z' },
      { contactId: '1', payload: payload('1'), filterIds: [70611], reason: '503', attempts: 1, firstFailedAt: '2026-11-25T02:00:00.000Z' },
    ]);

    store.removeRetries(['1']);
    expect(store.listRetries().map((entry) => entry.contactId)).toEqual(['2']);
  });

  it('drops a contact from the retry table when its payload is confirmed', () => {
    store.putRetries([
      { contactId: '1', payload: payload('1'), filterIds: [1], reason: '503' },
      { contactId: '2', payload: payload('2'), filterIds: [1], reason: '503' },
    ]);
    store.recordConfirmed([{ contactId: '1', payload: payload('1') }]);
    expect(store.listRetries().map((entry) => entry.contactId)).toEqual(['2']);
  });
});

describe('report rows', () => {
  function issue(contactId: string, code: string, filterIds: number[]): RunIssue {
    return { contactId, firstName: 'Ada', lastName: 'L', mobileNumber: '=1+2', filterIds, severity: code === 'UNKNOWN_USER_ID' ? 'warning' : 'error', code, message: `${code} for ${contactId}` };
  }

  it('merges the filters of a contact reported again with the same code', () => {
    const run = store.startRun('import');
    store.addIssues(run.id, [issue('1', 'INVALID_MOBILE', [70611]), issue('2', 'UNKNOWN_USER_ID', [70542])]);
    store.addIssues(run.id, [issue('1', 'INVALID_MOBILE', [70542, 70611]), issue('1', 'UNKNOWN_USER_ID', [70542])]);

    expect(store.listIssues(run.id)).toEqual([
      issue('1', 'INVALID_MOBILE', [70542, 70611]),
      issue('2', 'UNKNOWN_USER_ID', [70542]),
      issue('1', 'UNKNOWN_USER_ID', [70542]),
    ]);
    expect(store.listIssues(store.startRun('import').id)).toEqual([]);
  });

  it('iterates a run\'s rows page by page, in the order listIssues gives them', () => {
    const run = store.startRun('import');
    const other = store.startRun('import');
    store.addIssues(run.id, [issue('1', 'INVALID_MOBILE', [1]), issue('2', 'INVALID_MOBILE', [1])]);
    store.addIssues(other.id, [issue('9', 'INVALID_MOBILE', [1])]);
    store.addIssues(run.id, [issue('3', 'UNKNOWN_USER_ID', [1]), issue('1', 'UNKNOWN_USER_ID', [1]), issue('4', 'INVALID_MOBILE', [2])]);

    const seen: RunIssue[] = [];
    for (const row of store.iterateIssues(run.id, 2)) {
      seen.push(row);
      // No statement is left open between pages: the connection takes writes meanwhile.
      store.addIssues(other.id, [issue(`x${seen.length}`, 'INVALID_MOBILE', [1])]);
    }
    expect(seen).toEqual(store.listIssues(run.id));
    expect(seen.map((row) => row.contactId)).toEqual(['1', '2', '3', '1', '4']);
    expect([...store.iterateIssues(other.id, 2)]).toEqual(store.listIssues(other.id));
    expect([...store.iterateIssues(store.startRun('import').id)]).toEqual([]);
  });

  it('refuses rows for a run that does not exist', () => {
    expect(() => store.addIssues('nope', [issue('1', 'INVALID_MOBILE', [1])])).toThrow();
  });
});

describe('opt-out write-back state', () => {
  it('starts at the beginning of the feed and keeps the position given', () => {
    expect(store.getOptOutPosition()).toEqual({ seen: [] });
    store.setOptOutPosition({ since: '2026-11-24T18:03:11Z', cursor: 'abc', seen: ['100234'] });
    expect(store.getOptOutPosition()).toEqual({ since: '2026-11-24T18:03:11Z', cursor: 'abc', seen: ['100234'] });
    store.setOptOutPosition({ since: '2026-11-24T19:00:00Z', seen: [] });
    expect(store.getOptOutPosition()).toEqual({ since: '2026-11-24T19:00:00Z', seen: [] });
  });

  it('keeps the newest consent Cadence reported per contact (times as toISOString text)', () => {
    store.recordConsent('1', { optedOut: true, changedAt: '2026-11-24T18:03:11Z', source: 'keyword' });
    store.recordConsent('2', { optedOut: false, changedAt: '2026-11-24T18:00:00Z', source: 'staff' });
    // A replayed older change does not reverse the newer opt-out; a newer one does.
    store.recordConsent('1', { optedOut: false, changedAt: '2026-11-24T18:03:10.500Z', source: 'staff' });
    expect(store.getConsent(['1']).get('1')).toEqual({ optedOut: true, changedAt: '2026-11-24T18:03:11.000Z', source: 'keyword' });
    store.recordConsent('1', { optedOut: false, changedAt: '2026-11-24T18:03:11.250Z', source: 'keyword' });

    const consent = store.getConsent(['1', '2', '3']);
    expect(consent).toEqual(
      new Map([
        ['1', { optedOut: false, changedAt: '2026-11-24T18:03:11.250Z', source: 'keyword' }],
        ['2', { optedOut: false, changedAt: '2026-11-24T18:00:00.000Z', source: 'staff' }],
      ]),
    );
  });
});

describe('the file', () => {
  it('keeps everything across close and re-open, and leaves a single file at rest', () => {
    const file = path.join(dir, 'nested', 'state.sqlite');
    store.recordConfirmed([{ contactId: '1', payload: payload('1') }]);
    const run = store.startRun('import');
    store.close();
    expect(fs.readdirSync(path.dirname(file))).toEqual(['state.sqlite']);

    store = openStateStore(file, { now: () => clock });
    expect(store.getConfirmed(['1']).get('1')).toEqual(payload('1'));
    expect(store.getRun(run.id)?.id).toBe(run.id);
  });

  it('works in memory for throwaway stores', () => {
    const memory = openStateStore(':memory:');
    memory.recordConfirmed([{ contactId: '1', payload: payload('1') }]);
    expect(memory.getConfirmed(['1']).size).toBe(1);
    memory.close();
    memory.close();
  });
});
