import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { RunIssue } from '../../core/ports.js';
import { openStateStore, type SqliteStateStore } from './store.js';

const issue = (contactId: string, code: string, severity: RunIssue['severity'] = 'error', filterIds = [1]): RunIssue => ({
  contactId,
  firstName: 'Ana',
  lastName: 'Lee',
  mobileNumber: '404-555-CALL',
  filterIds,
  severity,
  code,
  message: `${code} message`,
});

describe('still-failing rows in the state file', () => {
  let dir: string;
  let store: SqliteStateStore;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'state-still-failing-'));
    store = openStateStore(path.join(dir, 'state.sqlite'));
  });
  afterEach(() => {
    store.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('keeps a run\'s data errors with its report rows, not its warnings or transient failures', () => {
    const run = store.startRun('import');
    store.addIssues(run.id, [issue('7', 'INVALID_MOBILE'), issue('8', 'UNKNOWN_USER_ID', 'warning'), issue('9', 'CADENCE_UNAVAILABLE'), issue('10', 'DUPLICATE_MOBILE')]);
    store.addIssues(run.id, [issue('7', 'INVALID_MOBILE', 'error', [2])]);
    expect(store.listStillFailing().sort((a, b) => a.contactId.localeCompare(b.contactId))).toEqual([
      { contactId: '10', code: 'DUPLICATE_MOBILE', runId: run.id, filterIds: [1] },
      { contactId: '7', code: 'INVALID_MOBILE', runId: run.id, filterIds: [1, 2] },
    ]);
    expect(store.countStillFailing(run.id)).toBe(0);
    expect(store.countStillFailing()).toBe(2);
  });

  it('lets a later run\'s finding replace an earlier one, and applies the planned changes', () => {
    const first = store.startRun('import');
    store.addIssues(first.id, [issue('7', 'INVALID_MOBILE', 'error', [1, 2]), issue('8', 'MISSING_MOBILE'), issue('9', 'INVALID_MOBILE')]);
    const second = store.startRun('import');
    store.addIssues(second.id, [issue('7', 'INVALID_MOBILE', 'error', [2]), issue('7', 'MISSING_FIRST_NAME', 'error', [2])]);
    expect(store.countStillFailing(second.id)).toBe(2);
    store.applyStillFailing(second.id, { removeContacts: ['8'], removeEarlierOf: ['7'], setFilters: [{ contactId: '9', filterIds: [3] }] });
    expect(store.listStillFailing().sort((a, b) => `${a.contactId}${a.code}`.localeCompare(`${b.contactId}${b.code}`))).toEqual([
      { contactId: '7', code: 'INVALID_MOBILE', runId: second.id, filterIds: [2] },
      { contactId: '7', code: 'MISSING_FIRST_NAME', runId: second.id, filterIds: [2] },
      { contactId: '9', code: 'INVALID_MOBILE', runId: first.id, filterIds: [3] },
    ]);
    expect([...store.iterateStillFailing(second.id)]).toEqual([{ ...issue('9', 'INVALID_MOBILE', 'error', [3]) }]);
  });

  it('records whether a run was scheduled, and finds tonight\'s completed scheduled import', () => {
    const manual = store.startRun('import');
    store.finishRun(manual.id, { outcome: 'ok', counts: manual.counts });
    const since = new Date(Date.parse(manual.startedAt) - 1000);
    expect(store.scheduledCompletedSince(since)).toBeUndefined();
    const failed = store.startRun('import', { scheduled: true });
    store.finishRun(failed.id, { outcome: 'failed', counts: failed.counts, error: 'down' });
    expect(store.scheduledCompletedSince(since)).toBeUndefined();
    const done = store.startRun('import', { scheduled: true });
    store.finishRun(done.id, { outcome: 'contacts_failed', counts: done.counts });
    expect(store.scheduledCompletedSince(since)).toMatchObject({ id: done.id, scheduled: true });
    expect(store.scheduledCompletedSince(new Date(Date.parse(done.startedAt) + 1000))).toBeUndefined();
    expect(store.getRun(manual.id)?.scheduled).toBeUndefined();
    expect(store.lastCompletedImport()?.id).toBe(done.id);
  });
});
