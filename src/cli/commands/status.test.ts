/**
 * What `status` reads, through the state's roles, from a real SQLite state: the lock's
 * holder, the runs newest first (as many as asked), watermarks, retries, contacts still
 * failing and the opt-out journal's counts.
 */
import { hostname } from 'node:os';
import { describe, expect, it } from 'vitest';
import { openSqliteState } from '../../adapters/sqlite/state.js';
import { emptyRunCounts } from '../../core/run-life.js';
import type { CadenceContact } from '../../core/types.js';
import { readStatus } from './status.js';

const payload: CadenceContact = { uniqueCampusId: '7', firstName: 'Ann', lastName: 'Lee', mobileNumber: '5551234567', optedOut: false, allowMobileUpdate: true, customFields: {} };
const at = { timeZone: 'America/New_York', now: new Date('2026-11-25T09:00:00.000Z') };

describe('status: reading the state', () => {
  it('reads every part of the status', async () => {
    let clock = new Date('2026-11-25T06:00:00.000Z');
    const state = openSqliteState(':memory:', { now: () => clock });
    try {
      const first = await state.runs.start('import');
      await state.report.add(first.id, [{ contactId: '8', firstName: 'Bo', lastName: 'Ng', mobileNumber: '', filterIds: [70542], severity: 'error', code: 'MISSING_MOBILE', message: 'no mobile number' }]);
      await state.runs.finish(first.id, { outcome: 'contacts_failed', counts: { ...emptyRunCounts(), errors: 1 } });
      clock = new Date('2026-11-25T07:00:00.000Z');
      await state.lock.acquire({ pid: process.pid, host: hostname() });
      const second = await state.runs.start('optouts');
      await state.sync.setWatermarks([{ filterId: 70542, modifiedAt: '2026-11-25T05:00:00.000Z', contactId: '9', fingerprint: 'f' }]);
      await state.sync.putRetries([{ contactId: '7', payload, filterIds: [70542], reason: 'HTTP 503' }]);
      await state.journal.journal([{ contactId: '7', optedOut: true, changedAt: '2026-11-25T06:30:00.000Z', source: 'webhook' }]);

      const status = await readStatus(state, 1, at);
      expect(status).toEqual({
        runs: [expect.objectContaining({ id: second.id, kind: 'optouts', outcome: 'running' })],
        watermarks: [{ filterId: 70542, modifiedAt: '2026-11-25T05:00:00.000Z', contactId: '9', fingerprint: 'f', updatedAt: '2026-11-25T07:00:00.000Z' }],
        retries: 1,
        stillFailing: 1,
        lockHolder: { pid: process.pid, host: hostname(), since: '2026-11-25T07:00:00.000Z' },
        optOuts: { pending: 1, failed: 0 },
        ...at,
      });
      expect((await readStatus(state, 5, at)).runs.map((run) => run.id)).toEqual([second.id, first.id]);
      await state.lock.release();
      expect((await readStatus(state, 5, at)).lockHolder).toBeUndefined();
    } finally {
      await state.close();
    }
  });
});
